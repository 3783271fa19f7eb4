package mail

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"parentline/mail/mailtest"
)

// The mail a case notification might be, with Swedish letters in both parts.
var notification = Message{
	To:      []string{"intake@socialtjanst.example.se", "Mottagning.Tva@kommun.example.se"},
	Subject: "Nytt ärende PL-2025-ÅÄÖ",
	Text:    "Ett nytt ärende har kommit in: PL-2025-ÅÄÖ.\nÖppna det i Parentline. Hälsningar, Föräldralinjen – åäö ÅÄÖ é\n",
}

func newSMTP(t *testing.T, cfg SMTPConfig) *SMTP {
	t.Helper()
	s, err := NewSMTP(cfg)
	if err != nil {
		t.Fatalf("NewSMTP(%+v): %v", cfg, err)
	}
	return s
}

func normalizeNewlines(s string) string {
	return strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
}

// checkDelivered asserts what every Parentline mail must look like on arrival.
func checkDelivered(t *testing.T, got mailtest.Message, want Message, from string) {
	t.Helper()
	var to []string
	for _, a := range got.To {
		to = append(to, a.Address)
	}
	if strings.Join(to, ",") != strings.Join(want.To, ",") {
		t.Errorf("To = %v, want %v", to, want.To)
	}
	if got.Subject != want.Subject {
		t.Errorf("Subject = %q, want %q", got.Subject, want.Subject)
	}
	if normalizeNewlines(got.Text) != normalizeNewlines(want.Text) {
		t.Errorf("Text = %q, want %q", got.Text, want.Text)
	}
	if got.From.Address != from {
		t.Errorf("From = %q, want %q", got.From.Address, from)
	}
	if h := got.Header("Auto-Submitted"); h != "auto-generated" {
		t.Errorf("Auto-Submitted = %q, want auto-generated", h)
	}
	if h := got.Header("X-Auto-Response-Suppress"); h != "All" {
		t.Errorf("X-Auto-Response-Suppress = %q, want All", h)
	}
	ct := strings.ToLower(strings.ReplaceAll(got.Header("Content-Type"), " ", ""))
	if ct != "text/plain;charset=utf-8" {
		t.Errorf("Content-Type = %q, want text/plain; charset=UTF-8", got.Header("Content-Type"))
	}
	if d, err := time.Parse(time.RFC1123Z, got.Header("Date")); err != nil || time.Since(d).Abs() > time.Minute {
		t.Errorf("Date = %q (%v), want about now in RFC 1123 form", got.Header("Date"), err)
	}
	if id := got.Header("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@"+domainOf(from)+">") {
		t.Errorf("Message-ID = %q, want <random@%s>", id, domainOf(from))
	}
	for _, h := range []string{"User-Agent", "X-Mailer"} {
		if v := got.Header(h); v != "" {
			t.Errorf("%s = %q, want none", h, v)
		}
	}
}

