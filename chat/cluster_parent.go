package chat

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"
)

// notSent is the refusal when Redis did not take a change: nothing
// happened, and the client may try again.
func notSent() *frameError {
	return refuse(codeNotSent, "the service could not take this just now; nothing was sent or changed, try again shortly")
}

// ServeParent is /ws/parent on a cluster node.
func (c *Cluster) ServeParent(w http.ResponseWriter, r *http.Request) {
	if !c.enter() {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: c.opts.OriginPatterns})
	if err != nil {
		c.wg.Done()
		return
	}
	go c.parentLoop(ws)
}

func (c *Cluster) parentLoop(ws *websocket.Conn) {
	defer c.wg.Done()
	ws.SetReadLimit(hardReadLimit)
	cn := newConn(c.ctx, ws, c.m)
	c.track(cn, true)
	defer c.track(cn, false)
	cn.startPings(c.opts.PingInterval)
	c.m.connections.WithLabelValues("parent").Inc()
	defer c.m.connections.WithLabelValues("parent").Dec()

	var p *cparent
	lang := "sv"
	var buf bytes.Buffer
	for {
		b, err := cn.read(&buf)
		if err != nil {
			if fe := asRefusal(err); fe != nil {
				c.refuseTo(cn, lang, fe)
				continue
			}
			break
		}
		received := time.Now()
		f, err := decodeFrame(b)
		if err == nil {
			p, err = c.parentFrame(cn, p, f, received)
		}
		if p != nil {
			lang = p.lang
		} else if f.Lang == "en" {
			lang = "en"
		}
		if fe, ok := err.(*frameError); ok {
			c.refuseTo(cn, lang, fe)
		}
	}
	cn.kill(websocket.StatusNormalClosure, "")
	if p != nil {
		c.parentDropped(p, cn)
	}
}

func (c *Cluster) refuseTo(cn *conn, lang string, fe *frameError) { c.m.refuse(cn, lang, fe) }

func (c *Cluster) parentFrame(cn *conn, p *cparent, f inFrame, received time.Time) (*cparent, error) {
	switch f.Type {
	case "hello", "resume":
		if p != nil {
			return p, refuse(codeBadState, "this socket already has a chat")
		}
		if f.Type == "hello" {
			return c.hello(cn, f)
		}
		return c.resume(cn, f.Resume)
	case "consent":
		if p == nil {
			return nil, refuse(codeBadState, "send hello or resume first")
		}
		return p, c.consentAnswer(cn, p, f)
	}
	if p == nil {
		if f.Type == "msg" || f.Type == "typing" || f.Type == "end" {
			return nil, refuse(codeBadState, "send hello or resume first")
		}
		return nil, refuse(codeUnknownType, "unknown frame type")
	}
	ctx, cancel := c.rctx()
	defer cancel()
	switch f.Type {
	case "msg":
		if err := checkText(f.Text); err != nil {
			return p, err
		}
		if !p.msgs.Allow() {
			return p, refuse(codeTooFast, "you are sending messages too fast; the message was not sent")
		}
		out := encodeMsg(p.chat, "parent", f.Text, "")
		res, err := scriptRelay.Run(ctx, c.rdb, []string{keyChat(p.chat), keyLog(p.chat)},
			"p", "", c.seal.seal(p.chat, []byte(f.Text)), c.seal.seal(p.chat, out), c.node, logCap, p.chat, "").Slice()
		if err != nil {
			c.log.Warn().Err(err).Msg("relaying a parent's message")
			return p, notSent()
		}
		if ok, _ := res[0].(int64); ok != 1 {
			return p, refuse(codeBadState, "no counsellor has joined the chat yet")
		}
		c.m.fromParent.Inc()
		if node, _ := res[1].(string); node == c.node {
			holder, _ := res[2].(string)
			c.mu.Lock()
			c.applyLocked(delivery{to: "c:" + holder, chat: p.chat, frame: out})
			c.mu.Unlock()
		}
		c.applyHere(res[3], p.chat, out)
		cn.push(encodeMsg("", "parent", f.Text, f.ID))
		c.m.relayLatency.Observe(time.Since(received).Seconds())
	case "typing":
		if !p.typing.Allow() {
			return p, nil
		}
		v, err := c.rdb.HMGet(ctx, keyChat(p.chat), "state", "holder", "hnode").Result()
		if err != nil || v[0] != "active" {
			return p, nil
		}
		holder, _ := v[1].(string)
		node, _ := v[2].(string)
		if err := c.deliver(ctx, node, delivery{to: "c:" + holder, chat: p.chat, frame: encode(typingFrame{Type: "typing", Chat: p.chat})}); err != nil {
			c.log.Warn().Err(err).Msg("relaying typing")
		}
	case "end":
		if err := c.parentGone(ctx, p.chat, "parent_ended", 0); err != nil {
			return p, notSent()
		}
		c.mu.Lock()
		if c.parents[p.chat] == p {
			delete(c.parents, p.chat)
		}
		c.mu.Unlock()
		cn.closeWith(encode(reasonFrame{Type: "ended", Reason: "parent_ended"}), websocket.StatusNormalClosure, "chat ended")
		return nil, nil
	default:
		return p, refuse(codeUnknownType, "unknown frame type")
	}
	return p, nil
}

