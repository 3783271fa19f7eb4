package mailtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBinaryFromEnvironment(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-mailpit")
	t.Setenv("PARENTLINE_MAILPIT", missing)
	if _, err := Binary(); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("Binary() with PARENTLINE_MAILPIT at a missing file: %v, want an error naming it", err)
	}

	fake := filepath.Join(t.TempDir(), "mailpit")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PARENTLINE_MAILPIT", fake)
	if got, err := Binary(); err != nil || got != fake {
		t.Errorf("Binary() = %q, %v; want %q", got, err, fake)
	}
}

func TestStartAndStop(t *testing.T) {
	var mp *Mailpit
	t.Run("run", func(t *testing.T) {
		mp = Start(t)
		if n := mp.Count(t); n != 0 {
			t.Errorf("a new Mailpit has %d mails", n)
		}
	})
	if mp == nil {
		return
	}
	// After the subtest's cleanup the process is gone: nothing answers any more.
	if mp.answers() {
		t.Error("mailpit still answers after its test ended")
	}
}
