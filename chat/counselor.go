package chat

import (
	"bytes"
	"net/http"
	"slices"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"
)

// ServeCounselor is the /ws/counselor endpoint. The server has already
// checked the session and role; Identify tells the hub who it is. Only the
// server's own origin may connect (the staff cookie is SameSite=Strict too).
func (h *Hub) ServeCounselor(w http.ResponseWriter, r *http.Request) {
	st, ok := h.opts.Identify(r)
	if !ok {
		http.Error(w, "login required", http.StatusUnauthorized)
		return
	}
	if !h.enter() {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		h.wg.Done()
		return
	}
	go h.counselorLoop(st, ws) // on a fresh goroutine, as for parents
}

// counselorLoop reads one counsellor socket's frames until it closes.
func (h *Hub) counselorLoop(st Staff, ws *websocket.Conn) {
	defer h.wg.Done()
	ws.SetReadLimit(hardReadLimit)
	c := newConn(h.ctx, ws, h.m)
	h.track(c, true)
	defer h.track(c, false)
	c.startPings(h.opts.PingInterval)
	h.m.connections.WithLabelValues("counselor").Inc()
	defer h.m.connections.WithLabelValues("counselor").Dec()

	co := h.counselorConnected(st, c)
	var buf bytes.Buffer
	for {
		b, err := c.read(&buf)
		if err != nil {
			if fe := asRefusal(err); fe != nil {
				h.refuseTo(c, "sv", fe)
				continue
			}
			break
		}
		received := time.Now()
		f, err := decodeFrame(b)
		var after func()
		if err == nil {
			after, err = h.counselorFrame(co, c, f, received)
		}
		if fe, ok := err.(*frameError); ok {
			h.refuseTo(c, "sv", fe)
		}
		c.drainLater()
		if after != nil {
			after()
		}
	}
	c.kill(websocket.StatusNormalClosure, "")
	h.counselorDropped(co, c)
}

// counselorConnected binds a socket to the counsellor, replacing an older
// socket of theirs, and sends the current state: ready, status, and every
// chat they hold with its history.
func (h *Hub) counselorConnected(st Staff, c *conn) *counselor {
	h.mu.Lock()
	defer h.mu.Unlock()
	co := h.counselors[st.Username]
	if co == nil {
		co = &counselor{
			available: true,
			msgs:      rate.NewLimiter(h.opts.CounselorRate, h.opts.CounselorBurst),
			typing:    rate.NewLimiter(4, 8),
		}
		h.counselors[st.Username] = co
	}
	co.Staff = st
	if co.grace != nil {
		co.grace.Stop()
		co.grace = nil
	}
	if old := co.conn; old != nil {
		old.closeWith(encode(errorFrame{Type: "error", Code: codeReplaced, Message: swedishErrors[codeReplaced]}),
			websocket.StatusPolicyViolation, "replaced by a newer connection")
	}
	co.conn = c
	c.push(encode(readyFrame{Type: "ready", Name: co.Name, Username: co.Username, Supervisor: co.Supervisor,
		Available: co.available, MaxChats: h.opts.MaxChats}))
	h.sendStatusLocked(co)
	for _, r := range co.rooms {
		c.push(r.startedFrame(""))
		c.push(encode(historyFrame{Type: "history", Chat: r.id, Messages: r.history, Notes: r.notes}))
		if len(r.followers) > 0 {
			h.sendFollowersLocked(r)
		}
	}
	for _, r := range co.following {
		h.sendFollowingLocked(co, r)
	}
	h.markDirtyLocked()
	return co
}

func (h *Hub) sendStatusLocked(co *counselor) {
	if co.conn != nil {
		co.conn.push(encode(statusFrame{Type: "status", Available: co.available, Debrief: co.debrief, Chats: len(co.rooms),
			MaxChats: h.opts.MaxChats, Today: h.takenTodayLocked(co), DailyCap: h.opts.DailyCap}))
	}
}

