// Package bankidtest is a fake BankID RP API v6.0 for tests: an HTTPS server
// on 127.0.0.1 with real mutual TLS, BankID's request checks and scripted orders.
//
// New starts one with a throwaway CA, a server certificate and a relying-party
// client certificate, all made at start, and closes it when the test ends:
//
//	srv := bankidtest.New(t)
//	c, err := bankid.New(bankid.Config{URL: srv.URL, CertPEM: srv.ClientCertPEM,
//		KeyPEM: srv.ClientKeyPEM, CAPEM: srv.CAPEM})
//
// Collect answers follow each order's script (by default pending
// outstandingTransaction, pending userSign, then complete with the server's
// user); Script sets another. FailNext makes the next request fail with a
// given errorCode. Requests returns every request body exactly as received.
package bankidtest

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// BasePath is the path of the API on the server; URL ends with it.
const BasePath = "/rp/v6.0"

const maxBody = 1 << 20

// User is who completes an order.
type User struct {
	PersonalNumber string
	Name           string
	GivenName      string
	Surname        string
}

// DefaultUser completes orders unless WithUser or a Step says otherwise. The
// number is a common test vector, not a person.
var DefaultUser = User{
	PersonalNumber: "198211059954",
	Name:           "Testa Testsson",
	GivenName:      "Testa",
	Surname:        "Testsson",
}

// Order is a started order as the fake understood the request.
type Order struct {
	Ref               string
	Kind              string // "auth" or "sign"
	EndUserIP         string
	PersonalNumber    string // requirement.personalNumber; "" when not sent
	PinCode           bool   // requirement.pinCode
	VisibleText       string // userVisibleData, decoded
	VisibleDataFormat string // userVisibleDataFormat; "" when not sent
	NonVisibleData    []byte // userNonVisibleData, decoded
}

// Step is one collect answer of an order's script.
type Step struct {
	Status   string // "pending", "failed" or "complete"
	HintCode string // for pending and failed
	User     *User  // for complete; nil means the server's user
}

// Pending is a pending answer with the given hintCode.
func Pending(hint string) Step { return Step{Status: "pending", HintCode: hint} }

// Failed is a failed answer with the given hintCode (userCancel,
// expiredTransaction, startFailed, certificateErr, cancelled, ...).
func Failed(hint string) Step { return Step{Status: "failed", HintCode: hint} }

// Complete is a complete answer for the server's user.
func Complete() Step { return Step{Status: "complete"} }

// CompleteAs is a complete answer for u.
func CompleteAs(u User) Step { return Step{Status: "complete", User: &u} }

// DefaultScript is the script of an order when none is set.
func DefaultScript(Order) []Step {
	return []Step{Pending("outstandingTransaction"), Pending("userSign"), Complete()}
}

// Request is one request as the fake received it.
type Request struct {
	Method      string
	Endpoint    string // "auth", "sign", "collect", "cancel", or the path when unknown
	ContentType string
	Body        []byte
}

// Option changes a new Server.
type Option func(*Server)

// WithUser makes u the user who completes orders.
func WithUser(u User) Option { return func(s *Server) { s.user = u } }

// WithScript sets the script of every order started from now on.
func WithScript(f func(Order) []Step) Option { return func(s *Server) { s.script = f } }

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	// URL is the API base, https://127.0.0.1:port/rp/v6.0.
	URL string
	// CAPEM is the CA that signed the server's and the client's certificates.
	CAPEM []byte
	// ClientCertPEM and ClientKeyPEM are the relying party's certificate and key.
	ClientCertPEM, ClientKeyPEM []byte

	hs *httptest.Server

	mu       sync.Mutex
	user     User
	script   func(Order) []Step
	orders   map[string]*order
	failures []failure
	requests []Request
}

type order struct {
	Order
	steps    []Step
	next     int
	finished bool // a final answer (failed or complete) has been collected
	aborted  bool // a new order for the same personal number came in
}

type failure struct {
	status      int
	code        string // "" for a raw body
	contentType string
	body        string
}

