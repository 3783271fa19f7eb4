package consent

import (
	"errors"
	"parentline/audit"
	"strings"
	"sync"
	"testing"
)

func TestReports_FourEyes(t *testing.T) {
	h := newHarness(t)
	own := testReport
	own.Author = "sara" // a supervisor writing a report herself
	ownID, err := h.svc.SubmitReport(own)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.Approve(ownID, "sara"); !errors.Is(err, ErrOwnReport) {
		t.Fatalf("approving your own report: %v, want ErrOwnReport", err)
	}
	if err := h.svc.Reject(ownID, "sara", "oops"); !errors.Is(err, ErrOwnReport) {
		t.Fatalf("rejecting your own report: %v, want ErrOwnReport", err)
	}
	if len(h.svc.Pending()) != 1 {
		t.Fatal("a refused decision dropped the draft")
	}
	// CreateMandatory refuses as well, if called directly.
	if _, err := h.svc.CreateMandatory(own, "sara"); !errors.Is(err, ErrOwnReport) {
		t.Fatalf("CreateMandatory by the author: %v", err)
	}
	ref, err := h.svc.Approve(ownID, "siv")
	if err != nil || !refPattern.MatchString(ref) {
		t.Fatalf("Approve by another supervisor = %q, %v", ref, err)
	}
	if len(h.svc.Pending()) != 0 {
		t.Fatal("the approved draft is still pending")
	}
	m, _, _ := h.svc.Get(ref)
	if m.Kind != KindMandatory || m.Status != StatusNew || m.RaisedBy != "sara" {
		t.Fatalf("meta = %+v", m)
	}
	c := h.openContent(t, ref)
	if c.Kind != KindMandatory || c.Report.ApprovedBy != "siv" || c.Report.What != testReport.What || c.Details != nil || c.Consent != nil {
		t.Fatalf("content = %+v", c)
	}
	var actions []string
	trail, _ := audit.Trail(h.db, ref)
	for _, e := range trail {
		actions = append(actions, e.Actor+":"+e.Action)
	}
	if strings.Join(actions, " ") != "sara:created siv:approved" {
		t.Fatalf("audit = %v", actions)
	}
	if len(h.decide) != 1 || h.decide[0] != "sara|"+ownID+"|approved|"+ref {
		t.Fatalf("OnReportDecided = %v", h.decide)
	}
	if len(h.notes) != 1 || h.notes[0] != ref {
		t.Fatalf("Notify = %v", h.notes)
	}
	// Approving again finds nothing.
	if _, err := h.svc.Approve(ownID, "siv"); !errors.Is(err, ErrReportNotFound) {
		t.Fatalf("second approval: %v", err)
	}
}

func TestReports_Reject(t *testing.T) {
	h := newHarness(t)
	id, _ := h.svc.SubmitReport(testReport)
	if err := h.svc.Reject(id, "sara", strings.Repeat("x", MaxReason+1)); err == nil {
		t.Fatal("an over-long reason was accepted")
	}
	if err := h.svc.Reject(id, "sara", "Inte tillräckligt underlag."); err != nil {
		t.Fatal(err)
	}
	if len(h.svc.Pending()) != 0 {
		t.Fatal("the rejected draft is still pending")
	}
	if len(h.decide) != 1 || h.decide[0] != "anna|"+id+"|rejected|" {
		t.Fatalf("OnReportDecided = %v", h.decide)
	}
	trail, _ := audit.Trail(h.db, "draft:"+id)
	if len(trail) != 1 || trail[0].Action != audit.ActionReportRejected || trail[0].Actor != "sara" {
		t.Fatalf("audit = %+v", trail)
	}
	if list, _ := h.svc.List(); len(list) != 0 {
		t.Fatal("a rejected report became a case")
	}
	if err := h.svc.Reject(id, "sara", ""); !errors.Is(err, ErrReportNotFound) {
		t.Fatalf("second rejection: %v", err)
	}
}

