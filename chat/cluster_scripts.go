package chat

import "github.com/redis/go-redis/v9"

// The Redis keys of a cluster (docs/scaling.md lists them with their
// lifetimes). A chat's keys carry its id in a hash tag, so they would share
// one slot in Redis Cluster.
const (
	keyQueue      = "pl:queue"      // sorted set of waiting chat ids, lowest score served first
	keySeq        = "pl:seq"        // counter giving each chat its place in the queue
	keyPseudonyms = "pl:pseudonyms" // pseudonyms in use
	keyCounselors = "pl:counselors" // usernames connected or within their grace
	keyGraces     = "pl:graces"     // "p:CHAT" / "c:USER" → when their grace runs out (unix ms)
	keyNodes      = "pl:nodes"      // node ids of the cluster
	keyViews      = "pl:views"      // pub/sub channel: the queue or a counsellor changed
)

func keyChat(id string) string          { return "pl:chat:{" + id + "}" }
func keyLog(id string) string           { return "pl:chat:{" + id + "}:log" }
func keyResume(sum string) string       { return "pl:resume:" + sum }
func keyCounselor(user string) string   { return "pl:co:{" + user + "}" }
func keyHeld(user string) string        { return "pl:held:{" + user + "}" }
func keyTaken(day string) string        { return "pl:taken:" + day }
func keyInbox(node string) string       { return "pl:node:" + node }
func keyAlive(node string) string       { return "pl:alive:" + node }
func keyNodeParents(node string) string { return "pl:nodeparents:" + node }
func keyNodeCos(node string) string     { return "pl:nodecos:" + node }
func keyFollowers(id string) string     { return "pl:chat:{" + id + "}:fol" }
func keyFollowing(user string) string   { return "pl:following:{" + user + "}" }

// The scripts below run atomically in Redis: every decision that two nodes
// could race on (taking a chat, a transfer, a resume, a grace running out)
// is one script. They build some key names from the chat id they read,
// which a single Redis (and a Redis Cluster with the per-chat hash tags and
// the counsellor's keys on one node) allows; docs/scaling.md says how the
// scripts split for a sharded cluster.

// luaChatInfo defines chatinfo(id): a chat's fields (in the order of
// chatFields) and its whole log, read in the same atomic step as the
// script's change, so that what a socket is replayed and what reaches it
// afterwards through its inbox neither overlap nor leave a gap.
const luaChatInfo = `
local function chatinfo(id)
  local ck = 'pl:chat:{' .. id .. '}'
  return {redis.call('HMGET', ck, 'state', 'pseud', 'aud', 'lang', 'first', 'urgent', 'rsv', 'ren', 'hname', 'session', 'queued', 'holder', 'pnode', 'started', 'cid', 'cflight'),
    redis.call('XRANGE', ck .. ':log', '-', '+')}
end
`

// luaFollowers defines followers(id), the supervisors following a chat as
// {username, node, name, ...} (node "" while one is within their grace),
// tostaff(list, frame, chat, this node), which writes a sealed frame to the
// inbox of every listed socket on another node and returns the usernames
// on this one, and endfollows(id), which ends every follow of a chat and
// returns who followed it.
const luaFollowers = `
local function followers(id)
  local out = {}
  for _, u in ipairs(redis.call('SMEMBERS', 'pl:chat:{' .. id .. '}:fol')) do
    local v = redis.call('HMGET', 'pl:co:{' .. u .. '}', 'node', 'name')
    table.insert(out, u)
    table.insert(out, v[1] or '')
    table.insert(out, v[2] or u)
  end
  return out
end
local function tostaff(list, frame, chat, node)
  local here = {}
  for i = 1, #list, 3 do
    local n = list[i + 1]
    if n == node then
      table.insert(here, list[i])
    elseif n ~= '' then
      redis.call('XADD', 'pl:node:' .. n, 'MAXLEN', '~', 100000, '*', 'to', 'c:' .. list[i], 'c', chat, 'f', frame)
    end
  end
  return here
end
local function endfollows(id)
  local out = followers(id)
  for i = 1, #out, 3 do redis.call('SREM', 'pl:following:{' .. out[i] .. '}', id) end
  redis.call('DEL', 'pl:chat:{' .. id .. '}:fol')
  return out
end
`

