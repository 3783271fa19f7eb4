package chat

import (
	"slices"
)

// Supervision: a supervisor may silently follow a colleague's chat, send the
// counsellor private hints, and take the chat over. The parent is never told;
// the counsellor is (supervision is open within the team). Following and
// taking over are written to the audit trail before they happen.

// Audit actions the hub asks its Auditor to record.
const (
	AuditFollowed  = "chat_followed"
	AuditTakenOver = "chat_taken_over"
)

// supervisedLocked finds a colleague's live chat a supervisor may follow or
// take over.
func (h *Hub) supervisedLocked(co *counselor, id string) (*room, error) {
	if !co.Supervisor {
		return nil, refuse(codeBadState, "only a supervisor can follow or take over a chat")
	}
	r := h.rooms[id]
	if r == nil || r.state == waiting || r.counselor == nil {
		return nil, refuse(codeTaken, "that chat is not held by a counsellor right now")
	}
	if r.counselor == co {
		return nil, refuse(codeTaken, "you hold that chat yourself")
	}
	return r, nil
}

// followLocked checks a follow and returns the step that audits it and then
// carries it out, outside the hub lock.
func (h *Hub) followLocked(co *counselor, id string) (func(), error) {
	r, err := h.supervisedLocked(co, id)
	if err != nil {
		return nil, err
	}
	if slices.Contains(r.followers, co) {
		h.sendFollowingLocked(co, r)
		return nil, nil
	}
	return h.audited(co, AuditFollowed, id, func() {
		r, err := h.supervisedLocked(co, id)
		if err != nil {
			co.conn.push(errorFrameFor(err))
			return
		}
		if !slices.Contains(r.followers, co) {
			r.followers = append(r.followers, co)
			co.following = append(co.following, r)
			h.sendFollowersLocked(r)
			h.markDirtyLocked()
		}
		h.sendFollowingLocked(co, r)
	}), nil
}

// takeOverLocked checks a take-over and returns the step that audits it and
// then moves the chat to the supervisor.
func (h *Hub) takeOverLocked(co *counselor, id string) (func(), error) {
	if _, err := h.supervisedLocked(co, id); err != nil {
		return nil, err
	}
	return h.audited(co, AuditTakenOver, id, func() {
		r, err := h.supervisedLocked(co, id)
		if err != nil {
			co.conn.push(errorFrameFor(err))
			return
		}
		from := r.counselor
		from.release(r)
		r.counselor = nil // the follower list below goes to the new holder only
		if from.conn != nil {
			from.conn.push(encode(reasonFrame{Type: "chat_ended", Chat: r.id, Reason: "taken_over"}))
		}
		h.unfollowLocked(co, r)
		h.handOverLocked(r, co, from.Name)
		h.sendStatusLocked(from)
	}), nil
}

