package chat

import (
	"bytes"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"
)

// maxFirstRunes limits the parent's first line ("Vad vill du prata om?").
const maxFirstRunes = 300

// Audiences are the two parts of the service: parents of younger children,
// and parents of older children and teenagers.
var Audiences = []string{"young", "teen"}

// ServeParent is the /ws/parent endpoint. Anyone may connect from an allowed
// origin; nothing about the request (address, headers) is kept.
//
// The socket's reader runs on a goroutine of its own, and the HTTP handler
// returns once the connection is upgraded: the handler's goroutine has a
// stack deepened by the HTTP server and the handshake, while a fresh one
// stays small, and a waiting parent costs little more than its socket.
func (h *Hub) ServeParent(w http.ResponseWriter, r *http.Request) {
	if !h.enter() {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: h.opts.OriginPatterns})
	if err != nil {
		h.wg.Done()
		return // Accept has answered the request
	}
	go h.parentLoop(ws)
}

// parentLoop reads one parent socket's frames until it closes.
func (h *Hub) parentLoop(ws *websocket.Conn) {
	defer h.wg.Done()
	ws.SetReadLimit(hardReadLimit)
	c := newConn(h.ctx, ws, h.m)
	h.track(c, true)
	defer h.track(c, false)
	c.startPings(h.opts.PingInterval)
	h.m.connections.WithLabelValues("parent").Inc()
	defer h.m.connections.WithLabelValues("parent").Dec()

	var p *parent
	lang := "sv"
	var buf bytes.Buffer
	step := func(f inFrame, err error, received time.Time) {
		var after func()
		if err == nil {
			if f.Type == "consent" {
				after, err = h.consentAnswer(c, p, f)
			} else {
				p, err = h.parentFrame(c, p, f, received)
			}
		}
		if fe, ok := err.(*frameError); ok {
			if p != nil {
				lang = p.lang
			} else if f.Lang == "en" {
				lang = "en"
			}
			h.refuseTo(c, lang, fe)
		}
		c.drainLater()
		if after != nil {
			after()
		}
	}
	for {
		b, err := c.read(&buf)
		if err != nil {
			if fe := asRefusal(err); fe != nil {
				h.refuseTo(c, lang, fe)
				continue
			}
			break
		}
		received := time.Now()
		// Messages and typing, the frames of a running chat, are handled
		// here. Everything else (hello, resume, consent, errors) runs on a
		// short-lived goroutine: their deeper calls would otherwise grow
		// this goroutine's stack for good, and with thousands of parents
		// waiting in the queue that stack is most of what each one costs.
		if f, ok := decodeHot(b); ok {
			step(f, nil, received)
		} else {
			onFreshStack(func() { f, err := decodeFrame(b); step(f, err, received) })
		}
	}
	c.kill(websocket.StatusNormalClosure, "")
	if p != nil {
		h.parentDropped(p, c)
	}
}

// parentFrame applies one frame from a parent's socket. p is the session the
// socket is bound to (nil before hello/resume); the result is the binding after.
func (h *Hub) parentFrame(c *conn, p *parent, f inFrame, received time.Time) (*parent, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch f.Type {
	case "hello":
		if p != nil {
			return p, refuse(codeBadState, "this socket already has a chat")
		}
		return h.helloLocked(c, f)
	case "resume":
		if p != nil {
			return p, refuse(codeBadState, "this socket already has a chat")
		}
		return h.resumeLocked(c, f.Resume)
	}
	if p == nil || p.conn != c {
		if f.Type == "msg" || f.Type == "typing" || f.Type == "end" {
			return nil, refuse(codeBadState, "send hello or resume first")
		}
		return nil, refuse(codeUnknownType, "unknown frame type")
	}
	switch f.Type {
	case "msg":
		r := p.room
		if r.state != active {
			return p, refuse(codeBadState, "no counsellor has joined the chat yet")
		}
		if err := checkText(f.Text); err != nil {
			return p, err
		}
		if !p.msgs.Allow() {
			return p, refuse(codeTooFast, "you are sending messages too fast; the message was not sent")
		}
		r.remember("parent", f.Text)
		h.m.fromParent.Inc()
		out := encodeMsg(r.id, "parent", f.Text, "")
		if co := r.counselor; co.conn != nil {
			co.conn.pushLater(outMsg{frame: out, sent: received}, &c.later)
		}
		r.toFollowers(out)
		c.pushLater(outMsg{frame: encodeMsg("", "parent", f.Text, f.ID)}, &c.later)
	case "typing":
		if r := p.room; r.state == active && r.counselor.conn != nil && p.typing.Allow() {
			r.counselor.conn.push(encode(typingFrame{Type: "typing", Chat: r.id}))
		}
	case "end":
		h.endParentLocked(p, "parent_ended")
		return nil, nil
	default:
		return p, refuse(codeUnknownType, "unknown frame type")
	}
	return p, nil
}

