package chat

import (
	"encoding/json"
	"errors"
	"unicode"
	"unicode/utf8"
)

// Limits on what a client may send.
const (
	// MaxFrameBytes is the largest frame that gets an answer; larger frames
	// up to hardReadLimit are drained and refused with an error frame.
	MaxFrameBytes = 16 << 10
	// MaxTextBytes is the largest message text, in bytes of UTF-8.
	MaxTextBytes = 4096
	// hardReadLimit closes the socket with status 1009 when exceeded.
	hardReadLimit = 256 << 10
	maxClientID   = 64
)

// Error codes carried in error frames; docs/protocol.md lists them.
const (
	codeBadJSON          = "bad_json"
	codeUnknownType      = "unknown_type"
	codeTooLarge         = "too_large"
	codeEmpty            = "empty"
	codeTooFast          = "too_fast"
	codeBadState         = "bad_state"
	codeBadRequest       = "bad_request"
	codeInvalidToken     = "invalid_token"
	codeAlreadyConnected = "already_connected"
	codeNotYourChat      = "not_your_chat"
	codeNoTopic          = "no_topic"
	codeQueueEmpty       = "queue_empty"
	codeTaken            = "taken"
	codeAtCapacity       = "at_capacity"
	codeUnavailable      = "unavailable"
	codeClosed           = "closed"
	codeStoreFailed      = "store_failed"
	codeReplaced         = "replaced"
	codeInDebrief        = "in_debrief"
	codeDailyCap         = "daily_cap"
	codeNotSent          = "not_sent"    // a cluster node could not reach Redis: nothing happened
	codeUnsupported      = "unsupported" // not offered on a service of several nodes (yet)
)

// inFrame is every field any client frame may carry; which ones matter
// depends on Type. Unknown fields are ignored.
type inFrame struct {
	Type     string   `json:"type"`
	Audience string   `json:"audience,omitempty"`
	Lang     string   `json:"lang,omitempty"`
	Resume   string   `json:"resume,omitempty"`
	Text     string   `json:"text,omitempty"`
	ID       string   `json:"id,omitempty"`
	Chat     string   `json:"chat,omitempty"`
	Topics   []string `json:"topics,omitempty"`
	To       string   `json:"to,omitempty"`
	On       *bool    `json:"on,omitempty"`
	First    string   `json:"first,omitempty"`   // hello: the parent's first line
	Urgent   *bool    `json:"urgent,omitempty"`  // priority (supervisors)
	Concern  bool     `json:"concern,omitempty"` // close: a heavy chat, suggest a break
	// consent
	Summary string            `json:"summary,omitempty"`
	Accept  *bool             `json:"accept,omitempty"`
	Details map[string]string `json:"details,omitempty"`
}

// frameError is a refusal to send back to the client as an error frame.
type frameError struct {
	code string
	msg  string
	sv   string // Swedish text when it differs from the code's usual one
}

func (e *frameError) Error() string { return e.code + ": " + e.msg }

func refuse(code, msg string) *frameError { return &frameError{code: code, msg: msg} }

// decodeFrame parses one client frame. It checks only what every frame must
// satisfy; each endpoint validates its own types and fields.
func decodeFrame(b []byte) (inFrame, error) {
	var f inFrame
	if len(b) > MaxFrameBytes {
		return f, refuse(codeTooLarge, "frame larger than 16 KiB")
	}
	if !decodeFast(b, &f) {
		f = inFrame{}
		if err := json.Unmarshal(b, &f); err != nil {
			var typeErr *json.UnmarshalTypeError
			if errors.As(err, &typeErr) {
				return f, refuse(codeBadJSON, "field "+typeErr.Field+" has the wrong type")
			}
			return f, refuse(codeBadJSON, "frame is not a JSON object")
		}
	}
	if f.Type == "" {
		return f, refuse(codeBadJSON, "frame has no type")
	}
	if len(f.ID) > maxClientID {
		return f, refuse(codeBadRequest, "id longer than 64 bytes")
	}
	return f, nil
}

// decodeHot decodes the frames of a running chat (msg, typing) when they
// take the fast path and pass decodeFrame's checks; ok is false otherwise.
func decodeHot(b []byte) (f inFrame, ok bool) {
	if len(b) > MaxFrameBytes || !decodeFast(b, &f) || len(f.ID) > maxClientID {
		return inFrame{}, false
	}
	return f, f.Type == "msg" || f.Type == "typing"
}

// onFreshStack runs fn on a new goroutine and waits for it.
func onFreshStack(fn func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	<-done
}

// checkText validates a chat message text.
func checkText(s string) error {
	if len(s) > MaxTextBytes {
		return refuse(codeTooLarge, "message longer than 4096 bytes")
	}
	if !utf8.ValidString(s) {
		return refuse(codeBadRequest, "message is not valid UTF-8")
	}
	for _, r := range s {
		if !unicode.IsSpace(r) {
			return nil
		}
	}
	return refuse(codeEmpty, "message has no text")
}