// scriptRelay appends a message to a chat's log and routes it to the node
// of the other side and to every follower. KEYS: chat, log. ARGV: side
// ("p"/"c"), username (c), text, frame for the other side, this node, log
// cap, chat id, frame for followers ("" if the same). Returns {1, node,
// holder, followers on this node} (node "" if the other side is not
// connected) or {0, code}.
var scriptRelay = redis.NewScript(luaFollowers + `
local st = redis.call('HMGET', KEYS[1], 'state', 'holder', 'pnode', 'hnode')
if not st[1] then return {0, 'gone'} end
if ARGV[1] == 'c' and st[2] ~= ARGV[2] then return {0, 'not_your_chat'} end
if st[1] ~= 'active' then return {0, 'bad_state'} end
local from, target, to = 'parent', st[4], 'c:' .. st[2]
if ARGV[1] == 'c' then from, target, to = 'counselor', st[3], 'p:' .. ARGV[7] end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[6], '*', 'f', from, 't', ARGV[3])
if target and target ~= '' and target ~= ARGV[5] then
  redis.call('XADD', 'pl:node:' .. target, 'MAXLEN', '~', 100000, '*', 'to', to, 'c', ARGV[7], 'f', ARGV[4])
end
local here = {}
if redis.call('EXISTS', 'pl:chat:{' .. ARGV[7] .. '}:fol') == 1 then
  local ff = ARGV[8]
  if ff == '' then ff = ARGV[4] end
  here = tostaff(followers(ARGV[7]), ff, ARGV[7], ARGV[5])
end
return {1, target or '', st[2], here}
`)

// scriptAccept gives a waiting chat (or the first in the queue) to a
// counsellor if their limits allow. KEYS: queue, co:{U}, held:{U}, taken:DAY.
// ARGV: chat id or "", username, name, max chats, daily cap, now (ms), node.
// Returns {1, id, answered before ("0"/"1"), chatinfo} or {0, code}.
var scriptAccept = redis.NewScript(luaChatInfo + `
if redis.call('HGET', KEYS[2], 'debrief') == '1' then return {0, 'in_debrief'} end
local cap = tonumber(ARGV[5])
if cap > 0 and tonumber(redis.call('HGET', KEYS[4], ARGV[2]) or '0') >= cap then return {0, 'daily_cap'} end
if redis.call('SCARD', KEYS[3]) >= tonumber(ARGV[4]) then return {0, 'at_capacity'} end
local id = ARGV[1]
if id == '' then
  local head = redis.call('ZRANGE', KEYS[1], 0, 0)
  if #head == 0 then return {0, 'queue_empty'} end
  id = head[1]
end
if redis.call('ZREM', KEYS[1], id) == 0 then return {0, 'taken'} end
local ck = 'pl:chat:{' .. id .. '}'
local answered = redis.call('HGET', ck, 'answered') or '0'
redis.call('HSET', ck, 'state', 'active', 'holder', ARGV[2], 'hname', ARGV[3], 'hnode', ARGV[7], 'started', ARGV[6], 'answered', '1')
redis.call('SADD', KEYS[3], id)
redis.call('HINCRBY', KEYS[4], ARGV[2], 1)
redis.call('EXPIRE', KEYS[4], 172800)
return {1, id, answered, chatinfo(id)}
`)

// scriptLeave ends a parent's part in a chat: a waiting chat is gone, an
// active one goes to wrap-up. KEYS: chat, log, queue. ARGV: chat id,
// "timeout" to act only if the grace has run out (now in ARGV[3]) and
// nobody has resumed. Returns {1, state, holder, hnode, audience, answered}
// or {0}, and then the followers of an active chat.
var scriptLeave = redis.NewScript(luaFollowers + `
local st = redis.call('HMGET', KEYS[1], 'state', 'holder', 'hnode', 'aud', 'answered', 'tok', 'pseud', 'pnode')
if not st[1] then return {0} end
local member = 'p:' .. ARGV[1]
if ARGV[2] == 'timeout' then
  local due = redis.call('ZSCORE', 'pl:graces', member)
  if not due or tonumber(due) > tonumber(ARGV[3]) or (st[8] and st[8] ~= '') then return {0} end
end
redis.call('ZREM', 'pl:graces', member)
if st[6] and st[6] ~= '' then redis.call('DEL', 'pl:resume:' .. st[6]) end
if st[1] == 'waiting' then
  redis.call('ZREM', KEYS[3], ARGV[1])
  redis.call('DEL', KEYS[1], KEYS[2])
  if st[7] then redis.call('SREM', 'pl:pseudonyms', st[7]) end
elseif st[1] == 'active' then
  redis.call('HSET', KEYS[1], 'state', 'wrapup', 'pnode', '', 'tok', '')
else
  return {0}
end
local fol = {}
if st[1] == 'active' then fol = followers(ARGV[1]) end
return {1, st[1], st[2] or '', st[3] or '', st[4] or '', st[5] or '0', fol}
`)

