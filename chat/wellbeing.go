package chat

import "time"

// Wellbeing: a break is suggested after a heavy or long chat, a counsellor
// can step out "in debrief", and a daily cap limits the chats one person
// takes. These numbers stay in memory: no report or metric carries them.

// takingChatsLocked says whether co may be given a chat now.
func (h *Hub) takingChatsLocked(co *counselor) bool {
	return co.available && !co.debrief && !h.capReachedLocked(co)
}

// rollDayLocked starts a new day's counts at midnight in Europe/Stockholm.
func (h *Hub) rollDayLocked() {
	if day := h.now().In(h.loc).Format(time.DateOnly); day != h.takenDay {
		h.takenDay = day
		clear(h.taken)
	}
}

func (h *Hub) takenTodayLocked(co *counselor) int {
	h.rollDayLocked()
	return h.taken[co.Username]
}

func (h *Hub) countTakenLocked(co *counselor) {
	h.rollDayLocked()
	h.taken[co.Username]++
}

func (h *Hub) capReachedLocked(co *counselor) bool {
	return h.opts.DailyCap > 0 && h.takenTodayLocked(co) >= h.opts.DailyCap
}

// breakReason says whether closing a chat suggests a break, and why: it
// was marked with a concern, or it lasted at least breakAfter.
func breakReason(concern bool, length, breakAfter time.Duration) string {
	switch {
	case concern:
		return "concern"
	case length >= breakAfter:
		return "long"
	}
	return ""
}

// suggestBreakLocked tells the counsellor (and, if so configured, the
// supervisors online) that a break would be good after this chat.
func (h *Hub) suggestBreakLocked(co *counselor, chat, reason string, length time.Duration) {
	if co.conn != nil {
		co.conn.push(encode(breakFrame{Type: "break_suggested", Chat: chat, Reason: reason, Minutes: int(length / time.Minute)}))
	}
	if !h.opts.NotifySupervisor {
		return
	}
	msg := encode(wellbeingFrame{Type: "wellbeing", Counselor: co.Name, Reason: reason})
	for _, s := range h.counselors {
		if s.Supervisor && s != co && s.conn != nil {
			s.conn.push(msg)
		}
	}
}
