package durable

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"

	"parentline/stats"
)

// KindTally is the entry kind of tally increments.
const KindTally = "tally"

// ApplyTally is the store node's Handler for KindTally entries.
func ApplyTally(tx *bolt.Tx, payload []byte) error {
	var incs []stats.Increment
	if err := json.Unmarshal(payload, &incs); err != nil {
		return Reject(err)
	}
	if err := stats.ApplyIncrements(tx, incs); err != nil {
		return Reject(err)
	}
	return nil
}

// Tallies is a chat node's Tallier: it sends the increments of every event
// to the store node instead of writing them to a local file. Like
// stats.Tallies it never blocks the hub: entries are queued and sent by one
// goroutine, several per round trip, and a close's done is called once
// Redis has its entry.
type Tallies struct {
	rdb *redis.Client
	log zerolog.Logger

	mu      sync.Mutex
	pending []pendingTally
	closed  bool
	wake    chan struct{}
	stopped chan struct{}
}

type pendingTally struct {
	payload []byte
	done    func(error)
}

// NewTallies starts the sending goroutine; Close stops it.
func NewTallies(rdb *redis.Client, log zerolog.Logger) *Tallies {
	t := &Tallies{rdb: rdb, log: log, wake: make(chan struct{}, 1), stopped: make(chan struct{})}
	go t.sender()
	return t
}

// Add sends the increments of a chat closed with these topics.
func (t *Tallies) Add(day, audience string, topics []string, done func(error)) {
	incs, err := stats.ClosedIncrements(day, audience, topics)
	if err != nil {
		if done != nil {
			done(err)
		}
		return
	}
	t.enqueue(incs, done)
}

// Queued, Answered and Abandoned send the queue's flow.
func (t *Tallies) Queued(at time.Time, audience string) {
	t.enqueue(stats.QueuedIncrements(at, audience), nil)
}

func (t *Tallies) Answered(at time.Time, audience string, waited time.Duration) {
	t.enqueue(stats.AnsweredIncrements(at, audience, waited), nil)
}

func (t *Tallies) Abandoned(at time.Time, audience string) {
	t.enqueue(stats.AbandonedIncrements(at, audience), nil)
}

func (t *Tallies) enqueue(incs []stats.Increment, done func(error)) {
	if len(incs) == 0 {
		return
	}
	payload, _ := json.Marshal(incs) // plain strings: cannot fail
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		if done != nil {
			done(stats.ErrClosed)
		}
		return
	}
	t.pending = append(t.pending, pendingTally{payload, done})
	t.mu.Unlock()
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// sender sends what is pending in one pipeline per round trip. An entry
// Redis did not take is reported to its done (the counsellor is told the
// tally was not stored) and logged; it is not retried behind their back.
func (t *Tallies) sender() {
	defer close(t.stopped)
	for {
		t.mu.Lock()
		batch, closing := t.pending, t.closed
		t.pending = nil
		t.mu.Unlock()
		if len(batch) == 0 {
			if closing {
				return
			}
			<-t.wake
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		pipe := t.rdb.Pipeline()
		cmds := make([]*redis.StringCmd, len(batch))
		for i, e := range batch {
			cmds[i] = pipe.XAdd(ctx, &redis.XAddArgs{Stream: Stream, Values: []any{"kind", KindTally, "body", e.payload}})
		}
		pipe.Exec(ctx)
		cancel()
		for i, e := range batch {
			err := cmds[i].Err()
			if err != nil {
				t.log.Error().Err(err).Msg("a tally was not sent to the store node")
			}
			if e.done != nil {
				e.done(err)
			}
		}
	}
}

// Close sends what is pending and stops.
func (t *Tallies) Close() error {
	t.mu.Lock()
	already := t.closed
	t.closed = true
	t.mu.Unlock()
	if !already {
		select {
		case t.wake <- struct{}{}:
		default:
		}
	}
	<-t.stopped
	return nil
}
