package chat

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"runtime/debug"
	"slices"
	"sync"
	"time"
	_ "time/tzdata" // Europe/Stockholm must work on machines without zoneinfo

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"golang.org/x/time/rate"

	"parentline/chat/hours"
	"parentline/chat/triage"
)

// Tallier stores the de-identified counters a chat leaves behind: on close,
// one increment per topic for (day, audience, topic), with done called once
// it is durable; and the flow of the queue (joined, answered after a wait,
// abandoned). None of them may block: the hub calls them under its lock.
type Tallier interface {
	Add(day, audience string, topics []string, done func(error))
	Queued(at time.Time, audience string)
	Answered(at time.Time, audience string, waited time.Duration)
	Abandoned(at time.Time, audience string)
}

// Auditor writes one entry to the audit trail (who, what, which chat; never
// content) and returns once it is durable. The hub calls it outside its lock.
type Auditor interface {
	Audit(actor, action, chat string) error
}

// TopicChecker says whether a topic id may be chosen when closing a chat.
type TopicChecker interface {
	Valid(id string) bool
}

// Staff is the identity of a logged-in counsellor as the chat sees it.
type Staff struct {
	Username   string
	Name       string // display name shown to parents
	Supervisor bool
}

// Contact is an alternative way to get help, shown when the chat is closed.
type Contact struct {
	Label map[string]string `json:"label"` // by language
	Value string            `json:"value"`
	Href  string            `json:"href,omitempty"`
}

// Options configure a Hub. Zero values get the defaults noted.
type Options struct {
	Log      zerolog.Logger
	Registry prometheus.Registerer // metrics go here; nil = a private registry
	Tally    Tallier
	Topics   TopicChecker
	Hours    hours.Hours
	// HoursNow, when set, gives the opening hours at each use instead of
	// Hours: the hours supervisors edit on /admin/ (package chat/schedule).
	HoursNow func() hours.Hours
	Contacts []Contact
	// Identify returns the logged-in staff member behind a counsellor
	// socket request; the server checks the role before the hub sees it.
	Identify func(r *http.Request) (Staff, bool)
	// Triage marks a waiting chat urgent from the parent's first line; nil
	// uses the built-in rules.
	Triage *triage.Rules
	// Escalator seals a parent's consented escalation as a case; nil
	// disables the consent path (consent_request is refused).
	Escalator Escalator
	// Auditor records a supervisor following or taking over a chat before
	// it happens; nil refuses both (store_failed).
	Auditor Auditor
	// Launcher is told to the widget in /api/status: "always" (default) or
	// "staffed" (no chat launcher while nobody is on duty).
	Launcher string
	// BreakAfter: a chat at least this long suggests a break when it ends;
	// default 40m. NotifySupervisor also tells the supervisors online.
	BreakAfter       time.Duration
	NotifySupervisor bool
	// DailyCap is the most chats a counsellor takes in a day; 0 = no cap.
	DailyCap int
	// OriginPatterns are the host patterns (see websocket.AcceptOptions)
	// allowed to open /ws/parent and read /api/status; empty = same origin.
	OriginPatterns []string

	MaxChats       int           // per counsellor; default 3
	ResumeGrace    time.Duration // how long a dropped socket keeps its place; default 2m
	ParentRate     rate.Limit    // messages per second; default 2
	ParentBurst    int           // default 10
	CounselorRate  rate.Limit    // default 10
	CounselorBurst int           // default 30
	PingInterval   time.Duration // default 20s; negative disables pings
	FlushDelay     time.Duration // coalescing of queue and console updates; default 100ms
	// ReleaseAfter: once the last socket has closed (the end of opening
	// hours, the end of a peak), wait this long and give the memory the
	// peak used back to the operating system; default 30s, negative never.
	ReleaseAfter time.Duration
	Now          func() time.Time
}

