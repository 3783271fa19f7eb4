package interest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"parentline/audit"
	"parentline/consent"
	"parentline/internal/field"
)

// The audit trail's actions on registrations (audit.Append). The reference
// is always the record id, or the unit for a refused list.
const (
	ActionSubmitted          = audit.ActionInterestSubmitted
	ActionOpened             = audit.ActionInterestOpened
	ActionStatus             = audit.ActionInterestStatus
	ActionDeleted            = audit.ActionInterestDeleted
	ActionWithdrawn          = audit.ActionInterestWithdrawn
	ActionConsentWithdrawn   = audit.ActionInterestConsentWithdrawn
	ActionCorrected          = audit.ActionInterestCorrected
	ActionPurged             = audit.ActionInterestPurged
	ActionRefusedForeignUnit = audit.ActionInterestRefusedForeignUnit
	ActionRefusedUnknownID   = audit.ActionInterestRefusedUnknownID
	ActionRefusedNotOwner    = audit.ActionInterestRefusedNotOwner
)

// ActorCitizen is the audit actor of what a citizen does: never their
// personnummer or name.
const ActorCitizen = "citizen"

// unitFields are the answers' paths where each known form chooses its
// units: where a page shows an *AlreadyError. Other forms: "units".
var unitFields = map[string]string{"foster": "municipalities", "programme": "district"}

func unitField(kind string) string {
	if f, ok := unitFields[kind]; ok {
		return f
	}
	return "units"
}

// sealedRegistration is what a record's envelope holds: what a reader's
// browser sees after opening it.
type sealedRegistration struct {
	Type         string          `json:"type"` // "registration"
	Kind         string          `json:"kind"`
	ID           string          `json:"id"`
	Unit         string          `json:"unit"`
	UnitName     string          `json:"unit_name"`
	Submitted    string          `json:"submitted"` // RFC 3339
	Personnummer string          `json:"personnummer"`
	EIDName      string          `json:"eid_name"`
	Protected    bool            `json:"protected"`
	Consent      sealedConsent   `json:"consent"`
	Answers      json.RawMessage `json:"answers"`
}

type sealedConsent struct {
	Version string `json:"version"`
	Text    string `json:"text"` // in Swedish, as the consent was worded
	Given   string `json:"given"`
}