// scriptResume binds a parent's chat to this node's socket with a new
// token. KEYS: old resume key, new resume key. ARGV: this node, new token
// hash, ttl (s). Returns {1, id, chatinfo} or {0, "invalid"} or
// {0, "connected", node}.
var scriptResume = redis.NewScript(luaChatInfo + `
local id = redis.call('GET', KEYS[1])
if not id then return {0, 'invalid'} end
local ck = 'pl:chat:{' .. id .. '}'
local st = redis.call('HMGET', ck, 'state', 'pnode')
if not st[1] or st[1] == 'wrapup' then return {0, 'invalid'} end
if st[2] and st[2] ~= '' and redis.call('EXISTS', 'pl:alive:' .. st[2]) == 1 then
  return {0, 'connected', st[2]}
end
if st[2] and st[2] ~= '' then redis.call('SREM', 'pl:nodeparents:' .. st[2], id) end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], id, 'EX', ARGV[3])
redis.call('HSET', ck, 'pnode', ARGV[1], 'tok', ARGV[2])
redis.call('ZREM', 'pl:graces', 'p:' .. id)
redis.call('SADD', 'pl:nodeparents:' .. ARGV[1], id)
return {1, id, chatinfo(id)}
`)

// scriptParentDropped starts the grace of a parent whose socket on this
// node closed, unless another node has the parent by now. KEYS: chat.
// ARGV: chat id, this node, deadline (ms).
var scriptParentDropped = redis.NewScript(`
redis.call('SREM', 'pl:nodeparents:' .. ARGV[2], ARGV[1])
if redis.call('HGET', KEYS[1], 'pnode') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'pnode', '')
redis.call('ZADD', 'pl:graces', ARGV[3], 'p:' .. ARGV[1])
return 1
`)

// scriptCounselorConnected binds a counsellor to this node. KEYS: co:{U},
// held:{U}, following:{U}. ARGV: username, name, supervisor ("1"/"0"),
// this node. Returns {previous node, {{id, chatinfo, followers}...} for
// held chats, {{id, chatinfo}...} for followed ones}.
var scriptCounselorConnected = redis.NewScript(luaChatInfo + luaFollowers + `
local old = redis.call('HGET', KEYS[1], 'node') or ''
redis.call('HSET', KEYS[1], 'name', ARGV[2], 'sup', ARGV[3], 'node', ARGV[4])
redis.call('HSETNX', KEYS[1], 'avail', '1')
redis.call('HSETNX', KEYS[1], 'debrief', '0')
redis.call('SADD', 'pl:counselors', ARGV[1])
redis.call('ZREM', 'pl:graces', 'c:' .. ARGV[1])
redis.call('SADD', 'pl:nodecos:' .. ARGV[4], ARGV[1])
if old ~= '' and old ~= ARGV[4] then redis.call('SREM', 'pl:nodecos:' .. old, ARGV[1]) end
local held, fol = {}, {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local ck = 'pl:chat:{' .. id .. '}'
  if redis.call('HGET', ck, 'holder') == ARGV[1] then
    redis.call('HSET', ck, 'hnode', ARGV[4])
    table.insert(held, {id, chatinfo(id), followers(id)})
  else
    redis.call('SREM', KEYS[2], id)
  end
end
for _, id in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if redis.call('SISMEMBER', 'pl:chat:{' .. id .. '}:fol', ARGV[1]) == 1 then
    table.insert(fol, {id, chatinfo(id)})
  else
    redis.call('SREM', KEYS[3], id)
  end
end
return {old, held, fol}
`)

// scriptCounselorDropped starts a counsellor's grace unless another node
// has them by now. KEYS: co:{U}. ARGV: username, this node, deadline (ms).
var scriptCounselorDropped = redis.NewScript(`
redis.call('SREM', 'pl:nodecos:' .. ARGV[2], ARGV[1])
if redis.call('HGET', KEYS[1], 'node') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'node', '')
redis.call('ZADD', 'pl:graces', ARGV[3], 'c:' .. ARGV[1])
return 1
`)