func (o *Options) setDefaults() {
	if o.MaxChats <= 0 {
		o.MaxChats = 3
	}
	if o.ResumeGrace <= 0 {
		o.ResumeGrace = 2 * time.Minute
	}
	if o.ParentRate <= 0 {
		o.ParentRate = 2
	}
	if o.ParentBurst <= 0 {
		o.ParentBurst = 10
	}
	if o.CounselorRate <= 0 {
		o.CounselorRate = 10
	}
	if o.CounselorBurst <= 0 {
		o.CounselorBurst = 30
	}
	if o.PingInterval == 0 {
		o.PingInterval = 20 * time.Second
	}
	if o.ReleaseAfter == 0 {
		o.ReleaseAfter = 30 * time.Second
	}
	if o.FlushDelay <= 0 {
		o.FlushDelay = 100 * time.Millisecond
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Launcher == "" {
		o.Launcher = "always"
	}
	if o.BreakAfter <= 0 {
		o.BreakAfter = 40 * time.Minute
	}
	if o.Triage == nil {
		o.Triage = triage.Default()
	}
}

type roomState int

const (
	waiting roomState = iota // in the queue
	active                   // a counsellor holds it and the parent is there
	wrapup                   // the parent left; the counsellor must close it with topics
)

func (s roomState) String() string {
	return [...]string{"waiting", "active", "wrapup"}[s]
}

// room is one chat, from joining the queue until a counsellor closes it.
type room struct {
	id        string
	pseudonym string
	audience  string
	lang      string
	state     roomState
	parent    *parent // nil once the parent has left
	counselor *counselor
	queuedAt  time.Time
	startedAt time.Time
	seq       uint64 // queue order
	prio      int    // higher first; a chat put back after its counsellor vanished goes first
	answered  bool   // a counsellor has taken it at least once
	first     string // the parent's first line, for the counsellor who takes it
	urgent    bool
	reason    map[string]string // why it is urgent, by language
	history   []line
	histBytes int
	consent   *pendingConsent // the open consent request, if any
	notes     []note          // staff-only notes and hints; never sent to the parent
	followers []*counselor    // supervisors silently following the chat
	concern   bool            // marked with a concern: a break is suggested when it ends
}

// note is an internal note (or a supervisor's hint) on a chat, seen by
// staff on it only.
type note struct {
	From string `json:"from"`
	Text string `json:"text"`
	Kind string `json:"kind,omitempty"` // "hint" for a supervisor's hint
}

const (
	maxHistoryLines = 500
	maxHistoryBytes = 256 << 10
)

func (r *room) remember(from, text string) {
	r.history = append(r.history, line{From: from, Text: text})
	r.histBytes += len(text)
	for len(r.history) > maxHistoryLines || r.histBytes > maxHistoryBytes {
		r.histBytes -= len(r.history[0].Text)
		r.history[0] = line{}
		r.history = r.history[1:]
	}
}

// startedFrame is the chat_started frame for the counsellor who holds r now.
func (r *room) startedFrame(transferredFrom string) []byte {
	return encode(chatStartedFrame{Type: "chat_started", Chat: r.id, Parent: r.pseudonym, Audience: r.audience,
		Lang: r.lang, TransferredFrom: transferredFrom, ParentGone: r.state == wrapup,
		First: r.first, Urgent: r.urgent, Reason: r.reason["sv"], ReasonEn: r.reason["en"]})
}

// forget drops the chat text: it must not outlive the chat.
func (r *room) forget() {
	clear(r.history)
	r.history = nil
	r.histBytes = 0
	r.consent = nil
	r.first = ""
	clear(r.notes)
	r.notes = nil
}

// toStaff sends a frame to everyone on the chat's staff side: the holder
// and every follower.
func (r *room) toStaff(frame []byte) {
	if co := r.counselor; co != nil && co.conn != nil {
		co.conn.push(frame)
	}
	r.toFollowers(frame)
}

func (r *room) toFollowers(frame []byte) {
	for _, s := range r.followers {
		if s.conn != nil {
			s.conn.push(frame)
		}
	}
}

// Queue priorities, highest first.
const (
	prioNormal   = 0
	prioReturned = 1 // put back after its counsellor vanished
	prioUrgent   = 2
)

// setUrgent marks a room urgent (or not) and sets its queue priority.
func (r *room) setUrgent(urgent bool, reason map[string]string) {
	r.urgent, r.reason = urgent, reason
	r.concern = r.concern || urgent
	switch {
	case urgent:
		r.prio = prioUrgent
	case r.answered:
		r.prio = prioReturned
	default:
		r.prio = prioNormal
	}
}

// parent is an anonymous parent's session.
type parent struct {
	session     string
	token       string
	lang        string
	room        *room
	conn        *conn
	grace       *time.Timer
	sentPos     int
	sentStaffed bool
	msgs        *rate.Limiter
	typing      *rate.Limiter
}

// counselor is a logged-in counsellor, connected or within the resume grace.
type counselor struct {
	Staff
	available bool
	conn      *conn
	rooms     []*room // held: active and wrapup
	grace     *time.Timer
	msgs      *rate.Limiter
	typing    *rate.Limiter
	following []*room // chats this supervisor follows
	debrief   bool    // "in debrief": not taking chats
}

// held returns the chat with this id that the counsellor holds, or the
// not_your_chat refusal.
func (co *counselor) held(id string) (*room, error) {
	for _, r := range co.rooms {
		if r.id == id {
			return r, nil
		}
	}
	return nil, refuse(codeNotYourChat, "you do not hold that chat")
}

func (co *counselor) release(r *room) {
	co.rooms = slices.DeleteFunc(co.rooms, func(x *room) bool { return x == r })
}

// Hub is the chat service of one node.
type Hub struct {
	opts Options
	log  zerolog.Logger
	m    *metrics
	loc  *time.Location

	ctx    context.Context // lifetime of every socket
	cancel context.CancelFunc
	wg     sync.WaitGroup // one per socket handler

	mu           sync.Mutex
	parents      map[string]*parent // by current resume token
	rooms        map[string]*room   // every live chat, by chat id
	queue        []*room            // waiting rooms in serving order
	seq          uint64
	counselors   map[string]*counselor // by username
	pseudonyms   map[string]bool
	sockets      map[*conn]struct{} // every open socket, for closing them all on shutdown
	release      *time.Timer        // runs releaseMemory once no socket is open
	dirtyFrom    int                // queue positions from this index on may have changed since the last flush
	lastStaffed  bool               // the staffed flag waiting parents were last told
	taken        map[string]int     // chats each counsellor took on takenDay, for the daily cap
	takenDay     string
	flushPending bool
	closing      bool
}

// NewHub makes a hub. Call Shutdown to close it.
func NewHub(opts Options) (*Hub, error) {
	opts.setDefaults()
	if opts.Tally == nil || opts.Topics == nil {
		return nil, errors.New("chat: Options.Tally and Options.Topics are required")
	}
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Hub{
		opts: opts, log: opts.Log, m: newMetrics(opts.Registry), loc: loc,
		ctx: ctx, cancel: cancel,
		parents: map[string]*parent{}, rooms: map[string]*room{},
		counselors: map[string]*counselor{}, pseudonyms: map[string]bool{},
		taken: map[string]int{}, sockets: map[*conn]struct{}{},
	}, nil
}

// Shutdown tells everyone connected that the service is going away, closes
// every socket, and waits (bounded by ctx) for the socket handlers to end.
func (h *Hub) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	h.closing = true
	bye := encode(reasonFrame{Type: "closed", Reason: "shutting_down"})
	for c := range h.sockets { // parents, counsellors, and sockets that have not said hello yet
		c.closeWith(bye, 1001, "server shutting down")
	}
	for _, p := range h.parents {
		if p.grace != nil {
			p.grace.Stop()
		}
	}
	for _, co := range h.counselors {
		if co.grace != nil {
			co.grace.Stop()
		}
	}
	h.mu.Unlock()

	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	select {
	case <-done:
		h.cancel()
		return nil
	case <-ctx.Done():
		h.cancel() // force the rest closed
		h.mu.Lock()
		for c := range h.sockets {
			c.ws.CloseNow()
		}
		h.mu.Unlock()
		<-done
		return ctx.Err()
	}
}

