package durable

import (
	"context"
	"testing"

	"parentline/audit"
	"parentline/internal/redistest"
)

// An audit entry sent from a chat node lands on the store node's trail
// once, in the hash chain, even if the store node crashed between its
// commit and its acknowledgement; a malformed one is refused.
func TestAuditor_EntryReachesTheTrailOnce(t *testing.T) {
	r := redistest.Start(t)
	s := openStore(t)
	chatNode := NewAuditor(r.Client())
	if err := chatNode.Audit("sara", "chat_followed", "abc123"); err != nil {
		t.Fatal(err)
	}
	if _, err := Send(context.Background(), r.Client(), KindAudit, []byte(`{"actor":"","action":"x"}`)); err != nil {
		t.Fatal(err)
	}
	drain(t, s.applier(t, r.Client()))
	// A second applier reading the same stream again (as after a crash
	// before XACK) must not append it twice.
	drain(t, s.applier(t, r.Client()))

	entries, err := audit.Trail(s.db, "chat:abc123")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Actor != "sara" || entries[0].Action != "chat_followed" {
		t.Fatalf("trail: %+v", entries)
	}
	if n, err := audit.Verify(s.db); err != nil || n != 1 {
		t.Fatalf("verify: %d entries, %v", n, err)
	}
}
