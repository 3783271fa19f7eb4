package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	bt "parentline/internal/browsertest"
)

// TestBrowser_SupervisionFollowHintTakeOver: a supervisor follows a
// counsellor's chat from the overview and reads it live, sends the
// counsellor a private hint, and takes the chat over. The counsellor sees who
// follows and the hint; the parent sees nothing of it until the take-over,
// and then only a new counsellor's name.
func TestBrowser_SupervisionFollowHintTakeOver(t *testing.T) {
	browser := bt.Start(t)
	data := t.TempDir()
	addUser(t, data, "anna", "Anna", "counselor", staffPassword)
	addUser(t, data, "sara", "Sara", "supervisor", staffPassword)
	ts := startServer(t, data)

	anna := browser.Tab(t)
	consoleLogin(anna, ts.base, "anna")
	sara := browser.Tab(t)
	consoleLogin(sara, ts.base, "sara")
	sara.WaitFor("the supervisor's overview and follow section", bt.Visible("#overview")+" && "+bt.Visible("#following")+
		" && "+bt.TextContains("#following", "Du följer ingen chatt"))

	parent := browser.Tab(t)
	openWidget(parent, ts.base)
	startWidgetChat(parent, "teen")
	anna.WaitFor("the waiting parent", "document.querySelectorAll('#queue li').length === 1")
	anna.Do("take the chat", chromedp.Click(chromedp.ID("take-next")), chromedp.WaitVisible(chromedp.ID("reply")))
	chat := bt.Eval[string](anna, "document.querySelector('#my-chats li[data-chat]').dataset.chat")
	parent.WaitFor("Anna in the widget", bt.TextContains("#pl-with", "Anna"))

	const (
		parentLine1 = "Vår son sover hela dagarna"
		annaLine1   = "Hur länge har det varit så?"
		parentLine2 = "Sedan jullovet ungefär"
		annaLine2   = "Det låter jobbigt för er alla."
		hintText    = "Fråga om han har kompisar han träffar"
		saraLine    = "Hej, jag heter Sara och tar över samtalet."
	)
	parent.Do("parent writes", chromedp.SendKeys(chromedp.ID("pl-input"), parentLine1), chromedp.Click(chromedp.ID("pl-send")))
	anna.WaitFor("the parent's message", bt.TextContains("#transcript", parentLine1))
	anna.Do("Anna answers", chromedp.SendKeys(chromedp.ID("reply"), annaLine1), chromedp.Click(chromedp.ID("send")))
	parent.WaitFor("Anna's answer", bt.TextContains("#pl-log", annaLine1))

	// Sara follows the chat from the overview; the transcript so far is there.
	followBtn := `#overview-chats button.ov-follow[data-chat=` + strconv.Quote(chat) + `]`
	sara.WaitFor("the Follow button", bt.Visible(followBtn)+" && "+bt.TextContains(followBtn, "Följ"))
	sara.Do("follow", chromedp.Click(chromedp.CSS(followBtn)))
	item := `#follow-list li[data-chat=` + strconv.Quote(chat) + `]`
	sara.WaitFor("the followed chat with its history", bt.Visible(item)+" && "+bt.TextContains(item+" .follow-transcript", parentLine1)+
		" && "+bt.TextContains(item+" .follow-transcript", annaLine1)+" && "+bt.TextContains(item+" .follow-heading", "Anna"))
	sara.WaitFor("focus on the followed chat", "document.activeElement.classList.contains('follow-heading')")
	if !bt.Eval[bool](sara, bt.TextContains(item, "Föräldern kan inte se dig")) {
		t.Fatal("the follow view does not say that the parent cannot see the supervisor")
	}
	sara.WaitFor("the overview shows who follows", bt.TextContains(`#overview-chats tr[data-chat=`+strconv.Quote(chat)+`] .ov-followers`, "Sara")+
		" && "+bt.TextContains(followBtn, "Visa"))
	anna.WaitFor("Anna sees that Sara follows", bt.Visible("#chat-followers")+" && "+bt.TextContains("#chat-followers", "Sara följer chatten"))

	// Live, both ways.
	parent.Do("parent writes again", chromedp.SendKeys(chromedp.ID("pl-input"), parentLine2), chromedp.Click(chromedp.ID("pl-send")))
	sara.WaitFor("the parent's new line, live", bt.TextContains(item+" .follow-transcript", parentLine2))
	anna.WaitFor("the parent's new line at Anna's", bt.TextContains("#transcript", parentLine2))
	anna.Do("Anna answers again", chromedp.SendKeys(chromedp.ID("reply"), annaLine2), chromedp.Click(chromedp.ID("send")))
	sara.WaitFor("Anna's new line, live", bt.TextContains(item+" .follow-transcript", annaLine2))
	if !bt.Eval[bool](sara, "document.querySelector("+strconv.Quote(item+" .follow-transcript")+").getAttribute('aria-live') === 'polite'") {
		t.Fatal("the followed transcript is not a polite live region")
	}

	// A private hint: Anna sees it in her notes, set apart; the parent never does.
	sara.Do("write a hint", chromedp.SendKeys(chromedp.CSS(item+" .hint-text"), hintText), chromedp.Click(chromedp.CSS(item+" .hint-send")))
	sara.WaitFor("the hint among the follow view's notes, the box emptied", bt.TextContains(item+" .notes-list", hintText)+
		" && document.querySelector("+strconv.Quote(item+" .hint-text")+").value === ''")
	anna.WaitFor("the hint at Anna's", bt.TextContains("#notes-list .note-hint", "Tips från Sara")+" && "+bt.TextContains("#notes-list .note-hint", hintText))
	if bt.Eval[bool](anna, bt.TextContains("#transcript", hintText)) {
		t.Fatal("the hint is mixed into the transcript")
	}
	// The widget's consent form (built in advance, hidden) gives "Sara, 7 år" as an
	// example of a child's name; apart from that, Sara's name must not be there.
	noLeak := func(when string) {
		t.Helper()
		if html := bt.Eval[string](parent, "document.documentElement.outerHTML"); strings.Contains(html, hintText) {
			t.Fatalf("%s: the parent's widget contains the hint", when)
		}
		html := bt.Eval[string](parent, "(() => { const c = document.documentElement.cloneNode(true); c.querySelector('#pl-consent')?.remove(); return c.outerHTML; })()")
		if strings.Contains(html, "Sara") {
			t.Fatalf("%s: the parent's widget names the supervisor", when)
		}
	}
	noLeak("after the hint")

	sara.Axe("supervisor console following a chat")
	sara.Screenshot("supervisor-following")
	anna.Axe("counsellor console with a hint and a follower")
	anna.Screenshot("counsellor-hint")

	// In English the follow view keeps its transcript and hint, and still says the parent cannot see.
	sara.Do("English", chromedp.Click(chromedp.ID("lang")))
	sara.WaitFor("the follow view in English", bt.TextContains("#following h2", "Chats you follow")+" && "+
		bt.TextContains(item, "The parent cannot see you")+" && "+bt.TextContains(item+" .hint-send", "Send hint to the counsellor")+
		" && "+bt.TextContains(item+" .follow-transcript", annaLine2)+" && "+bt.TextContains(item+" .notes-list", "Hint from Sara"))
	sara.Do("Swedish again", chromedp.Click(chromedp.ID("lang")))
	sara.WaitFor("the follow view in Swedish", bt.TextContains("#following h2", "Chattar du följer")+" && "+bt.TextContains(item+" .notes-list", "Tips från Sara"))

	// On a phone the follow view fits and nothing scrolls sideways.
	sara.Viewport(390, 844, true)
	checkConsoleLayout(t, sara, "phone, following", item+" .hint-send")
	checkConsoleLayout(t, sara, "phone, following", item+" .take-over")
	sara.Screenshot("supervisor-following-phone")
	sara.Viewport(1280, 900, false)

	// Take-over, with a confirm step.
	sara.Do("ask to take over", chromedp.Click(chromedp.CSS(item+" .take-over")))
	sara.WaitFor("the confirm step", bt.Visible(item+" .take-over-box")+" && "+bt.TextContains(item+" .take-over-box", "ny rådgivare, Sara")+
		" && document.querySelector("+strconv.Quote(item+" .take-over")+").getAttribute('aria-expanded') === 'true'"+
		" && document.activeElement.classList.contains('confirm-text')")
	sara.Axe("supervisor console, take-over confirm step")
	noLeak("before the take-over")
	// With the keyboard: Escape steps back to the button, Enter opens the step again, Tab and Enter confirm.
	sara.Keys(kb.Escape)
	sara.WaitFor("the confirm step closed, focus back", "document.querySelector("+strconv.Quote(item+" .take-over-box")+").hidden"+
		" && document.activeElement.classList.contains('take-over')")
	sara.Keys(kb.Enter)
	sara.WaitFor("the confirm step again", bt.Visible(item+" .take-over-box")+" && document.activeElement.classList.contains('confirm-text')")
	sara.Keys(kb.Tab)
	sara.WaitFor("focus on the confirm button", "document.activeElement.classList.contains('take-over-confirm')")
	sara.Keys(kb.Enter)

	sara.WaitFor("the chat is Sara's now", "document.querySelector('#my-chats li[data-chat="+strconv.Quote(chat)+"]') !== null"+
		" && document.querySelectorAll('#follow-list li').length === 0 && document.activeElement.id === 'reply'")
	sara.WaitFor("the whole history and the hint came along", bt.TextContains("#transcript", parentLine1)+" && "+bt.TextContains("#transcript", annaLine2)+
		" && "+bt.TextContains("#notes-list .note-hint", hintText)+" && "+bt.TextContains("#chat-meta", "Anna"))
	parent.WaitFor("the parent sees Sara", bt.TextContains("#pl-with", "Sara"))
	anna.WaitFor("Anna's chat is gone and she is told", "document.querySelectorAll('#my-chats li[data-chat]').length === 0"+
		" && "+bt.TextContains("#case-notices", "arbetsledare har tagit över"))
	sara.Do("Sara answers", chromedp.SendKeys(chromedp.ID("reply"), saraLine), chromedp.Click(chromedp.ID("send")))
	parent.WaitFor("Sara's answer", bt.TextContains("#pl-log", saraLine))
	if html := bt.Eval[string](parent, "document.documentElement.outerHTML"); strings.Contains(html, hintText) {
		t.Fatal("the parent's widget shows the hint after the take-over")
	}
	sara.Axe("supervisor console after the take-over")
	sara.Screenshot("supervisor-took-over")
	anna.Axe("counsellor console after the take-over")
	anna.Screenshot("counsellor-taken-over")
	parent.Screenshot("widget-after-take-over")
}

