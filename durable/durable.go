// Package durable carries what a chat node must keep (tallies, case
// envelopes, audit entries) to the one store node over a Redis stream, where
// it is applied to bbolt exactly once, even across crashes and redeliveries.
package durable

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"
)

// Stream is the Redis stream every node appends to.
const Stream = "pl:durable"

const group = "store" // the store node's consumer group; it is the only reader

var (
	bucketMeta = []byte("durable_meta")
	keyLast    = []byte("last_applied") // the stream id of the last entry applied
)

// Send appends one entry and returns once Redis has it. With Redis's
// append-only file fsync'd on every write (as a cluster runs it), an entry
// whose Send returned nil survives a Redis restart.
func Send(ctx context.Context, rdb redis.Cmdable, kind string, payload []byte) (string, error) {
	id, err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: Stream, Values: []any{"kind", kind, "body", payload}}).Result()
	if err != nil {
		return "", fmt.Errorf("durable: sending %s: %w", kind, err)
	}
	return id, nil
}

// Handler applies one entry's payload inside the store node's transaction.
// It returns a Reject error for an entry that can never be applied (it is
// logged and skipped); any other error aborts the batch, which is retried.
type Handler func(tx *bolt.Tx, payload []byte) error

// Rejected marks an entry that is malformed rather than failed.
type Rejected struct{ Err error }

func (r *Rejected) Error() string { return "rejected: " + r.Err.Error() }
func (r *Rejected) Unwrap() error { return r.Err }

// Reject wraps err as Rejected.
func Reject(err error) error { return &Rejected{Err: err} }

// Applier reads the stream on the store node and applies each entry once.
type Applier struct {
	rdb      *redis.Client
	db       *bolt.DB
	handlers map[string]Handler
	log      zerolog.Logger
	consumer string
	grouped  bool // the consumer group is known to exist
	// recheck: entries may be delivered but unacknowledged (at start, and
	// after a failed step), so the next step reads those first.
	recheck bool
	// afterCommit, if set (tests), runs after a batch is committed to bbolt
	// and before it is acknowledged in Redis: a crash there is the case
	// exactly-once must survive.
	afterCommit func()
}

// NewApplier prepares the bookkeeping bucket. It does not need Redis yet:
// the consumer group is made on the first step that reaches it.
func NewApplier(rdb *redis.Client, db *bolt.DB, handlers map[string]Handler, log zerolog.Logger) (*Applier, error) {
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketMeta)
		return err
	}); err != nil {
		return nil, fmt.Errorf("durable: creating %s: %w", bucketMeta, err)
	}
	return &Applier{rdb: rdb, db: db, handlers: handlers, log: log, consumer: "store", recheck: true}, nil
}

// Run applies entries until ctx ends. Redis or disk failures are logged and
// retried with a pause; they never lose an entry, which stays in the stream
// (and in the group's pending list) until it has been committed.
func (a *Applier) Run(ctx context.Context) error {
	pause := 100 * time.Millisecond
	for ctx.Err() == nil {
		n, err := a.Step(ctx, time.Second)
		switch {
		case err != nil && ctx.Err() == nil:
			a.log.Warn().Err(err).Msg("applying the durable stream; retrying")
			select {
			case <-ctx.Done():
			case <-time.After(pause):
			}
			pause = min(2*pause, 5*time.Second)
		case n > 0:
			pause = 100 * time.Millisecond
		}
	}
	return ctx.Err()
}

// Step applies one batch: first entries delivered before but never
// acknowledged (after a crash), then new ones, waiting up to block for them.
// It returns how many entries it committed or skipped.
func (a *Applier) Step(ctx context.Context, block time.Duration) (n int, err error) {
	defer func() {
		if err != nil {
			a.recheck = true
		}
	}()
	if !a.grouped {
		err := a.rdb.XGroupCreateMkStream(ctx, Stream, group, "0").Err()
		if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
			return 0, fmt.Errorf("durable: creating the consumer group: %w", err)
		}
		a.grouped = true
	}
	for _, from := range []string{"0", ">"} {
		if from == "0" && !a.recheck {
			continue
		}
		args := &redis.XReadGroupArgs{Group: group, Consumer: a.consumer, Streams: []string{Stream, from}, Count: 200, Block: -1}
		if from == ">" {
			args.Block = block
		}
		res, err := a.rdb.XReadGroup(ctx, args).Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil && strings.Contains(err.Error(), "NOGROUP") {
			a.grouped = false // Redis lost the group (restarted without its data): make it again
		}
		if err != nil {
			return 0, fmt.Errorf("durable: reading the stream: %w", err)
		}
		if len(res) == 0 || len(res[0].Messages) == 0 {
			if from == "0" {
				a.recheck = false // nothing left over
			}
			continue
		}
		return a.apply(ctx, res[0].Messages)
	}
	return 0, nil
}

// apply commits a batch in one bbolt transaction that also records the last
// applied id, then acknowledges and trims it in Redis. Entries at or before
// the recorded id were applied already and are only acknowledged.
func (a *Applier) apply(ctx context.Context, msgs []redis.XMessage) (int, error) {
	err := a.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		last := string(meta.Get(keyLast))
		for _, m := range msgs {
			if !after(m.ID, last) {
				continue // applied before a crash kept it from being acknowledged
			}
			kind, _ := m.Values["kind"].(string)
			body, _ := m.Values["body"].(string)
			h := a.handlers[kind]
			var err error
			if h == nil {
				err = Reject(fmt.Errorf("unknown kind %q", kind))
			} else {
				err = h(tx, []byte(body))
			}
			var rej *Rejected
			if errors.As(err, &rej) {
				a.log.Error().Err(err).Str("kind", kind).Str("id", m.ID).Msg("durable entry skipped")
			} else if err != nil {
				return fmt.Errorf("applying %s %s: %w", kind, m.ID, err)
			}
			last = m.ID
		}
		return meta.Put(keyLast, []byte(last))
	})
	if err != nil {
		return 0, fmt.Errorf("durable: %w", err)
	}
	if a.afterCommit != nil {
		a.afterCommit()
	}
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
	}
	pipe := a.rdb.TxPipeline()
	pipe.XAck(ctx, Stream, group, ids...)
	pipe.XDel(ctx, Stream, ids...)
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, fmt.Errorf("durable: acknowledging: %w", err)
	}
	return len(msgs), nil
}

// after says whether stream id a comes after b ("" is before everything).
func after(a, b string) bool {
	if b == "" {
		return true
	}
	am, as := splitID(a)
	bm, bs := splitID(b)
	return am > bm || am == bm && as > bs
}

func splitID(id string) (ms, seq uint64) {
	m, s, _ := strings.Cut(id, "-")
	ms, _ = strconv.ParseUint(m, 10, 64)
	seq, _ = strconv.ParseUint(s, 10, 64)
	return ms, seq
}
