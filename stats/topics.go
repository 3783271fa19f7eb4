package stats

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"

	"parentline/internal/web"
)

// Errors of the topic list. Validation errors wrap ErrInvalidTopic and their
// message is fit to show to an admin.
var (
	ErrTopicExists   = errors.New("stats: a topic with this id already exists")
	ErrTopicNotFound = errors.New("stats: no topic with this id")
	ErrInvalidTopic  = errors.New("invalid topic")
)

var bucketTopics = []byte("topics")

// Limits of a topic.
const (
	maxLabelRunes   = 80
	maxLabels       = 8 // sv, en and a few more languages dropped in later
	maxTopicBody    = 8 << 10
	topicOrderSteps = 10 // gap between default orders, so an admin can slot one in between
)

var langPattern = regexp.MustCompile(`^[a-z]{2,3}$`)

// Topic is one entry of the list counsellors tag a closed chat with. Topics
// are never deleted, because old tallies refer to them; they are deactivated.
type Topic struct {
	ID     string            `json:"id"`
	Labels map[string]string `json:"labels"` // by language: "sv" and "en" always, others optional
	Active bool              `json:"active"`
	Order  int               `json:"order"` // ascending; ties by id
}

// Label is a topic as a counsellor's console shows it: one language.
type Label struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

// Topics is the topic list, kept in bbolt and mirrored in memory so that Valid
// and List never touch the disk. It is safe for concurrent use.
type Topics struct {
	db *bolt.DB

	mu     sync.RWMutex
	byID   map[string]Topic
	sorted []Topic // all topics by Order, then ID
}

// defaultTopics are seeded when the topic bucket is empty.
var defaultTopics = []struct{ id, sv, en string }{
	{"sleep", "Sömn", "Sleep"},
	{"food", "Mat och måltider", "Food and meals"},
	{"school", "Förskola och skola", "Preschool and school"},
	{"boundaries", "Gränser", "Boundaries"},
	{"conflicts", "Konflikter och bråk", "Conflicts"},
	{"separation", "Separation och skilsmässa", "Separation and divorce"},
	{"screens", "Skärmar och nätet", "Screens and online life"},
	{"mental_health", "Psykisk hälsa", "Mental health"},
	{"alcohol_drugs", "Alkohol och droger", "Alcohol and drugs"},
	{"relationship", "Relationen till barnet", "The relationship with the child"},
	{"other", "Övrigt", "Other"},
}

// OpenTopics loads the topic list, seeding the defaults when the bucket is
// empty (the first start).
func OpenTopics(db *bolt.DB) (*Topics, error) {
	t := &Topics{db: db, byID: make(map[string]Topic)}
	err := db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketTopics)
		if err != nil {
			return err
		}
		if k, _ := b.Cursor().First(); k == nil {
			for i, d := range defaultTopics {
				tp := Topic{
					ID:     d.id,
					Labels: map[string]string{"sv": d.sv, "en": d.en},
					Active: true,
					Order:  (i + 1) * topicOrderSteps,
				}
				if err := putTopic(b, tp); err != nil {
					return err
				}
			}
		}
		return b.ForEach(func(k, v []byte) error {
			var tp Topic
			if err := json.Unmarshal(v, &tp); err != nil {
				return fmt.Errorf("topic %q: %w", k, err)
			}
			t.byID[tp.ID] = tp
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("stats: open topics: %w", err)
	}
	t.resort()
	return t, nil
}

func putTopic(b *bolt.Bucket, tp Topic) error {
	v, err := json.Marshal(tp)
	if err != nil {
		return err
	}
	return b.Put([]byte(tp.ID), v)
}

