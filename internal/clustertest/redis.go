//go:build linux

package clustertest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Finding is a marker found in Redis.
type Finding struct {
	Key    string // the key it was found under
	Type   string // the key's type: string, hash, list, set, zset, stream, or another (read by DUMP only)
	In     string // "name" (the key's name), "value" (its value read by type) or "dump" (DUMP's serialization)
	Marker string // the marker
}

func (f Finding) String() string {
	return fmt.Sprintf("%q in the %s of %s key %q", f.Marker, f.In, f.Type, f.Key)
}

// ScanRedis reads every key of the client's database (SCAN) and reports
// each marker (case-sensitive) found in a key's name, in its value read
// whole by type (GET; HGETALL; LRANGE; SMEMBERS; ZRANGE WITHSCORES; XRANGE
// with the stream's consumer groups and consumers), or in its DUMP. Each
// key, place and marker is reported once, in key order. It is how a test
// shows that no chat text, IP address or user agent is at rest in Redis.
func ScanRedis(ctx context.Context, c *redis.Client, markers ...string) ([]Finding, error) {
	keys, err := Keys(ctx, c)
	if err != nil {
		return nil, err
	}
	var out []Finding
	for _, key := range keys {
		typ, err := c.Type(ctx, key).Result()
		if err != nil {
			return nil, fmt.Errorf("TYPE %q: %w", key, err)
		}
		if typ == "none" {
			continue // gone since the SCAN
		}
		values, err := readValue(ctx, c, key, typ)
		if err != nil {
			return nil, err
		}
		dump, err := c.Dump(ctx, key).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("DUMP %q: %w", key, err)
		}
		for _, m := range markers {
			if m == "" {
				continue
			}
			if strings.Contains(key, m) {
				out = append(out, Finding{Key: key, Type: typ, In: "name", Marker: m})
			}
			if slices.ContainsFunc(values, func(v string) bool { return strings.Contains(v, m) }) {
				out = append(out, Finding{Key: key, Type: typ, In: "value", Marker: m})
			}
			if strings.Contains(dump, m) {
				out = append(out, Finding{Key: key, Type: typ, In: "dump", Marker: m})
			}
		}
	}
	return out, nil
}

// readValue is every string a key's value holds, read by its type. A key
// that went away meanwhile reads as nothing.
func readValue(ctx context.Context, c *redis.Client, key, typ string) ([]string, error) {
	var (
		out []string
		err error
	)
	switch typ {
	case "string":
		var v string
		v, err = c.Get(ctx, key).Result()
		out = []string{v}
	case "hash":
		var m map[string]string
		m, err = c.HGetAll(ctx, key).Result()
		for k, v := range m {
			out = append(out, k, v)
		}
	case "list":
		out, err = c.LRange(ctx, key, 0, -1).Result()
	case "set":
		out, err = c.SMembers(ctx, key).Result()
	case "zset":
		var zs []redis.Z
		zs, err = c.ZRangeWithScores(ctx, key, 0, -1).Result()
		for _, z := range zs {
			out = append(out, fmt.Sprint(z.Member), strconv.FormatFloat(z.Score, 'g', -1, 64))
		}
	case "stream":
		out, err = readStream(ctx, c, key)
	default:
		return nil, nil // a module's type: DUMP is all there is
	}
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s %q: %w", typ, key, err)
	}
	return out, nil
}

// readStream is a stream's entries (ids, fields, values) and the names of
// its consumer groups and their consumers.
func readStream(ctx context.Context, c *redis.Client, key string) ([]string, error) {
	entries, err := c.XRange(ctx, key, "-", "+").Result()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.ID)
		for f, v := range e.Values {
			out = append(out, f, fmt.Sprint(v))
		}
	}
	groups, err := c.XInfoGroups(ctx, key).Result()
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		out = append(out, g.Name)
		consumers, err := c.XInfoConsumers(ctx, key, g.Name).Result()
		if err != nil {
			return nil, err
		}
		for _, cons := range consumers {
			out = append(out, cons.Name)
		}
	}
	return out, nil
}

// Keys lists every key of the client's database (SCAN), sorted.
func Keys(ctx context.Context, c *redis.Client) ([]string, error) {
	seen := map[string]bool{}
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, "*", 1000).Result()
		if err != nil {
			return nil, fmt.Errorf("SCAN: %w", err)
		}
		for _, k := range keys {
			seen[k] = true // SCAN may return a key more than once
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	slices.Sort(out)
	return out, nil
}
