package mail

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// OutboxSize is how many mails an Outbox keeps; older ones are dropped.
const OutboxSize = 200

// Outbox is the development Mailer: it sends nothing, keeps the last OutboxSize
// mails in memory, logs one line per mail (the recipients' domains and the
// subject, never an address or the text) and shows the mails on a page
// (ServeHTTP), so that a developer can read them and follow their links.
type Outbox struct {
	log zerolog.Logger

	mu   sync.Mutex
	kept []keptMessage // oldest first, at most OutboxSize
}

type keptMessage struct {
	at time.Time
	m  Message
}

// NewOutbox returns an empty Outbox that logs to log.
func NewOutbox(log zerolog.Logger) *Outbox {
	return &Outbox{log: log}
}

// Send keeps a copy of m. It refuses what SMTP.Send would refuse, so that a
// mistake shows in development too.
func (o *Outbox) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	if err := m.validate(); err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	m.To = slices.Clone(m.To)
	o.mu.Lock()
	if len(o.kept) == OutboxSize {
		o.kept = slices.Delete(o.kept, 0, 1)
	}
	o.kept = append(o.kept, keptMessage{at: time.Now(), m: m})
	o.mu.Unlock()
	o.log.Info().Str("to_domain", recipientDomains(m.To)).Str("subject", m.Subject).
		Msg("mail kept in the development outbox, not sent")
	return nil
}

// Messages returns copies of the kept mails, oldest first.
func (o *Outbox) Messages() []Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]Message, len(o.kept))
	for i, k := range o.kept {
		out[i] = k.m
		out[i].To = slices.Clone(k.m.To)
	}
	return out
}

// outboxCSP allows the page nothing beyond its own markup: no script, no style,
// no images, no framing.
const outboxCSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

var outboxPage = template.Must(template.New("outbox").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Development outbox ({{len .Items}})</title>
</head>
<body>
<main>
<h1>Development outbox</h1>
<p>No SMTP server is configured, so mail is kept here instead of being sent: the last {{.Max}}, newest first, in memory only.</p>
{{if .Items}}<ol reversed>
{{range .Items}}<li>
<article>
<h2>{{.Subject}}</h2>
<dl>
<dt>To</dt><dd>{{.To}}</dd>
<dt>Kept</dt><dd><time datetime="{{.ISO}}">{{.When}}</time></dd>
</dl>
<pre>{{.Text}}</pre>
</article>
</li>
{{end}}</ol>
{{else}}<p>No mail yet.</p>
{{end}}</main>
</body>
</html>
`))

type outboxItem struct {
	Subject, To, Text, ISO, When string
}

// ServeHTTP shows the kept mails as an HTML page, newest first, everything
// escaped. Only GET and HEAD.
func (o *Outbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	o.mu.Lock()
	items := make([]outboxItem, 0, len(o.kept))
	for _, k := range slices.Backward(o.kept) {
		at := k.at.UTC()
		items = append(items, outboxItem{
			Subject: k.m.Subject, To: strings.Join(k.m.To, ", "), Text: k.m.Text,
			ISO: at.Format(time.RFC3339), When: at.Format("2006-01-02 15:04:05 UTC"),
		})
	}
	o.mu.Unlock()
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", outboxCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	if r.Method == http.MethodHead {
		return
	}
	_ = outboxPage.Execute(w, struct {
		Items []outboxItem
		Max   int
	}{items, OutboxSize})
}
