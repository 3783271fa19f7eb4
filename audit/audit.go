// Package audit keeps the tamper-evident trail of staff actions on cases and
// chats: who, what, when and which reference, never any content.
package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The audit trail: one entry per action on a case, in bucket "audit" keyed
// by the big-endian sequence number. Each entry holds who, what, when and
// which reference, never any content, and the hash of the entry before it:
//
//	hash = SHA-256(prev hash bytes || canonical JSON of the entry without "hash")
//
// The canonical JSON is the entry's fields in the order seq, at, actor,
// action, reference, prev, as encoding/json writes them. The first entry's
// prev is 64 zeros. The last sequence number and hash (the head) are kept in
// "audit_meta" as well, so that cutting entries off the end is noticed.
//
// This makes the trail tamper-evident, not tamper-proof: someone who can
// write the database can rewrite the whole chain and its head. To anchor it,
// the head is also written to the log once a day (see RunRetention), and
// `parentline audit verify` can be compared against a head noted elsewhere.
var (
	bucketAudit     = []byte("audit")
	bucketAuditMeta = []byte("audit_meta")
	keyAuditHead    = []byte("head")
)

// Actions. Every entry names one of these.
const (
	// Cases (package consent).
	ActionCreated        = "created"
	ActionApproved       = "approved"
	ActionOpened         = "opened"
	ActionAcknowledged   = "acknowledged" // status received
	ActionForwarded      = "forwarded"
	ActionClosed         = "closed"
	ActionWithdrawn      = "withdrawn"
	ActionDeleted        = "deleted"
	ActionReportRejected = "report_rejected"
	// Chats (package chat): a supervisor follows or takes over a live chat.
	ActionChatFollowed  = "chat_followed"
	ActionChatTakenOver = "chat_taken_over"
	// Interest registrations (package interest); the reference is the
	// record id, or the unit of a refused list.
	ActionInterestSubmitted          = "interest_submitted"
	ActionInterestOpened             = "interest_opened"
	ActionInterestStatus             = "interest_status"
	ActionInterestDeleted            = "interest_deleted"
	ActionInterestWithdrawn          = "interest_withdrawn"
	ActionInterestConsentWithdrawn   = "interest_consent_withdrawn"
	ActionInterestCorrected          = "interest_corrected"
	ActionInterestPurged             = "interest_purged"
	ActionInterestRefusedForeignUnit = "interest_refused_foreign_unit" // staff asked for another unit's records
	ActionInterestRefusedUnknownID   = "interest_refused_unknown_id"   // staff asked for an id that does not exist
	ActionInterestRefusedNotOwner    = "interest_refused_not_owner"    // a citizen asked for another person's record
	// Staff accounts (package staff); the actor is the admin, the
	// reference the changed account's username.
	ActionUserAdded       = "user_added"
	ActionUserChanged     = "user_changed" // its name or roles
	ActionUserDisabled    = "user_disabled"
	ActionUserEnabled     = "user_enabled"
	ActionUserPasswordSet = "user_password_set"
	ActionUserDeleted     = "user_deleted"
	// Opening hours and closed days (package chat/schedule); the actor is
	// the supervisor or admin, the reference "hours".
	ActionHoursChanged = "hours_changed"
)

// Actions lists every action an entry may name (the administration page
// offers them as a filter).
func Actions() []string { return slices.Clone(auditActions) }

var auditActions = []string{ActionCreated, ActionApproved, ActionOpened, ActionAcknowledged,
	ActionForwarded, ActionClosed, ActionWithdrawn, ActionDeleted, ActionReportRejected,
	ActionChatFollowed, ActionChatTakenOver,
	ActionInterestSubmitted, ActionInterestOpened, ActionInterestStatus, ActionInterestDeleted,
	ActionInterestWithdrawn, ActionInterestConsentWithdrawn, ActionInterestCorrected, ActionInterestPurged,
	ActionInterestRefusedForeignUnit, ActionInterestRefusedUnknownID, ActionInterestRefusedNotOwner,
	ActionUserAdded, ActionUserChanged, ActionUserDisabled, ActionUserEnabled, ActionUserPasswordSet, ActionUserDeleted,
	ActionHoursChanged}