// scriptCounselorGone ends a counsellor's grace: active chats go back to
// the head of the queue, chats in wrap-up are dropped untallied, the
// follows of both end, and so do the counsellor's own follows. KEYS:
// co:{U}, held:{U}, queue, following:{U}. ARGV: username, now (ms), score
// base for returned chats, for urgent ones. Returns {count of dropped
// chats, {requeued id, its parent's node, ...}, {{id, reason, followers}
// ...} for ended follows, {{id, holder, holder's node, followers}...} for
// chats the counsellor stopped following}, or {-1} if not due.
var scriptCounselorGone = redis.NewScript(luaFollowers + `
local member = 'c:' .. ARGV[1]
local due = redis.call('ZSCORE', 'pl:graces', member)
if not due or tonumber(due) > tonumber(ARGV[2]) then return {-1} end
if (redis.call('HGET', KEYS[1], 'node') or '') ~= '' then return {-1} end
redis.call('ZREM', 'pl:graces', member)
local requeued, ends, unfollowed, dropped = {}, {}, {}, 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local ck = 'pl:chat:{' .. id .. '}'
  local st = redis.call('HMGET', ck, 'state', 'holder', 'seq', 'urgent', 'pnode', 'tok', 'pseud')
  if st[2] == ARGV[1] then
    if st[1] == 'active' then
      local base = ARGV[3]
      if st[4] == '1' then base = ARGV[4] end
      redis.call('HSET', ck, 'state', 'waiting', 'holder', '', 'hname', '', 'hnode', '', 'prio', '1')
      redis.call('ZADD', KEYS[3], tonumber(base) + tonumber(st[3]), id)
      table.insert(requeued, id)
      table.insert(requeued, st[5] or '')
      table.insert(ends, {id, 'requeued', endfollows(id)})
    else
      table.insert(ends, {id, 'closed', endfollows(id)})
      if st[6] and st[6] ~= '' then redis.call('DEL', 'pl:resume:' .. st[6]) end
      if st[7] then redis.call('SREM', 'pl:pseudonyms', st[7]) end
      redis.call('DEL', ck, ck .. ':log')
      dropped = dropped + 1
    end
  end
end
for _, id in ipairs(redis.call('SMEMBERS', KEYS[4])) do
  local fk = 'pl:chat:{' .. id .. '}:fol'
  if redis.call('SREM', fk, ARGV[1]) == 1 then
    local h = redis.call('HMGET', 'pl:chat:{' .. id .. '}', 'holder', 'hnode')
    table.insert(unfollowed, {id, h[1] or '', h[2] or '', followers(id)})
  end
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[4])
redis.call('SREM', 'pl:counselors', ARGV[1])
return {dropped, requeued, ends, unfollowed}
`)

// scriptClose ends a chat its holder closes with topics. KEYS: chat, log,
// held:{U}. ARGV: username, chat id. Returns {1, state, pnode, audience,
// started (ms), urgent, followers (whose follows end), concern raised}
// or {0, code}.
var scriptClose = redis.NewScript(luaFollowers + `
local st = redis.call('HMGET', KEYS[1], 'holder', 'state', 'pnode', 'aud', 'started', 'urgent', 'tok', 'pseud', 'concern')
if not st[1] or st[1] ~= ARGV[1] then return {0, 'not_your_chat'} end
if st[7] and st[7] ~= '' then redis.call('DEL', 'pl:resume:' .. st[7]) end
if st[8] then redis.call('SREM', 'pl:pseudonyms', st[8]) end
if st[3] and st[3] ~= '' then redis.call('SREM', 'pl:nodeparents:' .. st[3], ARGV[2]) end
redis.call('ZREM', 'pl:graces', 'p:' .. ARGV[2])
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('SREM', KEYS[3], ARGV[2])
local fol = endfollows(ARGV[2])
return {1, st[2], st[3] or '', st[4] or '', st[5] or '0', st[6] or '0', fol, st[9] or '0'}
`)