// Submit stores a registration of kind: one record per unit chosen in the
// answers, each sealed to that unit's keys alone, with status the form's
// first. consented is the citizen's answer to the form's consent text; lang
// is the confirmation mail's language.
//
// It answers field.Errors when the answers are not valid or consent was not
// given (path "consent"), and *AlreadyError when the person already has a
// record for one of the chosen units with the same label; then nothing was
// stored. Otherwise, in one transaction, it stores the records with their
// index entries and audit entries ("interest_submitted", actor "citizen"),
// deletes the person's draft of this kind, and queues the confirmation mail
// (Form.Mail) when the answers gave an e-mail address.
func (s *Store) Submit(kind string, c Citizen, answers json.RawMessage, consented bool, lang string) ([]Record, error) {
	fi, err := s.form(kind)
	if err != nil {
		return nil, err
	}
	if !validPN(c.PersonalNumber) {
		return nil, errors.New("interest: Submit needs the e-ID's personnummer (12 digits)")
	}
	if len(answers) > MaxAnswers {
		return nil, ErrTooLarge
	}
	if t := bytes.TrimSpace(answers); len(t) == 0 || t[0] != '{' || !json.Valid(t) {
		return nil, ErrBadAnswers
	}
	checked, errs := fi.Validate(answers, c)
	if errs == nil {
		errs = field.Errors{}
	}
	if !consented {
		errs.Add("consent", Messages["consent"])
	}
	var units []string
	for _, code := range checked.Units {
		u, ok := fi.units[code]
		if !ok || len(u.Keys) == 0 {
			errs.Add(unitField(kind), Messages["choose_unit"])
			continue
		}
		if !slices.Contains(units, code) {
			units = append(units, code)
		}
	}
	if len(errs) == 0 && len(units) == 0 {
		errs.Add(unitField(kind), Messages["choose_unit"])
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if len(checked.Label) > 40 || strings.ContainsFunc(checked.Label, func(r rune) bool { return r < ' ' }) {
		return nil, fmt.Errorf("interest: form %s gave a label that is not a short text", kind)
	}
	ans := bytes.TrimSpace(checked.Answers)
	if len(ans) == 0 || !json.Valid(ans) {
		return nil, fmt.Errorf("interest: form %s gave canonical answers that are not JSON", kind)
	}

	var out []Record
	err = s.update(func(t *txn) error {
		out = nil
		person := s.personKey(c.PersonalNumber)
		// Register once: refuse the whole submission if any unit has one.
		already := &AlreadyError{Field: unitField(kind)}
		onces := make([][]byte, len(units))
		for i, code := range units {
			onces[i] = s.onceKey(kind, code, checked.Label, c.PersonalNumber)
			if id := t.bucket(bucketOnce).Get(onces[i]); id != nil && t.bucket(bucketRecords).Get(id) != nil {
				already.Units = append(already.Units, code)
				already.Names = append(already.Names, fi.units[code].Name)
			}
		}
		if len(already.Units) > 0 {
			return already
		}
		records := t.bucket(bucketRecords)
		var ids []string
		for i, code := range units {
			unit := fi.units[code]
			id, err := newID(records, fi.Prefix)
			if err != nil {
				return err
			}
			copyFor := ans
			if fi.ForUnit != nil {
				if copyFor, err = fi.ForUnit(ans, code); err != nil {
					return fmt.Errorf("interest: form %s: the copy for unit %s: %w", kind, code, err)
				}
			}
			env, err := sealRegistration(fi, unit, id, c, copyFor, t.now)
			if err != nil {
				return err
			}
			rec := storedRecord{ID: id, Kind: kind, Unit: code, Label: checked.Label, Status: fi.Statuses[0].Code,
				Created: t.now, Updated: t.now, StatusAt: t.now,
				Consent: ConsentState{Version: fi.Consent.Version, Given: t.now},
				Person:  person, Once: onces[i], Envelope: env}
			if err := t.putRecord(rec); err != nil {
				return err
			}
			if err := t.bucket(bucketPeople).Put(append(slices.Clone(person), id...), nil); err != nil {
				return err
			}
			if err := t.bucket(bucketOnce).Put(onces[i], []byte(id)); err != nil {
				return err
			}
			if err := audit.Append(t.tx, t.now, ActorCitizen, ActionSubmitted, id); err != nil {
				return err
			}
			if unit.Notify != "" {
				subject, body := notifyText(fi, unit, id, s.base+fi.StaffPage)
				if err := t.enqueue(KindNotify, []string{id}, unit.Notify, subject, body); err != nil {
					return err
				}
			}
			ids = append(ids, id)
			out = append(out, rec.view(fi, false))
		}
		if err := t.bucket(bucketDrafts).Delete(draftKey(kind, person)); err != nil {
			return err
		}
		if checked.Email != "" && fi.Mail != nil {
			subject, body := fi.Mail(checked, ids, s.base+PathMyPages, lang)
			if err := t.enqueue(kind, ids, checked.Email, subject, body); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, s.internal(err, "storing a registration")
	}
	for _, r := range out {
		s.log.Info().Str("kind", kind).Str("id", r.ID).Str("unit", r.Unit).Msg("registration submitted")
	}
	return out, nil
}

// sealRegistration seals the registration for one unit to that unit's keys,
// with the record id as the reference.
func sealRegistration(fi *formInfo, unit Unit, id string, c Citizen, answers json.RawMessage, now time.Time) (consent.Envelope, error) {
	plain, err := json.Marshal(sealedRegistration{Type: "registration", Kind: fi.Kind, ID: id, Unit: unit.Code,
		UnitName: unit.Name, Submitted: now.Format(time.RFC3339), Personnummer: c.PersonalNumber,
		EIDName: c.Name, Protected: c.Protected,
		Consent: sealedConsent{Version: fi.Consent.Version, Text: fi.Consent.Text.Sv, Given: now.Format(time.RFC3339)},
		Answers: answers})
	if err != nil {
		return consent.Envelope{}, err
	}
	defer clear(plain)
	env, err := consent.Seal(plain, id, unit.Keys)
	if err != nil {
		return consent.Envelope{}, fmt.Errorf("sealing %s to unit %s: %w", id, unit.Code, err)
	}
	return env, nil
}
