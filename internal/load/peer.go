//go:build linux

package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// peer is one client socket with a reader goroutine that sorts what arrives:
// chat messages are measured, the sender's own echoes counted, and control
// frames handed to onFrame or queued for await.
type peer struct {
	r       *runner
	ws      *websocket.Conn
	side    side
	name    string
	onFrame frameHandler // optional; may take frames before they are queued
	events  chan frame   // control frames nobody handled, for await
	done    chan struct{}
	err     error // why the reader stopped; read after done is closed
}

// frameHandler sees every frame except console chatter and reports whether
// it dealt with it. It runs on the peer's reader goroutine.
type frameHandler func(p *peer, f *frame, now time.Time) bool

// newPeer starts reading ws and remembers it for the teardown.
func (r *runner) newPeer(ws *websocket.Conn, s side, name string, onFrame frameHandler) *peer {
	p := &peer{r: r, ws: ws, side: s, name: name, onFrame: onFrame,
		events: make(chan frame, 64), done: make(chan struct{})}
	r.mu.Lock()
	r.peers = append(r.peers, p)
	r.mu.Unlock()
	go p.readLoop()
	return p
}

func (p *peer) readLoop() {
	defer close(p.done)
	var buf bytes.Buffer
	for {
		_, rd, err := p.ws.Reader(p.r.io)
		if err == nil {
			buf.Reset()
			_, err = buf.ReadFrom(rd)
		}
		if err != nil {
			p.err = err
			p.r.socketEnded(err)
			return
		}
		p.dispatch(buf.Bytes(), time.Now())
	}
}

func (p *peer) dispatch(b []byte, now time.Time) {
	typ := frameType(b)
	if isChatter(typ) {
		return
	}
	if string(typ) == "msg" && p.onFrame == nil {
		if from, text, ok := msgFields(b); ok {
			p.message(from, text, now) // the hot path: no decoding, no allocation
			return
		}
	}
	var f frame
	if err := json.Unmarshal(b, &f); err != nil {
		p.r.count("undecodable frame")
		return
	}
	if p.onFrame != nil && p.onFrame(p, &f, now) {
		return
	}
	switch f.Type {
	case "msg":
		p.message([]byte(f.From), []byte(f.Text), now)
		return
	case "error":
		p.r.count("error: " + f.Code)
	}
	select {
	case p.events <- f:
	default: // nobody is waiting for control frames now
	}
}

// message counts a chat message, or parentline's echo of the sender's own.
func (p *peer) message(from, text []byte, now time.Time) {
	if string(from) == p.side.word() {
		p.r.acks.Add(1)
		return
	}
	p.r.received(p.side, text, now)
}

// write sends one text frame.
func (p *peer) write(ctx context.Context, b []byte) error {
	if err := p.ws.Write(ctx, websocket.MessageText, b); err != nil {
		return fmt.Errorf("%s: writing: %w", p.name, err)
	}
	return nil
}

// await returns the next control frame of type typ, skipping others. An
// error or closed frame, the end of the socket, or 15 s of waiting fail it.
func (p *peer) await(ctx context.Context, typ string) (frame, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	for {
		var f frame
		select {
		case f = <-p.events:
		case <-p.done:
			select {
			case f = <-p.events:
			default:
				return frame{}, fmt.Errorf("%s: socket closed while waiting for %q: %w", p.name, typ, p.err)
			}
		case <-ctx.Done():
			return frame{}, fmt.Errorf("%s: no %q: %w", p.name, typ, ctx.Err())
		}
		switch f.Type {
		case typ:
			return f, nil
		case "error", "closed":
			return f, fmt.Errorf("%s: waiting for %q, the server sent %s %s%s %s", p.name, typ, f.Type, f.Code, f.Reason, f.Message)
		}
	}
}

// chat is one conversation under load: its two ends and what went each way.
type chat struct {
	idx     int
	key     string   // parentline: the chat id; floor: the pair key
	ends    [2]*peer // by side
	sent    [2]atomic.Int64
	recv    [2]atomic.Int64
	lastSeq [2]atomic.Int64
	arrived chan struct{} // a message reached the other side (closed mode waits on it)
	buf     []byte        // the sender's frame buffer
}

func newChat(idx int, key string, parent, counselor *peer) *chat {
	c := &chat{idx: idx, key: key, ends: [2]*peer{parent, counselor}, arrived: make(chan struct{}, 1)}
	c.lastSeq[0].Store(-1)
	c.lastSeq[1].Store(-1)
	return c
}

// send writes message seq, scheduled at offset at, from one side of the
// chat. Only one goroutine sends for a chat, so it may reuse c.buf.
func (c *chat) send(r *runner, from side, seq int64, at time.Duration) {
	key := ""
	if from == counselorSide {
		key = c.key
	}
	c.buf = appendMsg(c.buf[:0], key, payload{chat: c.idx, seq: seq, sched: at}, r.cfg.TextSize)
	c.sent[from].Add(1)
	if err := c.ends[from].write(r.io, c.buf); err != nil {
		r.sendErrors.Add(1)
		r.count("send failed")
	}
}

// delivered reports whether everything sent has arrived.
func (c *chat) delivered() bool {
	return c.recv[0].Load() >= c.sent[0].Load() && c.recv[1].Load() >= c.sent[1].Load()
}
