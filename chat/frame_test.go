package chat

import (
	"strings"
	"testing"
)

func TestDecodeFrame(t *testing.T) {
	cases := []struct {
		in   string
		code string // "" = accepted
	}{
		{`{"type":"hello","audience":"young","lang":"sv"}`, ""},
		{`{"type":"msg","text":"hej","extra":{"ignored":true}}`, ""},
		{`{"type":"close","chat":"x","topics":["sleep"]}`, ""},
		{`{"type":"available","on":false}`, ""},
		{``, codeBadJSON},
		{`null`, codeBadJSON},
		{`"hello"`, codeBadJSON},
		{`{"type":""}`, codeBadJSON},
		{`{"type":5}`, codeBadJSON},
		{`{"type":"close","topics":"sleep"}`, codeBadJSON},
		{`{"type":"msg","id":"` + strings.Repeat("i", 65) + `"}`, codeBadRequest},
		{`{"type":"msg","text":"` + strings.Repeat("x", MaxFrameBytes) + `"}`, codeTooLarge},
	}
	for _, c := range cases {
		_, err := decodeFrame([]byte(c.in))
		got := ""
		if err != nil {
			fe, ok := err.(*frameError)
			if !ok {
				t.Fatalf("%.40q: error %v is not a frameError", c.in, err)
			}
			got = fe.code
		}
		if got != c.code {
			t.Errorf("%.40q: code %q, want %q", c.in, got, c.code)
		}
	}
}

func TestCheckText(t *testing.T) {
	for in, code := range map[string]string{
		"hej":                               "",
		"  rad ett\nrad två ":               "",
		strings.Repeat("a", MaxTextBytes):   "",
		"":                                  codeEmpty,
		" \t\n\u00a0":                       codeEmpty,
		strings.Repeat("a", MaxTextBytes+1): codeTooLarge,
		"\xff\xfe":                          codeBadRequest,
	} {
		err := checkText(in)
		got := ""
		if err != nil {
			got = err.(*frameError).code
		}
		if got != code {
			t.Errorf("%.20q: %q, want %q", in, got, code)
		}
	}
}

// FuzzDecodeFrame: decoding never panics, and what it accepts has a type
// and respects the id limit.
func FuzzDecodeFrame(f *testing.F) {
	for _, s := range []string{
		`{"type":"hello","audience":"young","lang":"sv"}`, `{"type":"resume","resume":"abc"}`,
		`{"type":"msg","text":"hej","id":"1"}`, `{"type":"close","chat":"c","topics":["sleep","food"]}`,
		`{"type":"available","on":true}`, `{"type":"transfer","chat":"c","to":"bo"}`, `{`, `[]`, `{"type":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := decodeFrame(b)
		if err != nil {
			if _, ok := err.(*frameError); !ok {
				t.Fatalf("non-frame error %v", err)
			}
			return
		}
		if fr.Type == "" || len(fr.ID) > maxClientID || len(b) > MaxFrameBytes {
			t.Fatalf("accepted a bad frame: %+v", fr)
		}
		_ = checkText(fr.Text)
	})
}
