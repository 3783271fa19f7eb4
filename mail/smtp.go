package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// The TLS modes of SMTPConfig.TLS.
const (
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS, which must succeed (port 587)
	TLSImplicit = "tls"      // TLS from the first byte (port 465)
	TLSNone     = "none"     // no encryption: only for a server on the loopback interface
)

// DefaultTimeout bounds connecting and each phase of the SMTP conversation when
// SMTPConfig.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// SMTPConfig says how to reach the SMTP server.
type SMTPConfig struct {
	Addr     string // host:port
	Username string // SMTP AUTH (PLAIN, else LOGIN); empty for none
	Password string
	From     string // the From address, optionally with a name: "Parentline <noreply@kommun.se>"
	// TLS is "starttls" (the default; the server must offer STARTTLS), "tls"
	// (implicit TLS) or "none" (refused unless the host is a loopback address).
	// Certificates are always verified against the system's roots.
	TLS string
	// Timeout bounds connecting and each phase of the conversation (greeting,
	// TLS and login; then sending). Zero means DefaultTimeout.
	Timeout time.Duration
}

// SMTP is a Mailer that sends through an SMTP server, one connection per mail.
type SMTP struct {
	addr     string // host:port as configured
	host     string
	port     int
	from     string
	fromHost string // the From address's domain, for Message-IDs
	user     string
	pass     string
	mode     string
	timeout  time.Duration
	rootCAs  *x509.CertPool // nil: the system's roots; tests set their own
}

// NewSMTP checks cfg and returns a Mailer for it. It does not connect.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	host, portStr, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host == "" {
		return nil, fmt.Errorf("mail: SMTP address %q is not host:port", cfg.Addr)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 1 || port > 65535 {
		return nil, fmt.Errorf("mail: SMTP address %q has no valid port", cfg.Addr)
	}
	mode := strings.ToLower(strings.TrimSpace(cfg.TLS))
	switch mode {
	case "":
		mode = TLSStartTLS
	case TLSStartTLS, TLSImplicit:
	case TLSNone:
		if !isLoopback(host) {
			return nil, fmt.Errorf("mail: SMTP TLS %q is only allowed for a loopback host, not %q: use %q or %q",
				TLSNone, host, TLSStartTLS, TLSImplicit)
		}
	default:
		return nil, fmt.Errorf("mail: SMTP TLS %q is none of %q, %q, %q", cfg.TLS, TLSStartTLS, TLSImplicit, TLSNone)
	}
	from, err := netmail.ParseAddress(cfg.From)
	if err != nil || strings.ContainsAny(cfg.From, "\r\n") {
		return nil, fmt.Errorf("mail: From %q is not an e-mail address", cfg.From)
	}
	if (cfg.Username == "") != (cfg.Password == "") {
		return nil, errors.New("mail: SMTP username and password must be given together")
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("mail: SMTP timeout %v is negative", cfg.Timeout)
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	s := &SMTP{
		addr: cfg.Addr, host: host, port: port,
		from: from.String(), fromHost: domainOf(from.Address),
		user: cfg.Username, pass: cfg.Password,
		mode: mode, timeout: timeout,
	}
	// Build one client now so that a setting go-mail refuses fails here, at start-up.
	if _, err := s.client(context.Background(), new([]func() bool)); err != nil {
		return nil, fmt.Errorf("mail: SMTP client for %s: %w", s.addr, err)
	}
	return s, nil
}

// isLoopback reports whether host is "localhost" or a loopback IP address. Other
// names are not resolved: a name could point anywhere later.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Send delivers m through the SMTP server on a new connection, which is closed
// when Send returns. Cancelling ctx aborts the conversation at once. The error
// names the server and the recipients' domains, never an address or the text.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	if err := m.validate(); err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	msg, err := s.build(m)
	if err != nil {
		return fmt.Errorf("mail: composing the message to %s: %w", recipientDomains(m.To), err)
	}
	var stops []func() bool
	defer func() {
		for _, stop := range stops {
			stop()
		}
	}()
	client, err := s.client(ctx, &stops)
	if err != nil {
		return fmt.Errorf("mail: SMTP client for %s: %w", s.addr, err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		if msg.IsDelivered() {
			return nil // the server took the mail; only closing the connection failed
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = fmt.Errorf("%w: %w", ctxErr, err)
		}
		return &sendError{
			text: fmt.Sprintf("mail: sending to %s via %s (%s): %s",
				recipientDomains(m.To), s.addr, s.mode, redact(err.Error(), m.To)),
			err: err,
		}
	}
	return nil
}