// New starts a fake on 127.0.0.1 and closes it when tb's test ends.
func New(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	p, err := newPKI()
	if err != nil {
		tb.Fatalf("bankidtest: certificates: %v", err)
	}
	s := &Server{
		CAPEM:         p.caPEM,
		ClientCertPEM: p.clientCertPEM,
		ClientKeyPEM:  p.clientKeyPEM,
		user:          DefaultUser,
		script:        DefaultScript,
		orders:        map[string]*order{},
	}
	for _, o := range opts {
		o(s)
	}
	s.hs = httptest.NewUnstartedServer(s)
	s.hs.TLS = &tls.Config{
		Certificates: []tls.Certificate{p.server},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    p.caPool,
		MinVersion:   tls.VersionTLS12,
	}
	// Refused handshakes are expected in tests, and their log lines name
	// the peer's address: keep them out of the output.
	s.hs.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.hs.StartTLS()
	s.URL = s.hs.URL + BasePath
	tb.Cleanup(s.Close)
	return s
}

// Close stops the server. New arranges for it to be called.
func (s *Server) Close() { s.hs.Close() }

// SetUser makes u the user who completes orders from now on.
func (s *Server) SetUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user = u
}

// Script sets the script of every order started from now on; nil restores
// DefaultScript. The last step repeats until it is collected: a script
// ending in a pending step stays pending.
func (s *Server) Script(f func(Order) []Step) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f == nil {
		f = DefaultScript
	}
	s.script = f
}

// FailNext makes the next request, whatever it is, fail with BankID's error
// body for code, with the HTTP status BankID uses for it (alreadyInProgress
// and invalidParameters 400, unauthorized 401, notFound 404,
// methodNotAllowed 405, requestTimeout 408, unsupportedMediaType 415,
// internalError 500, maintenance 503). Calls queue up.
func (s *Server) FailNext(code string) { s.Fail(code, 1) }

// Fail makes the next n requests fail as FailNext does.
func (s *Server) Fail(code string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures = append(s.failures, failure{status: StatusFor(code), code: code})
	}
}

// FailNextRaw makes the next request get status and body as they are, as a
// proxy in front of BankID might answer.
func (s *Server) FailNextRaw(status int, contentType, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, failure{status: status, contentType: contentType, body: body})
}

// Requests returns every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Body = append([]byte(nil), r.Body...)
		out[i] = r
	}
	return out
}

// Order returns the order with ref, if the server still has it.
func (s *Server) Order(ref string) (Order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[ref]
	if !ok {
		return Order{}, false
	}
	return o.Order, true
}

// StatusFor is the HTTP status BankID answers errorCode code with.
func StatusFor(code string) int {
	switch code {
	case "unauthorized":
		return http.StatusUnauthorized
	case "notFound":
		return http.StatusNotFound
	case "methodNotAllowed":
		return http.StatusMethodNotAllowed
	case "requestTimeout":
		return http.StatusRequestTimeout
	case "unsupportedMediaType":
		return http.StatusUnsupportedMediaType
	case "internalError":
		return http.StatusInternalServerError
	case "maintenance":
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest // alreadyInProgress, invalidParameters
}

// ServeHTTP answers one API request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		writeError(w, "invalidParameters", "Could not read body")
		return
	}
	endpoint, known := strings.CutPrefix(r.URL.Path, BasePath+"/")
	if !known {
		endpoint = r.URL.Path
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{
		Method:      r.Method,
		Endpoint:    endpoint,
		ContentType: r.Header.Get("Content-Type"),
		Body:        body,
	})
	if len(s.failures) > 0 {
		f := s.failures[0]
		s.failures = s.failures[1:]
		if f.code == "" {
			w.Header().Set("Content-Type", f.contentType)
			w.WriteHeader(f.status)
			io.WriteString(w, f.body)
			return
		}
		writeError(w, f.code, "Forced by the test")
		return
	}

	if r.Method != http.MethodPost {
		writeError(w, "methodNotAllowed", "Method not allowed")
		return
	}
	if !known {
		writeError(w, "notFound", "No such method")
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeError(w, "unsupportedMediaType", "Content-Type must be application/json")
		return
	}
	if len(body) > maxBody {
		writeError(w, "invalidParameters", "Request too large")
		return
	}
	switch endpoint {
	case "auth", "sign":
		s.start(w, endpoint, body)
	case "collect":
		s.collect(w, body)
	case "cancel":
		s.cancel(w, body)
	default:
		writeError(w, "notFound", "No such method")
	}
}

