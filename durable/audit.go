package durable

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	bolt "go.etcd.io/bbolt"

	"parentline/audit"
)

// KindAudit is the entry kind of audit-trail entries written on a chat node
// (a supervisor following or taking over a chat).
const KindAudit = "audit"

// auditEntry is one audit-trail entry in flight: who, what, on which
// reference, when. Never content.
type auditEntry struct {
	At        time.Time `json:"at"`
	Actor     string    `json:"actor"`
	Action    string    `json:"action"`
	Reference string    `json:"reference"`
}

// ApplyAudit is the store node's Handler for KindAudit entries: it appends
// the entry to the hash-chained trail in the applying transaction.
func ApplyAudit(tx *bolt.Tx, payload []byte) error {
	var e auditEntry
	if err := json.Unmarshal(payload, &e); err != nil {
		return Reject(err)
	}
	if e.Actor == "" || e.Action == "" || e.Reference == "" || e.At.IsZero() {
		return Reject(errors.New("an audit entry needs actor, action, reference and time"))
	}
	return audit.Append(tx, e.At, e.Actor, e.Action, e.Reference)
}

// Auditor is a chat node's audit trail: Audit returns once Redis has the
// entry (with appendfsync always, durable), and the store node appends it
// to the trail. A chat node's hub calls it before letting a follow or a
// take-over happen, as the store node's own auditor does.
type Auditor struct {
	rdb *redis.Client
	now func() time.Time
}

// NewAuditor makes a chat node's Auditor.
func NewAuditor(rdb *redis.Client) *Auditor { return &Auditor{rdb: rdb, now: time.Now} }

// Audit sends one entry for a chat ("chat:" + id on the trail).
func (a *Auditor) Audit(actor, action, chat string) error {
	payload, err := json.Marshal(auditEntry{At: a.now(), Actor: actor, Action: action, Reference: "chat:" + chat})
	if err != nil {
		return fmt.Errorf("durable: encoding an audit entry: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := Send(ctx, a.rdb, KindAudit, payload); err != nil {
		return fmt.Errorf("durable: sending an audit entry: %w", err)
	}
	return nil
}
