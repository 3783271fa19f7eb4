package staff

import (
	"errors"
	"fmt"
	"strings"
)

// Role is a permission a staff member holds. A role is either one of the
// plain roles below or a scoped role "prefix:scope" whose prefix is listed
// in rolePrefixes.
type Role string

// The plain roles.
const (
	RoleCounselor    Role = "counselor"
	RoleSupervisor   Role = "supervisor"
	RoleStatistician Role = "statistician"
	RoleAdmin        Role = "admin"
	// RoleIntake is social services intake staff: they read escalated cases.
	RoleIntake Role = "intake"
	// RoleBooking is family-counselling staff: they publish slots and see
	// bookings once both partners have signed.
	RoleBooking Role = "booking"
)

// plainRoles are the roles a user may hold as they are. To add one (for
// example "intake" or "booking"), add a line here.
var plainRoles = []Role{
	RoleCounselor,
	RoleSupervisor,
	RoleStatistician,
	RoleAdmin,
	RoleIntake,
	RoleBooking,
}

// rolePrefixes are the scoped roles a user may hold as "prefix:scope". To
// allow another, add its prefix (without the colon) here.
var rolePrefixes = []string{
	// "foster:<municipality code>", e.g. "foster:2380": a municipality's
	// foster-care staff (familjehemssekreterare); they read the foster-home
	// interest registrations sent to that municipality and no other.
	"foster",
	// "coordinator:<district>", e.g. "coordinator:kungsholmen": a city
	// district's coordinator (samordnare) of the ABC and Komet parenting
	// programmes; they read and set the status of that district's
	// registrations.
	"coordinator",
}

// Limits on the scope part of a scoped role.
const maxRoleScope = 40

// checkRole returns nil if r is a role a user may hold, otherwise an error
// naming it.
func checkRole(r Role) error {
	s := string(r)
	if s == "" {
		return errors.New("empty role")
	}
	for _, p := range plainRoles {
		if r == p {
			return nil
		}
	}
	prefix, scope, scoped := strings.Cut(s, ":")
	if scoped {
		for _, p := range rolePrefixes {
			if prefix != p {
				continue
			}
			if scope == "" || len(scope) > maxRoleScope || !onlyChars(scope, "abcdefghijklmnopqrstuvwxyz0123456789._-") {
				return fmt.Errorf("role %q needs a scope after %q of 1–%d characters a-z, 0-9, '.', '_' or '-'", s, prefix+":", maxRoleScope)
			}
			return nil
		}
	}
	return fmt.Errorf("unknown role %q (known roles: %s)", s, knownRoles())
}

// knownRoles lists the accepted roles for error messages.
func knownRoles() string {
	names := make([]string, 0, len(plainRoles)+len(rolePrefixes))
	for _, r := range plainRoles {
		names = append(names, string(r))
	}
	for _, p := range rolePrefixes {
		names = append(names, p+":<scope>")
	}
	return strings.Join(names, ", ")
}

// ParseRoles parses a comma-separated list such as "counselor,supervisor".
// Spaces around each role are trimmed and letters are folded to lower case;
// duplicates are dropped. An empty list, an empty item or an unknown role is
// an error that names the problem.
func ParseRoles(s string) ([]Role, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("no role given (known roles: %s)", knownRoles())
	}
	var roles []Role
	for _, item := range strings.Split(s, ",") {
		r := Role(strings.ToLower(strings.TrimSpace(item)))
		if r == "" {
			return nil, fmt.Errorf("empty role in %q; separate roles with single commas", s)
		}
		if err := checkRole(r); err != nil {
			return nil, err
		}
		if !hasAny(roles, r) {
			roles = append(roles, r)
		}
	}
	return roles, nil
}

// checkRoles validates a role list for a user: at least one role, each known.
func checkRoles(roles []Role) error {
	if len(roles) == 0 {
		return fmt.Errorf("a user needs at least one role (known roles: %s)", knownRoles())
	}
	for _, r := range roles {
		if err := checkRole(r); err != nil {
			return err
		}
	}
	return nil
}

// hasAny reports whether have contains any of want.
func hasAny(have []Role, want ...Role) bool {
	for _, w := range want {
		for _, h := range have {
			if h == w {
				return true
			}
		}
	}
	return false
}

// onlyChars reports whether every byte of s is in allowed.
func onlyChars(s, allowed string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(allowed, s[i]) < 0 {
			return false
		}
	}
	return true
}
