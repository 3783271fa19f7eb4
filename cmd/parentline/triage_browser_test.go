package main

import (
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	bt "parentline/internal/browsertest"
)

// TestBrowser_TriageAndNotes: a supervisor sees an urgent chat at the head of
// the queue with its reason, lowers its priority, takes a chat and sees the
// parent's first line, and writes an internal note that the parent never sees.
func TestBrowser_TriageAndNotes(t *testing.T) {
	browser := bt.Start(t)
	data := t.TempDir()
	addUser(t, data, "sara", "Sara", "counselor,supervisor", staffPassword)
	ts := startServer(t, data)

	console := browser.Tab(t)
	consoleLogin(console, ts.base, "sara")

	// Parent A: an ordinary first line.
	parentA := browser.Tab(t)
	openWidget(parentA, ts.base)
	parentA.Do("parent A writes a first line", chromedp.SendKeys(chromedp.ID("pl-first"), "Vi bråkar om skärmtiden hemma"))
	startWidgetChat(parentA, "young")
	parentA.WaitFor("parent A is first in the queue", bt.TextContains("#pl-queue", "1"))
	console.WaitFor("parent A in the console queue", "document.querySelectorAll('#queue li').length === 1")
	chatA := bt.Eval[string](console, "document.querySelector('#queue li').dataset.chat")

	// Parent B: a first line that speaks of violence at home.
	const urgentLine = "Min man slår mig"
	parentB := browser.Tab(t)
	openWidget(parentB, ts.base)
	parentB.WaitFor("the status block", "document.getElementById('pl-status').textContent.trim() !== ''")
	parentB.WaitFor("the first-line field", bt.Visible("#pl-first")+" && "+bt.TextContains("#pl-first-count", "300"))
	parentB.Do("parent B writes a first line", chromedp.SendKeys(chromedp.ID("pl-first"), urgentLine))
	parentB.WaitFor("the counter follows", bt.TextContains("#pl-first-count", strconv.Itoa(len([]rune(urgentLine)))))
	parentB.Axe("widget intro with first line")
	parentB.Screenshot("triage-widget-intro-first-line")
	startWidgetChat(parentB, "teen")
	if v := bt.Eval[string](parentB, "document.getElementById('pl-first').value"); v != "" {
		t.Fatalf("the first-line field still holds %q after joining the queue", v)
	}

	console.WaitFor("B urgent at the head of the queue",
		"document.querySelectorAll('#queue li').length === 2 && "+
			"document.querySelector('#queue li').dataset.chat !== "+strconv.Quote(chatA)+" && "+
			"document.querySelector('#queue li').classList.contains('is-urgent')")
	chatB := bt.Eval[string](console, "document.querySelector('#queue li').dataset.chat")
	first := "#queue li:first-child"
	console.WaitFor("the Akut badge and its reason", bt.Visible(first+" .q-urgent")+" && "+bt.TextContains(first+" .q-urgent", "Akut")+
		" && "+bt.Visible(first+" .q-reason")+" && document.querySelector('"+first+" .q-reason').textContent.trim() !== ''")
	if bt.Eval[bool](console, "!document.querySelector('#queue li:last-child .q-urgent').hidden") {
		t.Fatal("parent A's ordinary chat is marked urgent")
	}
	t.Logf("urgent reason shown: %q", bt.Eval[string](console, "document.querySelector('"+first+" .q-reason').textContent"))
	console.Axe("console queue with an urgent chat")
	console.Screenshot("triage-console-queue-urgent")

	// The supervisor lowers B's priority: A is first again.
	bSel := `#queue li[data-chat=` + strconv.Quote(chatB) + `]`
	console.WaitFor("the priority button", bt.TextContains(bSel+" .priority-toggle", "Ta bort prioritet"))
	console.Do("lower B's priority", chromedp.Click(chromedp.CSS(bSel+" .priority-toggle")))
	console.WaitFor("A first, B no longer urgent",
		"document.querySelector('#queue li').dataset.chat === "+strconv.Quote(chatA)+" && "+
			"!document.querySelector("+strconv.Quote(bSel)+").classList.contains('is-urgent') && "+
			bt.TextContains(bSel+" .priority-toggle", "Prioritera"))
	console.Screenshot("triage-console-queue-lowered")

	// The supervisor takes B's chat and sees the first line at the top.
	console.Do("take B's chat", chromedp.Click(chromedp.CSS(bSel+" .q-take")), chromedp.WaitVisible(chromedp.ID("reply")))
	console.WaitFor("the first line", bt.Visible("#first-line")+" && "+bt.TextContains("#first-line", "Förälderns första rad")+
		" && "+bt.TextContains("#first-line", urgentLine))
	parentB.WaitFor("parent B is chatting", bt.TextContains("#pl-with", "Sara"))

	const noteText = "Intern anteckning: följ upp säkerheten hemma"
	console.Do("add a note",
		chromedp.SendKeys(chromedp.ID("note-text"), noteText),
		chromedp.Click(chromedp.ID("note-add")),
	)
	console.WaitFor("the note in #notes", bt.TextContains("#notes", noteText)+" && document.getElementById('note-text').value === ''")
	if bt.Eval[bool](console, bt.TextContains("#transcript", noteText)) {
		t.Fatal("the note is mixed into the transcript")
	}
	console.Axe("console chat with notes")
	console.Screenshot("triage-console-chat-notes")

	// The parent's widget never shows the note, even after a message has gone both ways.
	parentB.Do("parent B writes", chromedp.SendKeys(chromedp.ID("pl-input"), "Hej"), chromedp.Click(chromedp.ID("pl-send")))
	console.WaitFor("the parent's message", bt.TextContains("#transcript", "Hej"))
	console.Do("counsellor answers", chromedp.SendKeys(chromedp.ID("reply"), "Hej, jag heter Sara."), chromedp.Click(chromedp.ID("send")))
	parentB.WaitFor("the answer", bt.TextContains("#pl-log", "Hej, jag heter Sara."))
	if bt.Eval[bool](parentB, "document.documentElement.outerHTML.includes("+strconv.Quote(noteText)+")") {
		t.Fatal("the parent's widget shows the internal note")
	}
	parentB.Axe("widget chatting after a note")
	parentB.Screenshot("triage-widget-chatting")
}
