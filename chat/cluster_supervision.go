package chat

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// Supervision on a cluster: the same follow, hint and take-over as on one
// node (supervision.go). Who follows a chat is the set pl:chat:{ID}:fol,
// what a supervisor follows is pl:following:{USER}; the relay script writes
// every message to the followers' nodes in the same step as to the other
// side, so that a follower sees the conversation in the order of its log.
// Following and taking over are written to the audit trail first.

// scriptFollow adds a supervisor to a chat's followers. KEYS: chat,
// followers, following:{U}. ARGV: username, chat id. Returns {1, added
// ("1"/"0"), holder's node, holder, chatinfo, followers} or {0, code}.
var scriptFollow = redis.NewScript(luaChatInfo + luaFollowers + `
local st = redis.call('HMGET', KEYS[1], 'state', 'holder', 'hnode')
if not st[1] or st[1] == 'waiting' or not st[2] or st[2] == '' then return {0, 'taken'} end
if st[2] == ARGV[1] then return {0, 'own'} end
local added = redis.call('SADD', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[2])
return {1, tostring(added), st[3] or '', st[2], chatinfo(ARGV[2]), followers(ARGV[2])}
`)

// scriptUnfollow removes a supervisor from a chat's followers. KEYS: chat,
// followers, following:{U}. ARGV: username, chat id. Returns {1, holder's
// node, holder, followers} or {0}.
var scriptUnfollow = redis.NewScript(luaFollowers + `
redis.call('SREM', KEYS[3], ARGV[2])
if redis.call('SREM', KEYS[2], ARGV[1]) == 0 then return {0} end
local h = redis.call('HMGET', KEYS[1], 'hnode', 'holder')
return {1, h[1] or '', h[2] or '', followers(ARGV[2])}
`)

// scriptTakeOver moves a colleague's chat to a supervisor, who stops
// following it. KEYS: chat, held:{U}, followers, following:{U}, taken:DAY.
// ARGV: username, name, this node, chat id. Returns {1, old holder, their
// node, their name, pnode, chatinfo, followers} or {0, code}.
var scriptTakeOver = redis.NewScript(luaChatInfo + luaFollowers + `
local st = redis.call('HMGET', KEYS[1], 'state', 'holder', 'hnode', 'hname', 'pnode')
if not st[1] or st[1] == 'waiting' or not st[2] or st[2] == '' then return {0, 'taken'} end
if st[2] == ARGV[1] then return {0, 'own'} end
redis.call('HSET', KEYS[1], 'holder', ARGV[1], 'hname', ARGV[2], 'hnode', ARGV[3])
redis.call('SREM', 'pl:held:{' .. st[2] .. '}', ARGV[4])
redis.call('SADD', KEYS[2], ARGV[4])
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('SREM', KEYS[4], ARGV[4])
redis.call('HINCRBY', KEYS[5], ARGV[1], 1)
redis.call('EXPIRE', KEYS[5], 172800)
return {1, st[2], st[3] or '', st[4] or '', st[5] or '', chatinfo(ARGV[4]), followers(ARGV[4])}
`)

// staffRef is one socket on a chat's staff side, as followers() lists it.
type staffRef struct{ user, node, name string }

// parseStaff reads a {username, node, name, ...} list.
func parseStaff(v any) []staffRef {
	list, _ := v.([]any)
	var out []staffRef
	for i := 0; i+2 < len(list); i += 3 {
		u, _ := list[i].(string)
		n, _ := list[i+1].(string)
		name, _ := list[i+2].(string)
		out = append(out, staffRef{u, n, name})
	}
	return out
}

func staffNames(refs []staffRef) []string {
	names := make([]string, 0, len(refs))
	for _, r := range refs {
		names = append(names, r.name)
	}
	return names
}

// toStaff delivers a frame about a chat to each listed socket.
func (c *Cluster) toStaff(ctx context.Context, refs []staffRef, kind, chat string, frame []byte) {
	for _, r := range refs {
		if err := c.deliver(ctx, r.node, delivery{to: "c:" + r.user, kind: kind, chat: chat, frame: frame}); err != nil {
			c.log.Warn().Err(err).Msg("telling a chat's staff side")
		}
	}
}

// applyHere writes a frame to the listed sockets of this node.
func (c *Cluster) applyHere(users any, chat string, frame []byte) {
	list, _ := users.([]any)
	if len(list) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, u := range list {
		if s, _ := u.(string); s != "" {
			c.applyLocked(delivery{to: "c:" + s, chat: chat, frame: frame})
		}
	}
}

