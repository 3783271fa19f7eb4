package booking

import (
	"bytes"
	"encoding/binary"
	"strings"
	"time"
)

// SlotInput is a time staff publish.
type SlotInput struct {
	Start     time.Time // truncated to the minute
	Minutes   int       // 30–180
	Form      Form
	Place     Place
	Counselor string // the counsellor's display name, shown to citizens
}

// Slot is a published time.
type Slot struct {
	ID        string    `json:"id"`
	Start     time.Time `json:"start"`
	Minutes   int       `json:"minutes"`
	Form      Form      `json:"form"`
	Place     Place     `json:"place"`
	Counselor string    `json:"counselor"`
	State     SlotState `json:"state"`
	// BookingID is set only when the slot is booked (both signed) and only
	// in staff views: a held slot shows no trace of who holds it.
	BookingID   string    `json:"booking_id,omitempty"`
	PublishedBy string    `json:"published_by,omitempty"` // staff views only
	PublishedAt time.Time `json:"published_at,omitzero"`  // staff views only
}

// End is when the slot ends.
func (s Slot) End() time.Time { return s.Start.Add(time.Duration(s.Minutes) * time.Minute) }

// SlotFilter narrows ListSlots; zero fields match everything.
type SlotFilter struct {
	Form      Form
	Place     Place
	Counselor string // exact display name, case-insensitive
	State     SlotState
}

func (f SlotFilter) match(s Slot) bool {
	return (f.Form == "" || f.Form == s.Form) && (f.Place == "" || f.Place == s.Place) &&
		(f.Counselor == "" || sameCounselor(f.Counselor, s.Counselor)) && (f.State == "" || f.State == s.State)
}

func sameCounselor(a, b string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
}

// state is the slot's state now, read without writing: a hold past its
// deadline reads as free.
func (t *txn) slotState(r slotRecord) (SlotState, error) {
	if r.BookingID == "" {
		return SlotFree, nil
	}
	b, ok, err := t.booking(r.BookingID)
	if err != nil || !ok {
		return SlotFree, err
	}
	switch {
	case b.State == StateConfirmed:
		return SlotBooked, nil
	case b.State == StateAwaitingCosign && t.now.Before(b.HoldUntil):
		return SlotHeld, nil
	}
	return SlotFree, nil
}

// staffView is the slot as staff see it.
func (t *txn) staffView(r slotRecord) (Slot, error) {
	st, err := t.slotState(r)
	if err != nil {
		return Slot{}, err
	}
	s := Slot{ID: r.ID, Start: r.Start, Minutes: r.Minutes, Form: r.Form, Place: r.Place, Counselor: r.Counselor,
		State: st, PublishedBy: r.PublishedBy, PublishedAt: r.PublishedAt}
	if st == SlotBooked {
		s.BookingID = r.BookingID
	}
	return s, nil
}

// citizenView is the slot as citizens see it.
func citizenView(s Slot) Slot {
	s.BookingID, s.PublishedBy, s.PublishedAt = "", "", time.Time{}
	return s
}

// PublishSlot publishes a time for citizens to book. by is the staff
// username. The start must be in the future (at most MaxAhead), the length
// 30–180 minutes, form and place valid, and the counsellor must have no
// other slot overlapping it. FieldErrors for invalid input, ErrSlotOverlap
// for an overlap.
func (s *Store) PublishSlot(in SlotInput, by string) (Slot, error) {
	var out Slot
	err := s.update(func(t *txn) error {
		in, err := in.normalize(t.now, by)
		if err != nil {
			return err
		}
		rec := slotRecord{Start: in.Start, Minutes: in.Minutes, Form: in.Form, Place: in.Place,
			Counselor: in.Counselor, PublishedBy: strings.TrimSpace(by), PublishedAt: t.now}
		// Any slot that overlaps starts before this one ends and at most
		// MaxMinutes before it starts.
		var clash bool
		err = t.eachSlot(rec.Start.Add(-MaxMinutes*time.Minute), rec.end(), func(o slotRecord) error {
			if o.end().After(rec.Start) && o.Start.Before(rec.end()) && sameCounselor(o.Counselor, rec.Counselor) {
				clash = true
			}
			return nil
		})
		if err != nil {
			return err
		}
		if clash {
			return ErrSlotOverlap
		}
		if rec.ID, err = newID(t.bucket(bucketSlots), "T"); err != nil {
			return err
		}
		if err := t.putSlot(rec); err != nil {
			return err
		}
		if err := t.bucket(bucketSlotTimes).Put(slotTimeKey(rec.Start, rec.ID), nil); err != nil {
			return err
		}
		out, err = t.staffView(rec)
		return err
	})
	if err != nil {
		return Slot{}, s.internal(err, "publishing a slot")
	}
	s.log.Info().Str("slot", out.ID).Str("form", string(out.Form)).Str("by", out.PublishedBy).Msg("slot published")
	return out, nil
}