func TestSMTPDeliversThroughMailpit(t *testing.T) {
	mp := mailtest.StartWith(t, mailtest.Options{Login: "parentline:secret"})
	s := newSMTP(t, SMTPConfig{
		Addr: mp.SMTPAddr, From: "Parentline <noreply@parentline.example.se>",
		Username: "parentline", Password: "secret", TLS: "none", Timeout: 5 * time.Second,
	})
	start := time.Now()
	if err := s.Send(context.Background(), notification); err != nil {
		t.Fatalf("Send: %v", err)
	}
	t.Logf("sent in %v", time.Since(start))
	got := mp.Wait(t, 1)
	if len(got) != 1 {
		t.Fatalf("mailpit has %d mails, want 1", len(got))
	}
	checkDelivered(t, got[0], notification, "noreply@parentline.example.se")
	if got[0].From.Name != "Parentline" {
		t.Errorf("From name = %q, want Parentline", got[0].From.Name)
	}

	// One connection per mail; a second mail and concurrent ones work the same.
	errs := make(chan error, 3)
	for i := range 3 {
		go func() {
			m := notification
			m.Subject += " " + string(rune('A'+i))
			errs <- s.Send(context.Background(), m)
		}()
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Errorf("concurrent Send: %v", err)
		}
	}
	mp.Wait(t, 4)

	// The login is real: a wrong password is refused, and the error does not quote it.
	bad := newSMTP(t, SMTPConfig{
		Addr: mp.SMTPAddr, From: "noreply@parentline.example.se",
		Username: "parentline", Password: "wrong-password", TLS: "none", Timeout: 5 * time.Second,
	})
	err := bad.Send(context.Background(), notification)
	if err == nil || !strings.Contains(err.Error(), "AUTH") {
		t.Errorf("Send with a wrong password: %v, want an SMTP AUTH error", err)
	} else if strings.Contains(err.Error(), "wrong-password") {
		t.Errorf("error %q contains the password", err)
	}
	if n := mp.Count(t); n != 4 {
		t.Errorf("mailpit has %d mails after the refused login, want 4", n)
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns their
// paths and a pool that trusts it.
func selfSigned(t *testing.T) (certPath, keyPath string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mailpit test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certPath, keyPath = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certPath, keyPath, pool
}

func TestSMTPTLSModesThroughMailpit(t *testing.T) {
	certPath, keyPath, pool := selfSigned(t)
	for _, tc := range []struct {
		mode string
		args []string
	}{
		{TLSStartTLS, []string{"--smtp-require-starttls"}},
		{TLSImplicit, []string{"--smtp-require-tls"}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			mp := mailtest.StartWith(t, mailtest.Options{
				Login: "parentline:secret", CertFile: certPath, KeyFile: keyPath, Args: tc.args,
			})
			cfg := SMTPConfig{
				Addr: mp.SMTPAddr, From: "noreply@parentline.example.se",
				Username: "parentline", Password: "secret", TLS: tc.mode, Timeout: 5 * time.Second,
			}

			// The certificate is verified: not trusted by the system, so refused.
			if err := newSMTP(t, cfg).Send(context.Background(), notification); err == nil {
				t.Fatal("Send trusted a self-signed certificate")
			} else if !strings.Contains(err.Error(), "certificate") {
				t.Errorf("error %q does not say it is about the certificate", err)
			}

			s := newSMTP(t, cfg)
			s.rootCAs = pool
			if err := s.Send(context.Background(), notification); err != nil {
				t.Fatalf("Send over %s: %v", tc.mode, err)
			}
			got := mp.Wait(t, 1)
			if len(got) != 1 {
				t.Fatalf("mailpit has %d mails, want 1", len(got))
			}
			checkDelivered(t, got[0], notification, "noreply@parentline.example.se")
		})
	}
}

func TestSMTPStartTLSIsMandatory(t *testing.T) {
	mp := mailtest.Start(t) // no certificate: Mailpit offers no STARTTLS
	s := newSMTP(t, SMTPConfig{Addr: mp.SMTPAddr, From: "noreply@parentline.example.se", Timeout: 5 * time.Second})
	err := s.Send(context.Background(), notification)
	if err == nil {
		t.Fatal("Send went on without STARTTLS")
	}
	if !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("error %q does not mention STARTTLS", err)
	}
	checkPrivateError(t, err, notification)
	if n := mp.Count(t); n != 0 {
		t.Errorf("mailpit received %d mails in the clear", n)
	}
}

// checkPrivateError asserts that a Send error names no recipient address and
// none of the mail's text, and says which domains and server it concerned.
func checkPrivateError(t *testing.T, err error, m Message) {
	t.Helper()
	msg := err.Error()
	if !strings.HasPrefix(msg, "mail: ") {
		t.Errorf("error %q lacks the package's prefix", msg)
	}
	for _, to := range m.To {
		local := to[:strings.IndexByte(to, '@')]
		if strings.Contains(strings.ToLower(msg), strings.ToLower(local)) {
			t.Errorf("error %q names the recipient %q", msg, to)
		}
		if !strings.Contains(msg, domainOf(to)) {
			t.Errorf("error %q does not name the domain %q", msg, domainOf(to))
		}
	}
	for _, line := range strings.Split(m.Text, "\n") {
		if line != "" && strings.Contains(msg, line) {
			t.Errorf("error %q contains the mail's text", msg)
		}
	}
}

