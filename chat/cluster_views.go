package chat

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// chatInfo is a chat as a script read it (luaChatInfo), with its log.
type chatInfo struct {
	id, state, pseudonym, audience, lang, first string
	urgent                                      bool
	reason                                      map[string]string
	holderName, session, holder, pnode          string
	queued, started                             time.Time
	history                                     []line
	notes                                       []note
	consentID                                   string    // an open consent request
	consentBusy                                 time.Time // until when its answer is being sealed
}

// parseChatInfo reads chatinfo(id)'s result: {fields, log}; seal opens
// the first line and the texts.
func parseChatInfo(seal *sealer, id string, v any) (chatInfo, bool) {
	parts, ok := v.([]any)
	if !ok || len(parts) != 2 {
		return chatInfo{}, false
	}
	f, _ := parts[0].([]any)
	str := func(i int) string {
		if i < len(f) {
			s, _ := f[i].(string)
			return s
		}
		return ""
	}
	ms := func(i int) time.Time {
		n, err := strconv.ParseInt(str(i), 10, 64)
		if err != nil || n == 0 {
			return time.Time{}
		}
		return time.UnixMilli(n)
	}
	ci := chatInfo{id: id, state: str(0), pseudonym: str(1), audience: str(2), lang: str(3), first: seal.openString(id, str(4)),
		urgent: str(5) == "1", holderName: str(8), session: str(9), queued: ms(10), holder: str(11), pnode: str(12), started: ms(13),
		consentID: str(14), consentBusy: ms(15)}
	if ci.state == "" {
		return ci, false
	}
	if ci.urgent {
		ci.reason = map[string]string{"sv": str(6), "en": str(7)}
	}
	ci.history = []line{}
	entries, _ := parts[1].([]any)
	for _, e := range entries {
		pair, _ := e.([]any)
		if len(pair) != 2 {
			continue
		}
		kv, _ := pair[1].([]any)
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			k, _ := kv[i].(string)
			val, _ := kv[i+1].(string)
			m[k] = val
		}
		text := seal.openString(id, m["t"])
		if k := m["k"]; k == "note" || k == "hint" {
			kind := ""
			if k == "hint" {
				kind = "hint"
			}
			ci.notes = append(ci.notes, note{From: m["f"], Text: text, Kind: kind})
		} else {
			ci.history = append(ci.history, line{From: m["f"], Text: text})
		}
	}
	return ci, true
}

// startedFrame is chat_started for the counsellor who holds the chat now.
func (ci chatInfo) startedFrame(transferredFrom string) []byte {
	return encode(chatStartedFrame{Type: "chat_started", Chat: ci.id, Parent: ci.pseudonym, Audience: ci.audience,
		Lang: ci.lang, TransferredFrom: transferredFrom, ParentGone: ci.state == "wrapup",
		First: ci.first, Urgent: ci.urgent, Reason: ci.reason["sv"], ReasonEn: ci.reason["en"]})
}

func (ci chatInfo) historyFrame() []byte {
	return encode(historyFrame{Type: "history", Chat: ci.id, Messages: ci.history, Notes: ci.notes})
}

// coRecord is a counsellor's record in Redis.
type coRecord struct {
	username, name, node string
	supervisor           bool
	available, debrief   bool
	chats, today         int
	held                 []string
}

func (r coRecord) taking(cap int) bool {
	return r.node != "" && r.available && !r.debrief && (cap <= 0 || r.today < cap)
}

// sendStatus sends a counsellor their status frame, read from Redis.
func (c *Cluster) sendStatus(co *ccounselor) {
	ctx, cancel := c.rctx()
	defer cancel()
	pipe := c.rdb.Pipeline()
	f := pipe.HMGet(ctx, keyCounselor(co.Username), "avail", "debrief")
	n := pipe.SCard(ctx, keyHeld(co.Username))
	t := pipe.HGet(ctx, keyTaken(c.day()), co.Username)
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		c.log.Warn().Err(err).Msg("reading a counsellor's status")
		return
	}
	v := f.Val()
	today, _ := strconv.Atoi(t.Val())
	frame := encode(statusFrame{Type: "status", Available: v[0] == "1", Debrief: v[1] == "1", Chats: int(n.Val()),
		MaxChats: c.opts.MaxChats, Today: today, DailyCap: c.opts.DailyCap})
	c.mu.Lock()
	if c.counselors[co.Username] == co {
		co.conn.push(frame)
	}
	c.mu.Unlock()
}

