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
	sendBuffer   = 256 // frames queued for one socket before it counts as too slow
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

// conn wraps one WebSocket. Frames are queued without blocking and written
// by whoever claims the writer role: a goroutine started for the purpose, or
// (for relayed messages) the sender's own reader goroutine once it has left
// the hub lock, which saves a goroutine hand-off per message. An idle socket
// has no goroutine but its reader, and pings come from a timer, so a waiting
// parent costs little more than the socket itself.
type conn struct {
	ws      *websocket.Conn
	ctx     context.Context // the hub's lifetime, for pings
	metrics *metrics

	mu      sync.Mutex
	queue   []outMsg
	spare   []outMsg
	writing bool // someone holds the writer role
	dead    bool
	ping    *time.Timer

	// later: sockets this socket's reader goroutine must drain once it has
	// left the hub lock (see pushLater). Only that goroutine touches it.
	later []*conn
}

func newConn(ctx context.Context, ws *websocket.Conn, m *metrics) *conn {
	return &conn{ws: ws, ctx: ctx, metrics: m}
}

// startPings pings the peer every interval (none if interval <= 0); a peer
// that does not answer within half the interval (plus a second) is dropped.
// A failed ping also ends a write stuck on a peer that stopped reading.
func (c *conn) startPings(every time.Duration) {
	if every <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead {
		return
	}
	c.ping = time.AfterFunc(every, func() {
		ctx, cancel := context.WithTimeout(c.ctx, every/2+time.Second)
		err := c.ws.Ping(ctx)
		cancel()
		if err != nil {
			c.kill(websocket.StatusGoingAway, "ping timeout")
			return
		}
		c.mu.Lock()
		if !c.dead {
			c.ping.Reset(every)
		}
		c.mu.Unlock()
	})
}

// enqueue adds a frame and reports whether the caller now holds the writer
// role and must see to it that drain runs. A peer too slow to drain its
// queue is disconnected with StatusPolicyViolation; it may resume.
func (c *conn) enqueue(m outMsg) (claimed bool) {
	c.mu.Lock()
	if c.dead {
		c.mu.Unlock()
		return false
	}
	if len(c.queue) >= sendBuffer && m.closeCode == 0 {
		c.mu.Unlock()
		c.kill(websocket.StatusPolicyViolation, "too slow")
		return false
	}
	c.queue = append(c.queue, m)
	claimed = !c.writing
	c.writing = true
	c.mu.Unlock()
	return claimed
}

// push queues a frame without blocking; a goroutine writes it.
func (c *conn) push(frame []byte) { c.pushMsg(outMsg{frame: frame}) }

func (c *conn) pushMsg(m outMsg) {
	if c.enqueue(m) {
		go c.drain()
	}
}

// pushLater queues a frame and, if nobody is writing to this socket, adds it
// to *mine: the caller must call drain on each of those after releasing the
// hub lock.
func (c *conn) pushLater(m outMsg, mine *[]*conn) {
	if c.enqueue(m) {
		*mine = append(*mine, c)
	}
}

// drainLater writes, in this (reader) goroutine, the frames it queued with
// pushLater while it held the hub lock.
func (c *conn) drainLater() {
	for i, x := range c.later {
		x.drain()
		c.later[i] = nil
	}
	c.later = c.later[:0]
}

// closeWith sends a last frame (may be nil) and then closes the socket.
func (c *conn) closeWith(frame []byte, code websocket.StatusCode, reason string) {
	c.pushMsg(outMsg{frame: frame, closeCode: code, reason: reason})
}

// markDead stops the socket taking frames; it reports false if it already was.
func (c *conn) markDead() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead {
		return false
	}
	c.dead = true
	clear(c.queue)
	c.queue = nil
	if c.ping != nil {
		c.ping.Stop()
	}
	return true
}

// kill closes the socket at once.
func (c *conn) kill(code websocket.StatusCode, reason string) {
	if c.markDead() {
		go c.ws.Close(code, reason) // Close waits for the peer; never block the caller
	}
}

// drain writes queued frames until the queue is empty, then gives up the
// writer role. Only the holder of the role calls it.
func (c *conn) drain() {
	for {
		c.mu.Lock()
		if len(c.queue) == 0 || c.dead {
			c.writing = false
			c.mu.Unlock()
			return
		}
		batch := c.queue
		c.queue, c.spare = c.spare[:0], nil
		c.mu.Unlock()
		for i, m := range batch {
			if m.frame != nil {
				// No deadline per write (each would cost a timer): a peer that
				// stops reading is ended by the failing ping, and the hub closes
				// every socket on shutdown.
				if err := c.ws.Write(context.Background(), websocket.MessageText, m.frame); err != nil {
					c.kill(websocket.StatusInternalError, "write failed")
					return
				}
				if !m.sent.IsZero() && c.metrics != nil {
					c.metrics.relayLatency.Observe(time.Since(m.sent).Seconds())
				}
			}
			if m.closeCode != 0 {
				c.closeNow(m.closeCode, m.reason)
				return
			}
			batch[i] = outMsg{}
		}
		c.mu.Lock()
		if c.spare == nil && cap(batch) <= 4*sendBuffer {
			c.spare = batch[:0]
		}
		c.mu.Unlock()
	}
}

// closeNow runs the close handshake, bounded by writeTimeout.
func (c *conn) closeNow(code websocket.StatusCode, reason string) {
	if !c.markDead() {
		return
	}
	done := make(chan struct{})
	go func() { c.ws.Close(code, reason); close(done) }()
	select {
	case <-done:
	case <-time.After(writeTimeout):
		c.ws.CloseNow()
	}
}

// errFrameTooLarge marks a frame that was drained and must be refused.
var errFrameTooLarge = errors.New("frame too large")

// read returns the next text frame. Frames over MaxFrameBytes are drained
// (up to the hard read limit) and reported as errFrameTooLarge, so the caller
// can refuse them and keep the socket open.
//
// Reads have no deadline (one per read would cost a timer registration per
// message); pings end a silent peer and Shutdown closes every socket.
func (c *conn) read(buf *bytes.Buffer) ([]byte, error) {
	typ, r, err := c.ws.Reader(context.Background())
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
