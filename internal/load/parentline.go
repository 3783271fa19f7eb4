//go:build linux

package load

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// parentlineTarget is the real server: counsellors log in and open the
// console, parents say hello and wait in the queue, and a counsellor's
// accept makes a chat.
type parentlineTarget struct {
	r          *runner
	counselors []*peer // holding the background chats
	chats      []*chat
	idle       []*peer // idle parents
	desk       *churnDesk
}

func (t *parentlineTarget) user(n int) string {
	return t.r.cfg.UserPrefix + fmt.Sprintf("%03d", n)
}

// counselor logs user n in from source address n (the server throttles
// logins per client address) and opens their console on node k.
func (t *parentlineTarget) counselor(ctx context.Context, n, k int, onFrame frameHandler) (*peer, error) {
	user := t.user(n)
	cookie, err := t.r.loginAt(k).login(ctx, n, user, t.r.cfg.Password)
	if err != nil {
		return nil, err
	}
	ws, err := t.r.dials[k].websocket(ctx, n, "/ws/counselor", http.Header{"Cookie": {cookie}})
	if err != nil {
		return nil, fmt.Errorf("counsellor %s: %w", user, err)
	}
	p := t.r.newPeer(ws, counselorSide, "counsellor "+user, onFrame)
	if _, err := p.await(ctx, "ready"); err != nil {
		return nil, err
	}
	return p, nil
}

// parent opens parent i's socket on node i mod N; the caller says hello.
func (t *parentlineTarget) parent(ctx context.Context, i int) (*peer, error) {
	ws, err := t.r.node(int64(i)).websocket(ctx, t.r.source(), "/ws/parent", nil)
	if err != nil {
		return nil, fmt.Errorf("parent %d: %w", i, err)
	}
	return t.r.newPeer(ws, parentSide, "parent "+strconv.Itoa(i), nil), nil
}

// connect logs in the counsellors, connects n parents (both spread over
// the nodes as newSpread says), and then, one chat at a time so that the
// accepted chat is known to be this parent's, has each parent say hello and
// its counsellor accept it.
func (t *parentlineTarget) connect(ctx context.Context, n int) ([]*chat, error) {
	sp := newSpread(n, len(t.r.dials), t.r.cfg.MaxChats)
	nc := len(sp.counselorNode)
	t.counselors = make([]*peer, nc)
	err := parallel(ctx, nc, 4, func(ctx context.Context, i int) error {
		p, err := t.counselor(ctx, i+1, sp.counselorNode[i], nil)
		t.counselors[i] = p
		return err
	})
	if err != nil {
		return nil, err
	}
	parents := make([]*peer, n)
	err = parallel(ctx, n, 64, func(ctx context.Context, i int) error {
		p, err := t.parent(ctx, i)
		parents[i] = p
		return err
	})
	if err != nil {
		return nil, err
	}
	t.chats = make([]*chat, n)
	for i, p := range parents {
		c, err := t.startChat(ctx, i, p, t.counselors[sp.counselorOf[i]])
		if err != nil {
			return nil, err
		}
		t.chats[i] = c
	}
	return t.chats, nil
}

func (t *parentlineTarget) startChat(ctx context.Context, i int, p, co *peer) (*chat, error) {
	if err := p.write(ctx, helloFrame); err != nil {
		return nil, err
	}
	if _, err := p.await(ctx, "welcome"); err != nil {
		return nil, err
	}
	if err := co.write(ctx, acceptFrame); err != nil {
		return nil, err
	}
	started, err := co.await(ctx, "chat_started")
	if err != nil {
		return nil, fmt.Errorf("%w (is the server's --max-chats at least %d?)", err, t.r.cfg.MaxChats)
	}
	if _, err := p.await(ctx, "joined"); err != nil {
		return nil, err
	}
	return newChat(i, started.Chat, p, co), nil
}

// connectIdle connects n parents, on the nodes in turn, that say hello and
// wait in the queue.
func (t *parentlineTarget) connectIdle(ctx context.Context, n int) error {
	t.idle = make([]*peer, n)
	return parallel(ctx, n, 64, func(ctx context.Context, i int) error {
		p, err := t.parent(ctx, i)
		if err != nil {
			return err
		}
		t.idle[i] = p
		if err := p.write(ctx, helloFrame); err != nil {
			return err
		}
		_, err = p.await(ctx, "queued")
		return err
	})
}

// leave ends every chat as its counsellor would (close with a topic, then
// the server's chat_ended "closed"), and idle parents leave the queue.
func (t *parentlineTarget) leave(ctx context.Context) error {
	for _, p := range t.idle {
		if p != nil {
			p.write(ctx, endFrame) // the socket may already be gone; the teardown closes it anyway
		}
	}
	held := map[*peer][]*chat{}
	for _, c := range t.chats {
		if c != nil {
			held[c.ends[counselorSide]] = append(held[c.ends[counselorSide]], c)
		}
	}
	return parallel(ctx, len(t.counselors), 8, func(ctx context.Context, i int) error {
		co := t.counselors[i]
		for _, c := range held[co] {
			if err := co.write(ctx, closeFrame(c.key)); err != nil {
				return err
			}
		}
		for range held[co] {
			if err := awaitClosed(ctx, co); err != nil {
				return err
			}
		}
		return nil
	})
}

