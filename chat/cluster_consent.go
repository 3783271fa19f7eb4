package chat

import (
	"context"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"
)

// Consent on a cluster: the open request is fields of the chat's hash (its
// id, the sealed summary, who asked, and until when an answer is being
// sealed), so that the parent may answer through any node. The answer is
// sealed by the Escalator, which on a chat node hands it to the store node;
// nothing the parent gives is written to Redis.

// consentBusyFor bounds how long an accepted answer counts as being sealed.
// A node that dies meanwhile leaves the request open again after it.
const consentBusyFor = 30 * time.Second

// scriptConsentAsk opens a consent request in a chat its holder asks in.
// KEYS: chat. ARGV: username, request id, sealed summary. Returns {1,
// parent's node, lang} or {0, code}.
var scriptConsentAsk = redis.NewScript(`
local st = redis.call('HMGET', KEYS[1], 'holder', 'state', 'pnode', 'cid', 'lang')
if not st[1] or st[1] ~= ARGV[1] then return {0, 'not_your_chat'} end
if st[2] ~= 'active' or not st[3] or st[3] == '' then return {0, 'not_connected'} end
if st[4] and st[4] ~= '' then return {0, 'open'} end
redis.call('HSET', KEYS[1], 'cid', ARGV[2], 'csum', ARGV[3], 'cask', ARGV[1], 'cflight', '0', 'concern', '1')
return {1, st[3], st[5] or 'sv'}
`)

// scriptConsentAnswer takes a parent's answer: a decline closes the
// request, an acceptance marks it as being sealed until the given time.
// KEYS: chat. ARGV: request id, accepted ("1"/"0"), now (ms), busy until
// (ms). Returns {1, sealed summary, who asked, lang, holder, holder's node}
// or {0, code}.
var scriptConsentAnswer = redis.NewScript(`
local st = redis.call('HMGET', KEYS[1], 'cid', 'cflight', 'csum', 'cask', 'lang', 'holder', 'hnode')
if not st[1] or st[1] ~= ARGV[1] then return {0, 'none'} end
if tonumber(st[2] or '0') > tonumber(ARGV[3]) then return {0, 'busy'} end
if ARGV[2] == '1' then
  redis.call('HSET', KEYS[1], 'cflight', ARGV[4])
else
  redis.call('HDEL', KEYS[1], 'cid', 'csum', 'cask', 'cflight')
end
return {1, st[3] or '', st[4] or '', st[5] or 'sv', st[6] or '', st[7] or ''}
`)

// scriptConsentDone ends the sealing of an answer: stored closes the
// request, a failure leaves it open for another answer. KEYS: chat. ARGV:
// request id, stored ("1"/"0"). Returns {holder, holder's node}.
var scriptConsentDone = redis.NewScript(`
local st = redis.call('HMGET', KEYS[1], 'cid', 'holder', 'hnode')
if st[1] == ARGV[1] then
  if ARGV[2] == '1' then
    redis.call('HDEL', KEYS[1], 'cid', 'csum', 'cask', 'cflight')
  else
    redis.call('HSET', KEYS[1], 'cflight', '0')
  end
end
return {st[2] or '', st[3] or ''}
`)

// consentRequest asks the parent of a chat the counsellor holds to consent
// to escalation. One open request per chat.
func (c *Cluster) consentRequest(ctx context.Context, co *ccounselor, id, summary string) error {
	if err := canAskConsent(c.opts.Escalator); err != nil {
		return err
	}
	if utf8.RuneCountInString(summary) > 2000 {
		return refuse(codeTooLarge, "the summary is longer than 2000 characters")
	}
	req := newID()[:16]
	res, err := scriptConsentAsk.Run(ctx, c.rdb, []string{keyChat(id)}, co.Username, req, c.seal.seal(id, []byte(summary))).Slice()
	if err != nil {
		return notSent()
	}
	if ok, _ := res[0].(int64); ok != 1 {
		switch code, _ := res[1].(string); code {
		case "not_connected":
			return refuse(codeBadState, "the parent is not connected to this chat right now")
		case "open":
			return refuse(codeBadState, "a consent request is already open in this chat")
		default:
			return refuse(codeNotYourChat, "you do not hold that chat")
		}
	}
	node, _ := res[1].(string)
	lang, _ := res[2].(string)
	if err := c.deliver(ctx, node, delivery{to: "p:" + id, frame: consentRequestFor(req, c.opts.Escalator.ConsentRequest(lang))}); err != nil {
		return notSent()
	}
	return nil
}

