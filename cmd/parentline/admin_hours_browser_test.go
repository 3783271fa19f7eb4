package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	bt "parentline/internal/browsertest"
)

// The opening hours on /admin/ (package chat/schedule's GET/PUT /api/hours) and the
// closed days in the widget (/api/status "closed_days"), in the browser against the
// real server. The helpers ad*, bk* and ir* are the other browser tests'.

// ohSetting is what GET /api/hours answers.
type ohSetting struct {
	Always bool `json:"always"`
	Weekly []struct {
		Days []int  `json:"days"`
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"weekly"`
	Closed []struct {
		Date string `json:"date"`
		Note string `json:"note"`
	} `json:"closed"`
	Source    string `json:"source"`
	UpdatedAt string `json:"updated_at"`
	UpdatedBy string `json:"updated_by"`
}

// ohGet is GET /api/hours from the logged-in tab.
func ohGet(t *testing.T, tab *bt.Tab) ohSetting {
	t.Helper()
	return bt.Eval[ohSetting](tab, "fetch('/api/hours', {cache: 'no-store'}).then(r => r.ok ? r.json() : Promise.reject(new Error('GET /api/hours: ' + r.status)))")
}

// ohByDay is a setting's weekly hours by weekday: day → ["09:00-16:00", …], sorted.
func ohByDay(s ohSetting) map[int][]string {
	out := map[int][]string{}
	for _, sp := range s.Weekly {
		for _, d := range sp.Days {
			out[d] = append(out[d], sp.From+"-"+sp.To)
		}
	}
	for d := range out {
		slices.Sort(out[d])
	}
	return out
}

// ohWeek is the week the test expects, as ohByDay gives it, for comparing.
func ohWeek(m map[int][]string) string {
	var b strings.Builder
	for d := 1; d <= 7; d++ {
		fmt.Fprintf(&b, "%d:%s ", d, strings.Join(m[d], ","))
	}
	return b.String()
}

// ohFocused is a predicate: the element with this id has the focus.
func ohFocused(id string) string {
	return "document.activeElement?.id === " + strconv.Quote(id)
}

// ohClosedDays is a JavaScript expression: the widget's closed-day lines, joined by "|".
const ohClosedDays = "[...document.querySelectorAll('#pl-status .pl-closures li')].map(l => l.textContent).join('|')"

var (
	ohMonthsSv = []string{"januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"}
	ohMonthsEn = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
)

// TestBrowser_AdminOpeningHours: the server starts with --hours "mon-fri 09:00-16:00";
// a supervisor sees that on /admin/ (beside the canned answers), makes Friday
// 09:00-12:00 and, with the keyboard, adds today as a closed day "personaldag", saves
// and is told so; the setting is stored (GET /api/hours) and survives a reload. An
// end before the start is refused by its field, with the focus there, and nothing is
// saved; a closed day more than two years ahead is refused by the server, its message
// by the date. The parent's widget then says the chat is closed, with "personaldag"
// under the opening hours, in Swedish and English; an admin finds the change in the
// audit trail. On a phone nothing scrolls sideways. Every state passes axe.
func TestBrowser_AdminOpeningHours(t *testing.T) {
	browser := bt.Start(t)
	data := t.TempDir()
	addUser(t, data, "sune", "Sune Arbetsledare", "supervisor", staffPassword)
	addUser(t, data, "ada", "Ada Admin", "admin", staffPassword)
	ts := startServer(t, data, "--hours", "mon-fri 09:00-16:00")
	stockholm, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(stockholm)
	today := now.Format("2006-01-02")

	// ---- the hours from the flag ----
	sune := browser.Tab(t)
	adLogin(sune, ts.base, "", "sune", staffPassword)
	week := bt.Visible("#hours-form") + " && " + bt.Visible("#canned-section") + " && " + bt.Visible("#nav-hours") +
		" && " + bt.Visible("#admin-nav") + " && !" + bt.Visible("#accounts-section") + " && !" + bt.Visible("#audit-section") +
		" && " + bt.TextContains("#hours-source", "Från serverns start-inställning (--hours)") +
		" && !document.getElementById('hours-always').checked && " + bt.Visible("#hours-closed-empty") +
		" && " + bt.TextContains("#hours-day-6", "Stängt") + " && " + bt.Visible("#hours-day-6-closed") + " && " + bt.Visible("#hours-day-7-closed")
	for d := 1; d <= 5; d++ {
		n := strconv.Itoa(d)
		week += " && " + irValue("hours-d"+n+"-t0-from", "09:00") + " && " + irValue("hours-d"+n+"-t0-to", "16:00") +
			" && !document.getElementById('hours-d" + n + "-t1-from')"
	}
	sune.WaitFor("the hours section with the --hours setting", week)
	if got := ohGet(t, sune); got.Source != "flag" || got.Always || len(got.Closed) != 0 {
		t.Fatalf("GET /api/hours before any change: %+v", got)
	}
	sune.Axe("opening hours from the flag")
	sune.Screenshot("admin-hours-flag")

	// ---- Friday until 12:00, today closed; the closed day added with the keyboard ----
	sune.Do("Friday until 12:00", chromedp.SetValue(chromedp.ID("hours-d5-t0-to"), "12:00"))
	sune.Do("focus the closed days' add button", chromedp.Focus(chromedp.ID("hours-closed-add")))
	sune.Keys(kb.Enter)
	sune.WaitFor("a closed day's fields, the focus on its date", ohFocused("hours-closed-0-date")+" && "+bt.Visible("#hours-closed-0-note")+
		" && !"+bt.Visible("#hours-closed-empty"))
	sune.Do("today, personaldag",
		chromedp.SetValue(chromedp.ID("hours-closed-0-date"), today),
		chromedp.SendKeys(chromedp.ID("hours-closed-0-note"), "personaldag"),
	)
	sune.Axe("opening hours being changed")
	sune.Do("save", chromedp.Click(chromedp.ID("hours-save")))
	sune.WaitFor("saved, and said so", bt.TextContains("#hours-status", "Öppettiderna är sparade.")+
		" && "+bt.TextContains("#hours-source", "Senast ändrad av sune")+" && !"+bt.Visible("#hours-summary")+
		" && !document.querySelector('#hours-form [aria-invalid]') && "+irValue("hours-d5-t0-to", "12:00")+
		" && "+irValue("hours-closed-0-date", today)+" && "+irValue("hours-closed-0-note", "personaldag"))
	sune.Axe("opening hours saved")
	sune.Screenshot("admin-hours-saved")
	saved := ohGet(t, sune)
	want := map[int][]string{1: {"09:00-16:00"}, 2: {"09:00-16:00"}, 3: {"09:00-16:00"}, 4: {"09:00-16:00"}, 5: {"09:00-12:00"}}
	if got := ohByDay(saved); ohWeek(got) != ohWeek(want) {
		t.Fatalf("saved week %s, want %s", ohWeek(got), ohWeek(want))
	}
	if saved.Source != "saved" || saved.UpdatedBy != "sune" || saved.UpdatedAt == "" || saved.Always ||
		len(saved.Closed) != 1 || saved.Closed[0].Date != today || saved.Closed[0].Note != "personaldag" {
		t.Fatalf("saved setting: %+v", saved)
	}

	// The page shows what was stored after a reload.
	sune.Do("reload", chromedp.Reload())
	sune.WaitPath("/admin/")
	sune.WaitFor("the saved hours", bt.TextContains("#hours-source", "Senast ändrad av sune")+" && "+irValue("hours-d5-t0-to", "12:00")+
		" && "+irValue("hours-d4-t0-to", "16:00")+" && "+irValue("hours-closed-0-date", today)+" && "+irValue("hours-closed-0-note", "personaldag"))

	// ---- an end before the start: refused by its field, nothing saved ----
	sune.Do("Monday 12:00-09:00",
		chromedp.SetValue(chromedp.ID("hours-d1-t0-from"), "12:00"),
		chromedp.SetValue(chromedp.ID("hours-d1-t0-to"), "09:00"),
		chromedp.Click(chromedp.ID("hours-save")),
	)
	sune.WaitFor("the message by the end time, the focus there", bt.TextContains("#hours-d1-t0-to-error", "Sluttiden måste vara efter starttiden")+
		" && "+adInvalid("hours-d1-t0-to")+" && "+ohFocused("hours-d1-t0-to")+" && "+bt.Visible("#hours-summary")+
		" && document.getElementById('hours-status').textContent === ''"+
		" && document.getElementById('hours-d1-t0-to').getAttribute('aria-describedby').split(' ').includes('hours-d1-t0-to-error')")
	sune.Axe("opening hours: end before start")
	sune.Screenshot("admin-hours-bad-interval")
	if got := ohGet(t, sune); got.UpdatedAt != saved.UpdatedAt || ohWeek(ohByDay(got)) != ohWeek(want) {
		t.Fatalf("a refused interval changed the setting: %+v", got)
	}

	// ---- a closed day three years ahead: the server's message by the date ----
	far := now.AddDate(3, 0, 0).Format("2006-01-02")
	sune.Do("Monday back to 09:00-16:00, and a closed day far ahead",
		chromedp.SetValue(chromedp.ID("hours-d1-t0-from"), "09:00"),
		chromedp.SetValue(chromedp.ID("hours-d1-t0-to"), "16:00"),
		chromedp.Click(chromedp.ID("hours-closed-add")),
	)
	sune.WaitFor("the second closed day", ohFocused("hours-closed-1-date"))
	sune.Do("save it", chromedp.SetValue(chromedp.ID("hours-closed-1-date"), far), chromedp.Click(chromedp.ID("hours-save")))
	sune.WaitFor("refused by the server, by the date", adInvalid("hours-closed-1-date")+" && document.getElementById('hours-closed-1-date-error').textContent !== ''"+
		" && "+ohFocused("hours-closed-1-date")+" && !("+adInvalid("hours-d1-t0-to")+") && !("+adInvalid("hours-closed-0-date")+")"+
		" && document.getElementById('hours-status').textContent === ''")
	sune.Axe("opening hours: refused by the server")
	if got := ohGet(t, sune); got.UpdatedAt != saved.UpdatedAt || len(got.Closed) != 1 {
		t.Fatalf("a refused closed day changed the setting: %+v", got)
	}
	sune.Do("remove it", chromedp.Click(chromedp.ID("hours-closed-1-remove")))
	sune.WaitFor("gone, the focus on the add button", "!document.getElementById('hours-closed-1-date') && "+ohFocused("hours-closed-add")+
		" && !"+bt.Visible("#hours-summary"))

	// In English the section follows.
	sune.Do("English", chromedp.Click(chromedp.ID("lang")))
	sune.WaitFor("the section in English", bt.TextContains("#hours-title", "Opening hours")+" && "+bt.TextContains("#hours-source", "Last changed by sune")+
		" && "+bt.TextContains("#hours-day-5", "Friday")+" && "+bt.TextContains("#hours-day-6", "Closed")+
		" && "+bt.TextContains("#hours-closed", "Closed days")+" && "+irValue("hours-d5-t0-to", "12:00")+" && "+irValue("hours-closed-0-note", "personaldag"))
	sune.Axe("opening hours in English")

	// ---- the parent's widget: closed today, personaldag under the hours ----
	res, err := http.Get(ts.base + "/api/status")
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Open       bool `json:"open"`
		ClosedDays []struct {
			Date string `json:"date"`
			Note string `json:"note"`
		} `json:"closed_days"`
	}
	err = json.NewDecoder(res.Body).Decode(&st)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if st.Open || len(st.ClosedDays) != 1 || st.ClosedDays[0].Date != today || st.ClosedDays[0].Note != "personaldag" {
		t.Fatalf("/api/status after closing today: %+v", st)
	}
	daySv := fmt.Sprintf("Stängt %d %s (personaldag)", now.Day(), ohMonthsSv[now.Month()-1])
	dayEn := fmt.Sprintf("Closed %d %s (personaldag)", now.Day(), ohMonthsEn[now.Month()-1])
	parent := browser.Tab(t)
	openWidget(parent, ts.base)
	parent.WaitFor("closed, with the closed day under the hours", bt.TextContains("#pl-status", "Chatten är stängd just nu.")+
		" && "+bt.TextContains("#pl-status", "Öppettider")+" && "+bt.TextContains("#pl-status", "fre 09:00–12:00")+
		" && "+ohClosedDays+" === "+strconv.Quote(daySv))
	if !bt.Eval[bool](parent, "document.getElementById('pl-start').disabled || document.getElementById('pl-start').hidden") {
		t.Fatal("a chat can be started on a closed day")
	}
	parent.Axe("widget on a closed day")
	parent.Screenshot("widget-closed-day")
	parent.Do("English", chromedp.Click(chromedp.ID("pl-lang")))
	parent.WaitFor("in English", bt.TextContains("#pl-status", "The chat is closed right now.")+" && "+ohClosedDays+" === "+strconv.Quote(dayEn))
	parent.Axe("widget on a closed day (English)")

	// ---- the audit trail has the change ----
	ada := browser.Tab(t)
	adLogin(ada, ts.base, "", "ada", staffPassword)
	ada.WaitFor("the admin's page with the hours", bt.Visible("#hours-form")+" && "+bt.Visible("#audit-section")+
		" && "+irValue("hours-d5-t0-to", "12:00")+" && "+bt.Visible("#audit-verified"))
	ada.Do("only hours changes", chromedp.SetValue(chromedp.ID("audit-action"), "hours_changed"), chromedp.Click(chromedp.ID("audit-show")))
	ada.WaitFor("sune's change, in words", `document.querySelectorAll('#audit-table tbody tr[data-action="hours_changed"]').length === 1`+
		" && "+bt.TextContains("#audit-table tbody tr", "Öppettider ändrade")+" && "+bt.TextContains("#audit-table tbody tr", "sune")+
		" && "+bt.TextContains("#audit-verified", "Granskningsloggen är hel"))
	ada.Axe("audit trail: hours changed")

	// ---- on a phone ----
	phone := browser.Tab(t)
	phone.Viewport(390, 844, true)
	adLogin(phone, ts.base, "", "sune", staffPassword)
	phone.WaitFor("the hours on the phone", bt.Visible("#hours-form")+" && "+irValue("hours-d5-t0-to", "12:00")+" && "+irValue("hours-closed-0-note", "personaldag"))
	bkNoSideScroll(t, phone, "phone, opening hours")
	phone.Axe("phone: opening hours")
	phone.Do("the hours section", chromedp.Click(chromedp.ID("nav-hours")))
	phone.WaitFor("the focus on the hours heading", bkFocusIn("#hours-title"))
	phone.Screenshot("admin-hours-phone")
	phone.Do("a Saturday time", chromedp.Click(chromedp.ID("hours-day-6-add")))
	phone.WaitFor("its fields, the focus on the first", ohFocused("hours-d6-t0-from")+" && "+bt.Visible("#hours-d6-t0-remove"))
	phone.Do("Saturday 12:00-09:00",
		chromedp.SetValue(chromedp.ID("hours-d6-t0-from"), "12:00"),
		chromedp.SetValue(chromedp.ID("hours-d6-t0-to"), "09:00"),
		chromedp.Click(chromedp.ID("hours-save")),
	)
	phone.WaitFor("the message by the field", bt.TextContains("#hours-d6-t0-to-error", "efter starttiden")+" && "+ohFocused("hours-d6-t0-to"))
	bkNoSideScroll(t, phone, "phone, opening hours with an error")
	phone.Axe("phone: opening hours with an error")
	phone.Screenshot("admin-hours-phone-error")
	if got := ohGet(t, phone); got.UpdatedAt != saved.UpdatedAt || len(ohByDay(got)[6]) != 0 {
		t.Fatalf("the phone's refused Saturday changed the setting: %+v", got)
	}
	widget := browser.Tab(t)
	widget.Viewport(390, 844, true)
	openWidget(widget, ts.base)
	widget.WaitFor("the closed day on the phone", ohClosedDays+" === "+strconv.Quote(daySv))
	bkNoSideScroll(t, widget, "phone, widget on a closed day")
	widget.Axe("phone: widget on a closed day")
}
