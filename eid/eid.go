// Package eid is citizen e-ID: logging in and signing with BankID or with the
// built-in test provider, behind one interface, and the citizen's session after.
//
// A Provider speaks to the e-ID service. The server starts an order, shows the
// citizen an animated QR code or an autostart link (computed here, every second;
// the QR secret never leaves the server), and collects the order until it is
// complete or has failed. Collected identities are personal data: they are
// never logged, and a Provider's errors never contain them.
package eid

import (
	"context"
	"fmt"
	"time"
)

// Kind is what an order asks of the citizen.
type Kind string

// The two kinds of order.
const (
	Auth Kind = "auth" // identify yourself
	Sign Kind = "sign" // sign a text
)

// Order is the request to start an auth or sign order.
type Order struct {
	Kind Kind
	// EndUserIP is the citizen's IP address as the server sees it; BankID
	// requires it. It is passed on and never stored or logged.
	EndUserIP string
	// VisibleText is what the citizen reads in the e-ID app before signing
	// (plain text, UTF-8). Required for Sign.
	VisibleText string
	// NonVisibleData is signed but not shown, e.g. a hash of the signed
	// document. Optional.
	NonVisibleData []byte
	// PersonalNumber, when not empty (12 digits), restricts who may complete
	// the order.
	PersonalNumber string
}

// Started is a started order. QRStartSecret is for the server alone: never
// send it to a browser; send QRData's result instead.
type Started struct {
	Ref            string // orderRef
	AutoStartToken string
	QRStartToken   string
	QRStartSecret  string
	At             time.Time // when the start answer was received
}

// State is where an order stands.
type State string

// The states of an order.
const (
	Pending  State = "pending"
	Failed   State = "failed"
	Complete State = "complete"
)

// User is the identity an e-ID vouches for.
type User struct {
	PersonalNumber string // 12 digits, YYYYMMDDNNNC
	Name           string
	GivenName      string
	Surname        string
	// Protected is true for a person with protected identity (skyddade
	// personuppgifter): nothing about them may be pre-filled or shown back.
	// BankID does not say it; a population-register lookup or the test
	// provider does.
	Protected bool
}

// Result is one collect answer.
type Result struct {
	State    State
	HintCode string // e.g. "outstandingTransaction", "userSign", "userCancel"
	User     User   // set when Complete
	// Signature and OCSPResponse are the e-ID's proof of a completed sign
	// order (base64, as BankID gives them); kept with the signed record.
	Signature    string
	OCSPResponse string
}

// Provider starts, collects and cancels e-ID orders.
type Provider interface {
	Start(ctx context.Context, o Order) (Started, error)
	Collect(ctx context.Context, ref string) (Result, error)
	Cancel(ctx context.Context, ref string) error
	// Test reports whether this is a test provider: every page that uses it
	// must say so.
	Test() bool
}

// Error is a refusal from the e-ID service (BankID's errorCode and details,
// with the HTTP status). Details never contain personal data we sent.
type Error struct {
	Code    string // e.g. "alreadyInProgress", "invalidParameters", "maintenance"
	Details string
	Status  int
}

func (e *Error) Error() string {
	if e.Details == "" {
		return fmt.Sprintf("e-id: %s (HTTP %d)", e.Code, e.Status)
	}
	return fmt.Sprintf("e-id: %s: %s (HTTP %d)", e.Code, e.Details, e.Status)
}

// Retryable reports whether the same request may be sent again later
// (BankID: requestTimeout, internalError, maintenance).
func (e *Error) Retryable() bool {
	switch e.Code {
	case "requestTimeout", "internalError", "maintenance":
		return true
	}
	return false
}

// Citizen is a logged-in citizen as handlers see them.
type Citizen struct {
	User User
	// Session is the session's opaque id (not the cookie token); handlers use
	// it to bind an order or a draft to this login.
	Session string
	// Test is true when the login came from the test provider.
	Test bool
}

type citizenKey struct{}

// WithCitizen returns ctx carrying c.
func WithCitizen(ctx context.Context, c Citizen) context.Context {
	return context.WithValue(ctx, citizenKey{}, c)
}

// CitizenFrom returns the citizen a request's context carries, if any.
func CitizenFrom(ctx context.Context) (Citizen, bool) {
	c, ok := ctx.Value(citizenKey{}).(Citizen)
	return c, ok
}