// Actors that are not staff members.
const (
	ActorParent    = "parent"    // the anonymous parent, withdrawing consent
	ActorRetention = "retention" // the retention job
)

// genesisHash is the prev of the first entry.
var genesisHash = strings.Repeat("0", 64)

// Entry is one entry of the audit trail.
type Entry struct {
	Seq       uint64 `json:"seq"`
	At        string `json:"at"` // RFC 3339 with nanoseconds, UTC
	Actor     string `json:"actor"`
	Action    string `json:"action"`
	Reference string `json:"reference"`
	Prev      string `json:"prev"` // hex
	Hash      string `json:"hash"` // hex
}

// auditBody is an entry without its hash: what the hash covers.
type auditBody struct {
	Seq       uint64 `json:"seq"`
	At        string `json:"at"`
	Actor     string `json:"actor"`
	Action    string `json:"action"`
	Reference string `json:"reference"`
	Prev      string `json:"prev"`
}

type auditHead struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

// computeHash returns the hash e should carry.
func (e Entry) computeHash() (string, error) {
	prev, err := hex.DecodeString(e.Prev)
	if err != nil || len(prev) != sha256.Size {
		return "", errors.New("prev is not a SHA-256 hash")
	}
	body, err := json.Marshal(auditBody{Seq: e.Seq, At: e.At, Actor: e.Actor, Action: e.Action, Reference: e.Reference, Prev: e.Prev})
	if err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write(prev)
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil)), nil
}

func seqKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, seq)
}

// Append adds an entry to the audit trail inside tx, which must be the
// transaction that makes the change it records, so that the change and its
// entry are committed together or not at all.
func Append(tx *bolt.Tx, at time.Time, actor, action, reference string) error {
	known := false
	for _, a := range auditActions {
		known = known || a == action
	}
	if !known {
		return fmt.Errorf("audit: unknown audit action %q", action)
	}
	if actor == "" {
		return errors.New("audit: an audit entry needs an actor")
	}
	b, err := tx.CreateBucketIfNotExists(bucketAudit)
	if err != nil {
		return err
	}
	meta, err := tx.CreateBucketIfNotExists(bucketAuditMeta)
	if err != nil {
		return err
	}
	head := auditHead{Hash: genesisHash}
	if v := meta.Get(keyAuditHead); v != nil {
		if err := json.Unmarshal(v, &head); err != nil {
			return fmt.Errorf("audit: reading the audit head: %w", err)
		}
	}
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	e := Entry{Seq: seq, At: at.UTC().Format(time.RFC3339Nano), Actor: actor, Action: action,
		Reference: reference, Prev: head.Hash}
	if e.Hash, err = e.computeHash(); err != nil {
		return fmt.Errorf("audit: the audit head is damaged: %w", err)
	}
	v, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if err := b.Put(seqKey(seq), v); err != nil {
		return err
	}
	hv, err := json.Marshal(auditHead{Seq: seq, Hash: e.Hash})
	if err != nil {
		return err
	}
	return meta.Put(keyAuditHead, hv)
}

// VerifyError is what Verify found wrong, naming the first bad entry.
type VerifyError struct {
	Seq     uint64 // the first entry found bad (or missing)
	Problem string
}

func (e *VerifyError) Error() string {
	return fmt.Sprintf("audit trail: entry %d: %s", e.Seq, e.Problem)
}