func (c *Cluster) newParent(cn *conn, chat, lang string) *cparent {
	return &cparent{chat: chat, lang: lang, conn: cn, catchingUp: true,
		msgs: rate.NewLimiter(c.opts.ParentRate, c.opts.ParentBurst), typing: rate.NewLimiter(2, 4)}
}

// hello puts a new parent in the cluster's queue.
func (c *Cluster) hello(cn *conn, f inFrame) (*cparent, error) {
	if err := checkHello(&f); err != nil {
		return nil, err
	}
	now := c.now()
	if !c.opts.hours().Open(now) {
		cn.closeWith(encode(reasonFrame{Type: "closed", Reason: "outside_hours"}), websocket.StatusNormalClosure, "closed")
		return nil, nil
	}
	ctx, cancel := c.rctx()
	defer cancel()
	id, token, session := newID(), newToken(), newID()
	first := strings.TrimSpace(f.First)
	urgent, reason, prio := "0", map[string]string{}, prioNormal
	if m := c.opts.Triage.Check(first); m.Urgent {
		urgent, reason, prio = "1", m.Group.Reason, prioUrgent
	}
	seq, err := c.rdb.Incr(ctx, keySeq).Result()
	if err != nil {
		return nil, notSent()
	}
	pseud := ""
	for range 20 {
		pseud = newPseudonym(func(string) bool { return false })
		added, err := c.rdb.SAdd(ctx, keyPseudonyms, pseud).Result()
		if err != nil {
			return nil, notSent()
		}
		if added == 1 {
			break
		}
	}
	p := c.newParent(cn, id, f.Lang)
	p.session, p.waiting = session, true
	c.mu.Lock()
	c.parents[id] = p
	c.mu.Unlock()
	_, err = c.rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.HSet(ctx, keyChat(id), "state", "waiting", "pseud", pseud, "aud", f.Audience, "lang", f.Lang,
			"first", c.seal.seal(id, []byte(first)), "urgent", urgent, "rsv", reason["sv"], "ren", reason["en"], "holder", "", "hname", "",
			"pnode", c.node, "hnode", "", "queued", now.UnixMilli(), "tok", tokenSum(token), "session", session,
			"answered", "0", "seq", seq, "prio", prio)
		pipe.Expire(ctx, keyChat(id), clusterKeyTTL)
		pipe.Set(ctx, keyResume(tokenSum(token)), id, clusterKeyTTL)
		pipe.ZAdd(ctx, keyQueue, redis.Z{Score: queueBase(prio) + float64(seq), Member: id})
		pipe.SAdd(ctx, keyNodeParents(c.node), id)
		return nil
	})
	if err != nil {
		c.mu.Lock()
		delete(c.parents, id)
		c.mu.Unlock()
		c.rdb.SRem(ctx, keyPseudonyms, pseud)
		c.log.Warn().Err(err).Msg("putting a parent in the queue")
		return nil, notSent()
	}
	c.m.parentsQueued.Inc()
	c.opts.Tally.Queued(now, f.Audience)
	pos, _ := c.rdb.ZRank(ctx, keyQueue, id).Result()
	c.mu.Lock()
	staffed := c.opts.hours().Open(now) && c.view.available > 0
	cn.push(encode(welcomeFrame{Type: "welcome", Session: session, Resume: token, State: "queued"}))
	if p.waiting {
		cn.push(encode(queuedFrame{Type: "queued", Position: int(pos) + 1, Staffed: staffed}))
		p.sentPos, p.sentStaffed = int(pos)+1, staffed
	}
	c.caughtUpLocked(p)
	c.mu.Unlock()
	c.publishViews()
	return p, nil
}