// refresh reads the queue and the counsellors from Redis and sends this
// node's waiting parents their positions (when changed) and its
// counsellors the queue, their colleagues and (supervisors) the overview.
func (c *Cluster) refresh() error {
	ctx, cancel := c.rctx()
	defer cancel()
	c.mu.Lock()
	var waiting []string
	for id, p := range c.parents {
		if p.waiting && !p.catchingUp {
			waiting = append(waiting, id)
		}
	}
	anyCo, anySup := len(c.counselors) > 0, false
	for _, co := range c.counselors {
		anySup = anySup || co.Supervisor
	}
	c.mu.Unlock()

	pipe := c.rdb.Pipeline()
	card := pipe.ZCard(ctx, keyQueue)
	head := pipe.ZRange(ctx, keyQueue, 0, overviewWaiting-1)
	users := pipe.SMembers(ctx, keyCounselors)
	taken := pipe.HGetAll(ctx, keyTaken(c.day()))
	ranks := make([]*redis.IntCmd, len(waiting))
	for i, id := range waiting {
		ranks[i] = pipe.ZRank(ctx, keyQueue, id)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return err
	}

	names := slices.Sorted(slices.Values(users.Val()))
	pipe = c.rdb.Pipeline()
	heads := make([]*redis.SliceCmd, len(head.Val()))
	if anyCo {
		for i, id := range head.Val() {
			heads[i] = pipe.HMGet(ctx, keyChat(id), "aud", "queued", "urgent", "rsv", "ren")
		}
	}
	recs := make([]*redis.SliceCmd, len(names))
	held := make([]*redis.StringSliceCmd, len(names))
	for i, u := range names {
		recs[i] = pipe.HMGet(ctx, keyCounselor(u), "name", "sup", "node", "avail", "debrief")
		held[i] = pipe.SMembers(ctx, keyHeld(u))
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return err
	}
	cos := make([]coRecord, 0, len(names))
	available := 0
	for i, u := range names {
		v := recs[i].Val()
		s := func(j int) string { x, _ := v[j].(string); return x }
		today, _ := strconv.Atoi(taken.Val()[u])
		r := coRecord{username: u, name: s(0), supervisor: s(1) == "1", node: s(2), available: s(3) == "1",
			debrief: s(4) == "1", chats: len(held[i].Val()), today: today, held: held[i].Val()}
		if r.name == "" {
			continue // gone meanwhile
		}
		if r.taking(c.opts.DailyCap) {
			available++
		}
		cos = append(cos, r)
	}
	now := c.now()
	staffed := c.opts.hours().Open(now) && available > 0

	var queueMsg, colleaguesMsg, overviewMsg []byte
	if anyCo {
		qf := queueFrame{Type: "queue", Waiting: make([]queueEntry, 0, len(head.Val())), Total: int(card.Val())}
		of := overviewFrame{Type: "overview", Chats: []overviewChat{}, Counselors: []overviewCounselor{}, Waiting: int(card.Val())}
		for i, id := range head.Val() {
			v := heads[i].Val()
			s := func(j int) string { x, _ := v[j].(string); return x }
			if s(0) == "" {
				continue
			}
			q, _ := strconv.ParseInt(s(1), 10, 64)
			waited := int(now.Sub(time.UnixMilli(q)).Seconds())
			qf.Waiting = append(qf.Waiting, queueEntry{Chat: id, Audience: s(0), Waited: waited,
				Urgent: s(2) == "1", Reason: s(3), ReasonEn: s(4)})
			of.Chats = append(of.Chats, overviewChat{Chat: id, Audience: s(0), State: "waiting", Seconds: waited, Urgent: s(2) == "1"})
		}
		queueMsg = encode(qf)
		cf := colleaguesFrame{Type: "colleagues", Counselors: []colleague{}}
		for _, r := range cos {
			if r.node == "" {
				continue
			}
			cf.Counselors = append(cf.Counselors, colleague{Username: r.username, Name: r.name, Available: r.available,
				Debrief: r.debrief, Chats: r.chats, MaxChats: c.opts.MaxChats})
			of.Counselors = append(of.Counselors, overviewCounselor{Username: r.username, Name: r.name,
				Available: r.available, Debrief: r.debrief, Chats: r.chats, Today: r.today})
		}
		colleaguesMsg = encode(cf)
		if anySup {
			held, err := c.heldChats(ctx, cos, now)
			if err != nil {
				return err
			}
			of.Chats = append(of.Chats, held...)
			overviewMsg = encode(of)
		}
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	c.view = clusterView{queueLength: int(card.Val()), available: available}
	c.m.queueLength.Set(float64(card.Val()))
	c.m.available.Set(float64(available))
	for i, id := range waiting {
		p := c.parents[id]
		if p == nil || !p.waiting || p.catchingUp || ranks[i].Err() != nil {
			continue
		}
		if pos := int(ranks[i].Val()) + 1; pos != p.sentPos || staffed != p.sentStaffed {
			p.conn.push(encode(queuedFrame{Type: "queued", Position: pos, Staffed: staffed}))
			p.sentPos, p.sentStaffed = pos, staffed
		}
	}
	for _, co := range c.counselors {
		co.conn.push(queueMsg)
		co.conn.push(colleaguesMsg)
		if co.Supervisor && overviewMsg != nil {
			co.conn.push(overviewMsg)
		}
	}
	return nil
}

// heldChats lists the chats counsellors hold, for the overview.
func (c *Cluster) heldChats(ctx context.Context, cos []coRecord, now time.Time) ([]overviewChat, error) {
	pipe := c.rdb.Pipeline()
	type ref struct {
		name string
		cmd  *redis.SliceCmd
		fol  *redis.StringSliceCmd
		id   string
	}
	var refs []ref
	names := make(map[string]string, len(cos))
	for _, r := range cos {
		names[r.username] = r.name
		for _, id := range r.held {
			refs = append(refs, ref{r.name, pipe.HMGet(ctx, keyChat(id), "aud", "state", "started", "urgent"),
				pipe.SMembers(ctx, keyFollowers(id)), id})
		}
	}
	if len(refs) == 0 {
		return nil, nil
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, err
	}
	out := make([]overviewChat, 0, len(refs))
	for _, x := range refs {
		v := x.cmd.Val()
		s := func(j int) string { y, _ := v[j].(string); return y }
		if s(0) == "" {
			continue
		}
		st, _ := strconv.ParseInt(s(2), 10, 64)
		followers := []string{}
		for _, u := range x.fol.Val() {
			if n := names[u]; n != "" {
				followers = append(followers, n)
			} else {
				followers = append(followers, u)
			}
		}
		slices.Sort(followers)
		out = append(out, overviewChat{Chat: x.id, Audience: s(0), State: s(1), Counselor: x.name,
			Seconds: int(now.Sub(time.UnixMilli(st)).Seconds()), Urgent: s(3) == "1", Followers: followers})
	}
	return out, nil
}
