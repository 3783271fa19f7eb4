//go:build linux

package load

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"

	"github.com/coder/websocket"
)

// floorTarget is the bare relay: a chat is two sockets opened with the same
// pair key, and every frame one sends reaches the other verbatim.
type floorTarget struct{ r *runner }

// open dials one end of pair key.
func (t *floorTarget) open(ctx context.Context, key string) (*websocket.Conn, error) {
	return t.r.dials[0].websocket(ctx, t.r.source(), "/ws?pair="+url.QueryEscape(key), nil)
}

func (t *floorTarget) connect(ctx context.Context, n int) ([]*chat, error) {
	list := make([]*chat, n)
	err := parallel(ctx, n, 64, func(ctx context.Context, i int) error {
		key := t.r.runID + "-" + strconv.Itoa(i)
		var ends [2]*peer
		for s := range ends {
			ws, err := t.open(ctx, key)
			if err != nil {
				return fmt.Errorf("chat %d: %w", i, err)
			}
			ends[s] = t.r.newPeer(ws, side(s), fmt.Sprintf("floor chat %d %s", i, side(s).word()), nil)
		}
		list[i] = newChat(i, key, ends[parentSide], ends[counselorSide])
		return nil
	})
	return list, err
}

func (t *floorTarget) connectIdle(ctx context.Context, n int) error {
	return parallel(ctx, n/2, 64, func(ctx context.Context, i int) error {
		key := t.r.runID + "-idle-" + strconv.Itoa(i)
		for s := range 2 {
			ws, err := t.open(ctx, key)
			if err != nil {
				return fmt.Errorf("idle pair %d: %w", i, err)
			}
			t.r.newPeer(ws, side(s), fmt.Sprintf("floor idle pair %d", i), nil)
		}
		return nil
	})
}

func (t *floorTarget) prepareChurn(context.Context) error { return nil }

// churnOne connects a new pair, sends one message each way and closes both.
func (t *floorTarget) churnOne(ctx context.Context, id int64) error {
	r := t.r
	began := r.since()
	key := r.runID + "-churn-" + strconv.FormatInt(id, 10)
	a, err := t.open(ctx, key)
	if err != nil {
		return err
	}
	defer a.CloseNow()
	b, err := t.open(ctx, key)
	if err != nil {
		return err
	}
	defer b.CloseNow()
	text := payload{chat: -1, seq: id, sched: began}.text(r.cfg.TextSize)
	if err := exchange(ctx, a, b, encode(outFrame{Type: "msg", Text: text, ID: "c1"})); err != nil {
		return err
	}
	if err := exchange(ctx, b, a, encode(outFrame{Type: "msg", Chat: key, Text: text, ID: "c2"})); err != nil {
		return err
	}
	r.churnDone.Add(1)
	r.churnLat.record(r.since() - began)
	return nil
}

// exchange writes msg on from and reads it back on to.
func exchange(ctx context.Context, from, to *websocket.Conn, msg []byte) error {
	if err := from.Write(ctx, websocket.MessageText, msg); err != nil {
		return fmt.Errorf("churn: writing: %w", err)
	}
	_, err := readUntil(ctx, to, func(f frame) bool { return f.Type == "msg" })
	return err
}

func (t *floorTarget) leave(context.Context) error { return nil }

// readUntil reads frames from a socket that has no reader goroutine until
// one matches; an error frame fails it.
func readUntil(ctx context.Context, ws *websocket.Conn, match func(frame) bool) (frame, error) {
	for {
		_, b, err := ws.Read(ctx)
		if err != nil {
			return frame{}, fmt.Errorf("churn: reading: %w", err)
		}
		if isChatter(frameType(b)) {
			continue
		}
		var f frame
		if err := json.Unmarshal(b, &f); err != nil {
			return frame{}, fmt.Errorf("churn: undecodable frame: %w", err)
		}
		if match(f) {
			return f, nil
		}
		if f.Type == "error" || f.Type == "closed" {
			return f, fmt.Errorf("churn: the server sent %s %s%s %s", f.Type, f.Code, f.Reason, f.Message)
		}
	}
}
