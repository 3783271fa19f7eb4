package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"parentline/consent"
	"parentline/interest"
)

func writeReaderKey(t *testing.T) string {
	t.Helper()
	priv, err := consent.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	_, pub, err := consent.WriteKeyPair(t.TempDir(), priv)
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

func TestReaderKeys_PerUnitAndWildcard(t *testing.T) {
	a, b := writeReaderKey(t), writeReaderKey(t)
	foster := []interest.Unit{{Code: "2380", Name: "Östersund"}, {Code: "2309", Name: "Krokom"}}
	prog := []interest.Unit{{Code: "kungsholmen", Name: "Kungsholmen"}}
	err := assignReaderKeys([]string{"foster:*=" + a, "foster:2380=" + b, "coordinator:kungsholmen=" + b},
		map[string][]interest.Unit{"foster": foster, "coordinator": prog})
	if err != nil {
		t.Fatal(err)
	}
	if len(foster[0].Keys) != 2 || len(foster[1].Keys) != 1 || len(prog[0].Keys) != 1 {
		t.Fatalf("keys per unit: Östersund %d, Krokom %d, Kungsholmen %d; want 2, 1, 1", len(foster[0].Keys), len(foster[1].Keys), len(prog[0].Keys))
	}

	for spec, want := range map[string]string{
		"foster:9999=" + a:  `no foster unit has the code "9999"`,
		"intake:2380=" + a:  "want ROLE=FILE",
		"foster:2380":       "want ROLE=FILE",
		"foster:2380=/nope": "foster:2380",
	} {
		err := assignReaderKeys([]string{spec}, map[string][]interest.Unit{"foster": {{Code: "2380", Name: "Östersund"}}})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want it to mention %q", spec, err, want)
		}
	}
}

func TestUnitsFile(t *testing.T) {
	def := []interest.Unit{{Code: "2380", Name: "Östersund"}}
	path := filepath.Join(t.TempDir(), "units.json")
	if err := os.WriteFile(path, []byte(`{"programme":[{"code":"norr","name":"Norr","notify":" foraldrastod.norr@stad.example.se "},{"code":"syd","name":"Syd"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	f, p, err := loadUnits(path, def, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(f) != 1 || f[0].Code != "2380" || len(p) != 2 || p[1].Name != "Syd" ||
		p[0].Notify != "foraldrastod.norr@stad.example.se" || p[1].Notify != "" {
		t.Fatalf("got foster %v, programme %v", f, p)
	}
	for body, want := range map[string]string{
		`{"foster":[{"code":"Östersund","name":"Ö"}]}`:                 "needs a code",
		`{"foster":[{"code":"a","name":"A"},{"code":"a","name":"B"}]}`: "listed twice",
		`{"fostr":[]}`: "unknown field",
		`{"foster":[{"code":"a","name":"A","notify":"familjehem at a"}]}`: "not an e-mail address",
		`{"programme":[{"code":"norr","name":"  "}]}`:                     "needs a code",
	} {
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, _, err := loadUnits(path, def, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", body, err, want)
		}
	}
}
