package scrub

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	data   = []byte("data")
	filler = []byte("scrub")
	secret = []byte("Hemlighetsdotter 070-123 45 67")
)

func open(t *testing.T) (*bolt.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

func put(t *testing.T, db *bolt.DB, n int, value []byte) {
	t.Helper()
	if err := write(db, n, value); err != nil {
		t.Fatal(err)
	}
}

func write(db *bolt.DB, n int, value []byte) error {
	return db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(data)
		if err != nil {
			return err
		}
		for range n {
			seq, _ := b.NextSequence()
			if err := b.Put(binary.BigEndian.AppendUint64(nil, seq), value); err != nil {
				return err
			}
		}
		return nil
	})
}

// A deleted value is readable in the file until its pages are scrubbed;
// afterwards it is not, what was kept is still there, and the filler bucket
// is gone.
func TestFreePages_DeletedDataLeavesTheFile(t *testing.T) {
	db, path := open(t)
	put(t, db, 200, bytes.Repeat(secret, 20))
	put(t, db, 1, []byte("kept"))
	err := db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(data)
		for seq := uint64(1); seq <= 200; seq++ {
			if err := b.Delete(binary.BigEndian.AppendUint64(nil, seq)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Two more writes, so the pages the delete freed are no longer pending.
	put(t, db, 1, []byte("a"))
	put(t, db, 1, []byte("b"))
	if raw, _ := os.ReadFile(path); !bytes.Contains(raw, secret) {
		t.Fatal("the deleted value is not in the file before scrubbing; the test shows nothing")
	}

	n, err := FreePages(db, filler)
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no free pages filled")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, secret) {
		t.Fatalf("the deleted value is still in the file after scrubbing %d pages", n)
	}
	err = db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(filler) != nil {
			t.Error("the filler bucket was left behind")
		}
		if got := tx.Bucket(data).Get(binary.BigEndian.AppendUint64(nil, 201)); string(got) != "kept" {
			t.Errorf("a kept value reads %q", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Scrubbing while other writers grow the file (and so remap it) is safe
// under the race detector: the page size is read inside a transaction.
func TestFreePages_WhileTheFileGrows(t *testing.T) {
	db, _ := open(t)
	put(t, db, 50, bytes.Repeat(secret, 40))
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		value := bytes.Repeat([]byte{'x'}, 64<<10)
		for i := 0; i < 200; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := write(db, 4, value); err != nil {
				t.Error(err)
				return
			}
		}
	})
	deadline := time.Now().Add(5 * time.Second)
	for i := 0; i < 20 && time.Now().Before(deadline); i++ {
		if _, err := FreePages(db, filler); err != nil {
			t.Error(err)
			break
		}
	}
	close(stop)
	wg.Wait()
}
