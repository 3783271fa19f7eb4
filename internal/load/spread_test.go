//go:build linux

package load

import (
	"context"
	"strings"
	"testing"
)

// On two or more nodes every chat's counsellor is on another node than its
// parent; parents go round-robin; every counsellor holds at least one chat
// and at most MaxChats; and the count is what Counselors says.
func TestSpread_CounsellorOnAnotherNode(t *testing.T) {
	for _, tc := range []struct{ chats, nodes, maxChats int }{
		{1, 1, 20}, {20, 1, 20}, {21, 1, 20}, {300, 1, 20},
		{1, 2, 20}, {2, 2, 20}, {20, 2, 20}, {41, 2, 20}, {300, 2, 20},
		{1, 3, 20}, {2, 3, 20}, {300, 3, 20}, {301, 3, 7}, {5, 4, 1}, {1000, 5, 3},
	} {
		sp := newSpread(tc.chats, tc.nodes, tc.maxChats)
		held := make([]int, len(sp.counselorNode))
		perNode := make([]int, tc.nodes)
		for i := range tc.chats {
			p := sp.parentNode(i)
			if p != i%tc.nodes {
				t.Errorf("%+v: chat %d's parent on node %d, want %d", tc, i, p, i%tc.nodes)
			}
			perNode[p]++
			co := sp.counselorOf[i]
			if co < 0 || co >= len(held) {
				t.Fatalf("%+v: chat %d has counsellor %d of %d", tc, i, co, len(held))
			}
			held[co]++
			if tc.nodes > 1 && sp.counselorNode[co] == p {
				t.Errorf("%+v: chat %d has parent and counsellor on node %d", tc, i, p)
			}
		}
		for co, n := range held {
			if n == 0 || n > tc.maxChats {
				t.Errorf("%+v: counsellor %d holds %d chats", tc, co, n)
			}
		}
		for k := 1; k < tc.nodes; k++ {
			if d := perNode[0] - perNode[k]; d < 0 || d > 1 {
				t.Errorf("%+v: parents per node %v, not round-robin", tc, perNode)
			}
		}
		urls := make([]string, tc.nodes)
		cfg := Config{Target: Parentline, Mode: Open, Chats: tc.chats, MaxChats: tc.maxChats, URLs: urls}
		if got := cfg.Counselors(); got != len(sp.counselorNode) {
			t.Errorf("%+v: Counselors() = %d, the spread uses %d", tc, got, len(sp.counselorNode))
		}
	}
}

// On one node the spread is the single-server layout: chats in order, in
// even shares over ceil(chats/MaxChats) counsellors.
func TestSpread_OneNodeAsBefore(t *testing.T) {
	for _, chats := range []int{1, 19, 20, 21, 50, 1000} {
		sp := newSpread(chats, 1, 20)
		nc := (chats + 19) / 20
		if len(sp.counselorNode) != nc {
			t.Fatalf("%d chats: %d counsellors, want %d", chats, len(sp.counselorNode), nc)
		}
		share := (chats + nc - 1) / nc
		for i := range chats {
			if sp.counselorOf[i] != i/share {
				t.Fatalf("%d chats: chat %d with counsellor %d, want %d", chats, i, sp.counselorOf[i], i/share)
			}
		}
	}
}

// With two nodes, 300 chats at 20 each need 16 counsellors (150 parents a
// node, 8 counsellors for each), one more than on one node.
func TestSpread_Counts(t *testing.T) {
	for _, tc := range []struct{ chats, nodes, want int }{
		{300, 1, 15}, {300, 2, 16}, {300, 3, 15}, {20, 2, 2}, {1, 3, 1}, {2, 3, 2},
	} {
		if got := spreadCounselors(tc.chats, tc.nodes, 20); got != tc.want {
			t.Errorf("%d chats on %d nodes: %d counsellors, want %d", tc.chats, tc.nodes, got, tc.want)
		}
	}
}

func TestConfig_NodesValidated(t *testing.T) {
	base := Config{Target: Parentline, Mode: Open, Chats: 1, Rate: 1, Password: "pw"}
	for name, tc := range map[string]struct {
		mutate func(*Config)
		want   string // "" for no error
	}{
		"one URL":       {func(c *Config) { c.URL = "http://127.0.0.1:1" }, ""},
		"URLs":          {func(c *Config) { c.URLs = []string{"http://127.0.0.1:1", "http://localhost:2"} }, ""},
		"both":          {func(c *Config) { c.URL = "http://127.0.0.1:1"; c.URLs = []string{"http://127.0.0.1:2"} }, "not both"},
		"remote node":   {func(c *Config) { c.URLs = []string{"http://127.0.0.1:1", "http://10.0.0.1:2"} }, "loopback"},
		"remote login":  {func(c *Config) { c.URL = "http://127.0.0.1:1"; c.LoginURL = "http://192.0.2.1:1" }, "loopback"},
		"floor, two":    {func(c *Config) { c.Target = Floor; c.URLs = []string{"http://127.0.0.1:1", "http://127.0.0.1:2"} }, "one URL"},
		"floor, login":  {func(c *Config) { c.Target = Floor; c.URL = "http://127.0.0.1:1"; c.LoginURL = c.URL }, "no logins"},
		"negative PIDs": {func(c *Config) { c.URL = "http://127.0.0.1:1"; c.ServerPIDs = []int{-1} }, "PID"},
	} {
		cfg := base
		tc.mutate(&cfg)
		hosts, _, err := cfg.withDefaults().validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", name, err)
		case tc.want == "" && len(hosts) != len(cfg.nodes()):
			t.Errorf("%s: hosts %v", name, hosts)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want one saying %q", name, err, tc.want)
		}
	}
	hosts, login, err := Config{Target: Parentline, Mode: Open, Chats: 1, Rate: 1, Password: "pw",
		URLs: []string{"http://localhost:7"}, LoginURL: "http://127.0.0.1:8"}.withDefaults().validate()
	if err != nil || len(hosts) != 1 || hosts[0] != "127.0.0.1:7" || login != "127.0.0.1:8" {
		t.Errorf("hosts %v, login %q, %v", hosts, login, err)
	}
}

// A run's sockets go to the node each belongs to: parents round-robin, a
// counsellor to their own node, and logins to the login node when given.
func TestRunner_DialsPerNode(t *testing.T) {
	r := newRunner(context.Background(), Config{Target: Parentline}.withDefaults(),
		[]string{"127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"}, "")
	defer r.teardown()
	for i, want := range []string{"127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3", "127.0.0.1:1"} {
		if got := r.node(int64(i)).host; got != want {
			t.Errorf("node(%d) = %s, want %s", i, got, want)
		}
	}
	if got := r.loginAt(2).host; got != "127.0.0.1:3" {
		t.Errorf("login without a login node at %s", got)
	}
	r2 := newRunner(context.Background(), Config{Target: Parentline}.withDefaults(), []string{"127.0.0.1:1", "127.0.0.1:2"}, "127.0.0.1:9")
	defer r2.teardown()
	if got := r2.loginAt(1).host; got != "127.0.0.1:9" {
		t.Errorf("login at %s, want the login node", got)
	}
}
