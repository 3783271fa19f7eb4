package interest

import (
	"crypto/hmac"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"parentline/audit"
	"parentline/consent"
	"parentline/internal/field"
)

// Mine returns every record of the person pn, of all kinds, newest first.
func (s *Store) Mine(pn string) ([]Mine, error) {
	out := []Mine{}
	if !validPN(pn) {
		return out, nil
	}
	err := s.view(func(t *txn) error {
		recs, err := t.personRecords(s.personKey(pn))
		if err != nil {
			return err
		}
		for _, r := range recs {
			if fi, ok := s.forms[r.Kind]; ok {
				out = append(out, r.mine(fi))
			}
		}
		return nil
	})
	if err != nil {
		return nil, s.internal(err, "reading a person's registrations")
	}
	return out, nil
}

// Sealed returns every record of the person pn with its envelope and
// corrections, newest first: what they may take with them (art. 15, 20).
func (s *Store) Sealed(pn string) ([]Record, error) {
	out := []Record{}
	if !validPN(pn) {
		return out, nil
	}
	err := s.view(func(t *txn) error {
		recs, err := t.personRecords(s.personKey(pn))
		if err != nil {
			return err
		}
		for _, r := range recs {
			if fi, ok := s.forms[r.Kind]; ok {
				out = append(out, r.view(fi, true))
			}
		}
		return nil
	})
	if err != nil {
		return nil, s.internal(err, "exporting a person's registrations")
	}
	return out, nil
}

// own reads record id for the person pn inside t. For an unknown id, or a
// record of someone else, it writes the refusal to the audit trail and
// returns ErrNotFound: both look the same to the caller.
func (t *txn) own(pn, id string) (storedRecord, *formInfo, error) {
	r, ok, err := t.record(id)
	if err != nil {
		return r, nil, err
	}
	fi, known := t.s.forms[r.Kind]
	switch {
	case !ok || !known:
		return r, nil, t.refuse(ActorCitizen, ActionRefusedUnknownID, auditRef(id), ErrNotFound)
	case !validPN(pn) || !hmac.Equal(r.Person, t.s.personKey(pn)):
		return r, nil, t.refuse(ActorCitizen, ActionRefusedNotOwner, r.ID, ErrNotFound)
	}
	return r, fi, nil
}

// refusal is an answer of the Store that is written to the audit trail: the
// transaction commits the entry and the caller gets err.
type refusal struct{ err error }

func (r refusal) Error() string { return r.err.Error() }
func (r refusal) Unwrap() error { return r.err }

// refuse audits a refusal and returns it as a refusal, which commit turns
// back into err after the transaction commits.
func (t *txn) refuse(actor, action, ref string, err error) error {
	if aerr := audit.Append(t.tx, t.now, actor, action, ref); aerr != nil {
		return aerr
	}
	t.s.log.Info().Str("action", action).Str("reference", ref).Msg("registration request refused")
	return refusal{err}
}