// startBody is /auth's and /sign's body; pointers tell "absent" from "empty".
type startBody struct {
	EndUserIP   *string `json:"endUserIp"`
	Requirement *struct {
		PinCode             *bool    `json:"pinCode"`
		Mrtd                *bool    `json:"mrtd"`
		CardReader          *string  `json:"cardReader"`
		CertificatePolicies []string `json:"certificatePolicies"`
		PersonalNumber      *string  `json:"personalNumber"`
	} `json:"requirement"`
	UserVisibleData       *string         `json:"userVisibleData"`
	UserVisibleDataFormat *string         `json:"userVisibleDataFormat"`
	UserNonVisibleData    *string         `json:"userNonVisibleData"`
	ReturnURL             *string         `json:"returnUrl"`
	ReturnRisk            *bool           `json:"returnRisk"`
	App                   json.RawMessage `json:"app"`
	Web                   json.RawMessage `json:"web"`
}

type refBody struct {
	OrderRef *string `json:"orderRef"`
}

// decode reads exactly one JSON object with only known fields.
func decode(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data")
	}
	return nil
}

func (s *Server) start(w http.ResponseWriter, kind string, body []byte) {
	var b startBody
	if err := decode(body, &b); err != nil {
		writeError(w, "invalidParameters", "Invalid request")
		return
	}
	o := Order{Kind: kind}
	if b.EndUserIP == nil {
		writeError(w, "invalidParameters", "Missing endUserIp")
		return
	}
	if _, err := netip.ParseAddr(*b.EndUserIP); err != nil {
		writeError(w, "invalidParameters", "Invalid endUserIp")
		return
	}
	o.EndUserIP = *b.EndUserIP
	if rq := b.Requirement; rq != nil {
		if rq.PersonalNumber != nil {
			if !twelveDigits(*rq.PersonalNumber) {
				writeError(w, "invalidParameters", "Invalid personalNumber")
				return
			}
			o.PersonalNumber = *rq.PersonalNumber
		}
		if rq.CardReader != nil && *rq.CardReader != "class1" && *rq.CardReader != "class2" {
			writeError(w, "invalidParameters", "Invalid cardReader")
			return
		}
		o.PinCode = rq.PinCode != nil && *rq.PinCode
	}
	if b.UserVisibleData == nil && kind == "sign" {
		writeError(w, "invalidParameters", "Missing userVisibleData")
		return
	}
	if b.UserVisibleData != nil {
		text, ok := decodeB64(*b.UserVisibleData, 40_000)
		if !ok || !utf8.Valid(text) {
			writeError(w, "invalidParameters", "Invalid userVisibleData")
			return
		}
		o.VisibleText = string(text)
	}
	if b.UserVisibleDataFormat != nil {
		if *b.UserVisibleDataFormat != "simpleMarkdownV1" || b.UserVisibleData == nil {
			writeError(w, "invalidParameters", "Invalid userVisibleDataFormat")
			return
		}
		o.VisibleDataFormat = *b.UserVisibleDataFormat
	}
	if b.UserNonVisibleData != nil {
		data, ok := decodeB64(*b.UserNonVisibleData, 200_000)
		if !ok {
			writeError(w, "invalidParameters", "Invalid userNonVisibleData")
			return
		}
		o.NonVisibleData = data
	}

	// Like BankID: a second order for a personal number with one in
	// progress aborts that one and creates none.
	if o.PersonalNumber != "" {
		for _, old := range s.orders {
			if old.PersonalNumber == o.PersonalNumber && !old.finished && !old.aborted {
				old.aborted = true
				writeError(w, "alreadyInProgress", "Order already in progress for pno")
				return
			}
		}
	}

	o.Ref = uuid()
	steps := s.script(o)
	if len(steps) == 0 {
		steps = DefaultScript(o)
	}
	s.orders[o.Ref] = &order{Order: o, steps: steps}
	writeJSON(w, http.StatusOK, map[string]string{
		"orderRef":       o.Ref,
		"autoStartToken": uuid(),
		"qrStartToken":   uuid(),
		"qrStartSecret":  uuid(),
	})
}

// readRef decodes a {"orderRef"} body, answering the error itself.
func readRef(w http.ResponseWriter, body []byte) (string, bool) {
	var b refBody
	if err := decode(body, &b); err != nil || b.OrderRef == nil || *b.OrderRef == "" {
		writeError(w, "invalidParameters", "Missing orderRef")
		return "", false
	}
	return *b.OrderRef, true
}

