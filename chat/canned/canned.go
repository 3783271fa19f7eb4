package canned

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"

	"parentline/internal/web"
)

// Errors of the store. Validation errors wrap ErrInvalid and their message is
// fit to show to the editor.
var (
	ErrNotFound = errors.New("canned: no answer with this id")
	ErrInvalid  = errors.New("invalid canned answer")
)

// Limits of an answer.
const (
	MaxTitleRunes = 80
	MaxTextBytes  = 4096 // the same as a chat message, so an answer always fits in one
	maxBody       = 32 << 10
)

var bucketCanned = []byte("canned")

// Answer is one canned answer in one language.
type Answer struct {
	ID    string `json:"id"`
	Lang  string `json:"lang"` // "sv" or "en"
	Title string `json:"title"`
	Text  string `json:"text"`
}

// Store holds the canned answers in the "canned" bucket, one JSON value per
// answer keyed by its id.
type Store struct {
	db *bolt.DB
}

// Open makes sure the bucket exists. The first time (when it creates the
// bucket) it seeds the default answers, so an admin who deletes them all does
// not get them back on the next start.
func Open(db *bolt.DB) (*Store, error) {
	err := db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketCanned) != nil {
			return nil
		}
		b, err := tx.CreateBucket(bucketCanned)
		if err != nil {
			return err
		}
		for _, d := range defaults {
			a, err := normalize(Answer{Lang: d.lang, Title: d.title, Text: d.text})
			if err != nil {
				return fmt.Errorf("default %q: %w", d.title, err)
			}
			if _, err := insert(b, a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("canned: open: %w", err)
	}
	return &Store{db: db}, nil
}

// List gives the answers in lang ("" for all), sorted by language, then title
// in Swedish alphabetical order. A storage error gives an empty list.
func (s *Store) List(lang string) []Answer {
	out, err := s.list(lang)
	if err != nil {
		return []Answer{}
	}
	return out
}

func (s *Store) list(lang string) ([]Answer, error) {
	out := []Answer{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCanned).ForEach(func(_, v []byte) error {
			var a Answer
			if err := json.Unmarshal(v, &a); err != nil {
				return err
			}
			if lang == "" || a.Lang == lang {
				out = append(out, a)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b Answer) int {
		if c := strings.Compare(a.Lang, b.Lang); c != 0 {
			return c
		}
		if c := strings.Compare(sortKey(a.Title), sortKey(b.Title)); c != 0 {
			return c
		}
		if c := strings.Compare(a.Title, b.Title); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// swedishOrder puts å, ä and ö after z, as a Swedish reader expects.
var swedishOrder = strings.NewReplacer("å", "{", "ä", "|", "æ", "|", "ö", "}", "ø", "}")

func sortKey(title string) string {
	return swedishOrder.Replace(strings.ToLower(title))
}

// Get gives one answer.
func (s *Store) Get(id string) (Answer, error) {
	var a Answer
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketCanned).Get([]byte(id))
		if v == nil {
			return ErrNotFound
		}
		return json.Unmarshal(v, &a)
	})
	return a, err
}

// Create stores a new answer under a new random id and returns it as stored
// (trimmed, with its id). An id in a is ignored.
func (s *Store) Create(a Answer) (Answer, error) {
	a, err := normalize(a)
	if err != nil {
		return Answer{}, err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		a, err = insert(tx.Bucket(bucketCanned), a)
		return err
	})
	if err != nil {
		return Answer{}, err
	}
	return a, nil
}

// insert puts a under a fresh id.
func insert(b *bolt.Bucket, a Answer) (Answer, error) {
	for {
		a.ID = newID()
		if b.Get([]byte(a.ID)) == nil {
			break
		}
	}
	return a, put(b, a)
}

func put(b *bolt.Bucket, a Answer) error {
	v, err := json.Marshal(a)
	if err != nil {
		return err
	}
	return b.Put([]byte(a.ID), v)
}

func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (Go 1.24+: a failure crashes the program)
	return hex.EncodeToString(b[:])
}

// Update replaces the language, title and text of an existing answer.
func (s *Store) Update(a Answer) error {
	id := a.ID
	a, err := normalize(a)
	if err != nil {
		return err
	}
	a.ID = id
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCanned)
		if b.Get([]byte(id)) == nil {
			return ErrNotFound
		}
		return put(b, a)
	})
}