// resort rebuilds the sorted slice; the caller holds the write lock.
func (t *Topics) resort() {
	t.sorted = t.sorted[:0]
	for _, tp := range t.byID {
		t.sorted = append(t.sorted, tp)
	}
	slices.SortFunc(t.sorted, func(a, b Topic) int {
		if c := cmp.Compare(a.Order, b.Order); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// List gives the active topics in order, labelled in lang, or in Swedish when
// the topic has no label in lang.
func (t *Topics) List(lang string) []Label {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make([]Label, 0, len(t.sorted))
	for _, tp := range t.sorted {
		if !tp.Active {
			continue
		}
		l, ok := tp.Labels[lang]
		if !ok {
			l = tp.Labels["sv"]
		}
		out = append(out, Label{ID: tp.ID, Label: l})
	}
	return out
}

// All gives every topic, inactive ones too, in order. The result is a copy.
func (t *Topics) All() []Topic {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make([]Topic, len(t.sorted))
	for i, tp := range t.sorted {
		out[i] = copyTopic(tp)
	}
	return out
}

// Get gives one topic, active or not.
func (t *Topics) Get(id string) (Topic, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	tp, ok := t.byID[id]
	if !ok {
		return Topic{}, false
	}
	return copyTopic(tp), true
}

// Valid reports whether id is an active topic, the ones a chat may be closed with.
func (t *Topics) Valid(id string) bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	tp, ok := t.byID[id]
	return ok && tp.Active
}

// Create adds a topic. An Order of 0 places it after the last one.
func (t *Topics) Create(tp Topic) error {
	tp, err := normalizeTopic(tp)
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.byID[tp.ID]; ok {
		return ErrTopicExists
	}
	if tp.Order == 0 {
		tp.Order = topicOrderSteps
		if n := len(t.sorted); n > 0 {
			tp.Order = t.sorted[n-1].Order + topicOrderSteps
		}
	}
	err = t.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTopics)
		if b.Get([]byte(tp.ID)) != nil {
			return ErrTopicExists
		}
		return putTopic(b, tp)
	})
	if err != nil {
		return err
	}
	t.byID[tp.ID] = tp
	t.resort()
	return nil
}

// Update replaces the labels, active flag and order of an existing topic. An
// Order of 0 keeps the current order.
func (t *Topics) Update(tp Topic) error {
	tp, err := normalizeTopic(tp)
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	old, ok := t.byID[tp.ID]
	if !ok {
		return ErrTopicNotFound
	}
	if tp.Order == 0 {
		tp.Order = old.Order
	}
	err = t.db.Update(func(tx *bolt.Tx) error {
		return putTopic(tx.Bucket(bucketTopics), tp)
	})
	if err != nil {
		return err
	}
	t.byID[tp.ID] = tp
	t.resort()
	return nil
}

// normalizeTopic checks tp and returns it with trimmed labels in a fresh map.
func normalizeTopic(tp Topic) (Topic, error) {
	if !idPattern.MatchString(tp.ID) {
		return Topic{}, fmt.Errorf("%w: id %q must be 1-40 characters of a-z, 0-9 and _", ErrInvalidTopic, tp.ID)
	}
	if tp.Order < 0 {
		return Topic{}, fmt.Errorf("%w: order must not be negative", ErrInvalidTopic)
	}
	if len(tp.Labels) > maxLabels {
		return Topic{}, fmt.Errorf("%w: at most %d labels", ErrInvalidTopic, maxLabels)
	}
	labels := make(map[string]string, len(tp.Labels))
	for lang, l := range tp.Labels {
		if !langPattern.MatchString(lang) {
			return Topic{}, fmt.Errorf("%w: label language %q must be a 2-3 letter code such as sv or en", ErrInvalidTopic, lang)
		}
		l = strings.TrimSpace(l)
		if err := checkLabel(l); err != nil {
			return Topic{}, fmt.Errorf("%w: label %s %v", ErrInvalidTopic, lang, err)
		}
		labels[lang] = l
	}
	for _, lang := range web.Languages {
		if _, ok := labels[lang]; !ok {
			return Topic{}, fmt.Errorf("%w: label %s is required", ErrInvalidTopic, lang)
		}
	}
	tp.Labels = labels
	return tp, nil
}

