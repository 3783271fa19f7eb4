package sealbox

import (
	"bytes"
	"errors"
	"testing"
)

func TestSealOpen(t *testing.T) {
	k := bytes.Repeat([]byte{1}, KeySize)
	b, err := New(k)
	if err != nil {
		t.Fatal(err)
	}
	s := b.Seal([]byte("hej"), []byte("chat-1"))
	if bytes.Contains(s, []byte("hej")) {
		t.Fatal("the plain text shows in the sealed value")
	}
	if p, err := b.Open(s, []byte("chat-1")); err != nil || string(p) != "hej" {
		t.Fatalf("open = %q, %v", p, err)
	}
	other, _ := New(bytes.Repeat([]byte{2}, KeySize))
	for name, try := range map[string]func() ([]byte, error){
		"other ad":  func() ([]byte, error) { return b.Open(s, []byte("chat-2")) },
		"other key": func() ([]byte, error) { return other.Open(s, []byte("chat-1")) },
		"too short": func() ([]byte, error) { return b.Open(s[:5], []byte("chat-1")) },
		"altered":   func() ([]byte, error) { x := bytes.Clone(s); x[len(x)-1] ^= 1; return b.Open(x, []byte("chat-1")) },
	} {
		if _, err := try(); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := New(k[:16]); err == nil {
		t.Fatal("a short key was accepted")
	}
}