type collectAnswer struct {
	OrderRef       string      `json:"orderRef"`
	Status         string      `json:"status"`
	HintCode       string      `json:"hintCode,omitempty"`
	CompletionData *completion `json:"completionData,omitempty"`
}

type completion struct {
	User struct {
		PersonalNumber string `json:"personalNumber"`
		Name           string `json:"name"`
		GivenName      string `json:"givenName"`
		Surname        string `json:"surname"`
	} `json:"user"`
	Device struct {
		IPAddress string `json:"ipAddress"`
		UHI       string `json:"uhi"`
	} `json:"device"`
	BankIDIssueDate string `json:"bankIdIssueDate"`
	Signature       string `json:"signature"`
	OCSPResponse    string `json:"ocspResponse"`
}

func (s *Server) collect(w http.ResponseWriter, body []byte) {
	ref, ok := readRef(w, body)
	if !ok {
		return
	}
	o, ok := s.orders[ref]
	if !ok {
		writeError(w, "notFound", "No such order")
		return
	}
	if o.finished {
		// An order that has given its final answer cannot be collected again.
		writeError(w, "invalidParameters", "Order already collected")
		return
	}
	if o.aborted {
		o.finished = true
		writeJSON(w, http.StatusOK, collectAnswer{OrderRef: ref, Status: "failed", HintCode: "cancelled"})
		return
	}
	step := o.steps[min(o.next, len(o.steps)-1)]
	o.next++
	switch step.Status {
	case "failed":
		o.finished = true
		writeJSON(w, http.StatusOK, collectAnswer{OrderRef: ref, Status: "failed", HintCode: step.HintCode})
	case "complete":
		o.finished = true
		u := s.user
		if step.User != nil {
			u = *step.User
		}
		writeJSON(w, http.StatusOK, collectAnswer{OrderRef: ref, Status: "complete", CompletionData: complete(o.Order, u)})
	default:
		writeJSON(w, http.StatusOK, collectAnswer{OrderRef: ref, Status: "pending", HintCode: step.HintCode})
	}
}

// complete is the completionData of o done by u, with a fake signature and
// OCSP response (base64 of made-up XML and bytes, not verifiable).
func complete(o Order, u User) *completion {
	c := &completion{BankIDIssueDate: "2024-01-15"}
	c.User.PersonalNumber = u.PersonalNumber
	c.User.Name = u.Name
	c.User.GivenName = u.GivenName
	c.User.Surname = u.Surname
	c.Device.IPAddress = o.EndUserIP
	c.Device.UHI = "ZmFrZS11aGktZm9yLXRlc3Rz"
	xml := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>`+
		`<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo>fake</SignedInfo>`+
		`<Object><bankIdSignedData><usrVisibleData>%s</usrVisibleData><srvInfo><orderRef>%s</orderRef></srvInfo></bankIdSignedData></Object></Signature>`,
		base64.StdEncoding.EncodeToString([]byte(o.VisibleText)), o.Ref)
	c.Signature = base64.StdEncoding.EncodeToString([]byte(xml))
	c.OCSPResponse = base64.StdEncoding.EncodeToString([]byte("fake OCSP response for " + o.Ref))
	return c
}

func (s *Server) cancel(w http.ResponseWriter, body []byte) {
	ref, ok := readRef(w, body)
	if !ok {
		return
	}
	if _, ok := s.orders[ref]; !ok {
		writeError(w, "notFound", "No such order")
		return
	}
	delete(s.orders, ref)
	writeJSON(w, http.StatusOK, struct{}{})
}

func writeError(w http.ResponseWriter, code, details string) {
	writeJSON(w, StatusFor(code), map[string]string{"errorCode": code, "details": details})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "bankidtest: encode answer", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(data)
}

// decodeB64 decodes standard base64 text of 1 to max characters.
func decodeB64(s string, max int) ([]byte, bool) {
	if len(s) == 0 || len(s) > max {
		return nil, false
	}
	b, err := base64.StdEncoding.DecodeString(s)
	return b, err == nil
}

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

// uuid is a random version 4 UUID, the shape of BankID's refs and tokens.
func uuid() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
