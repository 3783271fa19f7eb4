package booking

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A mail the Mailer refuses stays in the outbox, survives a restart and is
// retried after the backoff; one it accepted is gone.
func TestDeliverMail_RetryAcrossRestart(t *testing.T) {
	h := newHarness(t)
	sl := h.publish(t, 72*time.Hour, FormParterapi, "Anna")
	_, tok := h.book(t, sl.ID)
	if n, _ := h.s.PendingMail(); n != 2 {
		t.Fatalf("%d mails queued", n)
	}

	h.mailer.FailNext(1) // the invitation (queued first) is refused
	sent, err := h.s.DeliverMail(context.Background(), h.mailer)
	if sent != 1 || err == nil || !strings.Contains(err.Error(), "invitation") {
		t.Fatalf("DeliverMail: sent %d, %v", sent, err)
	}
	if strings.Contains(err.Error(), coEmail) {
		t.Fatal("the error names the address")
	}
	if n, _ := h.s.PendingMail(); n != 1 {
		t.Fatalf("%d mails pending", n)
	}
	// Not due yet: nothing is sent.
	if sent := h.deliver(t); sent != 0 {
		t.Fatalf("sent %d before the backoff", sent)
	}

	h.reopen(t) // a crash or restart: the job is on disk
	if n, _ := h.s.PendingMail(); n != 1 {
		t.Fatalf("after a restart %d mails pending", n)
	}
	h.clock.Advance(30 * time.Second)
	if sent := h.deliver(t); sent != 1 {
		t.Fatalf("sent %d after the backoff", sent)
	}
	if n, _ := h.s.PendingMail(); n != 0 {
		t.Fatalf("%d mails left", n)
	}
	msgs := h.mailer.To(coEmail)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, tok) {
		t.Fatal("the invitation was not delivered")
	}

	// Once sent, the token is nowhere in the booking buckets in clear.
	err = h.db.View(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			err := tx.Bucket(name).ForEach(func(k, v []byte) error {
				if bytes.Contains(k, []byte(tok)) || bytes.Contains(v, []byte(tok)) {
					t.Errorf("the token is stored in clear in %s", name)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	if _, err := h.s.DeliverMail(context.Background(), nil); err == nil {
		t.Fatal("DeliverMail without a mailer")
	}
}

// No mail contains a personnummer, in any form; only the invitation has a
// token; every mail is Swedish first with an English part.
func TestMails_Content(t *testing.T) {
	h := newHarness(t)
	a := h.publish(t, 72*time.Hour, FormParterapi, "Anna")
	b := h.publish(t, 96*time.Hour, FormParterapi, "Anna")
	c := h.publish(t, 30*time.Hour, FormEngangssamtal, "Anna")
	d := h.publish(t, 100*time.Hour, FormEngangssamtal, "Anna")
	e := h.publish(t, 110*time.Hour, FormEngangssamtal, "Anna")
	f := h.publish(t, 120*time.Hour, FormEngangssamtal, "Anna")

	// Each invitation goes out before it is answered (an unsent one is
	// withdrawn when the booking ends).
	confirm := func(slotID string) Booking {
		b, tok := h.book(t, slotID)
		h.deliver(t)
		if _, err := h.s.CoSign(tok, Identity{Personnummer: pnCo, Name: coName}, h.proof()); err != nil {
			t.Fatal(err)
		}
		return b
	}
	bk := confirm(a.ID)
	if _, err := h.s.Rebook(bk.ID, pnCo, b.ID, false); err != nil {
		t.Fatal(err)
	}
	bc := confirm(c.ID)
	if _, err := h.s.Cancel(bc.ID, pnApplicant, true); err != nil {
		t.Fatal(err)
	}
	_, tok := h.book(t, d.ID)
	h.deliver(t)
	if err := h.s.Decline(tok); err != nil {
		t.Fatal(err)
	}
	_, tok = h.book(t, e.ID)
	h.deliver(t)
	if _, err := h.s.CoSign(tok, Identity{Personnummer: pnApplicant, Name: applicantEidName}, h.proof()); err == nil {
		t.Fatal("same person accepted")
	}
	h.book(t, f.ID)
	h.deliver(t)
	h.clock.Advance(25 * time.Hour)
	if _, err := h.s.ExpireHolds(); err != nil {
		t.Fatal(err)
	}
	h.deliver(t)

	kinds := map[string]int{}
	for _, m := range h.mailer.Messages() {
		text := m.Subject + "\n" + m.Text
		for _, pn := range []string{pnApplicant, pnCo} {
			for _, form := range []string{pn, pn[2:], pn[2:8] + "-" + pn[8:], pn[:8] + "-" + pn[8:]} {
				if strings.Contains(text, form) {
					t.Fatalf("a mail contains a personnummer:\n%s", text)
				}
			}
		}
		isInvite := strings.HasPrefix(m.Subject, "Signera bokningen")
		if isInvite {
			kinds["invitation"]++
		}
		if strings.Contains(m.Text, "?t=") != isInvite {
			t.Fatalf("token link in the wrong mail:\n%s", text)
		}
		sv := strings.Index(m.Text, "Hej!")
		en := strings.Index(m.Text, "---- In English ----")
		if sv != 0 || en < 0 || !strings.Contains(m.Text[en:], "Hello,") {
			t.Fatalf("not Swedish first, then English:\n%s", m.Text)
		}
		if strings.Contains(m.Text, ConfirmationPhrase) {
			kinds["confirmation"]++
		}
		if strings.ContainsAny(m.Subject, "\r\n") || len(m.To) != 1 {
			t.Fatalf("subject or recipients: %q %v", m.Subject, m.To)
		}
	}
	// Five bookings were made, two confirmed (a mail to each party).
	if kinds["invitation"] != 5 || kinds["confirmation"] != 4 {
		t.Fatalf("kinds: %v", kinds)
	}
}
