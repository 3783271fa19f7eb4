//go:build linux

package load

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
)

// side is one end of a chat. Messages sent by a side travel in direction
// int(side): 0 parent → counsellor, 1 counsellor → parent.
type side int

const (
	parentSide side = iota
	counselorSide
)

// word is how parentline names the side in a msg frame's "from".
func (s side) word() string {
	if s == parentSide {
		return "parent"
	}
	return "counselor"
}

// frame is every field the tool reads from a server frame.
type frame struct {
	Type    string `json:"type"`
	Chat    string `json:"chat"`
	From    string `json:"from"`
	Text    string `json:"text"`
	ID      string `json:"id"`
	Reason  string `json:"reason"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// outFrame is every frame the tool sends: msg, hello, accept, close, end.
type outFrame struct {
	Type     string   `json:"type"`
	Chat     string   `json:"chat,omitempty"`
	Text     string   `json:"text,omitempty"`
	ID       string   `json:"id,omitempty"`
	Audience string   `json:"audience,omitempty"`
	Lang     string   `json:"lang,omitempty"`
	Topics   []string `json:"topics,omitempty"`
}

func encode(f outFrame) []byte {
	b, err := json.Marshal(f)
	if err != nil {
		panic("load: encoding a frame: " + err.Error()) // plain strings always encode
	}
	return b
}

var (
	helloFrame  = encode(outFrame{Type: "hello", Audience: "young", Lang: "sv"})
	acceptFrame = encode(outFrame{Type: "accept"})
	endFrame    = encode(outFrame{Type: "end"})
)

func closeFrame(chat string) []byte {
	return encode(outFrame{Type: "close", Chat: chat, Topics: []string{"sleep"}})
}

// isChatter reports console updates the tool has no use for; they are
// skipped before decoding.
func isChatter(typ []byte) bool {
	switch string(typ) {
	case "queue", "colleagues", "status", "typing", "overview", "followers":
		return true
	}
	return false
}

// frameType peeks at the type of a frame the server wrote with "type"
// first, without decoding it; nil when the frame does not start that way.
func frameType(b []byte) []byte {
	rest, ok := bytes.CutPrefix(b, []byte(`{"type":"`))
	if !ok {
		return nil
	}
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return nil
	}
	return rest[:end]
}

// stringField returns the raw value of the string field name (given as
// `"name":"`) in a flat JSON object, without decoding the object. ok is
// false when the field is missing or its value holds an escape.
func stringField(b, key []byte) (value []byte, ok bool) {
	i := bytes.Index(b, key)
	if i < 0 {
		return nil, false
	}
	rest := b[i+len(key):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 || bytes.IndexByte(rest[:end], '\\') >= 0 {
		return nil, false
	}
	return rest[:end], true
}

var (
	fromKey = []byte(`"from":"`)
	textKey = []byte(`"text":"`)
)

// msgFields picks "from" (empty when absent: the floor relays the sender's
// frame) and "text" out of a msg frame; ok is false when the frame must be
// decoded properly instead.
func msgFields(b []byte) (from, text []byte, ok bool) {
	if text, ok = stringField(b, textKey); !ok {
		return nil, nil, false
	}
	if bytes.Contains(b, fromKey) {
		if from, ok = stringField(b, fromKey); !ok {
			return nil, nil, false
		}
	}
	return from, text, true
}

// appendMsg appends a msg frame carrying p: {"type":"msg","chat":…,"text":…,"id":…},
// with "chat" only when chat is not empty (the counsellor's side).
func appendMsg(b []byte, chat string, p payload, size int) []byte {
	b = append(b, `{"type":"msg",`...)
	if chat != "" {
		b = append(b, `"chat":`...)
		b = appendJSONString(b, chat)
		b = append(b, ',')
	}
	b = append(b, `"text":"`...)
	b = p.appendText(b, size)
	b = append(b, `","id":"m`...)
	b = strconv.AppendInt(b, p.seq, 10)
	return append(b, `"}`...)
}

// appendJSONString appends s as a JSON string; plain ASCII is copied as is.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// payload is what a message's text carries: the chat's index (-1 for a
// churn chat), the message's sequence number in the chat, and when it was
// scheduled, as an offset from the run's start.
type payload struct {
	chat  int
	seq   int64
	sched time.Duration
}

// text renders p as "chat:seq:sched:" padded with 'x' to size bytes.
func (p payload) text(size int) string { return string(p.appendText(nil, size)) }

func (p payload) appendText(b []byte, size int) []byte {
	start := len(b)
	b = strconv.AppendInt(b, int64(p.chat), 10)
	b = append(b, ':')
	b = strconv.AppendInt(b, p.seq, 10)
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(p.sched), 10)
	b = append(b, ':')
	for len(b)-start < size {
		b = append(b, 'x')
	}
	return b
}

// parsePayload reads a text made by payload.text.
func parsePayload(text []byte) (payload, bool) {
	var f [3]int64
	for i := range f {
		end := bytes.IndexByte(text, ':')
		if end < 0 {
			return payload{}, false
		}
		n, ok := atoi(text[:end])
		if !ok {
			return payload{}, false
		}
		f[i], text = n, text[end+1:]
	}
	return payload{chat: int(f[0]), seq: f[1], sched: time.Duration(f[2])}, true
}

// atoi parses a decimal integer with an optional minus sign.
func atoi(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}
