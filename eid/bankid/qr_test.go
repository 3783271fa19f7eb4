package bankid

import (
	"strings"
	"testing"
	"time"

	"parentline/eid"
)

// The vector from DOMAIN.md (npm bankid-qrcode README, checked with Python).
const (
	vecToken  = "67df3917-fa0d-44e5-b327-edcc928297f8"
	vecSecret = "d28db9a7-4cde-429e-a983-359be676944c"
	vecT0     = "bankid.67df3917-fa0d-44e5-b327-edcc928297f8.0.dc69358e712458a66a7525beef148ae8526b1c71610eff2c16cdffb4cdac9bf8"
	vecT1     = "bankid.67df3917-fa0d-44e5-b327-edcc928297f8.1.949d559bf23403952a94d103e67743126381eda00f0b3cbddbf7c96b1adcbce2"
)

func TestQRDataVector(t *testing.T) {
	if got := QRData(vecToken, vecSecret, 0); got != vecT0 {
		t.Errorf("t=0:\n got %s\nwant %s", got, vecT0)
	}
	if got := QRData(vecToken, vecSecret, 1); got != vecT1 {
		t.Errorf("t=1:\n got %s\nwant %s", got, vecT1)
	}
	if got := QRData(vecToken, vecSecret, -5); got != vecT0 {
		t.Errorf("negative seconds: got %s", got)
	}
}

func TestQRAt(t *testing.T) {
	at := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	s := eid.Started{QRStartToken: vecToken, QRStartSecret: vecSecret, At: at}
	for _, c := range []struct {
		now  time.Time
		want string
	}{
		{at, vecT0},
		{at.Add(999 * time.Millisecond), vecT0},
		{at.Add(time.Second), vecT1},
		{at.Add(1999 * time.Millisecond), vecT1},
		{at.Add(-3 * time.Second), vecT0}, // clock skew: clamped at 0
	} {
		if got := QRAt(s, c.now); got != c.want {
			t.Errorf("now=%v: got %s, want %s", c.now.Sub(at), got, c.want)
		}
	}
	if got := QRAt(s, at.Add(42*time.Second+500*time.Millisecond)); got != QRData(vecToken, vecSecret, 42) {
		t.Errorf("t=42: got %s", got)
	}
}

func TestAutoStartURL(t *testing.T) {
	if got, want := AutoStartURL("46f6aa68-1e1c-4ac4-b7ea-9b1d5ff4e5c1", ""),
		"bankid:///?autostarttoken=46f6aa68-1e1c-4ac4-b7ea-9b1d5ff4e5c1&redirect=null"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if got, want := AutoStartURL("tok", "https://example.se/login?step=2&x=a b"),
		"bankid:///?autostarttoken=tok&redirect=https%3A%2F%2Fexample.se%2Flogin%3Fstep%3D2%26x%3Da+b"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestScrub(t *testing.T) {
	got := scrub("Invalid personalNumber 199001011234, endUserIp (10.1.2.3) or 2001:db8::1 \x01here")
	want := "Invalid personalNumber [redacted] endUserIp [redacted] or [redacted] here"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	long := scrub(strings.Repeat("å", 300))
	if len(long) > 204 {
		t.Errorf("not cut: %d bytes", len(long))
	}
}