// track adds a socket to (or removes it from) the set Shutdown closes.
func (h *Hub) track(c *conn, open bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if open {
		h.sockets[c] = struct{}{}
		if h.release != nil {
			h.release.Stop()
		}
		return
	}
	delete(h.sockets, c)
	if len(h.sockets) > 0 || h.closing || h.opts.ReleaseAfter < 0 {
		return
	}
	if h.release == nil {
		h.release = time.AfterFunc(h.opts.ReleaseAfter, h.releaseMemory)
	} else {
		h.release.Reset(h.opts.ReleaseAfter)
	}
}

// releaseMemory returns the heap a peak left behind to the operating system
// when nobody is connected. The Go runtime would do it too, but only over
// minutes; on a machine shared with other services, sooner is better.
func (h *Hub) releaseMemory() {
	h.mu.Lock()
	idle := len(h.sockets) == 0 && !h.closing
	h.mu.Unlock()
	if idle {
		debug.FreeOSMemory()
		h.log.Debug().Msg("no sockets open: memory given back to the operating system")
	}
}

// enter registers a socket handler unless the hub is shutting down.
func (h *Hub) enter() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closing {
		return false
	}
	h.wg.Add(1)
	return true
}

func (h *Hub) now() time.Time { return h.opts.Now() }

// staffedLocked: open now and at least one counsellor connected and available.
func (h *Hub) staffedLocked(now time.Time) bool {
	if !h.opts.hours().Open(now) {
		return false
	}
	return h.availableLocked() > 0
}