func TestSMTPRejectedRecipientIsRedacted(t *testing.T) {
	// Mailpit refuses recipients outside allowed.example and quotes the address in its reply.
	mp := mailtest.StartWith(t, mailtest.Options{Args: []string{"--smtp-allowed-recipients", `@allowed\.example$`}})
	s := newSMTP(t, SMTPConfig{Addr: mp.SMTPAddr, From: "noreply@parentline.example.se", TLS: "none", Timeout: 5 * time.Second})
	m := Message{To: []string{"Secret.Person@other.example"}, Subject: "Bokning", Text: "Din bokning är bekräftad."}
	err := s.Send(context.Background(), m)
	if err == nil {
		t.Fatal("Send to a refused recipient succeeded")
	}
	t.Logf("error: %v", err)
	checkPrivateError(t, err, m)
	if inner := errors.Unwrap(err); inner == nil || !strings.Contains(strings.ToLower(inner.Error()), "secret.person") {
		t.Errorf("the unredacted error does not quote the address, so this test checks nothing: %v", inner)
	}
}

func TestSMTPNothingListening(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := newSMTP(t, SMTPConfig{Addr: addr, From: "noreply@parentline.example.se", TLS: "none", Timeout: 2 * time.Second})
	start := time.Now()
	err = s.Send(context.Background(), notification)
	if err == nil {
		t.Fatal("Send to a closed port succeeded")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Send took %v, more than its timeout", d)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("error %v does not wrap ECONNREFUSED", err)
	}
	if !strings.Contains(err.Error(), addr) {
		t.Errorf("error %q does not name the server", err)
	}
	checkPrivateError(t, err, notification)
}

// silentServer accepts connections and never says a word, like a firewall that
// lets the SYN through to a hung server.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().String()
}

func TestSMTPTimeout(t *testing.T) {
	addr := silentServer(t)
	const timeout = 300 * time.Millisecond
	s := newSMTP(t, SMTPConfig{Addr: addr, From: "noreply@parentline.example.se", TLS: "none", Timeout: timeout})
	start := time.Now()
	err := s.Send(context.Background(), notification)
	d := time.Since(start)
	if err == nil {
		t.Fatal("Send to a silent server succeeded")
	}
	if d < timeout || d > timeout+2*time.Second {
		t.Errorf("Send gave up after %v, want about %v", d, timeout)
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("error %v does not wrap os.ErrDeadlineExceeded", err)
	}
	checkPrivateError(t, err, notification)
}

func TestSMTPContextCancelAbortsConversation(t *testing.T) {
	addr := silentServer(t)
	s := newSMTP(t, SMTPConfig{Addr: addr, From: "noreply@parentline.example.se", TLS: "none", Timeout: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := s.Send(ctx, notification)
	if err == nil {
		t.Fatal("Send to a silent server succeeded")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Send returned %v after its context ended", d)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v does not wrap context.DeadlineExceeded", err)
	}
	checkPrivateError(t, err, notification)
}

func TestNewSMTPValidates(t *testing.T) {
	ok := SMTPConfig{Addr: "smtp.kommun.example.se:587", From: "noreply@kommun.example.se"}
	for _, tc := range []struct {
		name string
		edit func(*SMTPConfig)
		want string // "" for accepted, else part of the error
	}{
		{"defaults", func(*SMTPConfig) {}, ""},
		{"starttls", func(c *SMTPConfig) { c.TLS = "STARTTLS" }, ""},
		{"implicit tls", func(c *SMTPConfig) { c.TLS = "tls"; c.Addr = "smtp.kommun.example.se:465" }, ""},
		{"credentials", func(c *SMTPConfig) { c.Username, c.Password = "u", "p" }, ""},
		{"none on 127.0.0.1", func(c *SMTPConfig) { c.TLS, c.Addr = "none", "127.0.0.1:1025" }, ""},
		{"none on 127.0.0.2", func(c *SMTPConfig) { c.TLS, c.Addr = "none", "127.0.0.2:1025" }, ""},
		{"none on ::1", func(c *SMTPConfig) { c.TLS, c.Addr = "none", "[::1]:1025" }, ""},
		{"none on localhost", func(c *SMTPConfig) { c.TLS, c.Addr = "none", "localhost:1025" }, ""},
		{"none on a remote name", func(c *SMTPConfig) { c.TLS = "none" }, "only allowed for a loopback host"},
		{"none on a private address", func(c *SMTPConfig) { c.TLS, c.Addr = "none", "10.1.2.3:25" }, "only allowed for a loopback host"},
		{"none on a name that says localhost", func(c *SMTPConfig) { c.TLS, c.Addr = "none", "localhost.example.se:25" }, "only allowed for a loopback host"},
		{"none on the unspecified address", func(c *SMTPConfig) { c.TLS, c.Addr = "none", "0.0.0.0:25" }, "only allowed for a loopback host"},
		{"unknown tls", func(c *SMTPConfig) { c.TLS = "ssl" }, "none of"},
		{"no port", func(c *SMTPConfig) { c.Addr = "smtp.kommun.example.se" }, "not host:port"},
		{"no host", func(c *SMTPConfig) { c.Addr = ":587" }, "not host:port"},
		{"bad port", func(c *SMTPConfig) { c.Addr = "smtp.kommun.example.se:smtp" }, "no valid port"},
		{"port 0", func(c *SMTPConfig) { c.Addr = "smtp.kommun.example.se:0" }, "no valid port"},
		{"no from", func(c *SMTPConfig) { c.From = "" }, "not an e-mail address"},
		{"bad from", func(c *SMTPConfig) { c.From = "noreply" }, "not an e-mail address"},
		{"from with a line break", func(c *SMTPConfig) { c.From = "noreply@kommun.example.se\r\nBcc: x@y.se" }, "not an e-mail address"},
		{"password alone", func(c *SMTPConfig) { c.Password = "p" }, "together"},
		{"username alone", func(c *SMTPConfig) { c.Username = "u" }, "together"},
		{"negative timeout", func(c *SMTPConfig) { c.Timeout = -time.Second }, "negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			tc.edit(&cfg)
			s, err := NewSMTP(cfg)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && err == nil:
				t.Fatalf("accepted, want an error containing %q", tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Fatalf("error %q does not contain %q", err, tc.want)
			}
			if err == nil && cfg.TLS == "" && (s.mode != TLSStartTLS || s.timeout != DefaultTimeout) {
				t.Errorf("defaults: mode %q timeout %v, want starttls and %v", s.mode, s.timeout, DefaultTimeout)
			}
		})
	}
}

