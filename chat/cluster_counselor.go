package chat

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"
)

// ServeCounselor is /ws/counselor on a cluster node.
func (c *Cluster) ServeCounselor(w http.ResponseWriter, r *http.Request) {
	st, ok := c.opts.Identify(r)
	if !ok {
		http.Error(w, "login required", http.StatusUnauthorized)
		return
	}
	if !c.enter() {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		c.wg.Done()
		return
	}
	go c.counselorLoop(st, ws)
}

func (c *Cluster) counselorLoop(st Staff, ws *websocket.Conn) {
	defer c.wg.Done()
	ws.SetReadLimit(hardReadLimit)
	cn := newConn(c.ctx, ws, c.m)
	c.track(cn, true)
	defer c.track(cn, false)
	cn.startPings(c.opts.PingInterval)
	c.m.connections.WithLabelValues("counselor").Inc()
	defer c.m.connections.WithLabelValues("counselor").Dec()

	co, err := c.counselorConnected(st, cn)
	if err != nil {
		c.log.Warn().Err(err).Msg("binding a counsellor to this node")
		cn.closeWith(notSent().frame("sv"), websocket.StatusTryAgainLater, "try again")
		cn.read(new(bytes.Buffer)) // until the close handshake ends
		return
	}
	var buf bytes.Buffer
	for {
		b, err := cn.read(&buf)
		if err != nil {
			if fe := asRefusal(err); fe != nil {
				c.refuseTo(cn, "sv", fe)
				continue
			}
			break
		}
		received := time.Now()
		f, err := decodeFrame(b)
		if err == nil {
			err = c.counselorFrame(co, f, received)
		}
		if fe, ok := err.(*frameError); ok {
			c.refuseTo(cn, "sv", fe)
		}
	}
	cn.kill(websocket.StatusNormalClosure, "")
	c.counselorDropped(co)
}

// counselorConnected binds the counsellor to this node (a socket of theirs
// on another node is closed as replaced) and sends ready, status and every
// chat they hold with its history.
func (c *Cluster) counselorConnected(st Staff, cn *conn) (*ccounselor, error) {
	co := &ccounselor{Staff: st, conn: cn, known: map[string]bool{}, early: map[string][]delivery{},
		msgs:   rate.NewLimiter(c.opts.CounselorRate, c.opts.CounselorBurst),
		typing: rate.NewLimiter(4, 8)}
	c.mu.Lock()
	if old := c.counselors[st.Username]; old != nil {
		old.conn.closeWith(encode(errorFrame{Type: "error", Code: codeReplaced, Message: swedishErrors[codeReplaced]}),
			websocket.StatusPolicyViolation, "replaced by a newer connection")
	}
	c.counselors[st.Username] = co
	c.mu.Unlock()

	ctx, cancel := c.rctx()
	defer cancel()
	sup := "0"
	if st.Supervisor {
		sup = "1"
	}
	res, err := scriptCounselorConnected.Run(ctx, c.rdb,
		[]string{keyCounselor(st.Username), keyHeld(st.Username), keyFollowing(st.Username)},
		st.Username, st.Name, sup, c.node).Slice()
	if err != nil {
		c.mu.Lock()
		if c.counselors[st.Username] == co {
			delete(c.counselors, st.Username)
		}
		c.mu.Unlock()
		return nil, err
	}
	if old, _ := res[0].(string); old != "" && old != c.node {
		if err := c.deliver(ctx, old, delivery{to: "c:" + st.Username, kind: kindReplace}); err != nil {
			c.log.Warn().Err(err).Msg("closing a counsellor's older socket")
		}
	}
	v, err := c.rdb.HMGet(ctx, keyCounselor(st.Username), "avail").Result()
	available := err == nil && v[0] == "1"
	c.mu.Lock()
	cn.push(encode(readyFrame{Type: "ready", Name: st.Name, Username: st.Username, Supervisor: st.Supervisor,
		Available: available, MaxChats: c.opts.MaxChats}))
	held, _ := res[1].([]any)
	for _, x := range held {
		v, _ := x.([]any)
		if len(v) != 3 {
			continue
		}
		id, _ := v[0].(string)
		if ci, ok := parseChatInfo(c.seal, id, v[1]); ok {
			cn.push(ci.startedFrame(""))
			cn.push(ci.historyFrame())
			if fol := parseStaff(v[2]); len(fol) > 0 {
				cn.push(encode(followersFrame{Type: "followers", Chat: id, Names: staffNames(fol)}))
			}
			c.knownLocked(co, id)
		}
	}
	following, _ := res[2].([]any)
	for _, x := range following {
		v, _ := x.([]any)
		if len(v) != 2 {
			continue
		}
		id, _ := v[0].(string)
		if ci, ok := parseChatInfo(c.seal, id, v[1]); ok {
			cn.push(ci.followingFrame())
			cn.push(ci.historyFrame())
			c.knownLocked(co, id)
		}
	}
	c.mu.Unlock()
	c.sendStatus(co)
	c.publishViews()
	return co, nil
}

