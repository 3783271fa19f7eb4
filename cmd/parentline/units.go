package main

import (
	"crypto/ecdh"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"parentline/consent"
	"parentline/interest"
	"parentline/internal/field"
)

// unitsFile is the JSON of --units: the receiving units of each kind of
// interest registration, replacing the built-in lists.
type unitsFile struct {
	Foster    []unitEntry `json:"foster"`
	Programme []unitEntry `json:"programme"`
}

type unitEntry struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Notify string `json:"notify"` // optional: the unit's shared mailbox, told of each new registration
}

// maxUnitsFile bounds the --units file.
const maxUnitsFile = 1 << 20

// loadUnits reads --units. A kind the file leaves out keeps its defaults.
func loadUnits(path string, foster, programme []interest.Unit) ([]interest.Unit, []interest.Unit, error) {
	if path == "" {
		return foster, programme, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("--units: %w", err)
	}
	if len(b) > maxUnitsFile {
		return nil, nil, fmt.Errorf("--units %s: larger than %d bytes", path, maxUnitsFile)
	}
	var f unitsFile
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, nil, fmt.Errorf("--units %s: %w", path, err)
	}
	conv := func(kind string, in []unitEntry, def []interest.Unit) ([]interest.Unit, error) {
		if in == nil {
			return def, nil
		}
		seen := map[string]bool{}
		out := make([]interest.Unit, 0, len(in))
		for _, e := range in {
			if !validUnitCode(e.Code) || strings.TrimSpace(e.Name) == "" {
				return nil, fmt.Errorf("--units %s: %s unit %q needs a code of 1–40 characters a-z, 0-9, '.', '_' or '-' and a name", path, kind, e.Code)
			}
			if seen[e.Code] {
				return nil, fmt.Errorf("--units %s: %s unit %q is listed twice", path, kind, e.Code)
			}
			notify := strings.TrimSpace(e.Notify)
			if notify != "" && !field.ValidEmail(notify) {
				return nil, fmt.Errorf("--units %s: %s unit %q: notify %q is not an e-mail address", path, kind, e.Code, e.Notify)
			}
			seen[e.Code] = true
			out = append(out, interest.Unit{Code: e.Code, Name: strings.TrimSpace(e.Name), Notify: notify})
		}
		return out, nil
	}
	if foster, err = conv("foster", f.Foster, foster); err != nil {
		return nil, nil, err
	}
	if programme, err = conv("programme", f.Programme, programme); err != nil {
		return nil, nil, err
	}
	return foster, programme, nil
}

func validUnitCode(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("abcdefghijklmnopqrstuvwxyz0123456789._-", r) {
			return false
		}
	}
	return true
}

// assignReaderKeys gives each unit the public keys --reader-key names for
// its role: "foster:2380=FILE" for one unit, "foster:*=FILE" for every unit
// of that kind. A key for a unit that does not exist is an error, so that a
// mistyped code is not silently a municipality without readers.
func assignReaderKeys(specs []string, prefixes map[string][]interest.Unit) error {
	loaded := map[string]*ecdh.PublicKey{}
	for _, spec := range specs {
		role, file, ok := strings.Cut(spec, "=")
		prefix, scope, scoped := strings.Cut(role, ":")
		units, known := prefixes[prefix]
		if !ok || !scoped || !known || scope == "" || file == "" {
			return fmt.Errorf("--reader-key %q: want ROLE=FILE with ROLE foster:<municipality>, coordinator:<district>, or foster:* / coordinator:*", spec)
		}
		pub := loaded[file]
		if pub == nil {
			var err error
			if pub, err = consent.LoadPublicKey(file); err != nil {
				return fmt.Errorf("--reader-key %s: %w", role, err)
			}
			loaded[file] = pub
		}
		matched := false
		for i := range units {
			if scope == "*" || units[i].Code == scope {
				units[i].Keys = append(units[i].Keys, pub)
				matched = true
			}
		}
		if !matched {
			return fmt.Errorf("--reader-key %s: no %s unit has the code %q", role, prefix, scope)
		}
	}
	return nil
}
