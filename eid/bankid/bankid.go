// Package bankid is our own client for the BankID Relying Party API v6.0:
// auth, sign, collect and cancel over mutual TLS, as an eid.Provider.
//
// The client sends exactly the v6 JSON fields and only those that are set,
// refuses bad input before any request, limits the size of every answer, maps
// BankID's error bodies to *eid.Error and retries only what BankID says may be
// retried (requestTimeout, internalError, maintenance). The qrStartSecret of a
// started order is for the server alone: it computes the animated QR code with
// QRAt every second and sends only that result to the browser.
//
// Nothing here logs, and no error carries a personal number, a name or an IP
// address: the client's own messages name the field, never its value, and
// BankID's details text is scrubbed of anything that looks like a personal
// number or an IP address.
package bankid

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"parentline/eid"
)

// Limits from the RP API, counted on the base64 text that is sent.
const (
	MaxVisibleData    = 40_000  // userVisibleData
	MaxNonVisibleData = 200_000 // userNonVisibleData
)

const (
	defaultTimeout = 15 * time.Second
	defaultBackoff = 250 * time.Millisecond
	maxRetries     = 2       // so at most three attempts
	maxAnswer      = 1 << 20 // a sign answer's signature and OCSP response fit easily
	maxErrorBody   = 64 << 10
	maxRefLen      = 100
)

// ErrInvalid is wrapped by every error for input the client refuses before
// sending anything (no visible text to sign, a bad IP, a bad personal
// number, data too long).
var ErrInvalid = errors.New("bankid: invalid order")

// Config says where BankID is and how the relying party proves who it is.
type Config struct {
	// URL is the API base, e.g. https://appapi2.test.bankid.com/rp/v6.0.
	URL string
	// CertPEM and KeyPEM are the relying party's client certificate and key.
	CertPEM, KeyPEM []byte
	// CAPEM is BankID's server CA: the only root the server certificate is
	// checked against (not the system's public roots).
	CAPEM []byte
	// Timeout bounds one HTTP request (15 s when zero).
	Timeout time.Duration

	// PinCode, when true, asks BankID to require the security code rather
	// than biometrics (requirement.pinCode) on every order.
	PinCode bool
	// CertificatePolicies, when not empty, restricts which kinds of BankID
	// may be used (requirement.certificatePolicies).
	CertificatePolicies []string
	// RetryBackoff is the wait before the first retry; it doubles for the
	// second (250 ms when zero).
	RetryBackoff time.Duration
	// Now is the clock that stamps eid.Started.At (time.Now when nil).
	Now func() time.Time
}

// LoadConfigFiles reads the PEM files of a Config, for the server's flags.
// certFile and keyFile may name the same file holding both.
func LoadConfigFiles(baseURL, certFile, keyFile, caFile string) (Config, error) {
	cert, err := os.ReadFile(certFile)
	if err != nil {
		return Config{}, fmt.Errorf("bankid: read client certificate: %w", err)
	}
	key, err := os.ReadFile(keyFile)
	if err != nil {
		return Config{}, fmt.Errorf("bankid: read client key: %w", err)
	}
	ca, err := os.ReadFile(caFile)
	if err != nil {
		return Config{}, fmt.Errorf("bankid: read server CA: %w", err)
	}
	return Config{URL: baseURL, CertPEM: cert, KeyPEM: key, CAPEM: ca}, nil
}

// Client is a BankID RP API v6.0 client. It is safe for concurrent use.
type Client struct {
	base     string
	hc       *http.Client
	now      func() time.Time
	backoff  time.Duration
	pinCode  bool
	policies []string
}

var _ eid.Provider = (*Client)(nil)

