package interest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"parentline/audit"
	"parentline/internal/field"
)

// Staff see a unit's records when their roles hold the form's
// RolePrefix+":"+unit code ("foster:2380"); nothing else gives access, not
// even another unit's role of the same form. The Store checks the scope on
// every call, so the HTTP layer only has to say who asks.

// ActorStaff is the audit actor of List, which is not told who asks; ListBy
// names them.
const ActorStaff = "staff"

// UnitsFor returns the units of kind that roles cover, in the form's order.
func (s *Store) UnitsFor(kind string, roles []string) ([]Unit, error) {
	fi, err := s.form(kind)
	if err != nil {
		return nil, err
	}
	out := []Unit{}
	for _, u := range fi.Units {
		if hasRole(roles, fi.RolePrefix, u.Code) {
			out = append(out, u)
		}
	}
	return out, nil
}

// List returns the records of kind at unit, newest first, without their
// envelopes. ErrForeignUnit when roles lack the form's RolePrefix+":"+unit,
// audited "interest_refused_foreign_unit" (actor "staff"; ListBy names the
// staff member).
func (s *Store) List(kind, unit string, roles []string) ([]Record, error) {
	return s.ListBy(kind, unit, roles, ActorStaff)
}

// ListBy is List with the staff member's username for the audit trail.
func (s *Store) ListBy(kind, unit string, roles []string, actor string) ([]Record, error) {
	fi, err := s.form(kind)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(actor) == "" {
		actor = ActorStaff
	}
	if !hasRole(roles, fi.RolePrefix, unit) {
		ref := kind + ":" + unit
		if !validCode(unit) {
			ref = kind + ":malformed"
		}
		err := s.updateAudited(func(t *txn) error {
			return t.refuse(actor, ActionRefusedForeignUnit, ref, ErrForeignUnit)
		})
		return nil, s.internal(err, "refusing a list")
	}
	out := []Record{}
	err = s.view(func(t *txn) error {
		return t.bucket(bucketRecords).ForEach(func(k, v []byte) error {
			var r storedRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("reading record %s: %w", k, err)
			}
			if r.Kind == kind && r.Unit == unit {
				out = append(out, r.view(fi, false))
			}
			return nil
		})
	})
	if err != nil {
		return nil, s.internal(err, "listing registrations")
	}
	slices.SortFunc(out, func(a, b Record) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// staffRecord reads record id of kind for a staff member inside t: an
// unknown id (or one of another kind) is ErrNotFound, audited
// "interest_refused_unknown_id"; a record of a unit outside roles is
// ErrForeignUnit, audited "interest_refused_foreign_unit".
func (t *txn) staffRecord(fi *formInfo, id string, roles []string, actor string) (storedRecord, error) {
	r, ok, err := t.record(id)
	if err != nil {
		return r, err
	}
	if !ok || r.Kind != fi.Kind {
		return r, t.refuse(actor, ActionRefusedUnknownID, auditRef(id), ErrNotFound)
	}
	if !hasRole(roles, fi.RolePrefix, r.Unit) {
		return r, t.refuse(actor, ActionRefusedForeignUnit, r.ID, ErrForeignUnit)
	}
	return r, nil
}

// staffActor is the audit actor of a staff call.
func staffActor(actor string) string {
	if a := strings.TrimSpace(actor); a != "" {
		return a
	}
	return ActorStaff
}

// Get returns record id of kind with its envelope and corrections, audited
// "interest_opened" by actor. ErrNotFound and ErrForeignUnit as
// staffRecord says, audited.
func (s *Store) Get(kind, id string, roles []string, actor string) (Record, error) {
	fi, err := s.form(kind)
	if err != nil {
		return Record{}, err
	}
	actor = staffActor(actor)
	var out Record
	err = s.updateAudited(func(t *txn) error {
		r, err := t.staffRecord(fi, id, roles, actor)
		if err != nil {
			return err
		}
		out = r.view(fi, true)
		return audit.Append(t.tx, t.now, actor, ActionOpened, r.ID)
	})
	if err != nil {
		return Record{}, s.internal(err, "opening a registration")
	}
	return out, nil
}

// SetStatus sets record id's status to one of its form's statuses (the
// retention then runs from now), audited "interest_status". An unknown
// status is field.Errors at "status"; setting the status it has changes
// nothing. Errors of the id as Get's.
func (s *Store) SetStatus(kind, id, status string, roles []string, actor string) (Record, error) {
	fi, err := s.form(kind)
	if err != nil {
		return Record{}, err
	}
	if _, ok := fi.statuses[status]; !ok {
		return Record{}, field.Errors{"status": Messages["unknown_status"]}
	}
	actor = staffActor(actor)
	var out Record
	var changed bool
	err = s.updateAudited(func(t *txn) error {
		changed = false
		r, err := t.staffRecord(fi, id, roles, actor)
		if err != nil {
			return err
		}
		if r.Status != status {
			r.Status, r.StatusAt, r.Updated = status, t.now, t.now
			if err := t.putRecord(r); err != nil {
				return err
			}
			if err := audit.Append(t.tx, t.now, actor, ActionStatus, r.ID); err != nil {
				return err
			}
			changed = true
		}
		out = r.view(fi, false)
		return nil
	})
	if err != nil {
		return Record{}, s.internal(err, "setting a status")
	}
	if changed {
		s.log.Info().Str("kind", kind).Str("id", out.ID).Str("unit", out.Unit).Str("status", status).Str("by", actor).
			Msg("registration status set")
	}
	return out, nil
}

// Delete deletes record id whatever its status (staff decide), audited
// "interest_deleted". Errors of the id as Get's.
func (s *Store) Delete(kind, id string, roles []string, actor string) error {
	fi, err := s.form(kind)
	if err != nil {
		return err
	}
	actor = staffActor(actor)
	var done storedRecord
	err = s.updateAudited(func(t *txn) error {
		r, err := t.staffRecord(fi, id, roles, actor)
		if err != nil {
			return err
		}
		if err := t.deleteRecord(r); err != nil {
			return err
		}
		done = r
		return audit.Append(t.tx, t.now, actor, ActionDeleted, r.ID)
	})
	if err != nil {
		return s.internal(err, "deleting a registration")
	}
	s.log.Info().Str("kind", kind).Str("id", done.ID).Str("unit", done.Unit).Str("by", actor).Msg("registration deleted")
	return nil
}
