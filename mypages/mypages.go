// Package mypages is Mina sidor: what the platform holds about a logged-in
// citizen, in one place: overview, machine-readable export (GDPR art. 20), a
// readable register extract (art. 15), contact correction, consent
// withdrawal and erasure requests with plain reasons for what must be kept.
//
// It keeps nothing of its own. The sources are the family-counselling
// bookings (package booking) and the sealed interest registrations (package
// interest: foster homes and the parenting programmes), behind the
// interfaces Bookings and Registrations so that tests can use fakes; the
// server wires the real stores. Each source audits and logs its own
// changes; this package logs ids, counts and routes, never personal data.
//
// Protected identity (eid.User.Protected): the person's name is never shown
// back (not in the overview, not in the register extract) and nothing is
// pre-filled. The export file, which the person downloads on purpose, holds
// everything stored about them.
package mypages

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"parentline/booking"
	"parentline/consent"
	"parentline/eid"
	"parentline/interest"
	"parentline/internal/field"
)

// Bookings is the family-counselling booking store (*booking.Store).
type Bookings interface {
	// BookingsFor is every booking the person is a party of, until purged.
	BookingsFor(pn string) ([]booking.MyBooking, error)
	// CorrectContact corrects the person's own contact details on their
	// bookings; empty fields stay. booking.FieldErrors on bad input.
	CorrectContact(pn, email, mobile, address string) (int, error)
	// KeepReason says why a booking cannot be erased yet, and until when.
	KeepReason(b booking.MyBooking, now time.Time) (until time.Time, reason booking.Message)
}

// Registrations is the interest registration store (*interest.Store).
type Registrations interface {
	// Mine is every record of the person, all kinds, newest first.
	Mine(pn string) ([]interest.Mine, error)
	// Withdraw deletes an own record: interest.ErrNotFound for an unknown
	// id or another person's (audited by interest), *interest.KeepError
	// when its status is not erasable.
	Withdraw(pn, id string) error
	// WithdrawConsent withdraws the consent of an own record: deleted when
	// its status is erasable, else marked withdrawn and kept.
	WithdrawConsent(pn, id string) (deleted bool, err error)
	// CorrectContact seals a contact correction to each of the person's
	// records; field.Errors on bad input.
	CorrectContact(pn string, c interest.Contact, lang string) (int, error)
	// EraseAll withdraws every erasable record and returns the rest with
	// their keep reasons.
	EraseAll(pn string) (erased []string, kept []interest.Mine, err error)
	// HasDraft reports a draft of that kind in progress.
	HasDraft(kind, pn string) (interest.DraftInfo, bool)
	// Form is a kind's form: its title and consent text.
	Form(kind string) (interest.Form, bool)
	// Sealed is every record of the person with its sealed envelope and
	// corrections: what the export file carries (art. 20).
	Sealed(pn string) ([]interest.Record, error)
}

// Options configure Pages. Sessions is required.
type Options struct {
	Bookings      Bookings      // nil: no bookings
	Registrations Registrations // nil: no registrations
	Sessions      *eid.Sessions // the citizens' e-ID sessions; every route requires one
	Log           zerolog.Logger
	Now           func() time.Time // default time.Now
	// Processing is the record of processing per module; default
	// DefaultProcessing().
	Processing []Processing
	// Location is the calendar of dates shown; default Europe/Stockholm.
	Location *time.Location
}

// Pages serves Mina sidor.
type Pages struct {
	o    Options
	proc map[string]Processing
	log  zerolog.Logger
}

// The interest kinds Mina sidor shows, and the pages where a draft is
// continued.
var (
	kinds      = []string{ModuleFoster, ModuleProgramme}
	draftLinks = map[string]string{ModuleFoster: "/familjehem/", ModuleProgramme: "/foraldrastod/"}
)

