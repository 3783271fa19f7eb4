//go:build linux

package load

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// preciseTimer wakes its goroutine at a given time to within microseconds.
// Go's own timers fire up to a millisecond late when the process is
// otherwise idle (the poller waits in whole milliseconds), which would add
// up to 1 ms to every latency measured from a scheduled time. A timerfd is
// waited on by the same poller, but its readiness wakes it at once.
type preciseTimer struct {
	f  *os.File
	fd int
}

func newPreciseTimer() (*preciseTimer, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("timerfd: %w", err)
	}
	return &preciseTimer{f: os.NewFile(uintptr(fd), "timerfd"), fd: fd}, nil
}

// waitUntil returns at t, or at once if t has passed; an error if the
// timer was closed.
func (t *preciseTimer) waitUntil(at time.Time) error {
	d := time.Until(at)
	if d <= 0 {
		return nil
	}
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(int64(d))}
	if err := unix.TimerfdSettime(t.fd, 0, &spec, nil); err != nil {
		return fmt.Errorf("timerfd: %w", err)
	}
	var expirations [8]byte
	if _, err := t.f.Read(expirations[:]); err != nil {
		return fmt.Errorf("timerfd: %w", err)
	}
	return nil
}

// closeOn closes the timer when ctx ends, which ends a wait in progress.
func (t *preciseTimer) closeOn(ctx context.Context) (stop func() bool) {
	return context.AfterFunc(ctx, func() { t.f.Close() })
}

func (t *preciseTimer) close() error {
	if err := t.f.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
		return err
	}
	return nil
}