// build composes the go-mail message with the headers every Parentline mail has.
func (s *SMTP) build(m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(s.from); err != nil {
		return nil, err
	}
	if err := msg.To(m.To...); err != nil {
		return nil, errors.New("invalid recipient") // go-mail's error would quote the address
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageIDWithValue(messageID(s.fromHost))
	msg.SetGenHeader("Auto-Submitted", "auto-generated")        // RFC 3834: do not auto-reply
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All") // the same for Exchange
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)             // text/plain; charset=UTF-8, quoted-printable
	return msg, nil
}

// messageID is a random left part at the From domain, so that the Message-ID
// does not reveal the server's host name.
func messageID(domain string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails
	if domain == "" {
		domain = "parentline.invalid"
	}
	return hex.EncodeToString(b) + "@" + domain
}

// client makes a go-mail client for one Send. A new one each time: go-mail's
// Client keeps per-connection state, and the dialer ties the connection to ctx
// (the stop functions of those ties are appended to stops, for the caller to run).
func (s *SMTP) client(ctx context.Context, stops *[]func() bool) (*gomail.Client, error) {
	tlsConf := &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12, RootCAs: s.rootCAs}
	opts := []gomail.Option{
		gomail.WithPort(s.port),
		gomail.WithTimeout(s.timeout),
		gomail.WithTLSConfig(tlsConf),
		gomail.WithDialContextFunc(s.dialer(ctx, tlsConf, stops)),
	}
	switch s.mode {
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		// The dialer does the TLS handshake; go-mail must not try STARTTLS on top.
		opts = append(opts, gomail.WithSSL(), gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.user != "" {
		prefer := []gomail.SMTPAuthType{gomail.SMTPAuthPlain, gomail.SMTPAuthLogin}
		if s.mode == TLSNone { // loopback only, checked in NewSMTP
			prefer = []gomail.SMTPAuthType{gomail.SMTPAuthPlainNoEnc, gomail.SMTPAuthLoginNoEnc}
		}
		opts = append(opts, gomail.WithOpportunisticSMTPAuth(prefer...),
			gomail.WithUsername(s.user), gomail.WithPassword(s.pass))
	}
	return gomail.NewClient(s.host, opts...)
}

// dialer connects to the configured address (TLS from the start in implicit
// mode) and closes the connection if ctx ends before Send returns, which go-mail
// alone would notice only at its next timeout.
func (s *SMTP) dialer(ctx context.Context, tlsConf *tls.Config, stops *[]func() bool) gomail.DialContextFunc {
	return func(dialCtx context.Context, _, _ string) (net.Conn, error) {
		var conn net.Conn
		var err error
		if s.mode == TLSImplicit {
			d := &tls.Dialer{Config: tlsConf}
			conn, err = d.DialContext(dialCtx, "tcp", s.addr)
		} else {
			var d net.Dialer
			conn, err = d.DialContext(dialCtx, "tcp", s.addr)
		}
		if err != nil {
			return nil, err
		}
		*stops = append(*stops, context.AfterFunc(ctx, func() { _ = conn.Close() }))
		return conn, nil
	}
}

// sendError is a failed Send: its text has the recipients' addresses taken out
// (servers quote them in their replies); Unwrap gives go-mail's error, e.g. a
// *gomail.SendError whose IsTemp says whether trying later may help.
type sendError struct {
	text string
	err  error
}

func (e *sendError) Error() string { return e.text }
func (e *sendError) Unwrap() error { return e.err }

// redact replaces every recipient address in s, in any case, with "…@domain".
func redact(s string, to []string) string {
	for _, a := range to {
		s = regexp.MustCompile("(?i)"+regexp.QuoteMeta(a)).ReplaceAllLiteralString(s, "…@"+domainOf(a))
	}
	return s
}