func TestReports_Validation(t *testing.T) {
	h := newHarness(t)
	mod := func(f func(*Report)) Report {
		r := testReport
		f(&r)
		return r
	}
	for name, tt := range map[string]struct {
		r     Report
		field string
	}{
		"no what":         {mod(func(r *Report) { r.What = "  " }), "what"},
		"no why":          {mod(func(r *Report) { r.Why = "" }), "why"},
		"no identifying":  {mod(func(r *Report) { r.Identifying = "" }), "identifying"},
		"what too long":   {mod(func(r *Report) { r.What = strings.Repeat("ä", MaxReportText+1) }), "what"},
		"why too long":    {mod(func(r *Report) { r.Why = strings.Repeat("ä", MaxReportText+1) }), "why"},
		"how_told long":   {mod(func(r *Report) { r.HowTold = strings.Repeat("ä", MaxHowTold+1) }), "how_told"},
		"parent_told bad": {mod(func(r *Report) { r.ParentTold = "maybe" }), "parent_told"},
		"parent_told nil": {mod(func(r *Report) { r.ParentTold = "" }), "parent_told"},
		"control chars":   {mod(func(r *Report) { r.Why = "a\x07b" }), "why"},
	} {
		_, err := h.svc.SubmitReport(tt.r)
		var e *Error
		if !errors.As(err, &e) || e.Field != tt.field {
			t.Errorf("%s: %v, want an error about %s", name, err, tt.field)
		}
	}
	if _, err := h.svc.SubmitReport(mod(func(r *Report) { r.Author = "" })); !errors.Is(err, ErrNoActor) {
		t.Errorf("no author: %v", err)
	}
	if _, err := h.svc.SubmitReport(mod(func(r *Report) { r.What = strings.Repeat("ä", MaxReportText) })); err != nil {
		t.Errorf("4000 characters: %v", err)
	}
	for _, told := range []string{ParentToldYes, ParentToldNo, ParentToldNotSafe} {
		if _, err := h.svc.SubmitReport(mod(func(r *Report) { r.ParentTold = told; r.HowTold = "" })); err != nil {
			t.Errorf("parent_told %s: %v", told, err)
		}
	}
	p := h.svc.Pending()
	if len(p) != 4 || p[0].ID == "" || p[0].Created.IsZero() || p[0].Author != "anna" {
		t.Fatalf("pending = %+v", p)
	}
}

func TestReports_Cap(t *testing.T) {
	h := newHarness(t)
	for range maxDrafts {
		if _, err := h.svc.SubmitReport(testReport); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.svc.SubmitReport(testReport); !errors.Is(err, ErrTooManyDrafts) {
		t.Fatalf("over the cap: %v", err)
	}
}

// Two supervisors approving the same draft at once make one case.
func TestReports_ConcurrentApproval(t *testing.T) {
	h := newHarness(t)
	id, _ := h.svc.SubmitReport(testReport)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var refs []string
	for _, sup := range []string{"sara", "siv", "sam", "sol"} {
		wg.Go(func() {
			if ref, err := h.svc.Approve(id, sup); err == nil {
				mu.Lock()
				refs = append(refs, ref)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if list, _ := h.svc.List(); len(refs) != 1 || len(list) != 1 {
		t.Fatalf("approved %d times, %d cases", len(refs), len(list))
	}
}

// A draft whose approval fails (no intake key) stays pending.
func TestReports_FailedApprovalKeepsTheDraft(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.Recipients = nil })
	id, _ := h.svc.SubmitReport(testReport)
	if _, err := h.svc.Approve(id, "sara"); !errors.Is(err, ErrNoRecipients) {
		t.Fatalf("Approve without keys: %v", err)
	}
	if p := h.svc.Pending(); len(p) != 1 || p[0].ID != id {
		t.Fatal("the draft was lost")
	}
}

func TestReport_DoesNotPrintItsText(t *testing.T) {
	for _, s := range []string{testReport.String(), testReport.GoString(), testDetails.String(), testDetails.GoString()} {
		if strings.Contains(s, "Olle") || strings.Contains(s, "Kim") {
			t.Fatalf("%q", s)
		}
	}
}