// current says whether co is still this node's socket for its counsellor.
func (c *Cluster) current(co *ccounselor) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counselors[co.Username] == co
}

func (c *Cluster) counselorFrame(co *ccounselor, f inFrame, received time.Time) error {
	if !c.current(co) {
		return refuse(codeReplaced, "this console was opened in another window")
	}
	ctx, cancel := c.rctx()
	defer cancel()
	switch f.Type {
	case "accept":
		return c.accept(ctx, co, f.Chat)
	case "msg":
		if err := checkText(f.Text); err != nil {
			return err
		}
		if !co.msgs.Allow() {
			return refuse(codeTooFast, "too many messages; this one was not sent")
		}
		out := encodeMsg("", "counselor", f.Text, "")
		forStaff := encodeMsg(f.Chat, "counselor", f.Text, "")
		res, err := scriptRelay.Run(ctx, c.rdb, []string{keyChat(f.Chat), keyLog(f.Chat)},
			"c", co.Username, c.seal.seal(f.Chat, []byte(f.Text)), c.seal.seal(f.Chat, out), c.node, logCap, f.Chat,
			c.seal.seal(f.Chat, forStaff)).Slice()
		if err != nil {
			c.log.Warn().Err(err).Msg("relaying a counsellor's message")
			return notSent()
		}
		if ok, _ := res[0].(int64); ok != 1 {
			switch code, _ := res[1].(string); code {
			case "bad_state":
				return refuse(codeBadState, "the parent has left this chat")
			default:
				return refuse(codeNotYourChat, "you do not hold that chat")
			}
		}
		c.m.fromCounselor.Inc()
		if node, _ := res[1].(string); node == c.node {
			c.mu.Lock()
			c.applyLocked(delivery{to: "p:" + f.Chat, frame: out})
			c.mu.Unlock()
		}
		c.applyHere(res[3], f.Chat, forStaff)
		co.conn.push(encodeMsg(f.Chat, "counselor", f.Text, f.ID))
		c.m.relayLatency.Observe(time.Since(received).Seconds())
	case "typing":
		v, err := c.rdb.HMGet(ctx, keyChat(f.Chat), "state", "holder", "pnode").Result()
		if err != nil {
			return nil
		}
		if v[1] != co.Username {
			return refuse(codeNotYourChat, "you do not hold that chat")
		}
		if node, _ := v[2].(string); v[0] == "active" && co.typing.Allow() {
			if err := c.deliver(ctx, node, delivery{to: "p:" + f.Chat, frame: encode(typingFrame{Type: "typing"})}); err != nil {
				c.log.Warn().Err(err).Msg("relaying typing")
			}
		}
	case "close":
		return c.closeChat(ctx, co, f)
	case "transfer":
		return c.transfer(ctx, co, f.Chat, f.To)
	case "note", "hint":
		return c.hintOrNote(ctx, co, f, f.Type)
	case "follow":
		return c.follow(ctx, co, f.Chat)
	case "unfollow":
		return c.unfollow(ctx, co, f.Chat)
	case "take_over":
		return c.takeOver(ctx, co, f.Chat)
	case "available", "debrief":
		if f.On == nil {
			return refuse(codeBadRequest, `"on" must be true or false`)
		}
		vals := []any{"avail", flag(*f.On)}
		if f.Type == "debrief" {
			vals = []any{"debrief", flag(*f.On)}
			if !*f.On {
				vals = append(vals, "avail", "1")
			}
		}
		if err := c.rdb.HSet(ctx, keyCounselor(co.Username), vals...).Err(); err != nil {
			return notSent()
		}
		c.sendStatus(co)
		c.publishViews()
	case "priority":
		return c.priority(ctx, co, f.Chat, f.Urgent)
	case "consent_request":
		return c.consentRequest(ctx, co, f.Chat, f.Summary)
	default:
		return refuse(codeUnknownType, "unknown frame type")
	}
	return nil
}