// counselorFrame applies one frame from a counsellor. The returned func, if
// any, runs after the hub lock is released (it may call out of the hub).
func (h *Hub) counselorFrame(co *counselor, c *conn, f inFrame, received time.Time) (func(), error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if co.conn != c {
		return nil, refuse(codeReplaced, "this console was opened in another window")
	}
	switch f.Type {
	case "accept":
		return nil, h.acceptLocked(co, f.Chat)
	case "msg":
		r, err := co.held(f.Chat)
		if err != nil {
			return nil, err
		}
		if r.state != active {
			return nil, refuse(codeBadState, "the parent has left this chat")
		}
		if err := checkText(f.Text); err != nil {
			return nil, err
		}
		if !co.msgs.Allow() {
			return nil, refuse(codeTooFast, "too many messages; this one was not sent")
		}
		r.remember("counselor", f.Text)
		h.m.fromCounselor.Inc()
		if p := r.parent; p.conn != nil {
			p.conn.pushLater(outMsg{frame: encodeMsg("", "counselor", f.Text, ""), sent: received}, &c.later)
		}
		c.pushLater(outMsg{frame: encodeMsg(r.id, "counselor", f.Text, f.ID)}, &c.later)
		if len(r.followers) > 0 {
			r.toFollowers(encodeMsg(r.id, "counselor", f.Text, ""))
		}
	case "typing":
		r, err := co.held(f.Chat)
		if err != nil {
			return nil, err
		}
		if r.state == active && r.parent.conn != nil && co.typing.Allow() {
			r.parent.conn.push(encode(typingFrame{Type: "typing"}))
		}
	case "close":
		return h.closeLocked(co, f)
	case "transfer":
		return nil, h.transferLocked(co, f.Chat, f.To)
	case "note":
		r, err := co.onStaffSide(f.Chat)
		if err != nil {
			return nil, err
		}
		return nil, h.addNoteLocked(co, r, f.Text, "")
	case "follow":
		return h.followLocked(co, f.Chat)
	case "unfollow":
		r := h.rooms[f.Chat]
		if r == nil || !h.unfollowLocked(co, r) {
			return nil, refuse(codeNotYourChat, "you do not follow that chat")
		}
		c.push(encode(reasonFrame{Type: "follow_ended", Chat: r.id, Reason: "unfollowed"}))
	case "hint":
		return nil, h.hintLocked(co, f)
	case "take_over":
		return h.takeOverLocked(co, f.Chat)
	case "debrief":
		if f.On == nil {
			return nil, refuse(codeBadRequest, `"on" must be true or false`)
		}
		co.debrief = *f.On
		if !co.debrief {
			co.available = true
		}
		h.sendStatusLocked(co)
		h.markDirtyLocked()
	case "priority":
		return nil, h.priorityLocked(co, f.Chat, f.Urgent)
	case "consent_request":
		return nil, h.consentRequestLocked(co, f.Chat, f.Summary)
	case "available":
		if f.On == nil {
			return nil, refuse(codeBadRequest, `"on" must be true or false`)
		}
		co.available = *f.On
		h.sendStatusLocked(co)
		h.markDirtyLocked()
	default:
		return nil, refuse(codeUnknownType, "unknown frame type")
	}
	return nil, nil
}

func (h *Hub) acceptLocked(co *counselor, id string) error {
	if co.debrief {
		return refuse(codeInDebrief, "you are in debrief; end it to take chats")
	}
	if h.capReachedLocked(co) {
		return refuse(codeDailyCap, "you have taken as many chats today as allowed")
	}
	if len(co.rooms) >= h.opts.MaxChats {
		return refuse(codeAtCapacity, "you already hold as many chats as allowed")
	}
	var r *room
	if id == "" {
		if len(h.queue) == 0 {
			return refuse(codeQueueEmpty, "nobody is waiting")
		}
		r = h.queue[0]
	} else if r = h.rooms[id]; r == nil || r.state != waiting {
		return refuse(codeTaken, "that chat has already been taken or has ended")
	}
	now := h.now()
	h.dequeueLocked(r)
	r.state = active
	r.counselor = co
	r.startedAt = now
	co.rooms = append(co.rooms, r)
	h.countTakenLocked(co)
	if !r.answered {
		r.answered = true
		h.m.queueWait.Observe(now.Sub(r.queuedAt).Seconds())
		h.m.chatsStarted.Inc()
		h.opts.Tally.Answered(now, r.audience, now.Sub(r.queuedAt))
	}
	co.conn.push(r.startedFrame(""))
	if len(r.history) > 0 || len(r.notes) > 0 { // put back in the queue after its counsellor vanished
		co.conn.push(encode(historyFrame{Type: "history", Chat: r.id, Messages: r.history, Notes: r.notes}))
	}
	if p := r.parent; p.conn != nil {
		p.conn.push(encode(joinedFrame{Type: "joined", Counselor: co.Name}))
		p.sentPos = 0
	}
	h.sendStatusLocked(co)
	return nil
}

