package chat

import (
	"time"
	"unicode/utf8"
)

// ConsentRequest is what the parent is asked to consent to, in their language.
type ConsentRequest struct {
	Text          string
	Version       string
	SharedWith    string
	RetentionDays int
}

// ConsentGiven is a parent's consent with the details they chose to give.
type ConsentGiven struct {
	Details    map[string]string // name, contact, personnummer, child, help; only what was given
	Summary    string            // the counsellor's short summary of why
	Text       string            // the exact consent text shown
	Version    string
	Lang       string
	AcceptedAt time.Time
	RaisedBy   string // the counsellor's username
}

// Escalator is the consented-escalation path (package consent behind an
// adapter). Consent stores the escalation as a case encrypted to the intake
// and returns its reference and the one-time withdrawal code; an error's
// text is shown to the parent, so it must be fit for them (in their Lang).
type Escalator interface {
	ConsentRequest(lang string) ConsentRequest
	Consent(c ConsentGiven) (reference, code string, err error)
}

// SealChecker is an Escalator that can tell, without waiting, whether it
// can seal a case right now (a chat node goes by what the store node
// publishes). When it cannot, a consent request is refused before the
// parent is asked anything.
type SealChecker interface {
	CanSeal() bool
}

// canAskConsent refuses a consent request that could not be sealed if the
// parent said yes, before the parent is asked anything.
func canAskConsent(e Escalator) error {
	if e == nil {
		return refuse(codeBadState, "the consent path is not configured on this server")
	}
	if sc, ok := e.(SealChecker); ok && !sc.CanSeal() {
		return &frameError{code: codeBadState,
			msg: "Details cannot be passed to social services right now (no intake key, or the store node cannot be reached). The parent was not asked.",
			sv:  "Uppgifter kan inte lämnas till socialtjänsten just nu (ingen mottagarnyckel, eller så går lagringsnoden inte att nå). Föräldern har inte tillfrågats."}
	}
	return nil
}

// pendingConsent is an open consent request in a chat. Like chat text it
// lives in memory only.
type pendingConsent struct {
	id       string
	summary  string
	req      ConsentRequest
	asker    *counselor
	inFlight bool // the parent's answer is being sealed
}

// Consent detail fields a parent may give, and their limit in characters.
var consentFields = []string{"name", "contact", "personnummer", "child", "help"}

const maxDetailRunes = 500

type (
	bareFrame struct {
		Type string `json:"type"`
	}
	consentRequestFrame struct {
		Type          string `json:"type"`
		ID            string `json:"id"`
		Text          string `json:"text"`
		Version       string `json:"version"`
		SharedWith    string `json:"shared_with,omitempty"`
		RetentionDays int    `json:"retention_days,omitempty"`
	}
	consentReceiptFrame struct {
		Type           string `json:"type"`
		Reference      string `json:"reference"`
		WithdrawalCode string `json:"withdrawal_code"`
	}
	consentResultFrame struct {
		Type      string `json:"type"`
		Chat      string `json:"chat"`
		Accepted  bool   `json:"accepted"`
		Reference string `json:"reference,omitempty"`
	}
)

// consentRequestLocked sends the parent of a chat the counsellor holds a
// request to consent to escalation. One open request per chat.
func (h *Hub) consentRequestLocked(co *counselor, id, summary string) error {
	if err := canAskConsent(h.opts.Escalator); err != nil {
		return err
	}
	r, err := co.held(id)
	if err != nil {
		return err
	}
	if r.state != active || r.parent.conn == nil {
		return refuse(codeBadState, "the parent is not connected to this chat right now")
	}
	if r.consent != nil {
		return refuse(codeBadState, "a consent request is already open in this chat")
	}
	if utf8.RuneCountInString(summary) > 2000 {
		return refuse(codeTooLarge, "the summary is longer than 2000 characters")
	}
	req := h.opts.Escalator.ConsentRequest(r.lang)
	r.consent = &pendingConsent{id: newID()[:16], summary: summary, req: req, asker: co}
	r.concern = true
	r.parent.conn.push(r.consent.frame())
	return nil
}