// audited returns a step that records the action in the audit trail and,
// if that worked, runs apply under the hub lock. A failed write refuses the
// action with store_failed.
func (h *Hub) audited(co *counselor, action, chat string, apply func()) func() {
	return func() {
		var err error
		if h.opts.Auditor == nil {
			err = errNoAuditor
		} else {
			err = h.opts.Auditor.Audit(co.Username, action, chat)
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		if co.conn == nil {
			return
		}
		if err != nil {
			h.log.Error().Err(err).Str("action", action).Msg("writing the audit trail")
			co.conn.push(errorFrameFor(&frameError{code: codeStoreFailed,
				msg: "the audit trail could not be written; nothing was done",
				sv:  "Granskningsloggen kunde inte skrivas. Inget har gjorts."}))
			return
		}
		h.log.Info().Str("action", action).Str("supervisor", co.Username).Msg("supervision")
		apply()
	}
}

var errNoAuditor = refuse(codeStoreFailed, "no audit trail is configured on this server")

// errorFrameFor is the Swedish error frame for a refusal (staff consoles
// are Swedish).
func errorFrameFor(err error) []byte {
	fe, ok := err.(*frameError)
	if !ok {
		fe = refuse(codeStoreFailed, err.Error())
	}
	return fe.frame("sv")
}

// handOverLocked gives a chat to a new holder (a transfer or a take-over):
// the holder gets the chat and its history, the parent the new name, and
// the followers the new holder.
func (h *Hub) handOverLocked(r *room, to *counselor, fromName string) {
	to.rooms = append(to.rooms, r)
	r.counselor = to
	h.countTakenLocked(to)
	if to.conn != nil {
		to.conn.push(r.startedFrame(fromName))
		to.conn.push(encode(historyFrame{Type: "history", Chat: r.id, Messages: r.history, Notes: r.notes}))
	}
	if p := r.parent; p != nil && p.conn != nil {
		p.conn.push(encode(joinedFrame{Type: "joined", Counselor: to.Name}))
	}
	for _, s := range r.followers {
		h.sendFollowingLocked(s, r)
	}
	h.sendFollowersLocked(r)
	h.sendStatusLocked(to)
	h.markDirtyLocked()
}

// unfollowLocked stops co following r, without telling co.
func (h *Hub) unfollowLocked(co *counselor, r *room) bool {
	if !slices.Contains(r.followers, co) {
		return false
	}
	r.followers = slices.DeleteFunc(r.followers, func(x *counselor) bool { return x == co })
	co.following = slices.DeleteFunc(co.following, func(x *room) bool { return x == r })
	h.sendFollowersLocked(r)
	h.markDirtyLocked()
	return true
}

// endFollowsLocked ends every follow of r, telling each follower why.
func (h *Hub) endFollowsLocked(r *room, reason string) {
	if len(r.followers) == 0 {
		return
	}
	bye := encode(reasonFrame{Type: "follow_ended", Chat: r.id, Reason: reason})
	for _, s := range r.followers {
		s.following = slices.DeleteFunc(s.following, func(x *room) bool { return x == r })
		if s.conn != nil {
			s.conn.push(bye)
		}
	}
	r.followers = nil
	h.sendFollowersLocked(r)
	h.markDirtyLocked()
}

// sendFollowingLocked sends a follower the chat as it stands: who holds it,
// and its history with notes and hints.
func (h *Hub) sendFollowingLocked(s *counselor, r *room) {
	if s.conn == nil || r.counselor == nil {
		return
	}
	s.conn.push(encode(followingFrame{Type: "following", Chat: r.id, Counselor: r.counselor.Name, Parent: r.pseudonym,
		Audience: r.audience, Lang: r.lang, First: r.first, Urgent: r.urgent, Reason: r.reason["sv"],
		ReasonEn: r.reason["en"], ParentGone: r.state == wrapup}))
	s.conn.push(encode(historyFrame{Type: "history", Chat: r.id, Messages: r.history, Notes: r.notes}))
}

// sendFollowersLocked tells the holder who follows the chat.
func (h *Hub) sendFollowersLocked(r *room) {
	co := r.counselor
	if co == nil || co.conn == nil {
		return
	}
	names := make([]string, 0, len(r.followers))
	for _, s := range r.followers {
		names = append(names, s.Name)
	}
	co.conn.push(encode(followersFrame{Type: "followers", Chat: r.id, Names: names}))
}

// onStaffSide returns the chat with this id if co holds or follows it.
func (co *counselor) onStaffSide(id string) (*room, error) {
	if r, err := co.held(id); err == nil {
		return r, nil
	}
	for _, r := range co.following {
		if r.id == id {
			return r, nil
		}
	}
	return nil, refuse(codeNotYourChat, "you neither hold nor follow that chat")
}

// hintLocked sends a supervisor's private hint to the counsellor holding a
// followed chat, and to every follower.
func (h *Hub) hintLocked(co *counselor, f inFrame) error {
	if !co.Supervisor {
		return refuse(codeBadState, "only a supervisor can send a hint")
	}
	var r *room
	for _, x := range co.following {
		if x.id == f.Chat {
			r = x
		}
	}
	if r == nil {
		return refuse(codeNotYourChat, "follow the chat before sending a hint")
	}
	return h.addNoteLocked(co, r, f.Text, "hint")
}

// addNoteLocked keeps a staff-only note or hint with the chat and sends it
// to its staff side.
func (h *Hub) addNoteLocked(co *counselor, r *room, text, kind string) error {
	if err := checkText(text); err != nil {
		return err
	}
	if !co.msgs.Allow() {
		return refuse(codeTooFast, "too many messages; this note was not saved")
	}
	n := note{From: co.Name, Text: text, Kind: kind}
	r.notes = append(r.notes, n)
	if len(r.notes) > maxHistoryLines {
		r.notes[0] = note{}
		r.notes = r.notes[1:]
	}
	typ := "note"
	if kind == "hint" {
		typ = "hint"
	}
	r.toStaff(encode(noteFrame{Type: typ, Chat: r.id, From: n.From, Text: n.Text}))
	return nil
}