func TestSendRefusesBadMessages(t *testing.T) {
	// Nothing listens here: a message that got past validation would fail to connect instead.
	s := newSMTP(t, SMTPConfig{Addr: "127.0.0.1:9", From: "noreply@parentline.example.se", TLS: "none", Timeout: time.Second})
	ob := NewOutbox(nopLogger())
	for _, tc := range []struct {
		name string
		m    Message
		want string
	}{
		{"no recipient", Message{Subject: "s", Text: "hemligt"}, "no recipient"},
		{"not an address", Message{To: []string{"hemligt"}, Subject: "s"}, "recipient 1: not a bare e-mail address"},
		{"display name", Message{To: []string{"a@b.se", "Anna <anna@b.se>"}, Subject: "s"}, "recipient 2"},
		{"header injection in address", Message{To: []string{"a@b.se\r\nBcc: c@d.se"}, Subject: "s"}, "recipient 1"},
		{"no subject", Message{To: []string{"a@b.se"}, Subject: " "}, "no subject"},
		{"header injection in subject", Message{To: []string{"a@b.se"}, Subject: "hej\r\nBcc: c@d.se"}, "line break"},
		{"invalid UTF-8", Message{To: []string{"a@b.se"}, Subject: "s", Text: "hemligt \xff"}, "UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for name, mailer := range map[string]Mailer{"smtp": s, "outbox": ob} {
				err := mailer.Send(context.Background(), tc.m)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("%s: error %v, want one containing %q", name, err, tc.want)
				} else if strings.Contains(err.Error(), "hemligt") || strings.Contains(err.Error(), "anna") {
					t.Errorf("%s: error %q quotes the message", name, err)
				}
			}
		})
	}
	if n := len(ob.Messages()); n != 0 {
		t.Errorf("outbox kept %d refused messages", n)
	}
}

func TestSMTPInternationalAddresses(t *testing.T) {
	// Åäö in an address needs SMTPUTF8 (RFC 6531) from the server; Mailpit has it.
	mp := mailtest.Start(t)
	s := newSMTP(t, SMTPConfig{Addr: mp.SMTPAddr, From: "noreply@parentline.example.se", TLS: "none", Timeout: 5 * time.Second})
	m := Message{To: []string{"anna@räksmörgås.example.se"}, Subject: "Bokningsbekräftelse", Text: "Hej Anna!"}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	checkDelivered(t, mp.Wait(t, 1)[0], m, "noreply@parentline.example.se")
}