func (h *Hub) helloLocked(c *conn, f inFrame) (*parent, error) {
	if err := checkHello(&f); err != nil {
		return nil, err
	}
	now := h.now()
	if !h.opts.hours().Open(now) {
		c.closeWith(encode(reasonFrame{Type: "closed", Reason: "outside_hours"}), websocket.StatusNormalClosure, "closed")
		return nil, nil
	}
	h.seq++
	r := &room{id: newID(), audience: f.Audience, lang: f.Lang, queuedAt: now, seq: h.seq}
	r.pseudonym = newPseudonym(func(s string) bool { return h.pseudonyms[s] })
	r.first = strings.TrimSpace(f.First)
	if m := h.opts.Triage.Check(r.first); m.Urgent {
		r.setUrgent(true, m.Group.Reason)
	}
	h.pseudonyms[r.pseudonym] = true
	p := &parent{
		session: newID(), token: newToken(), lang: f.Lang, room: r, conn: c,
		msgs:   rate.NewLimiter(h.opts.ParentRate, h.opts.ParentBurst),
		typing: rate.NewLimiter(2, 4),
	}
	r.parent = p
	h.rooms[r.id] = r
	h.parents[p.token] = p
	h.enqueueLocked(r)
	h.m.parentsQueued.Inc()
	h.opts.Tally.Queued(now, r.audience)
	c.push(encode(welcomeFrame{Type: "welcome", Session: p.session, Resume: p.token, State: "queued"}))
	h.sendPositionLocked(p)
	return p, nil
}

func (h *Hub) resumeLocked(c *conn, token string) (*parent, error) {
	p := h.parents[token]
	if p == nil || token == "" {
		return nil, refuse(codeInvalidToken, "the chat could not be resumed: unknown or expired token")
	}
	if p.conn != nil {
		return nil, refuse(codeAlreadyConnected, "this chat is open in another window or connection; try again shortly")
	}
	if p.grace != nil {
		p.grace.Stop()
		p.grace = nil
	}
	delete(h.parents, p.token)
	p.token = newToken()
	h.parents[p.token] = p
	p.conn = c
	r := p.room
	switch r.state {
	case waiting:
		c.push(encode(welcomeFrame{Type: "welcome", Session: p.session, Resume: p.token, State: "queued"}))
		h.sendPositionLocked(p)
	case active:
		c.push(encode(welcomeFrame{Type: "welcome", Session: p.session, Resume: p.token, State: "chatting"}))
		c.push(encode(joinedFrame{Type: "joined", Counselor: r.counselor.Name}))
		c.push(encode(historyFrame{Type: "history", Messages: r.history}))
		if pc := r.consent; pc != nil && !pc.inFlight { // still unanswered: ask again
			c.push(pc.frame())
		}
	}
	return p, nil
}

// checkHello validates a hello frame; an empty lang becomes Swedish.
func checkHello(f *inFrame) error {
	switch f.Lang {
	case "":
		f.Lang = "sv"
	case "sv", "en":
	default:
		return refuse(codeBadRequest, `lang must be "sv" or "en"`)
	}
	if f.Audience != "young" && f.Audience != "teen" {
		return refuse(codeBadRequest, `audience must be "young" or "teen"`)
	}
	if utf8.RuneCountInString(f.First) > maxFirstRunes {
		return refuse(codeTooLarge, "the first line is longer than 300 characters")
	}
	return nil
}

// sendPositionLocked sends the parent its queue position now (not coalesced).
func (h *Hub) sendPositionLocked(p *parent) {
	pos := 0
	for i, q := range h.queue {
		if q == p.room {
			pos = i + 1
			break
		}
	}
	staffed := h.staffedLocked(h.now())
	p.conn.push(encode(queuedFrame{Type: "queued", Position: pos, Staffed: staffed}))
	p.sentPos, p.sentStaffed = pos, staffed
}

