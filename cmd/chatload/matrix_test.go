//go:build linux

package main

import (
	"errors"
	"strings"
	"testing"

	"parentline/internal/load"
)

func TestCheckRow_Verdicts(t *testing.T) {
	p99Check := check{figure: "p99", value: p99, rule: "ratio<=", limit: 1.5, format: "%.0f"}
	rateCheck := check{figure: "msgs/s", value: func(r load.Result) float64 { return r.MsgsPerS }, rule: "ratio>=", limit: 0.8, format: "%.0f"}
	lostCheck := check{figure: "lost", value: func(r load.Result) float64 { return float64(r.Lost) }, rule: "zero", format: "%.0f"}
	info := check{figure: "p50", value: func(r load.Result) float64 { return r.P50US }, format: "%.0f"}
	for _, tc := range []struct {
		name        string
		c           check
		ours, floor load.Result
		err         error
		verdict     string
		ratio       string
	}{
		{"within", p99Check, load.Result{P99US: 150}, load.Result{P99US: 100}, nil, "yes", "1.50"},
		{"over", p99Check, load.Result{P99US: 151}, load.Result{P99US: 100}, nil, "no", "1.51"},
		{"no floor figure", p99Check, load.Result{P99US: 150}, load.Result{}, nil, "no", "-"},
		{"fast enough", rateCheck, load.Result{MsgsPerS: 80}, load.Result{MsgsPerS: 100}, nil, "yes", "0.80"},
		{"too slow", rateCheck, load.Result{MsgsPerS: 79}, load.Result{MsgsPerS: 100}, nil, "no", "0.79"},
		{"nothing lost", lostCheck, load.Result{}, load.Result{Lost: 3}, nil, "yes", "-"},
		{"lost", lostCheck, load.Result{Lost: 1}, load.Result{}, nil, "no", "-"},
		{"failed run", p99Check, load.Result{P99US: 100}, load.Result{P99US: 100}, errors.New("boom"), "no", "1.00"},
		{"information only", info, load.Result{P50US: 2}, load.Result{P50US: 1}, nil, "", "2.00"},
	} {
		cells, verdict := tc.c.row(pair{ours: tc.ours, floor: tc.floor, oursErr: tc.err})
		if verdict != tc.verdict || cells[3] != tc.ratio {
			t.Errorf("%s: verdict %q ratio %q, want %q %q (cells %v)", tc.name, verdict, cells[3], tc.verdict, tc.ratio, cells)
		}
	}
}

func TestPick(t *testing.T) {
	all := scenarios(true)
	got, err := pick(all, "idle, open")
	if err != nil || len(got) != 2 || got[0].name != "idle" || got[1].name != "open" {
		t.Fatalf("pick: %v, %v", got, err)
	}
	if _, err := pick(all, "nope"); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown scenario: %v", err)
	}
	if got, _ := pick(all, ""); len(got) != len(all) {
		t.Errorf("empty --only kept %d of %d", len(got), len(all))
	}
}

func TestIsTrouble(t *testing.T) {
	for line, want := range map[string]bool{
		`{"level":"warn","message":"x"}`:  true,
		`{"level":"error","message":"x"}`: true,
		`{"level":"info","message":"x"}`:  false,
		`panic: oh no`:                    true,
	} {
		if got := isTrouble(load.Parentline, line); got != want {
			t.Errorf("isTrouble(%q) = %v", line, got)
		}
	}
	if !isTrouble(load.Floor, "anything") {
		t.Error("the floor prints nothing when well")
	}
}