// sendFollowers tells a chat's holder who follows it.
func (c *Cluster) sendFollowers(ctx context.Context, node, holder, chat string, refs []staffRef) {
	if holder == "" {
		return
	}
	f := encode(followersFrame{Type: "followers", Chat: chat, Names: staffNames(refs)})
	if err := c.deliver(ctx, node, delivery{to: "c:" + holder, chat: chat, frame: f}); err != nil {
		c.log.Warn().Err(err).Msg("telling a counsellor who follows their chat")
	}
}

// followingFrame is what a follower is told of a chat: who holds it now.
func (ci chatInfo) followingFrame() []byte {
	return encode(followingFrame{Type: "following", Chat: ci.id, Counselor: ci.holderName, Parent: ci.pseudonym,
		Audience: ci.audience, Lang: ci.lang, First: ci.first, Urgent: ci.urgent, Reason: ci.reason["sv"],
		ReasonEn: ci.reason["en"], ParentGone: ci.state == "wrapup"})
}

// supervisedCheck is the first look at a follow or take-over, before its
// audit entry is written: the chat must be a colleague's live chat.
func (c *Cluster) supervisedCheck(ctx context.Context, co *ccounselor, id string) (following bool, err error) {
	if !co.Supervisor {
		return false, refuse(codeBadState, "only a supervisor can follow or take over a chat")
	}
	pipe := c.rdb.Pipeline()
	st := pipe.HMGet(ctx, keyChat(id), "state", "holder")
	fol := pipe.SIsMember(ctx, keyFollowers(id), co.Username)
	if _, err := pipe.Exec(ctx); err != nil {
		return false, notSent()
	}
	v := st.Val()
	state, _ := v[0].(string)
	holder, _ := v[1].(string)
	if state == "" || state == "waiting" || holder == "" {
		return false, refuse(codeTaken, "that chat is not held by a counsellor right now")
	}
	if holder == co.Username {
		return false, refuse(codeTaken, "you hold that chat yourself")
	}
	return fol.Val(), nil
}

// superviseRefusal is the error for a supervision script's refusal code.
func superviseRefusal(code string) error {
	if code == "own" {
		return refuse(codeTaken, "you hold that chat yourself")
	}
	return refuse(codeTaken, "that chat is not held by a counsellor right now")
}

// audit writes a supervision step to the audit trail; a failure refuses it.
func (c *Cluster) audit(co *ccounselor, action, chat string) error {
	var err error
	if c.opts.Auditor == nil {
		err = errNoAuditor
	} else {
		err = c.opts.Auditor.Audit(co.Username, action, chat)
	}
	if err != nil {
		c.log.Error().Err(err).Str("action", action).Msg("writing the audit trail")
		return &frameError{code: codeStoreFailed, msg: "the audit trail could not be written; nothing was done",
			sv: "Granskningsloggen kunde inte skrivas. Inget har gjorts."}
	}
	c.log.Info().Str("action", action).Str("supervisor", co.Username).Msg("supervision")
	return nil
}

// follow lets a supervisor follow a colleague's chat, after auditing it.
func (c *Cluster) follow(ctx context.Context, co *ccounselor, id string) error {
	already, err := c.supervisedCheck(ctx, co, id)
	if err != nil {
		return err
	}
	if !already {
		if err := c.audit(co, AuditFollowed, id); err != nil {
			return err
		}
	}
	res, err := scriptFollow.Run(ctx, c.rdb, []string{keyChat(id), keyFollowers(id), keyFollowing(co.Username)},
		co.Username, id).Slice()
	if err != nil {
		return notSent()
	}
	if ok, _ := res[0].(int64); ok != 1 {
		code, _ := res[1].(string)
		return superviseRefusal(code)
	}
	added, _ := res[1].(string)
	node, _ := res[2].(string)
	holder, _ := res[3].(string)
	ci, _ := parseChatInfo(c.seal, id, res[4])
	c.mu.Lock()
	if c.counselors[co.Username] == co {
		co.conn.push(ci.followingFrame())
		co.conn.push(ci.historyFrame())
		c.knownLocked(co, id)
	}
	c.mu.Unlock()
	if added == "1" {
		c.sendFollowers(ctx, node, holder, id, parseStaff(res[5]))
		c.publishViews()
	}
	return nil
}