// frame is the consent_request frame that asks the parent.
func (pc *pendingConsent) frame() []byte { return consentRequestFor(pc.id, pc.req) }

func consentRequestFor(id string, req ConsentRequest) []byte {
	return encode(consentRequestFrame{Type: "consent_request", ID: id, Text: req.Text,
		Version: req.Version, SharedWith: req.SharedWith, RetentionDays: req.RetentionDays})
}

// consentAnswer takes the parent's answer to a consent request. Declining
// stores nothing. Accepting seals the case outside the hub lock (it writes
// to disk); the returned func does that.
func (h *Hub) consentAnswer(c *conn, p *parent, f inFrame) (func(), error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if p == nil || p.conn != c {
		return nil, refuse(codeBadState, "send hello or resume first")
	}
	r := p.room
	pc := r.consent
	if pc == nil || f.ID != pc.id {
		return nil, refuse(codeBadState, "there is no open consent request with that id")
	}
	if pc.inFlight {
		return nil, refuse(codeBadState, "your answer is already being handled")
	}
	if f.Accept == nil {
		return nil, refuse(codeBadRequest, `"accept" must be true or false`)
	}
	if !*f.Accept {
		r.consent = nil
		c.push(encode(bareFrame{Type: "consent_declined"}))
		h.tellAsker(r, pc, consentResultFrame{Type: "consent_result", Chat: r.id, Accepted: false})
		return nil, nil
	}
	details, err := consentDetails(f)
	if err != nil {
		return nil, err
	}
	pc.inFlight = true
	given := ConsentGiven{Details: details, Summary: pc.summary, Text: pc.req.Text, Version: pc.req.Version,
		Lang: r.lang, AcceptedAt: h.now(), RaisedBy: pc.asker.Username}
	return func() {
		ref, code, err := h.opts.Escalator.Consent(given)
		h.mu.Lock()
		defer h.mu.Unlock()
		pc.inFlight = false
		if err != nil {
			h.m.rejected.WithLabelValues(codeBadRequest).Inc()
			c.push(encode(errorFrame{Type: "error", Code: codeBadRequest, Message: err.Error()}))
			return
		}
		if r.consent == pc {
			r.consent = nil
		}
		c.push(encode(consentReceiptFrame{Type: "consent_receipt", Reference: ref, WithdrawalCode: code}))
		h.tellAsker(r, pc, consentResultFrame{Type: "consent_result", Chat: r.id, Accepted: true, Reference: ref})
	}, nil
}

// consentDetails checks the details of an accepting answer: known fields,
// each within its limit; empty ones are left out.
func consentDetails(f inFrame) (map[string]string, error) {
	details := map[string]string{}
	for k, v := range f.Details {
		known := false
		for _, field := range consentFields {
			known = known || k == field
		}
		if !known {
			return nil, refuse(codeBadRequest, "unknown detail: "+truncate(k, 40))
		}
		if utf8.RuneCountInString(v) > maxDetailRunes {
			return nil, refuse(codeTooLarge, k+" is longer than 500 characters")
		}
		if v != "" {
			details[k] = v
		}
	}
	return details, nil
}

// tellAsker tells the counsellor now holding the chat (or, after a
// transfer, the one who asked) the outcome.
func (h *Hub) tellAsker(r *room, pc *pendingConsent, frame consentResultFrame) {
	co := r.counselor
	if co == nil {
		co = pc.asker
	}
	if co.conn != nil {
		co.conn.push(encode(frame))
	}
}

// NotifyStaff sends a frame to a staff member's console if they are
// connected (case status updates, report decisions). It reports whether the
// frame was queued.
func (h *Hub) NotifyStaff(username string, frame any) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	co := h.counselors[username]
	if co == nil || co.conn == nil {
		return false
	}
	co.conn.push(encode(frame))
	return true
}
