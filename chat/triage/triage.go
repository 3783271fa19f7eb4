// Package triage marks a waiting chat urgent when the parent's first line
// speaks of danger, by local, transparent rules an admin can read and edit.
//
// No outside service sees the text; the first line is matched in memory and
// never stored.
package triage

import (
	"bufio"
	_ "embed"
	"fmt"
	"os"
	"strings"
	"unicode"
)

//go:embed default_rules.txt
var defaultRules string

// Group is one kind of urgency and the phrases that reveal it.
type Group struct {
	ID         string
	Reason     map[string]string // by language: "sv", "en"
	phrases    [][]string        // each a sequence of word patterns
	exceptions [][]string
}

// Rules is a parsed rule set.
type Rules struct {
	Groups []Group
}

// Match is the outcome for one line.
type Match struct {
	Urgent bool
	Group  *Group
}

// Default returns the embedded rule set.
func Default() *Rules {
	r, err := Parse(defaultRules)
	if err != nil {
		panic("triage: default rules: " + err.Error())
	}
	return r
}

// Load reads a rule file.
func Load(path string) (*Rules, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r, err := Parse(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// Parse reads rules in the format documented in default_rules.txt.
func Parse(text string) (*Rules, error) {
	r := &Rules{}
	sc := bufio.NewScanner(strings.NewReader(text))
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "=="); ok {
			parts := strings.Split(rest, "|")
			if len(parts) != 3 {
				return nil, fmt.Errorf("line %d: a group is \"== id | Swedish reason | English reason\"", n)
			}
			id := strings.TrimSpace(parts[0])
			if id == "" || strings.ContainsFunc(id, func(c rune) bool { return !(c >= 'a' && c <= 'z' || c == '_') }) {
				return nil, fmt.Errorf("line %d: group id %q must be lowercase letters and _", n, id)
			}
			r.Groups = append(r.Groups, Group{ID: id, Reason: map[string]string{
				"sv": strings.TrimSpace(parts[1]), "en": strings.TrimSpace(parts[2])}})
			continue
		}
		if len(r.Groups) == 0 {
			return nil, fmt.Errorf("line %d: a phrase before the first group", n)
		}
		g := &r.Groups[len(r.Groups)-1]
		if rest, ok := strings.CutPrefix(line, "!"); ok {
			words := words(rest)
			if len(words) == 0 {
				return nil, fmt.Errorf("line %d: empty exception", n)
			}
			g.exceptions = append(g.exceptions, words)
			continue
		}
		words := words(line)
		if len(words) == 0 {
			return nil, fmt.Errorf("line %d: no words in %q", n, line)
		}
		g.phrases = append(g.phrases, words)
	}
	if len(r.Groups) == 0 {
		return nil, fmt.Errorf("no rule groups")
	}
	for _, g := range r.Groups {
		if len(g.phrases) == 0 {
			return nil, fmt.Errorf("group %s has no phrases", g.ID)
		}
	}
	return r, nil
}

// words lowercases s and splits it into words; '*' and apostrophes stay part
// of a word so patterns keep their wildcards and contractions.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(c rune) bool {
		return !(unicode.IsLetter(c) || unicode.IsDigit(c) || c == '*' || c == '\'' || c == '’' || c == '-')
	})
}

// Check matches a first line against the rules: the first group with a
// matching phrase and no matching exception.
func (r *Rules) Check(line string) Match {
	text := words(strings.ReplaceAll(line, "’", "'"))
	for i := range r.Groups {
		g := &r.Groups[i]
		if containsAny(text, g.exceptions) {
			continue
		}
		if containsAny(text, g.phrases) {
			return Match{Urgent: true, Group: g}
		}
	}
	return Match{}
}

func containsAny(text []string, phrases [][]string) bool {
	for _, p := range phrases {
		for start := 0; start+len(p) <= len(text); start++ {
			ok := true
			for j, pat := range p {
				if !wordMatches(pat, text[start+j]) {
					ok = false
					break
				}
			}
			if ok {
				return true
			}
		}
	}
	return false
}

func wordMatches(pattern, word string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(word, prefix)
	}
	return pattern == word
}