func (h *Hub) availableLocked() int {
	n := 0
	for _, co := range h.counselors {
		if co.conn != nil && h.takingChatsLocked(co) {
			n++
		}
	}
	return n
}

// enqueueLocked puts a room into the queue in serving order.
func (h *Hub) enqueueLocked(r *room) {
	r.state = waiting
	i, _ := slices.BinarySearchFunc(h.queue, r, func(q, t *room) int {
		if q.prio != t.prio {
			return t.prio - q.prio
		}
		return int(q.seq) - int(t.seq)
	})
	h.queue = slices.Insert(h.queue, i, r)
	h.dirtyFrom = min(h.dirtyFrom, i)
	h.markDirtyLocked()
}

func (h *Hub) dequeueLocked(r *room) {
	if i := slices.Index(h.queue, r); i >= 0 {
		h.queue = slices.Delete(h.queue, i, i+1)
		h.dirtyFrom = min(h.dirtyFrom, i)
	}
	h.markDirtyLocked()
}

// dropRoomLocked removes a chat for good and forgets its text.
func (h *Hub) dropRoomLocked(r *room) {
	h.endFollowsLocked(r, "closed")
	delete(h.rooms, r.id)
	delete(h.pseudonyms, r.pseudonym)
	r.forget()
	h.markDirtyLocked()
}

// markDirtyLocked schedules one coalesced flush of queue positions and
// console views.
func (h *Hub) markDirtyLocked() {
	if h.flushPending || h.closing {
		return
	}
	h.flushPending = true
	time.AfterFunc(h.opts.FlushDelay, h.flush)
}

// flush sends each waiting parent its position if it changed, and every
// counsellor the queue, their colleagues and (supervisors) the overview.
// Only positions from the first change on are visited, so a change at the
// tail of a long queue costs one frame, not one per waiting parent.
func (h *Hub) flush() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.flushPending = false
	if h.closing {
		return
	}
	now := h.now()
	staffed := h.staffedLocked(now)
	from := min(h.dirtyFrom, len(h.queue))
	if staffed != h.lastStaffed {
		from = 0
	}
	h.dirtyFrom, h.lastStaffed = len(h.queue), staffed
	for i := from; i < len(h.queue); i++ {
		r := h.queue[i]
		p := r.parent
		if p == nil || p.conn == nil {
			continue
		}
		if pos := i + 1; p.sentPos != pos || p.sentStaffed != staffed {
			p.conn.push(encode(queuedFrame{Type: "queued", Position: pos, Staffed: staffed}))
			p.sentPos, p.sentStaffed = pos, staffed
		}
	}
	h.m.queueLength.Set(float64(len(h.queue)))
	h.m.available.Set(float64(h.availableLocked()))
	if len(h.counselors) == 0 {
		return
	}

	const shown = 50
	qf := queueFrame{Type: "queue", Waiting: make([]queueEntry, 0, min(shown, len(h.queue))), Total: len(h.queue)}
	for _, r := range h.queue[:min(shown, len(h.queue))] {
		qf.Waiting = append(qf.Waiting, queueEntry{Chat: r.id, Audience: r.audience, Waited: int(now.Sub(r.queuedAt).Seconds()),
			Urgent: r.urgent, Reason: r.reason["sv"], ReasonEn: r.reason["en"]})
	}
	queueMsg := encode(qf)

	cf := colleaguesFrame{Type: "colleagues", Counselors: []colleague{}}
	names := slices.Sorted(maps.Keys(h.counselors))
	for _, u := range names {
		co := h.counselors[u]
		if co.conn == nil {
			continue
		}
		cf.Counselors = append(cf.Counselors, colleague{Username: co.Username, Name: co.Name,
			Available: co.available, Debrief: co.debrief, Chats: len(co.rooms), MaxChats: h.opts.MaxChats})
	}
	colleaguesMsg := encode(cf)

	var overviewMsg []byte
	for _, co := range h.counselors {
		if co.conn == nil {
			continue
		}
		co.conn.push(queueMsg)
		co.conn.push(colleaguesMsg)
		if co.Supervisor {
			if overviewMsg == nil {
				overviewMsg = h.overviewLocked(now, names)
			}
			co.conn.push(overviewMsg)
		}
	}
}