// New returns Mina sidor over the sources in o. It panics without
// Sessions: no route can work without it.
func New(o Options) *Pages {
	if o.Sessions == nil {
		panic("mypages: New needs Options.Sessions")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Processing == nil {
		o.Processing = DefaultProcessing()
	}
	if o.Location == nil {
		loc, err := time.LoadLocation("Europe/Stockholm")
		if err != nil {
			loc = time.UTC
		}
		o.Location = loc
	}
	p := &Pages{o: o, proc: map[string]Processing{}, log: o.Log.With().Str("component", "mypages").Logger()}
	for _, e := range o.Processing {
		p.proc[e.Module] = e
	}
	return p
}

// holdings is everything the sources hold about one person, read at now.
type holdings struct {
	now      time.Time
	citizen  eid.Citizen
	bookings []booking.MyBooking
	regs     []interest.Mine
	drafts   map[string]interest.DraftInfo
	sealed   map[string]interest.Record // by id, with envelopes (the export)
}

// gather reads what the sources hold about c; withSealed adds the sealed
// envelopes (the export).
func (p *Pages) gather(c eid.Citizen, withSealed bool) (*holdings, error) {
	h := &holdings{now: p.o.Now(), citizen: c, drafts: map[string]interest.DraftInfo{}}
	pn := c.User.PersonalNumber
	if p.o.Bookings != nil {
		list, err := p.o.Bookings.BookingsFor(pn)
		if err != nil {
			return nil, fmt.Errorf("reading bookings: %w", err)
		}
		h.bookings = list
	}
	if r := p.o.Registrations; r != nil {
		list, err := r.Mine(pn)
		if err != nil {
			return nil, fmt.Errorf("reading registrations: %w", err)
		}
		h.regs = list
		for _, k := range kinds {
			if info, ok := r.HasDraft(k, pn); ok {
				h.drafts[k] = info
			}
		}
		if withSealed {
			recs, err := r.Sealed(pn)
			if err != nil {
				return nil, fmt.Errorf("exporting registrations: %w", err)
			}
			h.sealed = map[string]interest.Record{}
			for _, rec := range recs {
				h.sealed[rec.ID] = rec
			}
		}
	}
	return h, nil
}

// ---- the views ----

type personJSON struct {
	Name      string       `json:"name"` // "" when protected
	Protected bool         `json:"protected"`
	Contact   *contactJSON `json:"contact,omitempty"` // for the correction form; never when protected
}

type contactJSON struct {
	Email      string `json:"email"`
	Phone      string `json:"phone"`
	Address    string `json:"address"`
	PostalCode string `json:"postal_code"`
	City       string `json:"city"`
}

type fieldJSON struct {
	Key   string `json:"key"` // what the field is: "time", "status", "email", …
	Label string `json:"label"`
	Value string `json:"value"`
}

func fld(lang, key, value string) fieldJSON {
	return fieldJSON{Key: key, Label: label(lang, key), Value: value}
}

type recordJSON struct {
	ID          string      `json:"id"`
	Module      string      `json:"module"`
	Summary     string      `json:"summary"`
	Status      string      `json:"status"`
	StatusText  string      `json:"status_text"`
	Created     time.Time   `json:"created"`
	DeleteAfter *time.Time  `json:"delete_after"`
	Sealed      bool        `json:"sealed"`
	SealedText  string      `json:"sealed_text,omitempty"`
	Fields      []fieldJSON `json:"fields"`
	Erasable    bool        `json:"erasable"`
	KeepReason  string      `json:"keep_reason"`
	KeepUntil   *time.Time  `json:"keep_until,omitempty"`
	// Consent is the record's consent id when it has one to withdraw.
	Consent string `json:"consent,omitempty"`
}

type sectionJSON struct {
	Module     string       `json:"module"`
	Title      string       `json:"title"`
	Data       string       `json:"data"`
	Purpose    string       `json:"purpose"`
	LegalBasis string       `json:"legal_basis"`
	Retention  string       `json:"retention"`
	Readers    string       `json:"readers"`
	Controller string       `json:"controller"`
	Access     string       `json:"access,omitempty"`
	Records    []recordJSON `json:"records"`
}

type consentJSON struct {
	ID          string     `json:"id"`
	Record      string     `json:"record"`
	Module      string     `json:"module"`
	Summary     string     `json:"summary"`
	What        string     `json:"what"`
	Version     string     `json:"version"`
	Given       *time.Time `json:"given"`
	Withdrawn   *time.Time `json:"withdrawn"`
	CanWithdraw bool       `json:"can_withdraw"`
	Effect      string     `json:"effect"`
}

type draftJSON struct {
	Kind        string    `json:"kind"`
	Title       string    `json:"title"`
	SavedAt     time.Time `json:"saved_at"`
	DeleteAfter time.Time `json:"delete_after"`
	Link        string    `json:"link"`
}

type noteJSON struct {
	Text string `json:"text"`
	Link string `json:"link"`
}

type overviewJSON struct {
	Person      personJSON    `json:"person"`
	Sections    []sectionJSON `json:"sections"`
	Consents    []consentJSON `json:"consents"`
	Drafts      []draftJSON   `json:"drafts"`
	ChatConsent noteJSON      `json:"chat_consent"`
	GeneratedAt time.Time     `json:"generated_at"`
}

func (p *Pages) tp(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.In(p.o.Location)
	return &t
}

func (p *Pages) section(module, lang string) sectionJSON {
	e := p.proc[module]
	return sectionJSON{Module: module, Title: e.Title.In(lang), Data: e.Data.In(lang), Purpose: e.Purpose.In(lang),
		LegalBasis: e.LegalBasis.In(lang), Retention: e.Retention.In(lang), Readers: e.Readers.In(lang),
		Controller: e.Controller.In(lang), Access: e.Access.In(lang), Records: []recordJSON{}}
}

// overview is GET /api/mina-sidor, and what the register extract shows.
func (p *Pages) overview(h *holdings, lang string) overviewJSON {
	u := h.citizen.User
	out := overviewJSON{Person: personJSON{Protected: u.Protected}, Consents: []consentJSON{}, Drafts: []draftJSON{},
		ChatConsent: noteJSON{Text: tx(lang, "chat_consent"), Link: "/consent/"}, GeneratedAt: h.now.In(p.o.Location)}
	if !u.Protected {
		out.Person.Name = u.Name
		out.Person.Contact = contactOf(h.bookings)
	}
	bs := p.section(ModuleBooking, lang)
	for _, b := range h.bookings {
		bs.Records = append(bs.Records, p.bookingRecord(b, h, lang))
	}
	out.Sections = append(out.Sections, bs)
	for _, k := range kinds {
		s := p.section(k, lang)
		for _, m := range h.regs {
			if m.Kind == k {
				s.Records = append(s.Records, p.registrationRecord(m, lang))
			}
		}
		out.Sections = append(out.Sections, s)
	}
	for _, m := range h.regs {
		if c, ok := p.consentOf(m, lang); ok {
			out.Consents = append(out.Consents, c)
		}
	}
	for _, k := range kinds {
		if info, ok := h.drafts[k]; ok {
			out.Drafts = append(out.Drafts, draftJSON{Kind: k, Title: p.kindTitle(k, lang), SavedAt: info.SavedAt.In(p.o.Location),
				DeleteAfter: info.DeleteAfter.In(p.o.Location), Link: draftLinks[k]})
		}
	}
	return out
}

// contactOf is the newest contact the person gave as applicant, split
// into the form's fields, for pre-filling the correction form.
func contactOf(list []booking.MyBooking) *contactJSON {
	var newest *booking.MyBooking
	for i, b := range list {
		if b.Role == booking.RoleApplicant && b.You.Contact != nil && (newest == nil || b.Created.After(newest.Created)) {
			newest = &list[i]
		}
	}
	if newest == nil {
		return nil
	}
	c := newest.You.Contact
	out := &contactJSON{Email: c.Email, Phone: c.Mobile, Address: c.Address}
	lines := strings.Split(strings.TrimSpace(c.Address), "\n")
	if n := len(lines); n >= 2 {
		last := strings.TrimSpace(lines[n-1])
		digits, rest := 0, -1
		for i, r := range last {
			switch {
			case r >= '0' && r <= '9':
				digits++
			case r == ' ' && digits < 5:
			default:
				if rest < 0 && digits == 5 {
					rest = i
				}
			}
			if rest >= 0 {
				break
			}
		}
		if digits == 5 && rest > 0 {
			out.Address = strings.Join(lines[:n-1], "\n")
			out.PostalCode = strings.TrimSpace(last[:rest])
			out.City = strings.TrimSpace(last[rest:])
		}
	}
	return out
}

func (p *Pages) kindTitle(kind, lang string) string {
	if r := p.o.Registrations; r != nil {
		if f, ok := r.Form(kind); ok && f.Title.Sv != "" {
			return f.Title.In(lang)
		}
	}
	return p.proc[kind].Title.In(lang)
}

func roleLabel(r booking.Role, lang string) string {
	if r == booking.RoleCoApplicant {
		return label(lang, "co_applicant")
	}
	return label(lang, "applicant")
}

func (p *Pages) bookingSummary(b booking.MyBooking, lang string) string {
	return b.Meeting.Form.Label(lang) + ", " + span(b.Meeting, p.o.Location, lang)
}

func (p *Pages) bookingRecord(b booking.MyBooking, h *holdings, lang string) recordJSON {
	loc := p.o.Location
	until, why := p.o.Bookings.KeepReason(b, h.now)
	protected := h.citizen.User.Protected
	f := []fieldJSON{
		fld(lang, "time", span(b.Meeting, loc, lang)),
		fld(lang, "form", b.Meeting.Form.Label(lang)),
		fld(lang, "place", b.Meeting.Place.Label(lang)),
		fld(lang, "counselor", b.Meeting.Counselor),
		fld(lang, "role", roleLabel(b.Role, lang)),
		fld(lang, "status", b.State.Label(lang)),
		fld(lang, "pn", pnText(b.You.Personnummer)),
	}
	add := func(id, v string) {
		if strings.TrimSpace(v) != "" {
			f = append(f, fld(lang, id, v))
		}
	}
	if !protected {
		add("eid_name", b.You.Name)
	}
	if c := b.You.Contact; c != nil {
		if !protected {
			add("name", c.Name)
		}
		add("address", c.Address)
		add("email", c.Email)
		add("mobile", c.Mobile)
	}
	if b.Role == booking.RoleApplicant {
		add("co_email", b.CoApplicantEmail)
		add("co_applicant", b.OtherName)
	} else {
		add("your_email", b.CoApplicantEmail)
		add("applicant", b.OtherName)
	}
	add("signed", moment(b.You.SignedAt, loc, lang))
	for _, fee := range b.Fees {
		add("fee", fmt.Sprintf("%d kr – %s", fee.AmountSEK, moment(fee.At, loc, lang)))
	}
	add("booked", moment(b.Created, loc, lang))
	add("ended", moment(b.EndedAt, loc, lang))
	add("delete_at", date(until, loc, lang))
	purge := b.PurgeAfter
	if purge.IsZero() {
		purge = until
	}
	return recordJSON{ID: b.ID, Module: ModuleBooking, Summary: p.bookingSummary(b, lang), Status: string(b.State),
		StatusText: b.State.Label(lang), Created: b.Created.In(loc), DeleteAfter: p.tp(purge), Fields: f,
		KeepReason: fromBooking(why).In(lang), KeepUntil: p.tp(until)}
}

func (p *Pages) registrationSummary(m interest.Mine, lang string) string {
	title := m.Title.In(lang)
	if title == "" {
		title = p.kindTitle(m.Kind, lang)
	}
	s := title
	if m.Label != "" {
		s += " (" + m.Label + ")"
	}
	if m.UnitName != "" {
		s += ", " + m.UnitName
	}
	return s
}

func (p *Pages) registrationRecord(m interest.Mine, lang string) recordJSON {
	loc := p.o.Location
	unit := cmp.Or(m.UnitName, m.Unit)
	f := []fieldJSON{fld(lang, "registration", cmp.Or(m.Title.In(lang), p.kindTitle(m.Kind, lang))), fld(lang, "recipient", unit)}
	add := func(id, v string) {
		if strings.TrimSpace(v) != "" {
			f = append(f, fld(lang, id, v))
		}
	}
	add("programme", m.Label)
	add("status", cmp.Or(m.StatusLabel.In(lang), m.Status))
	add("received", moment(m.Created, loc, lang))
	if !m.StatusAt.Equal(m.Created) {
		add("status_at", moment(m.StatusAt, loc, lang))
	}
	add("delete_after", date(m.DeleteAfter, loc, lang))
	add("consent", p.consentText(m, lang))
	sealed := txf(lang, "sealed", unit)
	add("content", sealed)
	r := recordJSON{ID: m.ID, Module: m.Kind, Summary: p.registrationSummary(m, lang), Status: m.Status,
		StatusText: cmp.Or(m.StatusLabel.In(lang), m.Status), Created: m.Created.In(loc), DeleteAfter: p.tp(m.DeleteAfter),
		Sealed: true, SealedText: sealed, Fields: f, Erasable: m.Erasable}
	if !m.Erasable {
		r.KeepReason = m.KeepReason.In(lang)
		r.KeepUntil = p.tp(m.DeleteAfter)
	}
	if !m.Consent.Given.IsZero() && m.Consent.Withdrawn.IsZero() {
		r.Consent = m.ID
	}
	return r
}

func (p *Pages) consentText(m interest.Mine, lang string) string {
	c := m.Consent
	if c.Given.IsZero() {
		return ""
	}
	var s string
	if lang == "en" {
		s = fmt.Sprintf("version %s, given %s", c.Version, moment(c.Given, p.o.Location, lang))
		if !c.Withdrawn.IsZero() {
			s += ", withdrawn " + moment(c.Withdrawn, p.o.Location, lang)
		}
		return s
	}
	s = fmt.Sprintf("version %s, givet %s", c.Version, moment(c.Given, p.o.Location, lang))
	if !c.Withdrawn.IsZero() {
		s += ", återkallat " + moment(c.Withdrawn, p.o.Location, lang)
	}
	return s
}

// consentOf is the consent of a registration, if one was given.
func (p *Pages) consentOf(m interest.Mine, lang string) (consentJSON, bool) {
	c := m.Consent
	if c.Given.IsZero() {
		return consentJSON{}, false
	}
	what := ""
	if r := p.o.Registrations; r != nil {
		if f, ok := r.Form(m.Kind); ok {
			what = f.Consent.What.In(lang)
		}
	}
	if what == "" {
		what = p.proc[m.Kind].LegalBasis.In(lang)
	}
	out := consentJSON{ID: m.ID, Record: m.ID, Module: m.Kind, Summary: p.registrationSummary(m, lang), What: what,
		Version: c.Version, Given: p.tp(c.Given), Withdrawn: p.tp(c.Withdrawn), CanWithdraw: c.Withdrawn.IsZero()}
	switch {
	case !c.Withdrawn.IsZero():
		out.Effect = txf(lang, "effect_withdrawn", moment(c.Withdrawn, p.o.Location, lang))
	case m.Erasable:
		out.Effect = txf(lang, "effect_delete", m.ID)
	default:
		out.Effect = txf(lang, "effect_keep", m.ID, m.KeepReason.In(lang))
	}
	return out, true
}

// ---- the export (art. 20) ----

type exportPerson struct {
	Personnummer string `json:"personnummer"`
	Name         string `json:"name,omitempty"`
	Protected    bool   `json:"protected"`
}

type exportBooking struct {
	Booking    booking.MyBooking `json:"booking"`
	KeepReason field.Message     `json:"keep_reason"`
	KeepUntil  time.Time         `json:"keep_until"`
}

type exportRegistration struct {
	Registration interest.Mine `json:"registration"`
	// Sealed: the content is HPKE-encrypted to the recipient's keys; the
	// platform cannot read it.
	Sealed      field.Message         `json:"sealed"`
	Envelope    *consent.Envelope     `json:"envelope,omitempty"`
	Corrections []interest.Correction `json:"corrections,omitempty"`
}

type exportModule struct {
	Module     string     `json:"module"`
	Processing Processing `json:"processing"`
	Records    []any      `json:"records"`
}

type exportJSON struct {
	Format      string         `json:"format"`
	GeneratedAt time.Time      `json:"generated_at"`
	Person      exportPerson   `json:"person"`
	Modules     []exportModule `json:"modules"`
	Consents    []consentJSON  `json:"consents"`
	Drafts      []draftJSON    `json:"drafts"`
}

// ExportFormat names the export's layout.
const ExportFormat = "parentline/mina-uppgifter/v1"

func (p *Pages) export(h *holdings, lang string) exportJSON {
	u := h.citizen.User
	ov := p.overview(h, lang)
	out := exportJSON{Format: ExportFormat, GeneratedAt: h.now.UTC(),
		Person:   exportPerson{Personnummer: u.PersonalNumber, Protected: u.Protected},
		Consents: ov.Consents, Drafts: ov.Drafts}
	if !u.Protected {
		out.Person.Name = u.Name
	}
	bm := exportModule{Module: ModuleBooking, Processing: p.proc[ModuleBooking], Records: []any{}}
	for _, b := range h.bookings {
		until, why := p.o.Bookings.KeepReason(b, h.now)
		bm.Records = append(bm.Records, exportBooking{Booking: b, KeepReason: fromBooking(why), KeepUntil: until.UTC()})
	}
	out.Modules = append(out.Modules, bm)
	for _, k := range kinds {
		m := exportModule{Module: k, Processing: p.proc[k], Records: []any{}}
		for _, r := range h.regs {
			if r.Kind != k {
				continue
			}
			unit := cmp.Or(r.UnitName, r.Unit)
			e := exportRegistration{Registration: r, Sealed: msg{Sv: txf("sv", "sealed", unit), En: txf("en", "sealed", unit)}}
			e.Envelope, e.Corrections = r.Envelope, r.Corrections
			if s, ok := h.sealed[r.ID]; ok {
				e.Envelope, e.Corrections = s.Envelope, s.Corrections
			}
			m.Records = append(m.Records, e)
		}
		out.Modules = append(out.Modules, m)
	}
	out.Modules = append(out.Modules, exportModule{Module: ModuleConsent, Processing: p.proc[ModuleConsent], Records: []any{}})
	return out
}

// ---- erasure ----

type keptJSON struct {
	ID      string     `json:"id"`
	Module  string     `json:"module"`
	Summary string     `json:"summary"`
	Reason  string     `json:"reason"`
	Until   *time.Time `json:"until"`
}

type erasedJSON struct {
	ID      string `json:"id"`
	Module  string `json:"module"`
	Summary string `json:"summary"`
}

type eraseJSON struct {
	Erased      []string     `json:"erased"`
	ErasedItems []erasedJSON `json:"erased_items"`
	Kept        []keptJSON   `json:"kept"`
	Message     string       `json:"message"`
}

// erase erases what may be erased of c's data and says what is kept, why
// and until when.
func (p *Pages) erase(c eid.Citizen, lang string) (eraseJSON, error) {
	pn := c.User.PersonalNumber
	out := eraseJSON{Erased: []string{}, ErasedItems: []erasedJSON{}, Kept: []keptJSON{}}
	if r := p.o.Registrations; r != nil {
		before, err := r.Mine(pn)
		if err != nil {
			return out, fmt.Errorf("reading registrations: %w", err)
		}
		summaries := map[string]interest.Mine{}
		for _, m := range before {
			summaries[m.ID] = m
		}
		// EraseAll deletes the drafts too: they are always erasable.
		var drafts []erasedJSON
		for _, k := range kinds {
			if _, ok := r.HasDraft(k, pn); ok {
				drafts = append(drafts, erasedJSON{ID: "draft:" + k, Module: k,
					Summary: txf(lang, "draft_deleted", p.kindTitle(k, lang))})
			}
		}
		erased, kept, err := r.EraseAll(pn)
		if err != nil {
			return out, fmt.Errorf("erasing registrations: %w", err)
		}
		for _, id := range erased {
			out.Erased = append(out.Erased, id)
			m, ok := summaries[id]
			item := erasedJSON{ID: id, Module: m.Kind, Summary: id}
			if ok {
				item.Summary = p.registrationSummary(m, lang)
			}
			out.ErasedItems = append(out.ErasedItems, item)
		}
		out.ErasedItems = append(out.ErasedItems, drafts...)
		for _, m := range kept {
			out.Kept = append(out.Kept, keptJSON{ID: m.ID, Module: m.Kind, Summary: p.registrationSummary(m, lang),
				Reason: m.KeepReason.In(lang), Until: p.tp(m.DeleteAfter)})
		}
	}
	if b := p.o.Bookings; b != nil {
		list, err := b.BookingsFor(pn)
		if err != nil {
			return out, fmt.Errorf("reading bookings: %w", err)
		}
		now := p.o.Now()
		for _, bk := range list {
			until, why := b.KeepReason(bk, now)
			out.Kept = append(out.Kept, keptJSON{ID: bk.ID, Module: ModuleBooking, Summary: p.bookingSummary(bk, lang),
				Reason: why.In(lang), Until: p.tp(until)})
		}
	}
	slices.SortStableFunc(out.Kept, func(a, b keptJSON) int {
		if a.Until == nil || b.Until == nil {
			return 0
		}
		return a.Until.Compare(*b.Until)
	})
	if len(out.ErasedItems) > 0 {
		out.Message = tx(lang, "erase_done")
	} else {
		out.Message = tx(lang, "erase_none")
	}
	return out, nil
}

// The real stores are the sources.
var (
	_ Bookings      = (*booking.Store)(nil)
	_ Registrations = (*interest.Store)(nil)
)