// Verify walks the audit trail from the first entry, checking that the
// entries are numbered 1, 2, 3, … without gaps, that each hash matches its
// entry, that each links to the one before, and that the last is the head
// recorded in "audit_meta". It returns the number of good entries, and a
// *VerifyError for the first problem: an edited entry, a deleted entry, a
// broken link or a missing tail.
func Verify(db *bolt.DB) (entries int, err error) {
	err = db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAudit)
		var head *auditHead
		if meta := tx.Bucket(bucketAuditMeta); meta != nil {
			if v := meta.Get(keyAuditHead); v != nil {
				head = &auditHead{}
				if err := json.Unmarshal(v, head); err != nil {
					return &VerifyError{Problem: "the recorded head of the trail is unreadable"}
				}
			}
		}
		want, prev := uint64(1), genesisHash
		if b != nil {
			c := b.Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				if len(k) != 8 {
					return &VerifyError{Seq: want, Problem: fmt.Sprintf("an entry with a malformed key %x follows it", k)}
				}
				seq := binary.BigEndian.Uint64(k)
				if seq != want {
					if seq > want+1 {
						return &VerifyError{Seq: want, Problem: fmt.Sprintf("missing: entries %d to %d were deleted", want, seq-1)}
					}
					return &VerifyError{Seq: want, Problem: "missing: the entry was deleted"}
				}
				var e Entry
				dec := json.NewDecoder(bytes.NewReader(v))
				dec.DisallowUnknownFields()
				if err := dec.Decode(&e); err != nil {
					return &VerifyError{Seq: seq, Problem: "edited: the entry is unreadable"}
				}
				if e.Seq != seq {
					return &VerifyError{Seq: seq, Problem: fmt.Sprintf("edited: it is stored as entry %d but says %d", seq, e.Seq)}
				}
				if e.Prev != prev {
					return &VerifyError{Seq: seq, Problem: fmt.Sprintf("broken link: it does not follow entry %d, which was edited or replaced", seq-1)}
				}
				if h, err := e.computeHash(); err != nil || h != e.Hash {
					return &VerifyError{Seq: seq, Problem: "edited: its hash does not match its content"}
				}
				prev = e.Hash
				want++
				entries++
			}
		}
		last := want - 1
		switch {
		case head == nil && last == 0:
			return nil
		case head == nil:
			return &VerifyError{Seq: last, Problem: "the recorded head of the trail is missing"}
		case head.Seq > last:
			return &VerifyError{Seq: last + 1, Problem: fmt.Sprintf("missing: the trail was cut off; it should end at entry %d", head.Seq)}
		case head.Seq < last:
			return &VerifyError{Seq: head.Seq + 1, Problem: fmt.Sprintf("added outside the audit trail: the recorded head is entry %d", head.Seq)}
		case head.Hash != prev:
			return &VerifyError{Seq: last, Problem: "edited or replaced: it is not the entry recorded as the head"}
		}
		return nil
	})
	return entries, err
}

// Head returns the sequence number and hash of the last audit entry (0 and
// 64 zeros for an empty trail). Noted outside the database, it anchors the
// trail: a rewritten chain no longer ends in it.
func Head(db *bolt.DB) (seq uint64, hash string, err error) {
	head := auditHead{Hash: genesisHash}
	err = db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketAuditMeta)
		if meta == nil {
			return nil
		}
		if v := meta.Get(keyAuditHead); v != nil {
			return json.Unmarshal(v, &head)
		}
		return nil
	})
	return head.Seq, head.Hash, err
}

// Trail returns the entries about reference, oldest first.
func Trail(db *bolt.DB, reference string) ([]Entry, error) {
	var out []Entry
	err := db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAudit)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			var e Entry
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			if e.Reference == reference {
				out = append(out, e)
			}
			return nil
		})
	})
	return out, err
}

// Query selects entries for List: a range of days (inclusive, UTC dates as
// stored), optionally one action.
type Query struct {
	From, To time.Time // dates; zero = unbounded
	Action   string
	Limit    int // newest first; default and maximum 1000
}

// List returns the entries matching q, newest first.
func List(db *bolt.DB, q Query) ([]Entry, error) {
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 1000
	}
	var lo, hi string
	if !q.From.IsZero() {
		lo = q.From.UTC().Format(time.DateOnly)
	}
	if !q.To.IsZero() {
		hi = q.To.UTC().Format(time.DateOnly)
	}
	out := []Entry{}
	err := db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAudit)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Last(); k != nil && len(out) < q.Limit; k, v = c.Prev() {
			var e Entry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("audit: entry %x is unreadable: %w", k, err)
			}
			day := e.At[:min(len(e.At), 10)]
			if hi != "" && day > hi {
				continue
			}
			if lo != "" && day < lo {
				break // entries are in time order
			}
			if q.Action == "" || e.Action == q.Action {
				out = append(out, e)
			}
		}
		return nil
	})
	return out, err
}