// New checks cfg and returns a client that speaks mutual TLS to cfg.URL.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("bankid: URL must be an https base URL like https://appapi2.bankid.com/rp/v6.0")
	}
	cert, err := tls.X509KeyPair(cfg.CertPEM, cfg.KeyPEM)
	if err != nil {
		return nil, fmt.Errorf("bankid: client certificate: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(cfg.CAPEM) {
		return nil, errors.New("bankid: server CA: no certificate found in the PEM")
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	backoff := cfg.RetryBackoff
	if backoff <= 0 {
		backoff = defaultBackoff
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	transport := &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		TLSClientConfig: &tls.Config{
			RootCAs:      roots,
			Certificates: []tls.Certificate{cert},
			MinVersion:   tls.VersionTLS12,
		},
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: timeout,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   16,
	}
	hc := &http.Client{
		Transport: transport,
		Timeout:   timeout,
		// BankID does not redirect; following one would send the order,
		// over a connection with our client certificate, somewhere else.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &Client{
		base:     strings.TrimRight(u.String(), "/"),
		hc:       hc,
		now:      now,
		backoff:  backoff,
		pinCode:  cfg.PinCode,
		policies: append([]string(nil), cfg.CertificatePolicies...),
	}, nil
}

// Close closes the client's idle connections.
func (c *Client) Close() { c.hc.CloseIdleConnections() }

// Test reports false: this is the real BankID (its test environment
// included, which still needs a real test BankID).
func (c *Client) Test() bool { return false }

// Start starts an auth or sign order. Input is checked before any request:
// a sign order needs VisibleText, texts must fit BankID's limits, EndUserIP
// must be an IP address and PersonalNumber, when set, 12 digits.
func (c *Client) Start(ctx context.Context, o eid.Order) (eid.Started, error) {
	endpoint, body, err := c.startRequest(o)
	if err != nil {
		return eid.Started{}, err
	}
	var ans startResponse
	if err := c.call(ctx, endpoint, body, &ans, false); err != nil {
		return eid.Started{}, err
	}
	at := c.now()
	if ans.OrderRef == "" || ans.AutoStartToken == "" || ans.QRStartToken == "" || ans.QRStartSecret == "" {
		return eid.Started{}, fmt.Errorf("bankid: %s: answer lacks orderRef, autoStartToken, qrStartToken or qrStartSecret", endpoint)
	}
	return eid.Started{
		Ref:            ans.OrderRef,
		AutoStartToken: ans.AutoStartToken,
		QRStartToken:   ans.QRStartToken,
		QRStartSecret:  ans.QRStartSecret,
		At:             at,
	}, nil
}

// startRequest checks o and builds the endpoint name and body for it.
func (c *Client) startRequest(o eid.Order) (string, startRequest, error) {
	var endpoint string
	switch o.Kind {
	case eid.Auth:
		endpoint = "auth"
	case eid.Sign:
		endpoint = "sign"
	default:
		return "", startRequest{}, fmt.Errorf("%w: unknown kind of order", ErrInvalid)
	}
	ip, err := netip.ParseAddr(o.EndUserIP)
	if err != nil {
		// netip's error repeats the input, which is personal data: not wrapped.
		return "", startRequest{}, fmt.Errorf("%w: endUserIp is not an IP address", ErrInvalid)
	}
	req := startRequest{EndUserIP: ip.WithZone("").Unmap().String()}

	if o.PersonalNumber != "" && !twelveDigits(o.PersonalNumber) {
		return "", startRequest{}, fmt.Errorf("%w: personal number must be 12 digits", ErrInvalid)
	}
	if c.pinCode || len(c.policies) > 0 || o.PersonalNumber != "" {
		req.Requirement = &requirement{
			PinCode:             c.pinCode,
			CertificatePolicies: c.policies,
			PersonalNumber:      o.PersonalNumber,
		}
	}

	if o.Kind == eid.Sign && strings.TrimSpace(o.VisibleText) == "" {
		return "", startRequest{}, fmt.Errorf("%w: a sign order needs a visible text", ErrInvalid)
	}
	if o.VisibleText != "" {
		if !utf8.ValidString(o.VisibleText) {
			return "", startRequest{}, fmt.Errorf("%w: visible text is not UTF-8", ErrInvalid)
		}
		req.UserVisibleData = base64.StdEncoding.EncodeToString([]byte(o.VisibleText))
		if len(req.UserVisibleData) > MaxVisibleData {
			return "", startRequest{}, fmt.Errorf("%w: visible text is %d base64 characters, more than %d", ErrInvalid, len(req.UserVisibleData), MaxVisibleData)
		}
		// userVisibleDataFormat is left out: without it BankID shows the
		// text as plain text; "simpleMarkdownV1" is the one other format.
	}
	if len(o.NonVisibleData) > 0 {
		req.UserNonVisibleData = base64.StdEncoding.EncodeToString(o.NonVisibleData)
		if len(req.UserNonVisibleData) > MaxNonVisibleData {
			return "", startRequest{}, fmt.Errorf("%w: non-visible data is %d base64 characters, more than %d", ErrInvalid, len(req.UserNonVisibleData), MaxNonVisibleData)
		}
	}
	return endpoint, req, nil
}

// Collect asks where an order stands. A failed order is a Result with State
// Failed and BankID's hintCode, not an error.
func (c *Client) Collect(ctx context.Context, ref string) (eid.Result, error) {
	if err := checkRef(ref); err != nil {
		return eid.Result{}, err
	}
	var ans collectResponse
	if err := c.call(ctx, "collect", refRequest{OrderRef: ref}, &ans, true); err != nil {
		return eid.Result{}, err
	}
	if ans.OrderRef != "" && ans.OrderRef != ref {
		return eid.Result{}, errors.New("bankid: collect: answer is for another order")
	}
	hint := cleanHint(ans.HintCode)
	switch ans.Status {
	case "pending":
		return eid.Result{State: eid.Pending, HintCode: hint}, nil
	case "failed":
		return eid.Result{State: eid.Failed, HintCode: hint}, nil
	case "complete":
		cd := ans.CompletionData
		if cd == nil {
			return eid.Result{}, errors.New("bankid: collect: complete order without completionData")
		}
		if !twelveDigits(cd.User.PersonalNumber) {
			return eid.Result{}, errors.New("bankid: collect: completionData.user.personalNumber is not 12 digits")
		}
		return eid.Result{
			State:    eid.Complete,
			HintCode: hint,
			User: eid.User{
				PersonalNumber: cd.User.PersonalNumber,
				Name:           cd.User.Name,
				GivenName:      cd.User.GivenName,
				Surname:        cd.User.Surname,
			},
			Signature:    cd.Signature,
			OCSPResponse: cd.OCSPResponse,
		}, nil
	}
	return eid.Result{}, fmt.Errorf("bankid: collect: unknown status %q", cleanHint(ans.Status))
}

// Cancel cancels a pending order.
func (c *Client) Cancel(ctx context.Context, ref string) error {
	if err := checkRef(ref); err != nil {
		return err
	}
	return c.call(ctx, "cancel", refRequest{OrderRef: ref}, nil, true)
}

// call posts body to endpoint and decodes the answer into ans (unless nil).
// A retryable BankID error is retried at most maxRetries times, with a
// doubling backoff, never past ctx's deadline. For a start (idempotent false)
// only a JSON error from BankID itself is retried: a proxy's 502 or 504 may
// hide an order BankID has created.
func (c *Client) call(ctx context.Context, endpoint string, body, ans any, idempotent bool) error {
	payload, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("bankid: %s: encode request: %w", endpoint, err)
	}
	wait := c.backoff
	for attempt := 0; ; attempt++ {
		fromBankID, err := c.post(ctx, endpoint, payload, ans)
		var e *eid.Error
		if err == nil || !errors.As(err, &e) || !e.Retryable() || (!idempotent && !fromBankID) || attempt >= maxRetries {
			return err
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait *= 2
	}
}

// post makes one request. fromBankID reports whether an error answer was a
// JSON error body with an errorCode.
func (c *Client) post(ctx context.Context, endpoint string, payload []byte, ans any) (fromBankID bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/"+endpoint, bytes.NewReader(payload))
	if err != nil {
		return false, fmt.Errorf("bankid: %s: %w", endpoint, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return false, fmt.Errorf("bankid: %s: %w", endpoint, err)
	}
	defer resp.Body.Close()

	if resp.StatusCode >= 400 {
		e, fromBankID := readError(resp)
		return fromBankID, fmt.Errorf("bankid: %s: %w", endpoint, e)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return false, fmt.Errorf("bankid: %s: unexpected HTTP status %d", endpoint, resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return false, fmt.Errorf("bankid: %s: read answer: %w", endpoint, err)
	}
	if len(data) > maxAnswer {
		return false, fmt.Errorf("bankid: %s: answer larger than %d bytes", endpoint, maxAnswer)
	}
	if ans == nil {
		return false, nil
	}
	if err := json.Unmarshal(data, ans); err != nil {
		return false, fmt.Errorf("bankid: %s: decode answer: %w", endpoint, err)
	}
	return false, nil
}

// readError turns a 4xx/5xx answer into an *eid.Error. A body that is not
// BankID's {"errorCode","details"} gets a code from the HTTP status.
func readError(resp *http.Response) (*eid.Error, bool) {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var er errorResponse
	if json.Unmarshal(data, &er) == nil && er.ErrorCode != "" {
		return &eid.Error{Code: cleanHint(er.ErrorCode), Details: scrub(er.Details), Status: resp.StatusCode}, true
	}
	return &eid.Error{Code: codeForStatus(resp.StatusCode), Status: resp.StatusCode}, false
}

// codeForStatus is BankID's errorCode for an HTTP status, for error answers
// without a usable body (from a proxy, say).
func codeForStatus(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "invalidParameters"
	case http.StatusUnauthorized, http.StatusForbidden:
		return "unauthorized"
	case http.StatusNotFound:
		return "notFound"
	case http.StatusMethodNotAllowed:
		return "methodNotAllowed"
	case http.StatusRequestTimeout:
		return "requestTimeout"
	case http.StatusUnsupportedMediaType:
		return "unsupportedMediaType"
	case http.StatusServiceUnavailable:
		return "maintenance"
	}
	return "internalError"
}

// checkRef refuses an orderRef that cannot be BankID's (a UUID); the value
// is not repeated in the error.
func checkRef(ref string) error {
	if ref == "" || len(ref) > maxRefLen {
		return fmt.Errorf("%w: orderRef is empty or too long", ErrInvalid)
	}
	for _, r := range ref {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return fmt.Errorf("%w: orderRef has a character other than letters, digits and '-'", ErrInvalid)
		}
	}
	return nil
}

// twelveDigits reports whether s is exactly 12 ASCII digits.
func twelveDigits(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// cleanHint passes a code from BankID on only if it looks like one (ASCII
// letters and digits, at most 64); anything else becomes "unknown".
func cleanHint(s string) string {
	if s == "" {
		return ""
	}
	if len(s) > 64 {
		return "unknown"
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9') {
			return "unknown"
		}
	}
	return s
}

// scrub makes BankID's free-text details safe to keep in an error: control
// characters go, any word with six or more digits or that parses as an IP
// address is replaced, and the text is cut at 200 bytes.
func scrub(details string) string {
	words := strings.Fields(details)
	for i, w := range words {
		bare := strings.Trim(w, `.,;:!?()[]{}"'<>`)
		digits := 0
		for j := 0; j < len(bare); j++ {
			if bare[j] >= '0' && bare[j] <= '9' {
				digits++
			}
		}
		if _, err := netip.ParseAddr(bare); err == nil || digits >= 6 {
			words[i] = "[redacted]"
			continue
		}
		words[i] = strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f || r == utf8.RuneError {
				return -1
			}
			return r
		}, w)
	}
	s := strings.Join(words, " ")
	const max = 200
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
