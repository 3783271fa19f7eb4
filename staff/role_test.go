package staff

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseRoles(t *testing.T) {
	good := []struct {
		in   string
		want []Role
	}{
		{"counselor", []Role{RoleCounselor}},
		{"counselor,supervisor", []Role{RoleCounselor, RoleSupervisor}},
		{" admin , statistician ", []Role{RoleAdmin, RoleStatistician}},
		{"Admin", []Role{RoleAdmin}},
		{"counselor,counselor", []Role{RoleCounselor}},
	}
	for _, c := range good {
		got, err := ParseRoles(c.in)
		if err != nil {
			t.Errorf("ParseRoles(%q): %v", c.in, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseRoles(%q) = %v, want %v", c.in, got, c.want)
		}
	}

	bad := []struct{ in, mention string }{
		{"", "no role"},
		{"   ", "no role"},
		{"counselor,,admin", "empty role"},
		{"counselor,", "empty role"},
		{"counsellor", `"counsellor"`},
		{"admin,root", `"root"`},
		{"intake:2380", `"intake:2380"`}, // a plain role takes no scope
		{"foster:Östersund", "a-z"},
	}
	for _, c := range bad {
		_, err := ParseRoles(c.in)
		if err == nil {
			t.Errorf("ParseRoles(%q) accepted", c.in)
			continue
		}
		if !strings.Contains(err.Error(), c.mention) {
			t.Errorf("ParseRoles(%q) error %q does not mention %s", c.in, err, c.mention)
		}
	}
}

func TestRolePrefixes(t *testing.T) {
	got, err := ParseRoles("counselor, foster:2380, coordinator:north")
	if err != nil {
		t.Fatal(err)
	}
	want := []Role{RoleCounselor, "foster:2380", "coordinator:north"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for _, in := range []string{"foster:", "foster", "foster:a b", "booking:1", ":1"} {
		if _, err := ParseRoles(in); err == nil {
			t.Errorf("ParseRoles(%q) accepted", in)
		}
	}
	if !strings.Contains(knownRoles(), "foster:<scope>") {
		t.Errorf("knownRoles() = %q", knownRoles())
	}
}

func TestHas(t *testing.T) {
	u := User{Roles: []Role{RoleCounselor, RoleStatistician}}
	if !u.Has(RoleCounselor) || !u.Has(RoleAdmin, RoleStatistician) {
		t.Error("Has missed a role the user holds")
	}
	if u.Has(RoleAdmin) || u.Has() {
		t.Error("Has found a role the user does not hold")
	}
	s := Session{Roles: []Role{RoleSupervisor}}
	if !s.Has(RoleCounselor, RoleSupervisor) || s.Has(RoleCounselor) {
		t.Error("Session.Has wrong")
	}
}
