package audit

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// newTrail writes n audit entries to a fresh database.
func newTrail(t *testing.T, n int) *bolt.DB {
	t.Helper()
	db := openTestDB(t)
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	for i := range n {
		err := db.Update(func(tx *bolt.Tx) error {
			return Append(tx, at.Add(time.Duration(i)*time.Minute), "ida", ActionOpened, "ORO-ABCD1234")
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func rawEntry(t *testing.T, db *bolt.DB, seq uint64) Entry {
	t.Helper()
	var e Entry
	db.View(func(tx *bolt.Tx) error {
		return json.Unmarshal(tx.Bucket(bucketAudit).Get(seqKey(seq)), &e)
	})
	return e
}

func putRaw(t *testing.T, db *bolt.DB, e Entry) {
	t.Helper()
	v, _ := json.Marshal(e)
	if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketAudit).Put(seqKey(e.Seq), v) }); err != nil {
		t.Fatal(err)
	}
}

func deleteRaw(t *testing.T, db *bolt.DB, seqs ...uint64) {
	t.Helper()
	err := db.Update(func(tx *bolt.Tx) error {
		for _, s := range seqs {
			if err := tx.Bucket(bucketAudit).Delete(seqKey(s)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// wantBad checks that Verify fails naming seq, with a problem mentioning word.
func wantBad(t *testing.T, db *bolt.DB, seq uint64, word string) {
	t.Helper()
	_, err := Verify(db)
	var ve *VerifyError
	if !errors.As(err, &ve) {
		t.Fatalf("Verify = %v, want a VerifyError", err)
	}
	if ve.Seq != seq || !strings.Contains(ve.Error(), word) {
		t.Fatalf("Verify = %v, want entry %d %s", err, seq, word)
	}
}

func TestAudit_GoodTrailVerifies(t *testing.T) {
	db := newTrail(t, 7)
	n, err := Verify(db)
	if err != nil || n != 7 {
		t.Fatalf("Verify = %d, %v", n, err)
	}
	e := rawEntry(t, db, 3)
	if e.Seq != 3 || e.Actor != "ida" || e.Action != ActionOpened || e.Reference != "ORO-ABCD1234" ||
		e.Prev != rawEntry(t, db, 2).Hash || len(e.Hash) != 64 || e.At != "2026-11-20T10:02:00Z" {
		t.Fatalf("entry = %+v", e)
	}
	if rawEntry(t, db, 1).Prev != strings.Repeat("0", 64) {
		t.Fatal("the first entry does not start from zeros")
	}
	seq, hash, err := Head(db)
	if err != nil || seq != 7 || hash != rawEntry(t, db, 7).Hash {
		t.Fatalf("Head = %d %s %v", seq, hash, err)
	}
	// An empty database has an empty, valid trail.
	empty := openTestDB(t)
	if n, err := Verify(empty); n != 0 || err != nil {
		t.Fatalf("Verify(empty) = %d, %v", n, err)
	}
}

func TestAudit_Refuses(t *testing.T) {
	db := newTrail(t, 1)
	err := db.Update(func(tx *bolt.Tx) error { return Append(tx, time.Now(), "ida", "read_secretly", "x") })
	if err == nil {
		t.Error("an unknown action was appended")
	}
	err = db.Update(func(tx *bolt.Tx) error { return Append(tx, time.Now(), "", ActionOpened, "x") })
	if err == nil {
		t.Error("an entry without an actor was appended")
	}
}

func TestAudit_EditedEntry(t *testing.T) {
	db := newTrail(t, 5)
	e := rawEntry(t, db, 3)
	e.Actor = "mallory"
	putRaw(t, db, e)
	wantBad(t, db, 3, "edited")
}

func TestAudit_EditedEntryWithRecomputedHash(t *testing.T) {
	db := newTrail(t, 5)
	e := rawEntry(t, db, 2)
	e.At = "2026-01-01T00:00:00Z"
	e.Hash, _ = e.computeHash()
	putRaw(t, db, e)
	wantBad(t, db, 3, "broken link")
}

func TestAudit_EditedLastEntryWithRecomputedHash(t *testing.T) {
	db := newTrail(t, 5)
	e := rawEntry(t, db, 5)
	e.Action = ActionClosed
	e.Hash, _ = e.computeHash()
	putRaw(t, db, e)
	wantBad(t, db, 5, "head")
}

func TestAudit_EditedSeq(t *testing.T) {
	db := newTrail(t, 3)
	e := rawEntry(t, db, 2)
	e.Seq = 9
	v, _ := json.Marshal(e)
	db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketAudit).Put(seqKey(2), v) })
	wantBad(t, db, 2, "edited")
}

func TestAudit_GarbageEntry(t *testing.T) {
	db := newTrail(t, 3)
	db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketAudit).Put(seqKey(2), []byte("{}x")) })
	wantBad(t, db, 2, "edited")
}

