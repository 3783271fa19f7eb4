package main

import (
	"time"

	bolt "go.etcd.io/bbolt"

	"parentline/audit"
)

// chatAuditor writes a supervisor's follow or take-over of a chat to the
// audit trail, durably, before the hub lets it happen.
type chatAuditor struct{ db *bolt.DB }

func (a chatAuditor) Audit(actor, action, chat string) error {
	return a.db.Update(func(tx *bolt.Tx) error {
		return audit.Append(tx, time.Now(), actor, action, "chat:"+chat)
	})
}