// DeleteSlot removes a free slot. ErrSlotNotFound if there is none,
// ErrSlotNotFree if it is held or booked.
func (s *Store) DeleteSlot(id, by string) error {
	err := s.update(func(t *txn) error {
		rec, ok, err := t.slot(id)
		if err != nil {
			return err
		}
		if !ok {
			return ErrSlotNotFound
		}
		if holder, err := t.holder(&rec); err != nil {
			return err
		} else if holder != nil {
			return ErrSlotNotFree
		}
		if err := t.bucket(bucketSlots).Delete([]byte(rec.ID)); err != nil {
			return err
		}
		return t.bucket(bucketSlotTimes).Delete(slotTimeKey(rec.Start, rec.ID))
	})
	if err != nil {
		return s.internal(err, "deleting a slot")
	}
	s.log.Info().Str("slot", normID(id)).Str("by", by).Msg("slot deleted")
	return nil
}

// eachSlot calls fn for every slot starting in [from, to), by start time.
func (t *txn) eachSlot(from, to time.Time, fn func(slotRecord) error) error {
	if !to.After(from) {
		return nil
	}
	if from.Unix() < 0 {
		from = time.Unix(0, 0)
	}
	c := t.bucket(bucketSlotTimes).Cursor()
	end := binary.BigEndian.AppendUint64(nil, uint64(to.Unix()))
	for k, _ := c.Seek(binary.BigEndian.AppendUint64(nil, uint64(from.Unix()))); k != nil && bytes.Compare(k[:8], end) < 0; k, _ = c.Next() {
		rec, ok, err := t.slot(string(k[8:]))
		if err != nil {
			return err
		}
		if ok {
			if err := fn(rec); err != nil {
				return err
			}
		}
	}
	return nil
}

// ListSlots is the staff's view of the slots starting in [from, to), past
// ones included, by start time. A held slot shows as SlotHeld ("reserved,
// waiting for co-signing", see SlotState.Label) and nothing about who holds
// it; a booked slot carries its BookingID.
func (s *Store) ListSlots(from, to time.Time, f SlotFilter) ([]Slot, error) {
	out := []Slot{}
	err := s.view(func(t *txn) error {
		return t.eachSlot(from, to, func(r slotRecord) error {
			v, err := t.staffView(r)
			if err == nil && f.match(v) {
				out = append(out, v)
			}
			return err
		})
	})
	if err != nil {
		return nil, s.internal(err, "listing slots")
	}
	return out, nil
}

// FreeSlots is what a citizen may book: free slots of form (every form if
// "") starting in [from, to) and after now, by start time.
func (s *Store) FreeSlots(form Form, from, to time.Time) ([]Slot, error) {
	out := []Slot{}
	err := s.view(func(t *txn) error {
		if from.Before(t.now) {
			from = t.now
		}
		return t.eachSlot(from, to, func(r slotRecord) error {
			if !r.Start.After(t.now) || (form != "" && r.Form != form) {
				return nil
			}
			v, err := t.staffView(r)
			if err == nil && v.State == SlotFree {
				out = append(out, citizenView(v))
			}
			return err
		})
	})
	if err != nil {
		return nil, s.internal(err, "listing free slots")
	}
	return out, nil
}

// Slot returns one slot as citizens see it (its state, no booking id and no
// staff names). ErrSlotNotFound if there is none.
func (s *Store) Slot(id string) (Slot, error) {
	var out Slot
	err := s.view(func(t *txn) error {
		rec, ok, err := t.slot(id)
		if err != nil {
			return err
		}
		if !ok {
			return ErrSlotNotFound
		}
		v, err := t.staffView(rec)
		out = citizenView(v)
		return err
	})
	if err != nil {
		return Slot{}, s.internal(err, "reading a slot")
	}
	return out, nil
}
