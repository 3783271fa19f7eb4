package interest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Drafts: a citizen may save a form half-filled and come back to it (on
// any device, after logging in again) for Options.DraftFor after the last
// save. A draft is what Form.Draft keeps of the answers, which leaves out
// anything sensitive: a draft never holds health answers (art. 9 data),
// which exist only in a submitted, sealed record. The draft is encrypted
// with AES-256-GCM (internal/sealbox) under a key derived from
// Options.Secret (HKDF-SHA256, label draftKeyInfo), bound by its associated
// data to its kind and the person's keyed hash, so that a draft moved to
// another person or form does not open. Unlike a record, a draft must be
// readable by the server (it fills the form again), so whoever holds both
// the data directory and the secret could read it; that is why it holds no
// health answers and is purged after DraftFor.

// DraftInfo says when a draft was saved and when it will be deleted.
type DraftInfo struct {
	SavedAt     time.Time `json:"saved_at"`
	DeleteAfter time.Time `json:"delete_after"`
}

// storedDraft is a draft as stored.
type storedDraft struct {
	SavedAt time.Time `json:"saved_at"`
	Sealed  []byte    `json:"sealed"` // sealbox: nonce || ciphertext
}

// draftKey is the drafts bucket's key of a person's draft of kind.
func draftKey(kind string, person []byte) []byte {
	return append(append([]byte(kind), 0), person...)
}

// draftAD is the associated data a draft is sealed with.
func draftAD(kind string, person []byte) []byte {
	return append([]byte("parentline/interest/draft\x00"+kind+"\x00"), person...)
}

func (s *Store) draftInfo(d storedDraft) DraftInfo {
	return DraftInfo{SavedAt: d.SavedAt, DeleteAfter: d.SavedAt.Add(s.opts.DraftFor)}
}

// draftsForm is the form of kind if it keeps drafts.
func (s *Store) draftsForm(kind string) (*formInfo, error) {
	fi, err := s.form(kind)
	if err != nil {
		return nil, err
	}
	if fi.Draft == nil {
		return nil, ErrDraftsNotKept
	}
	return fi, nil
}

// SaveDraft keeps what Form.Draft keeps of answers as c's draft of kind,
// replacing an earlier one. ErrDraftsNotKept for a form without drafts;
// ErrBadAnswers when the answers are not a JSON object.
func (s *Store) SaveDraft(kind string, c Citizen, answers json.RawMessage) (DraftInfo, error) {
	fi, err := s.draftsForm(kind)
	if err != nil {
		return DraftInfo{}, err
	}
	if !validPN(c.PersonalNumber) {
		return DraftInfo{}, errors.New("interest: SaveDraft needs the e-ID's personnummer (12 digits)")
	}
	if len(answers) > MaxAnswers {
		return DraftInfo{}, ErrTooLarge
	}
	if t := bytes.TrimSpace(answers); len(t) == 0 || t[0] != '{' || !json.Valid(t) {
		return DraftInfo{}, ErrBadAnswers
	}
	kept, err := fi.Draft(answers)
	if err != nil {
		return DraftInfo{}, ErrBadAnswers
	}
	if t := bytes.TrimSpace(kept); len(t) == 0 || t[0] != '{' || !json.Valid(t) {
		return DraftInfo{}, fmt.Errorf("interest: form %s's Draft gave something other than a JSON object", kind)
	}
	person := s.personKey(c.PersonalNumber)
	var info DraftInfo
	err = s.update(func(t *txn) error {
		d := storedDraft{SavedAt: t.now, Sealed: s.drafts.Seal(kept, draftAD(kind, person))}
		info = s.draftInfo(d)
		return putJSON(t.bucket(bucketDrafts), draftKey(kind, person), d)
	})
	if err != nil {
		return DraftInfo{}, s.internal(err, "saving a draft")
	}
	s.log.Info().Str("kind", kind).Msg("draft saved")
	return info, nil
}

// Draft returns c's draft of kind: the answers as SaveDraft kept them.
// ErrNoDraft when there is none (or it is past its DeleteAfter).
func (s *Store) Draft(kind string, c Citizen) (json.RawMessage, DraftInfo, error) {
	if _, err := s.draftsForm(kind); err != nil {
		return nil, DraftInfo{}, err
	}
	person := s.personKey(c.PersonalNumber)
	d, ok, err := s.readDraft(kind, person)
	if err != nil {
		return nil, DraftInfo{}, err
	}
	if !ok {
		return nil, DraftInfo{}, ErrNoDraft
	}
	plain, err := s.drafts.Open(d.Sealed, draftAD(kind, person))
	if err != nil {
		// Sealed under another secret, or altered: as good as none.
		s.log.Warn().Str("kind", kind).Msg("a draft does not open; it is ignored")
		return nil, DraftInfo{}, ErrNoDraft
	}
	return json.RawMessage(plain), s.draftInfo(d), nil
}

// HasDraft reports whether pn has a draft of kind, and when it was saved,
// without opening it.
func (s *Store) HasDraft(kind, pn string) (DraftInfo, bool) {
	if _, ok := s.forms[kind]; !ok || !validPN(pn) {
		return DraftInfo{}, false
	}
	d, ok, err := s.readDraft(kind, s.personKey(pn))
	if err != nil || !ok {
		return DraftInfo{}, false
	}
	return s.draftInfo(d), true
}

// readDraft reads a draft that is not past its DeleteAfter.
func (s *Store) readDraft(kind string, person []byte) (storedDraft, bool, error) {
	var d storedDraft
	var ok bool
	err := s.view(func(t *txn) error {
		var err error
		d, ok, err = getJSON[storedDraft](t.bucket(bucketDrafts), draftKey(kind, person))
		if ok && !t.now.Before(d.SavedAt.Add(s.opts.DraftFor)) {
			ok = false
		}
		return err
	})
	if err != nil {
		return storedDraft{}, false, s.internal(err, "reading a draft")
	}
	return d, ok, nil
}

// DeleteDraft deletes c's draft of kind, if any.
func (s *Store) DeleteDraft(kind string, c Citizen) error {
	if _, err := s.form(kind); err != nil {
		return err
	}
	person := s.personKey(c.PersonalNumber)
	err := s.update(func(t *txn) error {
		return t.bucket(bucketDrafts).Delete(draftKey(kind, person))
	})
	return s.internal(err, "deleting a draft")
}

// deleteDrafts deletes every draft of the person hash p.
func (t *txn) deleteDrafts(p []byte) error {
	for _, kind := range t.s.kinds {
		if err := t.bucket(bucketDrafts).Delete(draftKey(kind, slices.Clone(p))); err != nil {
			return err
		}
	}
	return nil
}