// Delete removes an answer.
func (s *Store) Delete(id string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCanned)
		if b.Get([]byte(id)) == nil {
			return ErrNotFound
		}
		return b.Delete([]byte(id))
	})
}

// normalize checks a and returns it with title and text trimmed.
func normalize(a Answer) (Answer, error) {
	if a.Lang != "sv" && a.Lang != "en" {
		return Answer{}, fmt.Errorf(`%w: lang must be "sv" or "en"`, ErrInvalid)
	}
	a.Title = strings.TrimSpace(a.Title)
	a.Text = strings.TrimSpace(a.Text)
	if !utf8.ValidString(a.Title) || !utf8.ValidString(a.Text) {
		return Answer{}, fmt.Errorf("%w: title and text must be valid UTF-8", ErrInvalid)
	}
	if n := utf8.RuneCountInString(a.Title); n < 1 || n > MaxTitleRunes {
		return Answer{}, fmt.Errorf("%w: title must be 1-%d characters", ErrInvalid, MaxTitleRunes)
	}
	for _, r := range a.Title {
		if unicode.IsControl(r) {
			return Answer{}, fmt.Errorf("%w: title must be one line without control characters", ErrInvalid)
		}
	}
	if n := len(a.Text); n < 1 || n > MaxTextBytes {
		return Answer{}, fmt.Errorf("%w: text must be 1-%d bytes", ErrInvalid, MaxTextBytes)
	}
	for _, r := range a.Text {
		if unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' {
			return Answer{}, fmt.Errorf("%w: text must not contain control characters other than line breaks and tabs", ErrInvalid)
		}
	}
	return a, nil
}

// HandleList serves GET /api/canned, optionally filtered by ?lang=sv|en.
func (s *Store) HandleList(w http.ResponseWriter, r *http.Request) {
	lang := r.URL.Query().Get("lang")
	if lang != "" && lang != "sv" && lang != "en" {
		web.Error(w, http.StatusBadRequest, `lang must be "sv" or "en"`)
		return
	}
	list, err := s.list(lang)
	if err != nil {
		writeError(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, list)
}

// answerBody is what POST and PUT accept. On PUT, fields left out keep their
// current value; an id, if given, must match the path.
type answerBody struct {
	ID    *string `json:"id"`
	Lang  *string `json:"lang"`
	Title *string `json:"title"`
	Text  *string `json:"text"`
}

func (b answerBody) apply(a *Answer) {
	if b.Lang != nil {
		a.Lang = *b.Lang
	}
	if b.Title != nil {
		a.Title = *b.Title
	}
	if b.Text != nil {
		a.Text = *b.Text
	}
}

// HandleCreate serves POST /api/canned: {"lang","title","text"} → 201 with the
// stored answer.
func (s *Store) HandleCreate(w http.ResponseWriter, r *http.Request) {
	var body answerBody
	if err := web.DecodeJSON(w, r, maxBody, &body); err != nil {
		web.Error(w, http.StatusBadRequest, err.Error())
		return
	}
	var a Answer
	body.apply(&a)
	a, err := s.Create(a)
	if err != nil {
		writeError(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, a)
}

// HandleUpdate serves PUT /api/canned/{id} → 200 with the stored answer.
func (s *Store) HandleUpdate(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var body answerBody
	if err := web.DecodeJSON(w, r, maxBody, &body); err != nil {
		web.Error(w, http.StatusBadRequest, err.Error())
		return
	}
	if body.ID != nil && *body.ID != id {
		web.Error(w, http.StatusBadRequest, "the id in the body differs from the id in the path")
		return
	}
	a, err := s.Get(id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	body.apply(&a)
	if err := s.Update(a); err != nil {
		writeError(w, r, err)
		return
	}
	a, err = s.Get(id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, a)
}

// HandleDelete serves DELETE /api/canned/{id} → 204.
func (s *Store) HandleDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.Delete(r.PathValue("id")); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func writeError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, ErrInvalid):
		web.Error(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, ErrNotFound):
		web.Error(w, http.StatusNotFound, "no canned answer with this id")
	default:
		zerolog.Ctx(r.Context()).Error().Err(err).Msg("canned answers")
		web.Error(w, http.StatusInternalServerError, "internal error")
	}
}