// consentAnswer takes a parent's answer. Declining stores nothing;
// accepting has the Escalator seal the case, and the parent gets the
// receipt, the counsellor the outcome.
func (c *Cluster) consentAnswer(cn *conn, p *cparent, f inFrame) error {
	if c.opts.Escalator == nil {
		return refuse(codeBadState, "there is no open consent request with that id")
	}
	if f.Accept == nil {
		return refuse(codeBadRequest, `"accept" must be true or false`)
	}
	var details map[string]string
	if *f.Accept {
		var err error
		if details, err = consentDetails(f); err != nil {
			return err
		}
	}
	ctx, cancel := c.rctx()
	defer cancel()
	now := c.now()
	res, err := scriptConsentAnswer.Run(ctx, c.rdb, []string{keyChat(p.chat)}, f.ID, flag(*f.Accept),
		now.UnixMilli(), now.Add(consentBusyFor).UnixMilli()).Slice()
	if err != nil {
		return notSent()
	}
	if ok, _ := res[0].(int64); ok != 1 {
		if code, _ := res[1].(string); code == "busy" {
			return refuse(codeBadState, "your answer is already being handled")
		}
		return refuse(codeBadState, "there is no open consent request with that id")
	}
	summary, _ := res[1].(string)
	asker, _ := res[2].(string)
	lang, _ := res[3].(string)
	holder, _ := res[4].(string)
	hnode, _ := res[5].(string)
	if !*f.Accept {
		cn.push(encode(bareFrame{Type: "consent_declined"}))
		c.tellAsker(ctx, p.chat, holder, hnode, asker, consentResultFrame{Type: "consent_result", Chat: p.chat, Accepted: false})
		return nil
	}
	req := c.opts.Escalator.ConsentRequest(lang)
	ref, code, cerr := c.opts.Escalator.Consent(ConsentGiven{Details: details, Summary: c.seal.openString(p.chat, summary),
		Text: req.Text, Version: req.Version, Lang: lang, AcceptedAt: now, RaisedBy: asker})
	dctx, dcancel := c.rctx()
	defer dcancel()
	done, err := scriptConsentDone.Run(dctx, c.rdb, []string{keyChat(p.chat)}, f.ID, flag(cerr == nil)).Slice()
	if err != nil {
		c.log.Warn().Err(err).Msg("closing a consent request")
	}
	if cerr != nil {
		c.m.rejected.WithLabelValues(codeBadRequest).Inc()
		cn.push(encode(errorFrame{Type: "error", Code: codeBadRequest, Message: cerr.Error()}))
		return nil
	}
	if len(done) == 2 {
		holder, _ = done[0].(string)
		hnode, _ = done[1].(string)
	}
	cn.push(encode(consentReceiptFrame{Type: "consent_receipt", Reference: ref, WithdrawalCode: code}))
	c.tellAsker(dctx, p.chat, holder, hnode, asker, consentResultFrame{Type: "consent_result", Chat: p.chat, Accepted: true, Reference: ref})
	return nil
}

// tellAsker tells the counsellor holding the chat now the outcome, or the
// one who asked if nobody holds it.
func (c *Cluster) tellAsker(ctx context.Context, chat, holder, hnode, asker string, frame consentResultFrame) {
	if holder == "" {
		c.NotifyStaff(asker, frame)
		return
	}
	if err := c.deliver(ctx, hnode, delivery{to: "c:" + holder, chat: chat, frame: encode(frame)}); err != nil {
		c.log.Warn().Err(err).Msg("telling a counsellor the consent answer")
	}
}