func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// accept gives the counsellor a waiting chat (the first if id is empty),
// exactly once cluster-wide, within their limits.
func (c *Cluster) accept(ctx context.Context, co *ccounselor, id string) error {
	now := c.now()
	res, err := scriptAccept.Run(ctx, c.rdb,
		[]string{keyQueue, keyCounselor(co.Username), keyHeld(co.Username), keyTaken(c.day())},
		id, co.Username, co.Name, c.opts.MaxChats, c.opts.DailyCap, now.UnixMilli(), c.node).Slice()
	if err != nil {
		c.log.Warn().Err(err).Msg("taking a chat")
		return notSent()
	}
	if ok, _ := res[0].(int64); ok != 1 {
		switch code, _ := res[1].(string); code {
		case "in_debrief":
			return refuse(codeInDebrief, "you are in debrief; end it to take chats")
		case "daily_cap":
			return refuse(codeDailyCap, "you have taken as many chats today as allowed")
		case "at_capacity":
			return refuse(codeAtCapacity, "you already hold as many chats as allowed")
		case "queue_empty":
			return refuse(codeQueueEmpty, "nobody is waiting")
		default:
			return refuse(codeTaken, "that chat has already been taken or has ended")
		}
	}
	id, _ = res[1].(string)
	answered, _ := res[2].(string)
	ci, _ := parseChatInfo(c.seal, id, res[3])
	c.mu.Lock()
	if c.counselors[co.Username] == co {
		co.conn.push(ci.startedFrame(""))
		if len(ci.history) > 0 || len(ci.notes) > 0 {
			co.conn.push(ci.historyFrame())
		}
		c.knownLocked(co, id)
	}
	c.mu.Unlock()
	if err := c.deliver(ctx, ci.pnode, delivery{to: "p:" + id, kind: kindActive,
		frame: encode(joinedFrame{Type: "joined", Counselor: co.Name})}); err != nil {
		c.log.Warn().Err(err).Msg("telling a parent a counsellor joined")
	}
	if answered != "1" {
		c.m.queueWait.Observe(now.Sub(ci.queued).Seconds())
		c.m.chatsStarted.Inc()
		c.opts.Tally.Answered(now, ci.audience, now.Sub(ci.queued))
	}
	c.sendStatus(co)
	c.publishViews()
	return nil
}