// awaitClosed waits for one chat_ended "closed" on a counsellor's socket.
func awaitClosed(ctx context.Context, co *peer) error {
	for {
		f, err := co.await(ctx, "chat_ended")
		if err != nil {
			return err
		}
		if f.Reason == "closed" {
			return nil
		}
	}
}

// prepareChurn logs in the counsellors who take the churn chats, on the
// nodes in turn.
func (t *parentlineTarget) prepareChurn(ctx context.Context) error {
	n := t.r.cfg.churnCounselors()
	first := t.r.cfg.counselors() + 1
	t.desk = &churnDesk{r: t.r, peers: make([]*peer, n), load: make([]atomic.Int32, n), max: int32(t.r.cfg.MaxChats)}
	return parallel(ctx, n, 4, func(ctx context.Context, i int) error {
		p, err := t.counselor(ctx, first+i, i%len(t.r.dials), t.desk.handler(i))
		t.desk.peers[i] = p
		return err
	})
}

// churnOne is one short chat: a new parent says hello, a churn counsellor
// accepts, one message goes each way, the counsellor closes the chat and
// the parent is told it ended. The counsellor's side runs in churnDesk.
// Churn parents take the nodes in turn; on a cluster the accept takes the
// longest-waiting chat of the shared queue, on whichever node its parent is.
func (t *parentlineTarget) churnOne(ctx context.Context, id int64) error {
	r := t.r
	began := r.since()
	ws, err := r.node(id).websocket(ctx, r.source(), "/ws/parent", nil)
	if err != nil {
		return err
	}
	defer ws.CloseNow()
	if err := ws.Write(ctx, websocket.MessageText, helloFrame); err != nil {
		return fmt.Errorf("churn: hello: %w", err)
	}
	if _, err := readUntil(ctx, ws, func(f frame) bool { return f.Type == "queued" }); err != nil {
		return err
	}
	if err := t.desk.accept(ctx); err != nil {
		return err
	}
	if _, err := readUntil(ctx, ws, func(f frame) bool { return f.Type == "msg" && f.From == "counselor" }); err != nil {
		return err
	}
	reply := outFrame{Type: "msg", Text: payload{chat: -1, seq: id, sched: began}.text(r.cfg.TextSize), ID: "c1"}
	if err := ws.Write(ctx, websocket.MessageText, encode(reply)); err != nil {
		return fmt.Errorf("churn: reply: %w", err)
	}
	_, err = readUntil(ctx, ws, func(f frame) bool { return f.Type == "ended" })
	return err
}

// churnDesk is the counsellors who take churn chats. Each accept goes to
// one below MaxChats; the rest of a churn chat is driven by its frames.
type churnDesk struct {
	r     *runner
	peers []*peer
	load  []atomic.Int32 // chats asked for or held, per counsellor
	next  atomic.Uint32
	max   int32
}

// accept asks a counsellor with room to take the longest-waiting chat.
func (d *churnDesk) accept(ctx context.Context) error {
	n := len(d.peers)
	start := int(d.next.Add(1))
	for j := range n {
		i := (start + j) % n
		if d.load[i].Add(1) <= d.max {
			return d.peers[i].write(ctx, acceptFrame)
		}
		d.load[i].Add(-1)
	}
	return errors.New("churn: every churn counsellor is at --max-chats")
}

// handler drives counsellor i's side of the churn chats: greet on
// chat_started, close on the parent's reply, count on chat_ended "closed".
func (d *churnDesk) handler(i int) frameHandler {
	began := map[string]time.Duration{} // chat id → when its parent connected; this reader's only
	return func(p *peer, f *frame, now time.Time) bool {
		r := d.r
		switch f.Type {
		case "chat_started":
			greet := outFrame{Type: "msg", Chat: f.Chat, Text: payload{chat: -1}.text(r.cfg.TextSize), ID: "c0"}
			d.write(p, encode(greet))
		case "msg":
			if f.From != "parent" {
				return true // the echo of our own message
			}
			if m, ok := parsePayload([]byte(f.Text)); ok {
				began[f.Chat] = m.sched
			}
			d.write(p, closeFrame(f.Chat))
		case "chat_ended":
			switch f.Reason {
			case "closed":
				d.load[i].Add(-1)
				r.churnDone.Add(1)
				if at, ok := began[f.Chat]; ok {
					r.churnLat.record(now.Sub(r.clock.Load().start) - at)
					delete(began, f.Chat)
				}
			case "parent_ended", "parent_timeout":
				r.count("churn: parent left early")
				d.write(p, closeFrame(f.Chat))
			}
		case "error":
			r.count("error: " + f.Code)
			switch f.Code {
			case "queue_empty", "at_capacity", "taken":
				d.load[i].Add(-1)
			}
		default:
			return false // ready and the like: queued for await
		}
		return true
	}
}

func (d *churnDesk) write(p *peer, b []byte) {
	if err := p.write(d.r.io, b); err != nil {
		d.r.count("churn: counsellor write failed")
	}
}
