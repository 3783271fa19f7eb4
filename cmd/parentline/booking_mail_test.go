package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"parentline/mail/mailtest"
)

// citizen is one browser of a citizen: its own cookie jar.
type citizen struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newCitizen(t *testing.T, base string) *citizen {
	jar, _ := cookiejar.New(nil)
	return &citizen{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

// do sends a JSON request and returns the status and the decoded object.
func (c *citizen) do(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	res, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var m map[string]any
	json.Unmarshal(raw, &m)
	return res.StatusCode, m
}

var deviceRef = regexp.MustCompile(`name="ref" value="([^"]+)"`)

// actAsPhone completes the one pending e-ID order as pn through the test
// provider's device page, as a developer would.
func actAsPhone(t *testing.T, base, pn string) {
	t.Helper()
	dev := newCitizen(t, base)
	deadline := time.Now().Add(5 * time.Second)
	for {
		res, err := dev.c.Get(base + "/eid/test/")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if m := deviceRef.FindSubmatch(page); m != nil {
			res, err = dev.c.PostForm(base+"/eid/test/complete", url.Values{"ref": {string(m[1])}, "pn": {pn}})
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no pending order on the test device page")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// login logs the citizen in with the test e-ID as pn.
func (c *citizen) login(pn string) {
	c.t.Helper()
	status, m := c.do("POST", "/api/eid/orders", map[string]string{"kind": "auth"})
	if status != http.StatusCreated {
		c.t.Fatalf("start login: %d %v", status, m)
	}
	actAsPhone(c.t, c.base, pn)
	c.await("/api/eid/orders/"+m["order"].(string), "GET", nil, func(status int, m map[string]any) bool {
		return status == 200 && m["logged_in"] == true
	})
}

// await repeats a request (as the pages poll) until done says so, for at
// most 10 s, and returns the last answer.
func (c *citizen) await(path, method string, body any, done func(int, map[string]any) bool) map[string]any {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, m := c.do(method, path, body)
		if done(status, m) {
			return m
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("%s %s: still %d %v after 10 s", method, path, status, m)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// TestBooking_MailThroughRealSMTP: a booking and its co-signing through the
// real server, with mail sent by the SMTP client to a real Mailpit: the
// co-applicant's mail carries the single-use link, and after both have
// signed both get the confirmation with the seed's phrase. No mail holds a
// personnummer.
func TestBooking_MailThroughRealSMTP(t *testing.T) {
	mp := mailtest.Start(t)
	data := t.TempDir()
	addUser(t, data, "karin", "Karin", "booking", staffPassword)
	ts := startServer(t, data, "--smtp-addr", mp.SMTPAddr, "--smtp-tls", "none")
	const (
		applicant   = "190308189802"
		coApplicant = "190309069813"
		applicantAt = "sokande@example.se"
		coAt        = "medsokande@example.se"
	)

	staffClient := login(t, ts.base, "karin", staffPassword)
	start := time.Now().Add(72 * time.Hour).In(stockholm(t)).Truncate(time.Hour)
	body, _ := json.Marshal(map[string]any{"start": start.Format("2006-01-02T15:04"), "minutes": 60,
		"form": "parterapi", "place": "ostersund", "counselor": "Karin"})
	res, err := staffClient.Post(ts.base+"/api/booking/staff/slots", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var slot map[string]any
	json.NewDecoder(res.Body).Decode(&slot)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("publish: %d %v", res.StatusCode, slot)
	}

	a := newCitizen(t, ts.base)
	a.login(applicant)
	status, m := a.do("POST", "/api/booking/sign", map[string]any{"slot": slot["id"],
		"contact": map[string]string{"name": "Anna Testsson", "address": "Storgatan 1, 831 30 Östersund",
			"email": applicantAt, "mobile": "070-123 45 67"}, "co_email": coAt})
	if status != http.StatusCreated {
		t.Fatalf("sign: %d %v", status, m)
	}
	actAsPhone(t, ts.base, applicant)
	a.await("/api/booking/book", "POST", map[string]any{"order": m["order"]}, func(status int, m map[string]any) bool {
		return status == http.StatusCreated
	})

	invitation := mp.Wait(t, 1)[0]
	if len(invitation.To) != 1 || invitation.To[0].Address != coAt {
		t.Fatalf("the first mail went to %v", invitation.To)
	}
	link := regexp.MustCompile(`/boka/medsokande\?t=([A-Za-z0-9_-]+)`).FindStringSubmatch(invitation.Text)
	if link == nil {
		t.Fatalf("no link in the invitation:\n%s", invitation.Text)
	}

	b := newCitizen(t, ts.base)
	b.login(coApplicant)
	status, m = b.do("POST", "/api/booking/invitation/sign", map[string]any{"t": link[1]})
	if status != http.StatusCreated {
		t.Fatalf("co-applicant sign: %d %v", status, m)
	}
	actAsPhone(t, ts.base, coApplicant)
	b.await("/api/booking/invitation/cosign", "POST", map[string]any{"t": link[1], "order": m["order"]},
		func(status int, m map[string]any) bool { return status == http.StatusCreated })

	// Each partner's confirmation is a mail of its own; wait for both.
	var mails []mailtest.Message
	confirmed := map[string]bool{}
	for deadline := time.Now().Add(10 * time.Second); !confirmed[applicantAt] || !confirmed[coAt]; {
		if time.Now().After(deadline) {
			t.Fatalf("confirmations reached %v within 10 s; want both partners", confirmed)
		}
		time.Sleep(50 * time.Millisecond)
		mails = mp.Messages(t)
		for _, msg := range mails {
			if strings.Contains(msg.Text, "bekräftelse på att ärendet skickats in") {
				for _, to := range msg.To {
					confirmed[to.Address] = true
				}
			}
		}
	}
	for _, msg := range mails {
		for _, pn := range []string{applicant, coApplicant, applicant[2:8]} {
			if strings.Contains(msg.Text, pn) || strings.Contains(msg.Subject, pn) {
				t.Fatalf("a mail holds a personnummer: %s\n%s", msg.Subject, msg.Text)
			}
		}
	}
	// The link was single use.
	if status, _ := b.do("GET", "/api/booking/invitation?t="+link[1], nil); status != http.StatusNotFound {
		t.Fatalf("a used link answered %d", status)
	}
}
