package interest

import (
	"crypto/ecdh"
	"encoding/json"
	"time"

	"parentline/internal/field"
)

// Unit is a receiving unit of one Form: a municipality for foster care, a
// city district for the parenting programmes. Its staff hold the role
// Form.RolePrefix+":"+Code and read what is sealed to Keys.
type Unit struct {
	Code string            `json:"code"` // a-z, 0-9, '.', '_', '-'; at most 40
	Name string            `json:"name"`
	Keys []*ecdh.PublicKey `json:"-"` // the readers' public keys; none: the unit takes no registrations
	// Notify is the unit's shared mailbox (familjehem@kommun.se), told the
	// reference of each new registration and nothing else; "": not told.
	Notify string `json:"-"`
}

// Citizen is who submits, as the e-ID said.
type Citizen struct {
	PersonalNumber string // 12 digits
	Name           string
	Protected      bool // protected identity: nothing is pre-filled or shown back
}

// Checked is a valid submission, ready to seal.
type Checked struct {
	// Answers is the canonical form of the answers: what is sealed.
	Answers json.RawMessage
	// Units are the chosen units' codes; each gets its own record, sealed
	// to that unit's keys alone.
	Units []string
	// Label is a short, non-sensitive text kept in clear beside the sealed
	// record, shown in lists (e.g. "ABC"); "" for none.
	Label string
	// Email and Name address the confirmation mail; Email "" sends none.
	// They are not stored beyond the mail's delivery.
	Email string
	Name  string
}

// Status is one state of a record.
type Status struct {
	Code  string        `json:"code"`
	Label field.Message `json:"label"`
	// Erasable: the citizen may withdraw the record (it is deleted) while it
	// has this status. When false, KeepReason says why not, in plain words.
	Erasable   bool          `json:"erasable"`
	KeepReason field.Message `json:"keep_reason"`
	// RetainFor is how long a record stays after it entered this status;
	// then the purge deletes it.
	RetainFor time.Duration `json:"-"`
}

// ConsentText is what the citizen confirms when submitting.
type ConsentText struct {
	Version string        `json:"version"`
	Text    field.Message `json:"text"`
	// What names the consent in lists: "Behandling av hälsouppgifter (art. 9)".
	What field.Message `json:"what"`
}

// Form is one kind of interest registration.
type Form struct {
	// Kind is "foster" or "programme": the URL segment of its routes and the
	// record ids' prefix ("FH", "FS").
	Kind   string
	Prefix string // id prefix, two capital letters
	// RolePrefix: staff with role RolePrefix+":"+unit code see that unit's
	// records ("foster", "coordinator").
	RolePrefix string
	// StaffPage is the path of the page where the unit's staff read the
	// registrations ("/familjehem/personal/"); the notification links to it.
	StaffPage string
	Title     field.Message
	Units     []Unit
	// Statuses: the first is the status at submission; staff may set any.
	Statuses []Status
	Consent  ConsentText
	// Validate checks the answers a page sent for c, in the form's rules.
	// It never looks at anything but answers and c.
	Validate func(answers json.RawMessage, c Citizen) (Checked, field.Errors)
	// Draft returns what of the answers may be kept in a draft, which must
	// leave out anything sensitive (health); nil: the form keeps no drafts.
	Draft func(answers json.RawMessage) (json.RawMessage, error)
	// ForUnit returns what one unit's sealed copy of the answers holds, so
	// that a unit does not learn which other units the citizen chose; nil:
	// every unit's copy holds the whole answers.
	ForUnit func(answers json.RawMessage, unit string) (json.RawMessage, error)
	// Mail is the confirmation mail's subject and body for a submission
	// with these record ids, in lang; link is where to log in and follow it.
	Mail func(c Checked, ids []string, link, lang string) (subject, body string)
}
