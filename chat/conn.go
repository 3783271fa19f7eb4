package chat

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/coder/websocket"
)

const (
	sendBuffer   = 256
	writeTimeout = 5 * time.Second
)

// outMsg is one frame queued for a socket. A non-zero closeCode makes the
// writer close the socket after writing frame (if any).
type outMsg struct {
	frame     []byte
	sent      time.Time // when the message this frame relays was received; zero if not a relay
	closeCode websocket.StatusCode
	reason    string
}

// conn wraps one WebSocket: a writer goroutine fed by a bounded channel, a
// pinger, and helpers for the reader loop that the endpoint runs itself.
type conn struct {
	ws      *websocket.Conn
	out     chan outMsg
	done    chan struct{}
	once    sync.Once
	metrics *metrics
}

func newConn(ws *websocket.Conn, m *metrics) *conn {
	return &conn{ws: ws, out: make(chan outMsg, sendBuffer), done: make(chan struct{}), metrics: m}
}

// push queues a frame without blocking. A peer too slow to drain its queue is
// disconnected with StatusPolicyViolation; it may resume.
func (c *conn) push(frame []byte) { c.pushMsg(outMsg{frame: frame}) }

func (c *conn) pushMsg(m outMsg) {
	select {
	case <-c.done:
	case c.out <- m:
	default:
		c.kill(websocket.StatusPolicyViolation, "too slow")
	}
}

// closeWith sends a last frame (may be nil) and then closes the socket.
func (c *conn) closeWith(frame []byte, code websocket.StatusCode, reason string) {
	select {
	case <-c.done:
	case c.out <- outMsg{frame: frame, closeCode: code, reason: reason}:
	default:
		c.kill(code, reason)
	}
}

// kill closes the socket at once.
func (c *conn) kill(code websocket.StatusCode, reason string) {
	c.once.Do(func() {
		close(c.done)
		go c.ws.Close(code, reason) // Close waits for the peer; never block the caller
	})
}

// run writes queued frames and pings until the socket is done.
func (c *conn) run(ctx context.Context, pingEvery time.Duration) {
	go c.pinger(ctx, pingEvery)
	for {
		select {
		case <-c.done:
			return
		case <-ctx.Done():
			c.kill(websocket.StatusGoingAway, "server shutting down")
			return
		case m := <-c.out:
			if m.frame != nil {
				wctx, cancel := context.WithTimeout(ctx, writeTimeout)
				err := c.ws.Write(wctx, websocket.MessageText, m.frame)
				cancel()
				if err != nil {
					c.kill(websocket.StatusInternalError, "write failed")
					return
				}
				if !m.sent.IsZero() && c.metrics != nil {
					c.metrics.relayLatency.Observe(time.Since(m.sent).Seconds())
				}
			}
			if m.closeCode != 0 {
				c.once.Do(func() {
					close(c.done)
					cctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
					defer cancel()
					closeErr := make(chan struct{})
					go func() { c.ws.Close(m.closeCode, m.reason); close(closeErr) }()
					select {
					case <-closeErr:
					case <-cctx.Done():
						c.ws.CloseNow()
					}
				})
				return
			}
		}
	}
}

func (c *conn) pinger(ctx context.Context, every time.Duration) {
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-ctx.Done():
			return
		case <-t.C:
			pctx, cancel := context.WithTimeout(ctx, every/2+time.Second)
			err := c.ws.Ping(pctx)
			cancel()
			if err != nil {
				c.kill(websocket.StatusGoingAway, "ping timeout")
				return
			}
		}
	}
}

// errFrameTooLarge marks a frame that was drained and must be refused.
var errFrameTooLarge = errors.New("frame too large")

// read returns the next text frame. Frames over MaxFrameBytes are drained
// (up to the hard read limit) and reported as errFrameTooLarge, so the caller
// can refuse them and keep the socket open.
func (c *conn) read(ctx context.Context, buf *bytes.Buffer) ([]byte, error) {
	typ, r, err := c.ws.Reader(ctx)
	if err != nil {
		return nil, err
	}
	buf.Reset()
	n, err := io.Copy(buf, io.LimitReader(r, MaxFrameBytes+1))
	if err != nil {
		return nil, err
	}
	if n > MaxFrameBytes {
		if _, err := io.Copy(io.Discard, r); err != nil {
			return nil, err
		}
		return nil, errFrameTooLarge
	}
	if typ != websocket.MessageText {
		return nil, refuse(codeBadJSON, "binary frames are not accepted")
	}
	return buf.Bytes(), nil
}

// asRefusal says whether a read error is a refused frame (the socket stays
// open) rather than the end of the socket.
func asRefusal(err error) *frameError {
	if errors.Is(err, errFrameTooLarge) {
		return refuse(codeTooLarge, "frame larger than 16 KiB")
	}
	var fe *frameError
	if errors.As(err, &fe) {
		return fe
	}
	return nil
}