func (h *Hub) overviewLocked(now time.Time, names []string) []byte {
	of := overviewFrame{Type: "overview", Chats: []overviewChat{}, Counselors: []overviewCounselor{}, Waiting: len(h.queue)}
	for _, r := range h.queue[:min(overviewWaiting, len(h.queue))] {
		of.Chats = append(of.Chats, overviewChat{Chat: r.id, Audience: r.audience, State: r.state.String(),
			Seconds: int(now.Sub(r.queuedAt).Seconds()), Urgent: r.urgent})
	}
	for _, u := range names {
		co := h.counselors[u]
		for _, r := range co.rooms {
			oc := overviewChat{Chat: r.id, Audience: r.audience, State: r.state.String(),
				Counselor: co.Name, Seconds: int(now.Sub(r.startedAt).Seconds()), Urgent: r.urgent, Followers: []string{}}
			for _, s := range r.followers {
				oc.Followers = append(oc.Followers, s.Name)
			}
			of.Chats = append(of.Chats, oc)
		}
		if co.conn != nil {
			of.Counselors = append(of.Counselors, overviewCounselor{Username: co.Username, Name: co.Name,
				Available: co.available, Debrief: co.debrief, Chats: len(co.rooms), Today: h.takenTodayLocked(co)})
		}
	}
	return encode(of)
}

// overviewWaiting is how many waiting chats the overview lists; it counts
// them all in "waiting".
const overviewWaiting = 50

// Status is what anyone may know about the service right now.
type Status struct {
	Open                bool         `json:"open"`
	Staffed             bool         `json:"staffed"`
	CounselorsAvailable int          `json:"counselors_available"`
	QueueLength         int          `json:"queue_length"`
	Timezone            string       `json:"timezone"`
	Hours               []hours.Span `json:"hours"`
	NextOpen            *time.Time   `json:"next_open"`
	// ClosedDays are the whole days closed from today on, within
	// ClosedDaysAhead days (holidays), with the note parents see.
	ClosedDays []hours.Closure `json:"closed_days"`
	Contacts   []Contact       `json:"contacts"`
	Launcher   string          `json:"launcher"` // "always" or "staffed"
}

// Status reports opening state, staffing and the ways to get help.
func (h *Hub) Status() Status {
	now := h.now()
	h.mu.Lock()
	available, queued := h.availableLocked(), len(h.queue)
	h.mu.Unlock()
	return statusAt(&h.opts, h.loc, now, available, queued)
}

// hours are the opening hours now.
func (o *Options) hours() hours.Hours {
	if o.HoursNow != nil {
		return o.HoursNow()
	}
	return o.Hours
}

// ClosedDaysAhead is how far ahead Status lists the closed days.
const ClosedDaysAhead = 60

// statusAt is the status at now with these counts: the rest comes from
// the options (hours, contacts, launcher).
func statusAt(opts *Options, loc *time.Location, now time.Time, available, queued int) Status {
	hrs := opts.hours()
	st := Status{Open: hrs.Open(now), CounselorsAvailable: available, QueueLength: queued}
	st.Staffed = st.Open && st.CounselorsAvailable > 0
	st.Timezone = loc.String()
	st.Hours = hrs.Spans()
	st.ClosedDays = hrs.Upcoming(now, ClosedDaysAhead)
	if st.ClosedDays == nil {
		st.ClosedDays = []hours.Closure{}
	}
	if !st.Open {
		if t, ok := hrs.NextOpen(now); ok {
			t = t.In(loc)
			st.NextOpen = &t
		}
	}
	st.Launcher = opts.Launcher
	st.Contacts = opts.Contacts
	if st.Contacts == nil {
		st.Contacts = []Contact{}
	}
	return st
}