// closeChat ends a chat with its topics. The parent is told at once; the
// counsellor's chat_ended waits until the tally is durable.
func (c *Cluster) closeChat(ctx context.Context, co *ccounselor, f inFrame) error {
	var topics []string
	for _, t := range f.Topics {
		if !c.opts.Topics.Valid(t) {
			return refuse(codeNoTopic, "unknown topic: "+truncate(t, 40))
		}
		if !slices.Contains(topics, t) {
			topics = append(topics, t)
		}
	}
	if len(topics) == 0 {
		return refuse(codeNoTopic, "choose at least one topic before closing")
	}
	res, err := scriptClose.Run(ctx, c.rdb, []string{keyChat(f.Chat), keyLog(f.Chat), keyHeld(co.Username)}, co.Username, f.Chat).Slice()
	if err != nil {
		return notSent()
	}
	if ok, _ := res[0].(int64); ok != 1 {
		return refuse(codeNotYourChat, "you do not hold that chat")
	}
	state, _ := res[1].(string)
	pnode, _ := res[2].(string)
	audience, _ := res[3].(string)
	c.toStaff(ctx, parseStaff(res[6]), kindForget, f.Chat, encode(reasonFrame{Type: "follow_ended", Chat: f.Chat, Reason: "closed"}))
	startedMS, _ := res[4].(string)
	urgent, _ := res[5].(string)
	concern, _ := res[7].(string)
	if state == "active" {
		c.m.chatsEnded.WithLabelValues("closed").Inc()
		if err := c.deliver(ctx, pnode, delivery{to: "p:" + f.Chat, kind: kindEnd,
			frame: encode(reasonFrame{Type: "ended", Reason: "counselor_closed"})}); err != nil {
			c.log.Warn().Err(err).Msg("telling a parent the chat was closed")
		}
	} else {
		c.m.chatsEnded.WithLabelValues("parent_left").Inc()
	}
	now := c.now()
	ms, _ := strconv.ParseInt(startedMS, 10, 64)
	length := now.Sub(time.UnixMilli(ms))
	suggest := breakReason(urgent == "1" || concern == "1" || f.Concern, length, c.opts.BreakAfter)
	id := f.Chat
	c.opts.Tally.Add(now.In(c.loc).Format(time.DateOnly), audience, topics, func(err error) {
		if err != nil {
			c.log.Error().Err(err).Msg("storing the tally of a closed chat")
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		delete(co.known, id)
		if c.counselors[co.Username] != co {
			return
		}
		if err != nil {
			co.conn.push(encode(errorFrame{Type: "error", Code: codeStoreFailed, Message: swedishErrors[codeStoreFailed]}))
		}
		co.conn.push(encode(reasonFrame{Type: "chat_ended", Chat: id, Reason: "closed"}))
		if suggest != "" {
			co.conn.push(encode(breakFrame{Type: "break_suggested", Chat: id, Reason: suggest, Minutes: int(length / time.Minute)}))
		}
	})
	c.sendStatus(co)
	c.publishViews()
	return nil
}

// transfer hands an active chat to a colleague on any node.
func (c *Cluster) transfer(ctx context.Context, co *ccounselor, id, to string) error {
	res, err := scriptTransfer.Run(ctx, c.rdb,
		[]string{keyChat(id), keyHeld(co.Username), keyHeld(to), keyCounselor(to), keyTaken(c.day())},
		co.Username, to, c.opts.MaxChats, c.opts.DailyCap, id).Slice()
	if err != nil {
		return notSent()
	}
	if ok, _ := res[0].(int64); ok != 1 {
		switch code, _ := res[1].(string); code {
		case "not_your_chat":
			return refuse(codeNotYourChat, "you do not hold that chat")
		case "bad_state":
			return refuse(codeBadState, "the parent has left this chat; close it instead")
		default:
			return refuse(codeUnavailable, "that colleague cannot take the chat now")
		}
	}
	node, _ := res[1].(string)
	name, _ := res[2].(string)
	pnode, _ := res[3].(string)
	ci, _ := parseChatInfo(c.seal, id, res[4])
	c.mu.Lock()
	delete(co.known, id)
	if c.counselors[co.Username] == co {
		co.conn.push(encode(reasonFrame{Type: "chat_ended", Chat: id, Reason: "transferred"}))
	}
	c.mu.Unlock()
	if err := c.deliver(ctx, node, delivery{to: "c:" + to, kind: kindStarted, chat: id,
		frame: ci.startedFrame(co.Name), extra: ci.historyFrame()}); err != nil {
		c.log.Warn().Err(err).Msg("handing a chat to a colleague")
	}
	if err := c.deliver(ctx, node, delivery{to: "c:" + to, kind: kindStatus}); err != nil {
		c.log.Warn().Err(err).Msg("updating a colleague's status")
	}
	if err := c.deliver(ctx, pnode, delivery{to: "p:" + id, frame: encode(joinedFrame{Type: "joined", Counselor: name})}); err != nil {
		c.log.Warn().Err(err).Msg("telling a parent of a transfer")
	}
	fol := parseStaff(res[5])
	c.toStaff(ctx, fol, kindFrame, id, ci.followingFrame())
	if len(fol) > 0 {
		c.sendFollowers(ctx, node, to, id, fol)
	}
	c.sendStatus(co)
	c.publishViews()
	return nil
}

// priority lets a supervisor raise a waiting chat or lower it back.
func (c *Cluster) priority(ctx context.Context, co *ccounselor, id string, urgent *bool) error {
	if !co.Supervisor {
		return refuse(codeBadState, "only a supervisor can change a chat's priority")
	}
	if urgent == nil {
		return refuse(codeBadRequest, `"urgent" must be true or false`)
	}
	v, err := c.rdb.HMGet(ctx, keyChat(id), "answered", "rsv", "ren").Result()
	if err != nil {
		return notSent()
	}
	prio, reason := prioNormal, map[string]string{}
	if v[0] == "1" {
		prio = prioReturned
	}
	if *urgent {
		prio, reason = prioUrgent, manualUrgency
	}
	ok, err := scriptPriority.Run(ctx, c.rdb, []string{keyChat(id), keyQueue}, id, flag(*urgent), reason["sv"], reason["en"], queueBase(prio)).Int()
	if err != nil {
		return notSent()
	}
	if ok != 1 {
		return refuse(codeTaken, "that chat is not waiting in the queue")
	}
	c.publishViews()
	return nil
}

// counselorDropped starts the grace of a counsellor whose socket here closed.
func (c *Cluster) counselorDropped(co *ccounselor) {
	c.mu.Lock()
	mine := c.counselors[co.Username] == co
	if mine {
		delete(c.counselors, co.Username)
	}
	c.mu.Unlock()
	if !mine {
		return
	}
	ctx, cancel := c.rctx()
	defer cancel()
	deadline := c.now().Add(c.opts.ResumeGrace).UnixMilli()
	if err := scriptCounselorDropped.Run(ctx, c.rdb, []string{keyCounselor(co.Username)}, co.Username, c.node, deadline).Err(); err != nil {
		c.log.Warn().Err(err).Msg("starting a counsellor's grace")
	}
	c.publishViews()
}

// counselorGone ends a counsellor's grace (any node may): their active
// chats go back to the head of the queue with their history.
func (c *Cluster) counselorGone(ctx context.Context, user string, now int64) {
	res, err := scriptCounselorGone.Run(ctx, c.rdb, []string{keyCounselor(user), keyHeld(user), keyQueue, keyFollowing(user)},
		user, now, queueBase(prioReturned), queueBase(prioUrgent)).Slice()
	if err != nil {
		c.log.Warn().Err(err).Msg("ending a counsellor's grace")
		return
	}
	if n, _ := res[0].(int64); n < 0 {
		return
	} else if n > 0 {
		c.m.chatsEnded.WithLabelValues("untagged").Add(float64(n))
	}
	if len(res) != 4 {
		return
	}
	requeued, _ := res[1].([]any)
	for i := 0; i+1 < len(requeued); i += 2 {
		id, _ := requeued[i].(string)
		node, _ := requeued[i+1].(string)
		if err := c.deliver(ctx, node, delivery{to: "p:" + id, kind: kindWaiting}); err != nil {
			c.log.Warn().Err(err).Msg("telling a parent their chat is back in the queue")
		}
	}
	ends, _ := res[2].([]any)
	for _, x := range ends {
		v, _ := x.([]any)
		if len(v) != 3 {
			continue
		}
		id, _ := v[0].(string)
		reason, _ := v[1].(string)
		c.toStaff(ctx, parseStaff(v[2]), kindForget, id, encode(reasonFrame{Type: "follow_ended", Chat: id, Reason: reason}))
	}
	unfollowed, _ := res[3].([]any)
	for _, x := range unfollowed {
		v, _ := x.([]any)
		if len(v) != 4 {
			continue
		}
		id, _ := v[0].(string)
		holder, _ := v[1].(string)
		node, _ := v[2].(string)
		c.sendFollowers(ctx, node, holder, id, parseStaff(v[3]))
	}
	c.publishViews()
}