// closeLocked ends a chat with its topics. The parent (if still there) is
// told at once; the counsellor's acknowledgement waits until the tally is
// durable, so an acknowledged close is never lost.
func (h *Hub) closeLocked(co *counselor, f inFrame) (func(), error) {
	r, err := co.held(f.Chat)
	if err != nil {
		return nil, err
	}
	var topics []string
	for _, t := range f.Topics {
		if !h.opts.Topics.Valid(t) {
			return nil, refuse(codeNoTopic, "unknown topic: "+truncate(t, 40))
		}
		if !slices.Contains(topics, t) {
			topics = append(topics, t)
		}
	}
	if len(topics) == 0 {
		return nil, refuse(codeNoTopic, "choose at least one topic before closing")
	}
	if p := r.parent; p != nil {
		delete(h.parents, p.token)
		if p.grace != nil {
			p.grace.Stop()
		}
		if p.conn != nil {
			p.conn.closeWith(encode(reasonFrame{Type: "ended", Reason: "counselor_closed"}), websocket.StatusNormalClosure, "chat ended")
			p.conn = nil
		}
		r.parent = nil
		h.m.chatsEnded.WithLabelValues("closed").Inc()
	} else {
		h.m.chatsEnded.WithLabelValues("parent_left").Inc()
	}
	now := h.now()
	length := now.Sub(r.startedAt)
	suggest := breakReason(r.concern || f.Concern, length, h.opts.BreakAfter)
	co.release(r)
	h.dropRoomLocked(r)
	h.sendStatusLocked(co)
	day := now.In(h.loc).Format(time.DateOnly)
	id, audience := r.id, r.audience
	return func() {
		h.opts.Tally.Add(day, audience, topics, func(err error) {
			h.mu.Lock()
			defer h.mu.Unlock()
			if err != nil {
				h.log.Error().Err(err).Msg("storing the tally of a closed chat")
			}
			if co.conn == nil {
				return
			}
			if err != nil {
				co.conn.push(encode(errorFrame{Type: "error", Code: codeStoreFailed, Message: swedishErrors[codeStoreFailed]}))
			}
			co.conn.push(encode(reasonFrame{Type: "chat_ended", Chat: id, Reason: "closed"}))
			if suggest != "" {
				h.suggestBreakLocked(co, id, suggest, length)
			}
		})
	}, nil
}

func (h *Hub) transferLocked(co *counselor, id, to string) error {
	r, err := co.held(id)
	if err != nil {
		return err
	}
	if r.state != active {
		return refuse(codeBadState, "the parent has left this chat; close it instead")
	}
	target := h.counselors[to]
	if target == nil || target == co || target.conn == nil || !h.takingChatsLocked(target) || len(target.rooms) >= h.opts.MaxChats {
		return refuse(codeUnavailable, "that colleague cannot take the chat now")
	}
	co.release(r)
	r.counselor = nil // the follower list below goes to the new holder only
	co.conn.push(encode(reasonFrame{Type: "chat_ended", Chat: r.id, Reason: "transferred"}))
	h.unfollowLocked(target, r)
	h.handOverLocked(r, target, co.Name)
	h.sendStatusLocked(co)
	return nil
}

// counselorDropped starts the resume grace for a counsellor whose socket went
// away. If they do not come back, their active chats go back to the head of
// the queue (history kept for the next counsellor) and chats waiting for
// topics are dropped without a tally.
func (h *Hub) counselorDropped(co *counselor, c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if co.conn != c {
		return
	}
	co.conn = nil
	h.markDirtyLocked()
	if h.closing {
		return
	}
	co.grace = time.AfterFunc(h.opts.ResumeGrace, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if co.conn != nil || h.counselors[co.Username] != co {
			return
		}
		for _, r := range co.following {
			r.followers = slices.DeleteFunc(r.followers, func(x *counselor) bool { return x == co })
			h.sendFollowersLocked(r)
		}
		co.following = nil
		for _, r := range co.rooms {
			if r.state == active {
				h.endFollowsLocked(r, "requeued")
				r.counselor = nil
				r.setUrgent(r.urgent, r.reason)
				h.enqueueLocked(r)
				if p := r.parent; p.conn != nil {
					h.sendPositionLocked(p)
				}
				continue
			}
			h.dropRoomLocked(r)
			h.m.chatsEnded.WithLabelValues("untagged").Inc()
		}
		co.rooms = nil
		delete(h.counselors, co.Username)
	})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// manualUrgency is the reason shown when a supervisor raises a chat.
var manualUrgency = map[string]string{"sv": "Prioriterad av arbetsledare", "en": "Raised by a supervisor"}

// priorityLocked lets a supervisor raise a waiting chat to the head of the
// queue or lower it back to its place.
func (h *Hub) priorityLocked(co *counselor, id string, urgent *bool) error {
	if !co.Supervisor {
		return refuse(codeBadState, "only a supervisor can change a chat's priority")
	}
	if urgent == nil {
		return refuse(codeBadRequest, `"urgent" must be true or false`)
	}
	r := h.rooms[id]
	if r == nil || r.state != waiting {
		return refuse(codeTaken, "that chat is not waiting in the queue")
	}
	reason := r.reason
	if *urgent && !r.urgent {
		reason = manualUrgency
	}
	if !*urgent {
		reason = nil
	}
	h.dequeueLocked(r)
	r.setUrgent(*urgent, reason)
	h.enqueueLocked(r)
	return nil
}