// Outgoing frames. Fields are omitted when empty so frames stay small.
type (
	welcomeFrame struct {
		Type    string `json:"type"`
		Session string `json:"session"`
		Resume  string `json:"resume"`
		State   string `json:"state"`
	}
	queuedFrame struct {
		Type     string `json:"type"`
		Position int    `json:"position"`
		Staffed  bool   `json:"staffed"`
	}
	joinedFrame struct {
		Type      string `json:"type"`
		Counselor string `json:"counselor"`
	}
	line struct {
		From string `json:"from"`
		Text string `json:"text"`
	}
	historyFrame struct {
		Type     string `json:"type"`
		Chat     string `json:"chat,omitempty"`
		Messages []line `json:"messages"`
		Notes    []note `json:"notes,omitempty"` // staff side only
	}
	noteFrame struct {
		Type string `json:"type"`
		Chat string `json:"chat"`
		From string `json:"from"`
		Text string `json:"text"`
	}
	msgFrame struct {
		Type string `json:"type"`
		Chat string `json:"chat,omitempty"`
		From string `json:"from"`
		Text string `json:"text"`
		ID   string `json:"id,omitempty"`
	}
	typingFrame struct {
		Type string `json:"type"`
		Chat string `json:"chat,omitempty"`
	}
	reasonFrame struct {
		Type   string `json:"type"`
		Chat   string `json:"chat,omitempty"`
		Reason string `json:"reason"`
	}
	errorFrame struct {
		Type    string `json:"type"`
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	readyFrame struct {
		Type       string `json:"type"`
		Name       string `json:"name"`
		Username   string `json:"username"`
		Supervisor bool   `json:"supervisor"`
		Available  bool   `json:"available"`
		MaxChats   int    `json:"max_chats"`
	}
	queueEntry struct {
		Chat     string `json:"chat"`
		Audience string `json:"audience"`
		Waited   int    `json:"waited_seconds"`
		Urgent   bool   `json:"urgent"`
		Reason   string `json:"reason,omitempty"`
		ReasonEn string `json:"reason_en,omitempty"`
	}
	queueFrame struct {
		Type    string       `json:"type"`
		Waiting []queueEntry `json:"waiting"`
		Total   int          `json:"total"`
	}
	chatStartedFrame struct {
		Type            string `json:"type"`
		Chat            string `json:"chat"`
		Parent          string `json:"parent"`
		Audience        string `json:"audience"`
		Lang            string `json:"lang"`
		TransferredFrom string `json:"transferred_from,omitempty"`
		ParentGone      bool   `json:"parent_gone,omitempty"`
		First           string `json:"first,omitempty"`
		Urgent          bool   `json:"urgent,omitempty"`
		Reason          string `json:"reason,omitempty"`
		ReasonEn        string `json:"reason_en,omitempty"`
	}
	statusFrame struct {
		Type      string `json:"type"`
		Available bool   `json:"available"`
		Debrief   bool   `json:"debrief"`
		Chats     int    `json:"chats"`
		MaxChats  int    `json:"max_chats"`
		Today     int    `json:"today"`
		DailyCap  int    `json:"daily_cap"`
	}
	colleague struct {
		Username  string `json:"username"`
		Name      string `json:"name"`
		Available bool   `json:"available"`
		Debrief   bool   `json:"debrief"`
		Chats     int    `json:"chats"`
		MaxChats  int    `json:"max_chats"`
	}
	colleaguesFrame struct {
		Type       string      `json:"type"`
		Counselors []colleague `json:"counselors"`
	}
	overviewChat struct {
		Chat      string   `json:"chat"`
		Audience  string   `json:"audience"`
		State     string   `json:"state"`
		Counselor string   `json:"counselor,omitempty"`
		Seconds   int      `json:"seconds"`
		Urgent    bool     `json:"urgent"`
		Followers []string `json:"followers,omitempty"`
	}
	overviewCounselor struct {
		Username  string `json:"username"`
		Name      string `json:"name"`
		Available bool   `json:"available"`
		Debrief   bool   `json:"debrief"`
		Chats     int    `json:"chats"`
		Today     int    `json:"today"`
	}
	followingFrame struct {
		Type       string `json:"type"`
		Chat       string `json:"chat"`
		Counselor  string `json:"counselor"`
		Parent     string `json:"parent"`
		Audience   string `json:"audience"`
		Lang       string `json:"lang"`
		First      string `json:"first,omitempty"`
		Urgent     bool   `json:"urgent,omitempty"`
		Reason     string `json:"reason,omitempty"`
		ReasonEn   string `json:"reason_en,omitempty"`
		ParentGone bool   `json:"parent_gone,omitempty"`
	}
	followersFrame struct {
		Type  string   `json:"type"`
		Chat  string   `json:"chat"`
		Names []string `json:"names"`
	}
	breakFrame struct {
		Type    string `json:"type"`
		Chat    string `json:"chat"`
		Reason  string `json:"reason"`
		Minutes int    `json:"minutes"`
	}
	wellbeingFrame struct {
		Type      string `json:"type"`
		Counselor string `json:"counselor"`
		Reason    string `json:"reason"`
	}
	overviewFrame struct {
		Type       string              `json:"type"`
		Chats      []overviewChat      `json:"chats"`
		Counselors []overviewCounselor `json:"counselors"`
		Waiting    int                 `json:"waiting"` // the whole queue's length; chats lists the first 50
	}
)

// encode marshals an outgoing frame; our frame types cannot fail to marshal.
func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("chat: encoding a frame: " + err.Error())
	}
	return b
}