func TestAudit_DeletedEntry(t *testing.T) {
	db := newTrail(t, 6)
	deleteRaw(t, db, 4)
	wantBad(t, db, 4, "deleted")
}

func TestAudit_DeletedFirstEntries(t *testing.T) {
	db := newTrail(t, 6)
	deleteRaw(t, db, 1, 2)
	wantBad(t, db, 1, "entries 1 to 2 were deleted")
}

func TestAudit_DeletedEntryAndRelinked(t *testing.T) {
	// Delete entry 3 and renumber the rest so that the numbers have no gap:
	// the links give it away.
	db := newTrail(t, 5)
	e4, e5 := rawEntry(t, db, 4), rawEntry(t, db, 5)
	deleteRaw(t, db, 3, 4, 5)
	e4.Seq, e5.Seq = 3, 4
	putRaw(t, db, e4)
	putRaw(t, db, e5)
	wantBad(t, db, 3, "broken link")
}

func TestAudit_TruncatedTail(t *testing.T) {
	db := newTrail(t, 6)
	deleteRaw(t, db, 5, 6)
	wantBad(t, db, 5, "cut off")
}

func TestAudit_TruncatedEverything(t *testing.T) {
	db := newTrail(t, 3)
	deleteRaw(t, db, 1, 2, 3)
	wantBad(t, db, 1, "cut off")
}

func TestAudit_HeadDeleted(t *testing.T) {
	db := newTrail(t, 3)
	db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketAuditMeta).Delete(keyAuditHead) })
	wantBad(t, db, 3, "head")
}

func TestAudit_EntryAddedBehindTheTrailsBack(t *testing.T) {
	db := newTrail(t, 3)
	e := rawEntry(t, db, 3)
	forged := Entry{Seq: 4, At: e.At, Actor: "mallory", Action: ActionOpened, Reference: "ORO-ABCD1234", Prev: e.Hash}
	forged.Hash, _ = forged.computeHash()
	putRaw(t, db, forged)
	wantBad(t, db, 4, "outside")
}

func TestAudit_AppendAfterTruncationStillCaught(t *testing.T) {
	db := newTrail(t, 4)
	deleteRaw(t, db, 4)
	db.Update(func(tx *bolt.Tx) error { return Append(tx, time.Now(), "ida", ActionOpened, "ORO-ABCD1234") })
	wantBad(t, db, 4, "deleted")
}

func openTestDB(t *testing.T) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "audit.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestList_NewestFirstByDayAndAction(t *testing.T) {
	db := openTestDB(t)
	day := func(d int) time.Time { return time.Date(2026, 11, d, 12, 0, 0, 0, time.UTC) }
	add := func(at time.Time, action, ref string) {
		if err := db.Update(func(tx *bolt.Tx) error { return Append(tx, at, "sara", action, ref) }); err != nil {
			t.Fatal(err)
		}
	}
	add(day(20), ActionChatFollowed, "chat:a")
	add(day(21), ActionChatTakenOver, "chat:a")
	add(day(22), ActionOpened, "ORO-ABCD1234")
	add(day(23), ActionChatFollowed, "chat:b")

	refs := func(q Query) string {
		es, err := List(db, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range es {
			out = append(out, e.Action+" "+e.Reference)
		}
		return strings.Join(out, ", ")
	}
	if got, want := refs(Query{}), "chat_followed chat:b, opened ORO-ABCD1234, chat_taken_over chat:a, chat_followed chat:a"; got != want {
		t.Fatalf("all = %s", got)
	}
	if got, want := refs(Query{From: day(21), To: day(22)}), "opened ORO-ABCD1234, chat_taken_over chat:a"; got != want {
		t.Fatalf("21–22 = %s", got)
	}
	if got, want := refs(Query{Action: ActionChatFollowed}), "chat_followed chat:b, chat_followed chat:a"; got != want {
		t.Fatalf("followed = %s", got)
	}
	if got := refs(Query{Limit: 1}); got != "chat_followed chat:b" {
		t.Fatalf("limit 1 = %s", got)
	}
}

func TestHandler_ListsAndRefusesBadInput(t *testing.T) {
	db := newTrail(t, 2)
	srv := httptest.NewServer(Handler(db))
	defer srv.Close()
	get := func(q string) (int, map[string]any) {
		res, err := http.Get(srv.URL + "/api/audit" + q)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		json.NewDecoder(res.Body).Decode(&m)
		return res.StatusCode, m
	}
	code, m := get("?from=2026-11-20&to=2026-11-20")
	if code != 200 || m["verified"] != true || len(m["entries"].([]any)) != 2 {
		t.Fatalf("%d %v", code, m)
	}
	for _, q := range []string{"?from=yesterday", "?to=2026-13-01", "?action=hacked"} {
		if code, _ := get(q); code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", q, code)
		}
	}
	deleteRaw(t, db, 1)
	if _, m := get(""); m["verified"] != false {
		t.Fatalf("a broken chain verified: %v", m)
	}
}