func checkLabel(l string) error {
	if !utf8.ValidString(l) {
		return errors.New("is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(l); n < 1 || n > maxLabelRunes {
		return fmt.Errorf("must be 1-%d characters", maxLabelRunes)
	}
	for _, r := range l {
		if unicode.IsControl(r) {
			return errors.New("must not contain control characters or line breaks")
		}
	}
	return nil
}

func copyTopic(tp Topic) Topic {
	labels := make(map[string]string, len(tp.Labels))
	for k, v := range tp.Labels {
		labels[k] = v
	}
	tp.Labels = labels
	return tp
}

// HandleList serves GET /api/topics: the active topics, labelled in the
// request's language.
func (t *Topics) HandleList(w http.ResponseWriter, r *http.Request) {
	web.JSON(w, http.StatusOK, t.List(web.Lang(r)))
}

// HandleAll serves GET /api/topics/all: every topic with all its labels.
func (t *Topics) HandleAll(w http.ResponseWriter, r *http.Request) {
	web.JSON(w, http.StatusOK, t.All())
}

// topicBody is what POST and PUT accept. Pointers tell an absent field from a
// zero one: an absent "active" means true on create and "unchanged" on update;
// absent labels or order mean "unchanged" on update.
type topicBody struct {
	ID     *string           `json:"id"`
	Labels map[string]string `json:"labels"`
	Active *bool             `json:"active"`
	Order  *int              `json:"order"`
}

// HandleCreate serves POST /api/topics.
func (t *Topics) HandleCreate(w http.ResponseWriter, r *http.Request) {
	var body topicBody
	if err := web.DecodeJSON(w, r, maxTopicBody, &body); err != nil {
		web.Error(w, http.StatusBadRequest, err.Error())
		return
	}
	tp := Topic{Labels: body.Labels, Active: true}
	if body.ID != nil {
		tp.ID = *body.ID
	}
	if body.Active != nil {
		tp.Active = *body.Active
	}
	if body.Order != nil {
		tp.Order = *body.Order
	}
	if err := t.Create(tp); err != nil {
		t.writeError(w, r, err)
		return
	}
	stored, _ := t.Get(tp.ID)
	web.JSON(w, http.StatusCreated, stored)
}

// HandleUpdate serves PUT /api/topics/{id}. Fields left out of the body keep
// their current value.
func (t *Topics) HandleUpdate(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var body topicBody
	if err := web.DecodeJSON(w, r, maxTopicBody, &body); err != nil {
		web.Error(w, http.StatusBadRequest, err.Error())
		return
	}
	if body.ID != nil && *body.ID != id {
		web.Error(w, http.StatusBadRequest, "the id in the body differs from the id in the path; topic ids cannot be changed")
		return
	}
	tp, ok := t.Get(id)
	if !ok {
		web.Error(w, http.StatusNotFound, "no topic with this id")
		return
	}
	if body.Labels != nil {
		tp.Labels = body.Labels
	}
	if body.Active != nil {
		tp.Active = *body.Active
	}
	if body.Order != nil {
		tp.Order = *body.Order
	}
	if err := t.Update(tp); err != nil {
		t.writeError(w, r, err)
		return
	}
	stored, _ := t.Get(id)
	web.JSON(w, http.StatusOK, stored)
}

func (t *Topics) writeError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, ErrInvalidTopic):
		web.Error(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, ErrTopicExists):
		web.Error(w, http.StatusConflict, "a topic with this id already exists")
	case errors.Is(err, ErrTopicNotFound):
		web.Error(w, http.StatusNotFound, "no topic with this id")
	default:
		zerolog.Ctx(r.Context()).Error().Err(err).Msg("topic not stored")
		web.Error(w, http.StatusInternalServerError, "internal error")
	}
}