// resume binds a parent's chat to this socket, from whichever node it was
// on before; a parent whose node died is let in once its heartbeat has
// lapsed.
func (c *Cluster) resume(cn *conn, token string) (*cparent, error) {
	if token == "" {
		return nil, refuse(codeInvalidToken, "the chat could not be resumed: unknown or expired token")
	}
	newTok := newToken()
	deadline := time.Now().Add(5 * c.beat)
	var res []any
	for {
		ctx, cancel := c.rctx()
		var err error
		res, err = scriptResume.Run(ctx, c.rdb, []string{keyResume(tokenSum(token)), keyResume(tokenSum(newTok))},
			c.node, tokenSum(newTok), int(clusterKeyTTL.Seconds())).Slice()
		cancel()
		if err != nil {
			return nil, notSent()
		}
		if ok, _ := res[0].(int64); ok == 1 {
			break
		}
		if code, _ := res[1].(string); code == "invalid" {
			return nil, refuse(codeInvalidToken, "the chat could not be resumed: unknown or expired token")
		}
		if node, _ := res[2].(string); node == c.node || time.Now().After(deadline) {
			return nil, refuse(codeAlreadyConnected, "this chat is open in another window or connection; try again shortly")
		}
		c.sleep(100 * time.Millisecond) // its node may have just died: wait for its heartbeat to lapse
	}
	id, _ := res[1].(string)
	ci, ok := parseChatInfo(c.seal, id, res[2])
	if !ok {
		return nil, refuse(codeInvalidToken, "the chat could not be resumed: unknown or expired token")
	}
	p := c.newParent(cn, id, ci.lang)
	p.session = ci.session
	c.mu.Lock()
	if old := c.parents[id]; old != nil && old.conn != cn {
		old.conn.kill(websocket.StatusPolicyViolation, "resumed elsewhere")
	}
	c.parents[id] = p
	switch ci.state {
	case "waiting":
		p.waiting = true
		cn.push(encode(welcomeFrame{Type: "welcome", Session: p.session, Resume: newTok, State: "queued"}))
	case "active":
		cn.push(encode(welcomeFrame{Type: "welcome", Session: p.session, Resume: newTok, State: "chatting"}))
		cn.push(encode(joinedFrame{Type: "joined", Counselor: ci.holderName}))
		cn.push(encode(historyFrame{Type: "history", Messages: ci.history}))
		if ci.consentID != "" && c.opts.Escalator != nil && !c.now().Before(ci.consentBusy) { // still unanswered: ask again
			cn.push(consentRequestFor(ci.consentID, c.opts.Escalator.ConsentRequest(ci.lang)))
		}
	}
	c.caughtUpLocked(p)
	c.markDirtyLocked()
	c.mu.Unlock()
	return p, nil
}

// parentDropped starts the grace of a parent whose socket here closed.
func (c *Cluster) parentDropped(p *cparent, cn *conn) {
	c.mu.Lock()
	mine := c.parents[p.chat] == p
	if mine {
		delete(c.parents, p.chat)
	}
	c.mu.Unlock()
	if !mine {
		return
	}
	ctx, cancel := c.rctx()
	defer cancel()
	deadline := c.now().Add(c.opts.ResumeGrace).UnixMilli()
	if err := scriptParentDropped.Run(ctx, c.rdb, []string{keyChat(p.chat)}, p.chat, c.node, deadline).Err(); err != nil {
		// The reaper starts the grace instead once this node is gone; while
		// it lives, a resume elsewhere waits for the socket here to close.
		c.log.Warn().Err(err).Msg("starting a parent's grace")
	}
}

// parentGone ends a parent's part in a chat ("parent_ended", or "timeout"
// when the grace ran out): a waiting chat is dropped, an active one goes to
// wrap-up and its counsellor is told.
func (c *Cluster) parentGone(ctx context.Context, id, reason string, now int64) error {
	mode := ""
	if reason == "timeout" {
		mode = "timeout"
	}
	res, err := scriptLeave.Run(ctx, c.rdb, []string{keyChat(id), keyLog(id), keyQueue}, id, mode, now).Slice()
	if err != nil {
		return err
	}
	if ok, _ := res[0].(int64); ok != 1 {
		return nil
	}
	state, _ := res[1].(string)
	switch state {
	case "waiting":
		c.m.chatsEnded.WithLabelValues("abandoned").Inc()
		if answered, _ := res[5].(string); answered != "1" {
			aud, _ := res[4].(string)
			c.opts.Tally.Abandoned(c.now(), aud)
		}
	case "active":
		holder, _ := res[2].(string)
		node, _ := res[3].(string)
		why := "parent_ended"
		if reason == "timeout" {
			why = "parent_timeout"
		}
		ended := encode(reasonFrame{Type: "chat_ended", Chat: id, Reason: why})
		if err := c.deliver(ctx, node, delivery{to: "c:" + holder, chat: id, frame: ended}); err != nil {
			c.log.Warn().Err(err).Msg("telling a counsellor the parent left")
		}
		c.toStaff(ctx, parseStaff(res[6]), kindFrame, id, ended)
	}
	c.publishViews()
	return nil
}
