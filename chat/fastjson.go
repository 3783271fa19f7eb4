package chat

import (
	"unicode/utf8"
)

// The two frames on every relayed message — the parent's or counsellor's
// msg in, the msg out to the other side and its echo — are read and written
// here without reflection. Anything the fast path does not know (another
// value type, an unknown key, an escape in a key) goes to encoding/json, and
// both give the same result; a fuzz test holds them to it.

// decodeFast fills f from a flat JSON object whose values are all strings
// and whose keys are all known fields. It reports false, leaving the work to
// encoding/json, for anything else.
func decodeFast(b []byte, f *inFrame) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return skipSpace(b, i+1) == len(b)
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return false
		}
		end := i + 1
		for end < len(b) && b[end] != '"' && b[end] != '\\' && b[end] >= 0x20 && b[end] < 0x80 {
			end++
		}
		if end >= len(b) || b[end] != '"' {
			return false // an escaped or odd key: leave it to encoding/json
		}
		key := b[i+1 : end]
		i = skipSpace(b, end+1)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = skipSpace(b, i+1)
		val, next, ok := scanString(b, i)
		if !ok {
			return false
		}
		switch string(key) {
		case "type":
			f.Type = val
		case "text":
			f.Text = val
		case "id":
			f.ID = val
		case "chat":
			f.Chat = val
		case "audience":
			f.Audience = val
		case "lang":
			f.Lang = val
		case "resume":
			f.Resume = val
		case "to":
			f.To = val
		case "first":
			f.First = val
		case "summary":
			f.Summary = val
		default:
			return false
		}
		i = skipSpace(b, next)
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return skipSpace(b, i+1) == len(b)
		default:
			return false
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// scanString reads the JSON string starting at b[i] (the opening quote) and
// returns its value and the index after the closing quote. It declines
// (ok = false) invalid JSON and invalid UTF-8, which encoding/json replaces.
func scanString(b []byte, i int) (s string, next int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return "", 0, false
	}
	start := i + 1
	j, plain := start, true
	for ; j < len(b); j++ {
		c := b[j]
		if c == '"' {
			break
		}
		if c < 0x20 {
			return "", 0, false
		}
		if c == '\\' || c >= 0x80 {
			plain = false
			if c == '\\' {
				j++ // skip the escaped character; it is checked below
			}
		}
	}
	if j >= len(b) {
		return "", 0, false
	}
	raw := b[start:j]
	if plain {
		return string(raw), j + 1, true
	}
	out, ok := unescape(raw)
	return out, j + 1, ok
}

// unescape decodes the body of a JSON string with escapes or non-ASCII text.
func unescape(raw []byte) (string, bool) {
	out := make([]byte, 0, len(raw))
	for k := 0; k < len(raw); {
		c := raw[k]
		switch {
		case c == '\\':
			if k+1 >= len(raw) {
				return "", false
			}
			switch e := raw[k+1]; e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, n, ok := readEscapedRune(raw[k:])
				if !ok {
					return "", false
				}
				out = utf8.AppendRune(out, r)
				k += n
				continue
			default:
				return "", false
			}
			k += 2
		case c < utf8.RuneSelf:
			out = append(out, c)
			k++
		default:
			r, n := utf8.DecodeRune(raw[k:])
			if r == utf8.RuneError && n == 1 {
				return "", false
			}
			out = append(out, raw[k:k+n]...)
			k += n
		}
	}
	return string(out), true
}

// readEscapedRune reads \uXXXX (and a following low surrogate, if it is a
// high one) and returns the rune and the bytes used. A lone surrogate
// becomes U+FFFD, as encoding/json does.
func readEscapedRune(b []byte) (rune, int, bool) {
	r, ok := hex4(b)
	if !ok {
		return 0, 0, false
	}
	if r < 0xD800 || r > 0xDFFF {
		return r, 6, true
	}
	if r <= 0xDBFF && len(b) >= 12 && b[6] == '\\' && b[7] == 'u' {
		if lo, ok := hex4(b[6:]); ok && lo >= 0xDC00 && lo <= 0xDFFF {
			return (r-0xD800)<<10 + (lo - 0xDC00) + 0x10000, 12, true
		}
	}
	return utf8.RuneError, 6, true
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return 0, false
	}
	var r rune
	for _, c := range b[2:6] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c-'a') + 10
		case c >= 'A' && c <= 'F':
			r |= rune(c-'A') + 10
		default:
			return 0, false
		}
	}
	return r, true
}

// encodeMsg is encode(msgFrame{Type: "msg", ...}) without reflection.
func encodeMsg(chat, from, text, id string) []byte {
	b := make([]byte, 0, len(text)+len(chat)+len(id)+64)
	b = append(b, `{"type":"msg"`...)
	if chat != "" {
		b = append(b, `,"chat":`...)
		b = appendJSONString(b, chat)
	}
	b = append(b, `,"from":`...)
	b = appendJSONString(b, from)
	b = append(b, `,"text":`...)
	b = appendJSONString(b, text)
	if id != "" {
		b = append(b, `,"id":`...)
		b = appendJSONString(b, id)
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string escaped as encoding/json does:
// HTML-safe (<, >, & as \u003c…), U+2028 and U+2029 escaped, invalid UTF-8
// as U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += n
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += n
			start = i
			continue
		}
		i += n
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