// TestBrowser_WellbeingBreakDebriefAndCap: a counsellor closes a heavy chat
// and is offered a break; she goes to debrief from the banner, which stops
// her taking chats, and a supervisor is told. Turning debrief off lets her
// take chats again until the day's cap.
func TestBrowser_WellbeingBreakDebriefAndCap(t *testing.T) {
	browser := bt.Start(t)
	data := t.TempDir()
	addUser(t, data, "anna", "Anna", "counselor", staffPassword)
	addUser(t, data, "sara", "Sara", "supervisor", staffPassword)
	ts := startServer(t, data, "--break-notify-supervisor", "--daily-cap", "3")

	anna := browser.Tab(t)
	consoleLogin(anna, ts.base, "anna")
	sara := browser.Tab(t)
	consoleLogin(sara, ts.base, "sara")
	anna.WaitFor("the day's count", bt.Visible("#today")+" && "+bt.TextContains("#today", "Chattar i dag: 0 av 3"))

	// Parents over plain sockets: the console is what is tested here.
	hello := func() *wsClient {
		p := dialWS(t, ts.base, "/ws/parent", nil, nil)
		p.send(map[string]any{"type": "hello", "audience": "young", "lang": "sv"})
		p.next("welcome")
		return p
	}
	pA := hello()
	anna.WaitFor("A in the queue", "document.querySelectorAll('#queue li').length === 1")
	anna.Do("take A", chromedp.Click(chromedp.ID("take-next")))
	anna.WaitFor("A taken", "document.querySelectorAll('#my-chats li[data-chat]').length === 1")
	pA.next("joined")
	chatA := bt.Eval[string](anna, "document.querySelector('#my-chats li[data-chat]').dataset.chat")
	pB := hello()
	anna.WaitFor("B in the queue", "document.querySelectorAll('#queue li').length === 1 && !document.getElementById('take-next').disabled")
	anna.Do("take B", chromedp.Click(chromedp.ID("take-next")))
	anna.WaitFor("B taken", "document.querySelectorAll('#my-chats li[data-chat]').length === 2 && "+bt.TextContains("#today", "2 av 3"))
	pB.next("joined")
	chatB := bt.Eval[string](anna, "[...document.querySelectorAll('#my-chats li[data-chat]')].map(li => li.dataset.chat).find(id => id !== "+strconv.Quote(chatA)+")")
	hello() // C waits in the queue
	anna.WaitFor("C waiting, take-next enabled", "document.querySelectorAll('#queue li').length === 1 && !document.getElementById('take-next').disabled")

	// Sara follows B and sends a hint, so Anna's console shows a hint beside the break banner.
	followB := `#overview-chats button.ov-follow[data-chat=` + strconv.Quote(chatB) + `]`
	sara.WaitFor("the Follow button for B", bt.Visible(followB))
	sara.Do("follow B", chromedp.Click(chromedp.CSS(followB)))
	itemB := `#follow-list li[data-chat=` + strconv.Quote(chatB) + `]`
	sara.WaitFor("B followed", bt.Visible(itemB+" .hint-text"))
	sara.Do("a hint on B", chromedp.SendKeys(chromedp.CSS(itemB+" .hint-text"), "Bra jobbat hittills"), chromedp.Click(chromedp.CSS(itemB+" .hint-send")))

	// Close A with the heavy box ticked.
	anna.Do("choose A", chromedp.Click(chromedp.CSS(`#my-chats button[data-chat=`+strconv.Quote(chatA)+`]`)))
	anna.WaitFor("A selected", "document.querySelector('#my-chats button[data-chat="+strconv.Quote(chatA)+"]').getAttribute('aria-current') === 'true'")
	anna.Do("open the close form", chromedp.Click(chromedp.ID("close-chat")), chromedp.WaitVisible(chromedp.ID("close-heavy")))
	if bt.Eval[bool](anna, "document.getElementById('close-heavy').checked") {
		t.Fatal("the heavy box is ticked from the start")
	}
	anna.WaitFor("the topics", "document.querySelector('#close-form input[name=\"topic\"][value=\"school\"]') !== null")
	anna.Do("close A as heavy",
		chromedp.Click(chromedp.CSS(`#close-form input[name="topic"][value="school"]`)),
		chromedp.Click(chromedp.CSS(`label[for="close-heavy"]`)),
		chromedp.Click(chromedp.ID("close-confirm")),
	)
	anna.WaitFor("the break banner", bt.Visible("#break-banner")+" && "+bt.TextContains("#break-text", "tungt samtal")+
		" && "+bt.Visible("#break-debrief"))
	anna.WaitFor("B shown with its hint", "document.querySelectorAll('#my-chats li[data-chat]').length === 1"+
		" && "+bt.TextContains("#notes-list .note-hint", "Bra jobbat hittills"))
	if bt.Eval[bool](anna, "document.getElementById('break-banner').contains(document.activeElement)") {
		t.Fatal("the break banner took the focus; it must not interrupt")
	}
	sara.WaitFor("Sara is told", bt.TextContains("#case-notices", "Anna kan behöva en paus efter ett tungt samtal"))
	anna.Axe("counsellor console with a break banner and a hint")
	anna.Screenshot("counsellor-break-banner")
	sara.Axe("supervisor console with a wellbeing notice")
	sara.Screenshot("supervisor-wellbeing-notice")

	// Debrief from the banner: no chats taken, the header says so.
	anna.Do("go to debrief", chromedp.Click(chromedp.ID("break-debrief")))
	anna.WaitFor("in debrief", "document.getElementById('break-banner').hidden && document.getElementById('debrief').checked"+
		" && "+bt.Visible("#debrief-state")+" && "+bt.TextContains("#debrief-state", "I avlastning – tar inte emot chattar")+
		" && document.getElementById('take-next').disabled && "+bt.Visible("#take-note")+
		" && document.querySelector('#queue .q-take').disabled && document.activeElement.id === 'debrief'")
	sara.WaitFor("the overview marks Anna in debrief", bt.TextContains("#overview-counselors", "I avlastning"))
	anna.Axe("counsellor console in debrief")
	anna.Screenshot("counsellor-debrief")

	// Debrief off with the header switch; C can be taken, which reaches the cap.
	anna.Do("debrief off", chromedp.Click(chromedp.CSS(`label[for="debrief"]`)))
	anna.WaitFor("taking chats again", "!document.getElementById('debrief').checked && document.getElementById('debrief-state').hidden"+
		" && !document.getElementById('take-next').disabled && document.getElementById('take-note').hidden")
	anna.Do("take C", chromedp.Click(chromedp.ID("take-next")))
	anna.WaitFor("at the day's cap", "document.querySelectorAll('#my-chats li[data-chat]').length === 2 && "+bt.TextContains("#today", "3 av 3"))
	hello() // D waits, but Anna may take no more today
	anna.WaitFor("D waiting, take-next disabled by the cap", "document.querySelectorAll('#queue li').length === 1"+
		" && document.getElementById('take-next').disabled && "+bt.TextContains("#take-note", "3 chattar i dag"))
	anna.Screenshot("counsellor-daily-cap")
}

