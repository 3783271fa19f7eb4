package chat

import (
	"encoding/json"
	"reflect"
	"testing"
)

var fastSeeds = []string{
	`{"type":"msg","text":"hej","id":"c1"}`,
	`{"type":"msg","chat":"abc","text":"Min son \"sover\" inte\n\u00e5\u00e4\u00f6 \ud83d\ude00 \ud800 x"}`,
	` { "type" : "hello" , "audience":"young","lang":"sv","first":"Vi bråkar om skärmtid" } `,
	`{"type":"close","chat":"x","topics":["sleep"]}`,
	`{"type":"available","on":true}`,
	`{"TYPE":"msg"}`,
	`{"type":"msg","text":"a\tb\/c\\d"}`,
	`{"type":"msg","text":"\xff"}`,
	`{"type":"msg","text":"ok"} x`,
	`{"type":"msg","text":"ok",}`,
	`{}`,
	`{"type":null}`,
	`{"type":"msg","text":"<&>"}`,
	`{"type":"msg","type":"typing"}`,
}

// The fast path either declines or agrees exactly with encoding/json.
func FuzzDecodeFast(f *testing.F) {
	for _, s := range fastSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var fast inFrame
		if !decodeFast(b, &fast) {
			return
		}
		var want inFrame
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatalf("fast path accepted %q, encoding/json says %v", b, err)
		}
		if !reflect.DeepEqual(fast, want) {
			t.Fatalf("%q: fast %+v, encoding/json %+v", b, fast, want)
		}
	})
}

func TestDecodeFast_TakesTheCommonFrames(t *testing.T) {
	for _, s := range fastSeeds[:3] {
		var f inFrame
		if !decodeFast([]byte(s), &f) {
			t.Errorf("declined %s", s)
		}
	}
	for _, s := range []string{`{"type":"close","chat":"x","topics":["sleep"]}`, `{"TYPE":"msg"}`, `{"type":"msg","text":"\xff"}`, `{"type":"msg"} x`} {
		var f inFrame
		if decodeFast([]byte(s), &f) {
			t.Errorf("accepted %s", s)
		}
	}
}

// appendJSONString writes what encoding/json writes.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"hej", "å\"\\\n\r\t\b\f\x00\x1f<>&\u2028\u2029", "\xff\xfe", "😀", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	})
}

func TestEncodeMsg_MatchesEncodingJSON(t *testing.T) {
	for _, m := range []msgFrame{
		{Type: "msg", From: "parent", Text: "hej <b> & \"du\"\n", ID: "c1"},
		{Type: "msg", Chat: "abc", From: "counselor", Text: "åäö"},
	} {
		if got, want := encodeMsg(m.Chat, m.From, m.Text, m.ID), encode(m); string(got) != string(want) {
			t.Errorf("got %s, want %s", got, want)
		}
	}
}
