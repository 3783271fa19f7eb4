package foster

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// MaxDraftList is the most entries a draft keeps of a list.
const MaxDraftList = 64

// ErrDraft is Draft's error for answers that are not a JSON object of at
// most MaxAnswers bytes.
var ErrDraft = errors.New("foster: a draft must be a JSON object of at most 64 KiB")

// shape is what a draft keeps of a value: a text, a list of texts, a
// number, or an object with these keys.
type shape struct {
	kind byte // 's' text, 'l' list of texts, 'n' number, 'o' object
	keys map[string]shape
}

var (
	text   = shape{kind: 's'}
	texts  = shape{kind: 'l'}
	number = shape{kind: 'n'}
)

// draftShape is Answers without "health": a draft never holds health
// answers, and nothing the form does not have.
var draftShape = shape{kind: 'o', keys: map[string]shape{
	"assignments":    texts,
	"municipalities": texts,
	"contact": {kind: 'o', keys: map[string]shape{
		"given_name": text, "surname": text, "address": text, "postal_code": text,
		"city": text, "phone": text, "email": text,
	}},
	"household": {kind: 'o', keys: map[string]shape{
		"adults": number, "children": number, "children_ages": text, "housing": text,
		"rooms": number, "partner_name": text, "occupation": text, "languages": text,
	}},
	"questions": {kind: 'o', keys: map[string]shape{
		"experience": text, "time": text, "age_groups": texts, "social_services": text,
	}},
	"motivation": text,
}}

// Draft returns what of answers a draft may keep: every field of the form
// except "health", as typed even when incomplete or not valid, without
// unknown fields, values of the wrong JSON type, nulls and empty objects.
// Lists keep at most MaxDraftList texts. answers must be a JSON object of at
// most MaxAnswers bytes (else ErrDraft).
func Draft(answers json.RawMessage) (json.RawMessage, error) {
	if len(answers) > MaxAnswers {
		return nil, ErrDraft
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(answers))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, ErrDraft
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, ErrDraft // something after the object
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, ErrDraft
	}
	kept, _ := prune(obj, draftShape)
	if kept == nil {
		kept = map[string]any{}
	}
	return json.Marshal(kept)
}

// prune keeps of v what fits s; ok false: nothing.
func prune(v any, s shape) (any, bool) {
	switch s.kind {
	case 's':
		t, ok := v.(string)
		return t, ok
	case 'n':
		n, ok := v.(json.Number)
		return n, ok
	case 'l':
		list, ok := v.([]any)
		if !ok {
			return nil, false
		}
		out := []string{}
		for _, x := range list {
			if t, ok := x.(string); ok && len(out) < MaxDraftList {
				out = append(out, t)
			}
		}
		return out, true
	case 'o':
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		out := map[string]any{}
		for k, sub := range s.keys {
			if x, ok := prune(obj[k], sub); ok {
				out[k] = x
			}
		}
		if len(out) == 0 {
			return nil, false
		}
		return out, true
	}
	return nil, false
}
