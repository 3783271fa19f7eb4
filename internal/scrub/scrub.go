// Package scrub overwrites the free pages of a bbolt file, so that personal
// data a purge deleted does not stay readable in pages bbolt has freed.
package scrub

import (
	"encoding/binary"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// Each round fills up to batch free pages with filler (two values per page,
// so bbolt writes each as a page of its own from a zeroed buffer); the
// filler is deleted at the end, which frees those pages again, now holding
// nothing but filler.
const (
	batch     = 8192
	maxRounds = 64
)

// one keeps one scrub at a time per process: two would fill each other's
// pages.
var one sync.Mutex

// FreePages overwrites db's free pages with filler in ordinary write
// transactions, using bucket (normally absent; deleted at the end) for the
// filler, and returns how many pages it filled.
func FreePages(db *bolt.DB, bucket []byte) (int, error) {
	one.Lock()
	defer one.Unlock()
	total := 0
	for range maxRounds {
		var free, filled int
		err := db.Update(func(tx *bolt.Tx) error {
			free, filled = 0, 0
			// Read inside the transaction: another writer may remap the
			// file, and DB.Info reads the mapping without a lock.
			pageSize := tx.DB().Info().PageSize
			// Leaf page header 16 bytes, element header 16, key 8: two
			// values of this size fill one page, three do not fit.
			filler := make([]byte, max(pageSize/2-64, 64))
			pages := int(tx.Size() / int64(pageSize))
			for id := 2; id < pages; id++ {
				info, err := tx.Page(id)
				if err != nil {
					return err
				}
				if info != nil && info.Type == "free" {
					free++
				}
			}
			if free == 0 {
				return nil
			}
			b, err := tx.CreateBucketIfNotExists(bucket)
			if err != nil {
				return err
			}
			b.FillPercent = 1.0
			filled = min(free, batch)
			for range 2 * filled {
				seq, err := b.NextSequence()
				if err != nil {
					return err
				}
				if err := b.Put(binary.BigEndian.AppendUint64(nil, seq), filler); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += filled
		if free <= filled {
			break
		}
	}
	err := db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucket) == nil {
			return nil
		}
		return tx.DeleteBucket(bucket)
	})
	return total, err
}