// scriptTransfer hands an active chat to a colleague who can take it.
// KEYS: chat, held:{from}, held:{to}, co:{to}, taken:DAY. ARGV: from, to,
// max chats, daily cap, chat id. Returns {1, to's node, to's name, pnode,
// chatinfo, followers} or {0, code}. A colleague who followed the chat
// stops following it.
var scriptTransfer = redis.NewScript(luaChatInfo + luaFollowers + `
local st = redis.call('HMGET', KEYS[1], 'holder', 'state', 'pnode')
if not st[1] or st[1] ~= ARGV[1] then return {0, 'not_your_chat'} end
if st[2] ~= 'active' then return {0, 'bad_state'} end
local t = redis.call('HMGET', KEYS[4], 'node', 'avail', 'debrief', 'name')
if ARGV[1] == ARGV[2] or not t[1] or t[1] == '' or t[2] ~= '1' or t[3] == '1' then return {0, 'unavailable'} end
if redis.call('SCARD', KEYS[3]) >= tonumber(ARGV[3]) then return {0, 'unavailable'} end
local cap = tonumber(ARGV[4])
if cap > 0 and tonumber(redis.call('HGET', KEYS[5], ARGV[2]) or '0') >= cap then return {0, 'unavailable'} end
redis.call('HSET', KEYS[1], 'holder', ARGV[2], 'hname', t[4], 'hnode', t[1])
redis.call('SMOVE', KEYS[2], KEYS[3], ARGV[5])
redis.call('HINCRBY', KEYS[5], ARGV[2], 1)
redis.call('EXPIRE', KEYS[5], 172800)
redis.call('SREM', 'pl:chat:{' .. ARGV[5] .. '}:fol', ARGV[2])
redis.call('SREM', 'pl:following:{' .. ARGV[2] .. '}', ARGV[5])
return {1, t[1], t[4], st[3] or '', chatinfo(ARGV[5]), followers(ARGV[5])}
`)

// scriptNote keeps a staff note or a supervisor's hint in the chat's log
// and sends it to the chat's staff side but its author. A note may come
// from the holder or a follower, a hint from a follower. KEYS: chat, log,
// followers. ARGV: username, name, text, log cap, kind ("note"/"hint"),
// chat id, frame, this node. Returns {1, recipients on this node} or {0}.
var scriptNote = redis.NewScript(luaFollowers + `
local h = redis.call('HMGET', KEYS[1], 'holder', 'hnode', 'hname')
if not h[1] then return {0} end
local follows = redis.call('SISMEMBER', KEYS[3], ARGV[1]) == 1
if ARGV[5] == 'hint' and not follows then return {0} end
if h[1] ~= ARGV[1] and not follows then return {0} end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', 'f', ARGV[2], 'k', ARGV[5], 't', ARGV[3])
local list = {h[1], h[2] or '', h[3] or ''}
for _, x in ipairs(followers(ARGV[6])) do table.insert(list, x) end
local others = {}
for i = 1, #list, 3 do
  if list[i] ~= ARGV[1] then
    table.insert(others, list[i])
    table.insert(others, list[i + 1])
    table.insert(others, list[i + 2])
  end
end
return {1, tostaff(others, ARGV[7], ARGV[6], ARGV[8])}
`)

// scriptPriority raises or lowers a waiting chat. KEYS: chat, queue. ARGV:
// chat id, urgent ("1"/"0"), reason sv, reason en, score base.
var scriptPriority = redis.NewScript(`
local st = redis.call('HMGET', KEYS[1], 'state', 'seq', 'urgent')
if st[1] ~= 'waiting' then return 0 end
if ARGV[2] == '1' and st[3] == '1' then return 1 end
redis.call('HSET', KEYS[1], 'urgent', ARGV[2], 'rsv', ARGV[3], 'ren', ARGV[4])
redis.call('ZADD', KEYS[2], tonumber(ARGV[5]) + tonumber(st[2]), ARGV[1])
return 1
`)

// scriptReap takes over for a node whose heartbeat has stopped: its
// parents' and counsellors' graces start now, as if their sockets had
// closed, and its inbox is dropped. KEYS: none. ARGV: dead node, deadline.
// Returns 0 if another node reaped it first.
var scriptReap = redis.NewScript(`
local n = ARGV[1]
if redis.call('SREM', 'pl:nodes', n) == 0 then return 0 end
if redis.call('EXISTS', 'pl:alive:' .. n) == 1 then redis.call('SADD', 'pl:nodes', n) return 0 end
for _, id in ipairs(redis.call('SMEMBERS', 'pl:nodeparents:' .. n)) do
  local ck = 'pl:chat:{' .. id .. '}'
  if redis.call('HGET', ck, 'pnode') == n then
    redis.call('HSET', ck, 'pnode', '')
    redis.call('ZADD', 'pl:graces', ARGV[2], 'p:' .. id)
  end
end
for _, u in ipairs(redis.call('SMEMBERS', 'pl:nodecos:' .. n)) do
  local k = 'pl:co:{' .. u .. '}'
  if redis.call('HGET', k, 'node') == n then
    redis.call('HSET', k, 'node', '')
    redis.call('ZADD', 'pl:graces', ARGV[2], 'c:' .. u)
  end
end
redis.call('DEL', 'pl:nodeparents:' .. n, 'pl:nodecos:' .. n, 'pl:node:' .. n)
return 1
`)