// endParentLocked ends a parent's session: reason "parent_ended" when they
// asked, "timeout" when they did not come back within the grace. A waiting
// parent leaves the queue; a chatting parent's room goes to wrap-up, where
// the counsellor still has to close it with topics.
func (h *Hub) endParentLocked(p *parent, reason string) {
	delete(h.parents, p.token)
	if p.grace != nil {
		p.grace.Stop()
		p.grace = nil
	}
	r := p.room
	r.parent = nil
	switch r.state {
	case waiting:
		h.dequeueLocked(r)
		h.dropRoomLocked(r)
		h.m.chatsEnded.WithLabelValues("abandoned").Inc()
		if !r.answered {
			h.opts.Tally.Abandoned(h.now(), r.audience)
		}
	case active:
		r.state = wrapup
		why := "parent_ended"
		if reason == "timeout" {
			why = "parent_timeout"
		}
		r.toStaff(encode(reasonFrame{Type: "chat_ended", Chat: r.id, Reason: why}))
		h.markDirtyLocked()
	}
	if p.conn != nil {
		p.conn.closeWith(encode(reasonFrame{Type: "ended", Reason: reason}), websocket.StatusNormalClosure, "chat ended")
		p.conn = nil
	}
}

// parentDropped starts the resume grace for a parent whose socket went away.
func (h *Hub) parentDropped(p *parent, c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if p.conn != c {
		return // ended, or another socket has resumed it
	}
	p.conn = nil
	if h.closing {
		return
	}
	p.grace = time.AfterFunc(h.opts.ResumeGrace, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if p.conn == nil && h.parents[p.token] == p {
			h.endParentLocked(p, "timeout")
		}
	})
}

// refuseTo sends an error frame, in the parent's language when we have one.
func (h *Hub) refuseTo(c *conn, lang string, fe *frameError) { h.m.refuse(c, lang, fe) }

// frame is the error frame for a refusal, its message in lang.
func (fe *frameError) frame(lang string) []byte {
	msg := fe.msg
	if lang == "sv" {
		if fe.sv != "" {
			msg = fe.sv
		} else if s, ok := swedishErrors[fe.code]; ok {
			msg = s
		}
	}
	return encode(errorFrame{Type: "error", Code: fe.code, Message: msg})
}

// swedishErrors are the Swedish texts for error codes.
var swedishErrors = map[string]string{
	codeBadJSON:          "Meddelandet kunde inte läsas.",
	codeUnknownType:      "Okänd typ av meddelande.",
	codeTooLarge:         "Meddelandet är för långt (högst 4 096 tecken).",
	codeEmpty:            "Meddelandet är tomt.",
	codeTooFast:          "Du skickar för snabbt. Meddelandet skickades inte – vänta en stund och försök igen.",
	codeBadState:         "Det går inte just nu.",
	codeBadRequest:       "Felaktig förfrågan.",
	codeInvalidToken:     "Chatten kunde inte återupptas. Den har avslutats eller gått ut.",
	codeAlreadyConnected: "Chatten är öppen i ett annat fönster. Försök igen om en stund.",
	codeNotYourChat:      "Du har inte den chatten.",
	codeNoTopic:          "Välj minst ett ämne innan du avslutar.",
	codeQueueEmpty:       "Ingen väntar i kön.",
	codeTaken:            "Chatten är redan tagen eller avslutad.",
	codeAtCapacity:       "Du har redan så många chattar som du får ha samtidigt.",
	codeUnavailable:      "Kollegan kan inte ta emot chatten just nu.",
	codeClosed:           "Chatten är stängd just nu.",
	codeStoreFailed:      "Statistiken kunde inte sparas.",
	codeReplaced:         "Konsolen öppnades i ett annat fönster.",
	codeInDebrief:        "Du har markerat att du är i avlastningssamtal och tar inte emot chattar.",
	codeDailyCap:         "Du har tagit så många chattar som du får i dag.",
	codeNotSent:          "Det gick inte att skicka just nu. Inget har ändrats – försök igen om en stund.",
	codeUnsupported:      "Det här går inte att göra i den här installationen ännu.",
}