// checkConsoleLayout asserts that the console does not scroll sideways and
// that the element sel is fully visible once scrolled into view.
func checkConsoleLayout(t *testing.T, tab *bt.Tab, state, sel string) {
	t.Helper()
	var got struct {
		ScrollWidth, InnerWidth, InnerHeight float64
		Left, Top, Right, Bottom             float64
	}
	raw := bt.Eval[string](tab, `JSON.stringify((() => {
		const e = document.querySelector(`+strconv.Quote(sel)+`);
		e.scrollIntoView({block: 'nearest'});
		const r = e.getBoundingClientRect();
		return {ScrollWidth: document.documentElement.scrollWidth, InnerWidth: innerWidth, InnerHeight: innerHeight,
			Left: r.left, Top: r.top, Right: r.right, Bottom: r.bottom};
	})())`)
	if err := json.Unmarshal([]byte(raw), &got); err != nil {
		t.Fatal(err)
	}
	const slack = 1
	if got.ScrollWidth > got.InnerWidth+slack {
		t.Errorf("%s: the console scrolls sideways (%v wide in a %v viewport)", state, got.ScrollWidth, got.InnerWidth)
	}
	if got.Left < -slack || got.Top < -slack || got.Right > got.InnerWidth+slack || got.Bottom > got.InnerHeight+slack || got.Right <= got.Left {
		t.Errorf("%s: %s at %+v is not fully visible in the %vx%v viewport", state, sel, got, got.InnerWidth, got.InnerHeight)
	}
}