// updateAudited is update where fn may end with a refusal: the transaction
// then commits (its audit entry) and the refusal's error is returned.
func (s *Store) updateAudited(fn func(t *txn) error) error {
	var refused error
	err := s.update(func(t *txn) error {
		err := fn(t)
		var r refusal
		if errors.As(err, &r) {
			refused = r.err
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	return refused
}

// Withdraw deletes the person's own record id, while its status is
// erasable; otherwise *KeepError with the status's reason. An unknown id
// and another person's record are both ErrNotFound (audited
// "interest_refused_unknown_id" and "interest_refused_not_owner").
func (s *Store) Withdraw(pn, id string) error {
	var done storedRecord
	err := s.updateAudited(func(t *txn) error {
		r, fi, err := t.own(pn, id)
		if err != nil {
			return err
		}
		if ok, reason := r.erasable(fi); !ok {
			return &KeepError{Status: r.Status, Reason: reason}
		}
		if err := t.deleteRecord(r); err != nil {
			return err
		}
		done = r
		return audit.Append(t.tx, t.now, ActorCitizen, ActionWithdrawn, r.ID)
	})
	if err != nil {
		return s.internal(err, "withdrawing a registration")
	}
	s.log.Info().Str("kind", done.Kind).Str("id", done.ID).Str("unit", done.Unit).Msg("registration withdrawn")
	return nil
}

// WithdrawConsent withdraws the consent of the person's own record id. In
// an erasable status the record is deleted (deleted true); otherwise the
// consent is marked withdrawn, which staff see in the record, and the
// record is kept until its status allows (deleted false). Audited
// "interest_consent_withdrawn"; errors as Withdraw's, but never *KeepError.
// Withdrawing a consent already withdrawn changes nothing.
func (s *Store) WithdrawConsent(pn, id string) (deleted bool, err error) {
	var done storedRecord
	err = s.updateAudited(func(t *txn) error {
		deleted = false
		r, fi, err := t.own(pn, id)
		if err != nil {
			return err
		}
		done = r
		if ok, _ := r.erasable(fi); ok {
			if err := t.deleteRecord(r); err != nil {
				return err
			}
			deleted = true
			return audit.Append(t.tx, t.now, ActorCitizen, ActionConsentWithdrawn, r.ID)
		}
		if !r.Consent.Withdrawn.IsZero() {
			return nil
		}
		r.Consent.Withdrawn, r.Updated = t.now, t.now
		if err := t.putRecord(r); err != nil {
			return err
		}
		return audit.Append(t.tx, t.now, ActorCitizen, ActionConsentWithdrawn, r.ID)
	})
	if err != nil {
		return false, s.internal(err, "withdrawing a consent")
	}
	s.log.Info().Str("kind", done.Kind).Str("id", done.ID).Bool("deleted", deleted).Msg("consent withdrawn")
	return deleted, nil
}

// EraseAll withdraws every record of the person pn whose status is
// erasable, and deletes their drafts of every kind; one transaction. It
// returns the ids erased, and the records kept with their KeepReason.
func (s *Store) EraseAll(pn string) (erased []string, kept []Mine, err error) {
	erased, kept = []string{}, []Mine{}
	if !validPN(pn) {
		return erased, kept, nil
	}
	person := s.personKey(pn)
	err = s.update(func(t *txn) error {
		erased, kept = []string{}, []Mine{}
		recs, err := t.personRecords(person)
		if err != nil {
			return err
		}
		for _, r := range recs {
			fi, ok := s.forms[r.Kind]
			if !ok {
				continue
			}
			if ok, _ := r.erasable(fi); !ok {
				kept = append(kept, r.mine(fi))
				continue
			}
			if err := t.deleteRecord(r); err != nil {
				return err
			}
			if err := audit.Append(t.tx, t.now, ActorCitizen, ActionWithdrawn, r.ID); err != nil {
				return err
			}
			erased = append(erased, r.ID)
		}
		return t.deleteDrafts(person)
	})
	if err != nil {
		return nil, nil, s.internal(err, "erasing a person's registrations")
	}
	s.log.Info().Int("erased", len(erased)).Int("kept", len(kept)).Msg("registrations erased on request")
	return erased, kept, nil
}

// sealedCorrection is what a correction's envelope holds.
type sealedCorrection struct {
	Type    string  `json:"type"` // "correction"
	ID      string  `json:"id"`
	At      string  `json:"at"` // RFC 3339
	Contact Contact `json:"contact"`
}

// CorrectContact checks contact (the details given; empty ones are not
// corrected) and appends it, sealed to each record's unit keys, to every
// record of the person pn (reference: record id + "/correction/" + N, N
// from 1), audited "interest_corrected". It returns how many records were
// corrected. field.Errors (in the paths of Contact's JSON names) when a
// detail is not acceptable, or "contact" when none is given; lang is not
// used for now (the messages carry both languages) but names the caller's
// language for later texts.
func (s *Store) CorrectContact(pn string, contact Contact, lang string) (int, error) {
	_ = lang
	checked, errs := contact.check()
	if len(errs) > 0 {
		return 0, errs
	}
	if !validPN(pn) {
		return 0, nil
	}
	n := 0
	err := s.update(func(t *txn) error {
		n = 0
		recs, err := t.personRecords(s.personKey(pn))
		if err != nil {
			return err
		}
		for _, r := range recs {
			fi, ok := s.forms[r.Kind]
			if !ok {
				continue
			}
			u, ok := fi.units[r.Unit]
			if !ok || len(u.Keys) == 0 {
				// The unit has no keys now: a correction cannot be sealed to it.
				s.log.Warn().Str("id", r.ID).Str("unit", r.Unit).Msg("correction not sealed: the unit has no keys")
				continue
			}
			ref := r.ID + "/correction/" + strconv.Itoa(len(r.Corrections)+1)
			plain, err := json.Marshal(sealedCorrection{Type: "correction", ID: r.ID, At: t.now.Format(time.RFC3339),
				Contact: checked})
			if err != nil {
				return err
			}
			env, err := consent.Seal(plain, ref, u.Keys)
			clear(plain)
			if err != nil {
				return err
			}
			r.Corrections = append(r.Corrections, Correction{At: t.now, Envelope: env})
			r.Updated = t.now
			if err := t.putRecord(r); err != nil {
				return err
			}
			if err := audit.Append(t.tx, t.now, ActorCitizen, ActionCorrected, r.ID); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, s.internal(err, "correcting contact details")
	}
	s.log.Info().Int("records", n).Msg("contact details corrected")
	return n, nil
}

// Contact is a citizen's contact details as corrected after submitting.
// Empty fields are not corrected.
type Contact struct {
	GivenName  string `json:"given_name,omitempty"`
	Surname    string `json:"surname,omitempty"`
	Address    string `json:"address,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
	City       string `json:"city,omitempty"`
	Phone      string `json:"phone,omitempty"`
	Email      string `json:"email,omitempty"`
}

// String keeps contact details out of logs.
func (Contact) String() string { return "interest.Contact{…}" }

// GoString keeps contact details out of %#v.
func (Contact) GoString() string { return "interest.Contact{…}" }

// check returns the contact cleaned (trimmed, canonical), or what is wrong
// with it.
func (c Contact) check() (Contact, field.Errors) {
	e := field.Errors{}
	opt := func(sv, en string) field.Spec {
		return field.Spec{What: field.Message{Sv: sv, En: en}, Optional: true, Max: 100}
	}
	out := Contact{
		GivenName:  field.Text(e, "given_name", c.GivenName, opt("ditt förnamn", "your first name")),
		Surname:    field.Text(e, "surname", c.Surname, opt("ditt efternamn", "your surname")),
		Address:    field.Text(e, "address", c.Address, field.Spec{What: field.Message{Sv: "din gatuadress", En: "your street address"}, Optional: true, Max: 200}),
		PostalCode: field.PostalCode(e, "postal_code", c.PostalCode, opt("ditt postnummer", "your postcode")),
		City:       field.Text(e, "city", c.City, opt("din ort", "your town")),
		Phone:      field.Phone(e, "phone", c.Phone, opt("ditt telefonnummer", "your phone number")),
		Email:      field.Email(e, "email", c.Email, opt("din e-postadress", "your e-mail address")),
	}
	if len(e) == 0 && out == (Contact{}) {
		e.Add("contact", Messages["nothing_to_correct"])
	}
	return out, e
}
