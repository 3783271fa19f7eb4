package consent

import (
	"crypto/rand"
	"encoding/hex"
	"parentline/audit"
	"slices"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Mandatory reports (orosanmälan) are written by a counsellor and sent only
// when a supervisor other than the author approves them (four eyes).
//
// Until then a report is a draft, and drafts are kept in memory only: a
// draft is readable text about an identified child, and nothing readable may
// be at rest, only sealed cases. The price is that a restart loses pending
// drafts, and their authors must submit them again (Pending no longer lists
// them). Sealing drafts would not help: the supervisor who must read them
// holds no intake key.

// Limits on a report, in characters.
const (
	MaxReportText = 4000 // what, why, identifying
	MaxHowTold    = 2000
	MaxReason     = 1000
	maxDrafts     = 200 // pending drafts at once
)

// What the parent was told about a report.
const (
	ParentToldYes     = "yes"
	ParentToldNo      = "no"
	ParentToldNotSafe = "not_safe" // telling them could put the child at risk
)

// Report is a report of concern: a draft until approved, then the content
// of a mandatory case.
type Report struct {
	ID          string    `json:"id"`
	Author      string    `json:"author"`      // staff username
	AuthorName  string    `json:"author_name"` // display name
	Chat        string    `json:"chat,omitempty"`
	What        string    `json:"what"`        // what was said
	Why         string    `json:"why"`         // why there is concern
	Identifying string    `json:"identifying"` // the identifying details the parent gave
	ParentTold  string    `json:"parent_told"` // ParentToldYes, ParentToldNo or ParentToldNotSafe
	HowTold     string    `json:"how_told"`
	Created     time.Time `json:"created"`
	ApprovedBy  string    `json:"approved_by,omitempty"` // set in the sealed case
}

// String hides the report's text from logs.
func (r Report) String() string { return "consent.Report(" + r.ID + ", redacted)" }

// GoString hides it from %#v too.
func (r Report) GoString() string { return r.String() }

// cleaned trims the report's text and checks it.
func (r Report) cleaned() (Report, error) {
	r.Chat = strings.TrimSpace(r.Chat)
	r.What = strings.TrimSpace(r.What)
	r.Why = strings.TrimSpace(r.Why)
	r.Identifying = strings.TrimSpace(r.Identifying)
	r.HowTold = strings.TrimSpace(r.HowTold)
	r.AuthorName = strings.TrimSpace(r.AuthorName)
	for _, f := range []struct {
		name, value string
		limit       int
		required    bool
	}{
		{"what", r.What, MaxReportText, true},
		{"why", r.Why, MaxReportText, true},
		{"identifying", r.Identifying, MaxReportText, true},
		{"how_told", r.HowTold, MaxHowTold, false},
	} {
		if f.required && f.value == "" {
			return r, required(f.name)
		}
		if err := checkText(f.name, f.value, f.limit); err != nil {
			return r, err
		}
	}
	switch r.ParentTold {
	case ParentToldYes, ParentToldNo, ParentToldNotSafe:
	default:
		return r, errParentTold
	}
	if len(r.Chat) > 64 || checkText("what", r.Chat, 64) != nil || len(r.AuthorName) > 200 {
		return r, &Error{Code: "bad_request", Sv: "Ogiltig begäran.", En: "Invalid request."}
	}
	if r.Author == "" {
		return r, ErrNoActor
	}
	return r, nil
}

// reportQueue holds the pending drafts.
type reportQueue struct {
	mu     sync.Mutex
	drafts map[string]Report
}

// SubmitReport keeps a counsellor's report draft until a supervisor decides
// on it. r.Author (and AuthorName) must be the logged-in counsellor; ID and
// Created are set here. What, why and the identifying details are required
// (at most 4000 characters each), and ParentTold must be "yes", "no" or
// "not_safe".
func (s *Service) SubmitReport(r Report) (id string, err error) {
	r, err = r.cleaned()
	if err != nil {
		return "", err
	}
	r.ApprovedBy = ""
	r.Created = s.opts.Now()
	var b [16]byte
	rand.Read(b[:])
	r.ID = hex.EncodeToString(b[:])

	q := &s.reports
	q.mu.Lock()
	if len(q.drafts) >= maxDrafts {
		q.mu.Unlock()
		return "", ErrTooManyDrafts
	}
	q.drafts[r.ID] = r
	q.mu.Unlock()
	s.opts.Log.Info().Str("report", r.ID).Str("action", "submitted").Msg("report draft")
	return r.ID, nil
}

// Pending returns the drafts awaiting a decision, oldest first.
func (s *Service) Pending() []Report {
	q := &s.reports
	q.mu.Lock()
	out := make([]Report, 0, len(q.drafts))
	for _, r := range q.drafts {
		out = append(out, r)
	}
	q.mu.Unlock()
	slices.SortFunc(out, func(a, b Report) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// take removes a draft for a decision by supervisor; it refuses the author.
func (s *Service) take(id, supervisor string) (Report, error) {
	if supervisor == "" {
		return Report{}, ErrNoActor
	}
	q := &s.reports
	q.mu.Lock()
	defer q.mu.Unlock()
	r, ok := q.drafts[id]
	if !ok {
		return Report{}, ErrReportNotFound
	}
	if r.Author == supervisor {
		return Report{}, ErrOwnReport
	}
	delete(q.drafts, id)
	return r, nil
}

// Approve seals draft id as a mandatory case and returns its reference.
// ErrOwnReport if supervisor wrote it; ErrReportNotFound if there is no such
// draft (or another supervisor decided first).
func (s *Service) Approve(id, supervisor string) (reference string, err error) {
	r, err := s.take(id, supervisor)
	if err != nil {
		if err == ErrOwnReport {
			s.opts.Log.Warn().Str("report", id).Str("action", "approve_own_refused").Msg("report draft")
		}
		return "", err
	}
	ref, err := s.CreateMandatory(r, supervisor)
	if err != nil {
		// Put it back so that it can be approved once the cause is fixed.
		s.reports.mu.Lock()
		s.reports.drafts[id] = r
		s.reports.mu.Unlock()
		return "", err
	}
	if s.opts.OnReportDecided != nil {
		s.opts.OnReportDecided(r.Author, id, "approved", ref)
	}
	return ref, nil
}

// Reject drops draft id, audited as report_rejected (the draft's id, never
// its text or the reason), and tells the author. The reason (at most 1000
// characters) is checked but not kept. Four eyes apply here as well: the
// author cannot reject, and so silently drop, their own report.
func (s *Service) Reject(id, supervisor, reason string) error {
	if err := checkText("reason", strings.TrimSpace(reason), MaxReason); err != nil {
		return err
	}
	r, err := s.take(id, supervisor)
	if err != nil {
		return err
	}
	err = s.opts.DB.Update(func(tx *bolt.Tx) error {
		return audit.Append(tx, s.opts.Now(), supervisor, audit.ActionReportRejected, "draft:"+id)
	})
	if err != nil {
		s.reports.mu.Lock()
		s.reports.drafts[id] = r
		s.reports.mu.Unlock()
		return s.internal(err, "auditing a rejected report")
	}
	s.opts.Log.Info().Str("report", id).Str("action", audit.ActionReportRejected).Msg("report draft")
	if s.opts.OnReportDecided != nil {
		s.opts.OnReportDecided(r.Author, id, "rejected", "")
	}
	return nil
}