// unfollow ends a supervisor's follow of a chat.
func (c *Cluster) unfollow(ctx context.Context, co *ccounselor, id string) error {
	res, err := scriptUnfollow.Run(ctx, c.rdb, []string{keyChat(id), keyFollowers(id), keyFollowing(co.Username)},
		co.Username, id).Slice()
	if err != nil {
		return notSent()
	}
	if ok, _ := res[0].(int64); ok != 1 {
		return refuse(codeNotYourChat, "you do not follow that chat")
	}
	c.mu.Lock()
	if c.counselors[co.Username] == co {
		co.conn.push(encode(reasonFrame{Type: "follow_ended", Chat: id, Reason: "unfollowed"}))
		delete(co.known, id)
	}
	c.mu.Unlock()
	node, _ := res[1].(string)
	holder, _ := res[2].(string)
	c.sendFollowers(ctx, node, holder, id, parseStaff(res[3]))
	c.publishViews()
	return nil
}

// takeOver moves a colleague's chat to the supervisor, after auditing it.
func (c *Cluster) takeOver(ctx context.Context, co *ccounselor, id string) error {
	if _, err := c.supervisedCheck(ctx, co, id); err != nil {
		return err
	}
	if err := c.audit(co, AuditTakenOver, id); err != nil {
		return err
	}
	res, err := scriptTakeOver.Run(ctx, c.rdb,
		[]string{keyChat(id), keyHeld(co.Username), keyFollowers(id), keyFollowing(co.Username), keyTaken(c.day())},
		co.Username, co.Name, c.node, id).Slice()
	if err != nil {
		return notSent()
	}
	if ok, _ := res[0].(int64); ok != 1 {
		code, _ := res[1].(string)
		return superviseRefusal(code)
	}
	from, _ := res[1].(string)
	fromNode, _ := res[2].(string)
	fromName, _ := res[3].(string)
	pnode, _ := res[4].(string)
	ci, _ := parseChatInfo(c.seal, id, res[5])
	fol := parseStaff(res[6])
	if err := c.deliver(ctx, fromNode, delivery{to: "c:" + from, kind: kindForget, chat: id,
		frame: encode(reasonFrame{Type: "chat_ended", Chat: id, Reason: "taken_over"})}); err != nil {
		c.log.Warn().Err(err).Msg("telling a counsellor their chat was taken over")
	}
	if err := c.deliver(ctx, fromNode, delivery{to: "c:" + from, kind: kindStatus}); err != nil {
		c.log.Warn().Err(err).Msg("updating a counsellor's status")
	}
	c.mu.Lock()
	if c.counselors[co.Username] == co {
		co.conn.push(ci.startedFrame(fromName))
		co.conn.push(ci.historyFrame())
		c.knownLocked(co, id)
	}
	c.mu.Unlock()
	if ci.state == "active" {
		if err := c.deliver(ctx, pnode, delivery{to: "p:" + id, frame: encode(joinedFrame{Type: "joined", Counselor: co.Name})}); err != nil {
			c.log.Warn().Err(err).Msg("telling a parent of a take-over")
		}
	}
	c.toStaff(ctx, fol, kindFrame, id, ci.followingFrame())
	c.sendFollowers(ctx, c.node, co.Username, id, fol)
	c.sendStatus(co)
	c.publishViews()
	return nil
}

// hintOrNote keeps a note (holder or follower) or a supervisor's hint
// (follower) with the chat and sends it to the chat's staff side.
func (c *Cluster) hintOrNote(ctx context.Context, co *ccounselor, f inFrame, kind string) error {
	if kind == "hint" && !co.Supervisor {
		return refuse(codeBadState, "only a supervisor can send a hint")
	}
	if err := checkText(f.Text); err != nil {
		return err
	}
	if !co.msgs.Allow() {
		return refuse(codeTooFast, "too many messages; this note was not saved")
	}
	frame := encode(noteFrame{Type: kind, Chat: f.Chat, From: co.Name, Text: f.Text})
	res, err := scriptNote.Run(ctx, c.rdb, []string{keyChat(f.Chat), keyLog(f.Chat), keyFollowers(f.Chat)},
		co.Username, co.Name, c.seal.seal(f.Chat, []byte(f.Text)), logCap, kind, f.Chat, c.seal.seal(f.Chat, frame), c.node).Slice()
	if err != nil {
		return notSent()
	}
	if ok, _ := res[0].(int64); ok != 1 {
		if kind == "hint" {
			return refuse(codeNotYourChat, "follow the chat before sending a hint")
		}
		return refuse(codeNotYourChat, "you neither hold nor follow that chat")
	}
	c.applyHere(res[1], f.Chat, frame)
	co.conn.push(frame)
	return nil
}
