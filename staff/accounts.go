package staff

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"

	"parentline/audit"
	"parentline/internal/field"
	"parentline/internal/web"
)

// Account administration: an admin lists, adds, changes, disables and
// deletes staff accounts over HTTP (the page /admin/). Two rules keep the
// service administrable: an admin cannot lock themself out (disable or
// delete their own account, or drop their own admin role), and the last
// enabled admin cannot be disabled, deleted or lose the role. Both are
// checked in the transaction that makes the change.

// Errors of ChangeAccount and DeleteAccount.
var (
	ErrSelf      = errors.New("an admin cannot disable or delete their own account or remove their own admin role")
	ErrLastAdmin = errors.New("the last enabled admin cannot be disabled, deleted or lose the admin role")
)

// AccountChange is what ChangeAccount changes: the fields that are set.
type AccountChange struct {
	Name     *string
	Roles    []Role // nil: unchanged
	Disabled *bool
}

// ChangeAccount changes username's account on behalf of the admin actor,
// refusing with ErrSelf or ErrLastAdmin what would lock the service out.
// Disabling ends the account's sessions; new roles and names reach them at
// once. It returns the account as changed.
func (s *Store) ChangeAccount(actor, username string, c AccountChange) (User, error) {
	var name string
	if c.Name != nil {
		var err error
		if name, err = cleanName(*c.Name); err != nil {
			return User{}, err
		}
	}
	if c.Roles != nil {
		if err := checkRoles(c.Roles); err != nil {
			return User{}, err
		}
	}
	disabling := c.Disabled != nil && *c.Disabled
	if actor == username && (disabling || (c.Roles != nil && !hasAny(c.Roles, RoleAdmin))) {
		return User{}, ErrSelf
	}
	roles := uniqueRoles(c.Roles)
	return s.updateUserGuarded(username, disabling, func(rec *userRecord) {
		if c.Name != nil {
			rec.Name = name
		}
		if c.Roles != nil {
			rec.Roles = roles
		}
		if c.Disabled != nil {
			rec.Disabled = *c.Disabled
		}
	}, adminLeft)
}

// DeleteAccount deletes username's account on behalf of the admin actor;
// ErrSelf for their own, ErrLastAdmin for the last enabled admin.
func (s *Store) DeleteAccount(actor, username string) error {
	if actor == username {
		return ErrSelf
	}
	return s.deleteUserGuarded(username, adminLeft)
}

// adminLeft returns ErrLastAdmin unless an enabled admin remains.
func adminLeft(tx *bolt.Tx) error {
	found := false
	err := tx.Bucket(usersBucket).ForEach(func(k, v []byte) error {
		if found {
			return nil
		}
		var rec userRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("reading user %q: %w", k, err)
		}
		found = !rec.Disabled && hasAny(rec.Roles, RoleAdmin)
		return nil
	})
	if err != nil {
		return err
	}
	if !found {
		return ErrLastAdmin
	}
	return nil
}

// ---- HTTP ----

// AccountOptions configures AccountRoutes.
type AccountOptions struct {
	// Audit records one change: the admin who made it, the action
	// (audit.ActionUser…) and the changed username. A change is answered
	// 2xx only once it is recorded. Nil: nothing is recorded.
	Audit func(actor, action, username string) error
	// Log gets each change by usernames (never a password).
	Log zerolog.Logger
}

// maxAccountBody bounds an account request's body.
const maxAccountBody = 16 << 10

// AccountRoutes registers the account administration routes on mux, each
// behind require(RoleAdmin):
//
//	GET    /api/users                      the accounts, by username
//	GET    /api/users/roles                the roles an account may hold, with labels
//	POST   /api/users                      {"username","name","roles","password"} → 201 ACCOUNT
//	PUT    /api/users/{username}           {"name"?,"roles"?,"disabled"?} → 200 ACCOUNT
//	POST   /api/users/{username}/password  {"password"} → 204
//	DELETE /api/users/{username}           → 204
//
// Errors are {"error","code","fields"?} in the request's language; see
// docs/protocol.md.
func (s *Store) AccountRoutes(mux *http.ServeMux, require func(...Role) func(http.Handler) http.Handler, o AccountOptions) {
	a := &accountAPI{s: s, o: o}
	admin := require(RoleAdmin)
	mux.Handle("GET /api/users", admin(http.HandlerFunc(a.handleList)))
	mux.Handle("GET /api/users/roles", admin(http.HandlerFunc(a.handleRoles)))
	mux.Handle("POST /api/users", admin(http.HandlerFunc(a.handleAdd)))
	mux.Handle("PUT /api/users/{username}", admin(http.HandlerFunc(a.handleChange)))
	mux.Handle("POST /api/users/{username}/password", admin(http.HandlerFunc(a.handlePassword)))
	mux.Handle("DELETE /api/users/{username}", admin(http.HandlerFunc(a.handleDelete)))
}

type accountAPI struct {
	s *Store
	o AccountOptions
}

// accountJSON is ACCOUNT: a user without the password hash.
type accountJSON struct {
	Username string    `json:"username"`
	Name     string    `json:"name"`
	Roles    []Role    `json:"roles"`
	Disabled bool      `json:"disabled"`
	Created  time.Time `json:"created"`
}

func account(u User) accountJSON {
	roles := u.Roles
	if roles == nil {
		roles = []Role{}
	}
	return accountJSON{Username: u.Username, Name: u.Name, Roles: roles, Disabled: u.Disabled, Created: u.Created}
}

// Labels of the roles, for the page.
var (
	roleLabels = map[Role]field.Message{
		RoleCounselor:    {Sv: "Rådgivare", En: "Counsellor"},
		RoleSupervisor:   {Sv: "Arbetsledare", En: "Supervisor"},
		RoleStatistician: {Sv: "Statistiker", En: "Statistician"},
		RoleAdmin:        {Sv: "Administratör", En: "Administrator"},
		RoleIntake:       {Sv: "Socialtjänstens mottagning", En: "Social services intake"},
		RoleBooking:      {Sv: "Familjerådgivningen (bokningar)", En: "Family counselling (bookings)"},
	}
	prefixLabels = map[string][2]field.Message{ // label, hint for the scope
		"foster":      {{Sv: "Familjehemssekreterare", En: "Foster-care staff"}, {Sv: "kommunkod, t.ex. 2380", En: "municipality code, e.g. 2380"}},
		"coordinator": {{Sv: "Samordnare ABC och Komet", En: "ABC and Komet coordinator"}, {Sv: "stadsdel, t.ex. kungsholmen", En: "city district, e.g. kungsholmen"}},
	}
)

type (
	plainRoleJSON struct {
		Role  Role          `json:"role"`
		Label field.Message `json:"label"`
	}
	scopedRoleJSON struct {
		Prefix string        `json:"prefix"`
		Label  field.Message `json:"label"`
		Hint   field.Message `json:"hint"`
	}
)

func (a *accountAPI) handleRoles(w http.ResponseWriter, r *http.Request) {
	out := struct {
		Plain  []plainRoleJSON  `json:"plain"`
		Scoped []scopedRoleJSON `json:"scoped"`
	}{Plain: []plainRoleJSON{}, Scoped: []scopedRoleJSON{}}
	for _, role := range plainRoles {
		out.Plain = append(out.Plain, plainRoleJSON{Role: role, Label: roleLabels[role]})
	}
	for _, p := range rolePrefixes {
		l := prefixLabels[p]
		out.Scoped = append(out.Scoped, scopedRoleJSON{Prefix: p, Label: l[0], Hint: l[1]})
	}
	web.JSON(w, http.StatusOK, out)
}

func (a *accountAPI) handleList(w http.ResponseWriter, r *http.Request) {
	users, err := a.s.Users()
	if err != nil {
		a.internal(w, r, err, "listing the accounts")
		return
	}
	out := make([]accountJSON, 0, len(users))
	for _, u := range users {
		out = append(out, account(u))
	}
	web.JSON(w, http.StatusOK, out)
}

func (a *accountAPI) handleAdd(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Username string `json:"username"`
		Name     string `json:"name"`
		Roles    []Role `json:"roles"`
		Password string `json:"password"`
	}
	if !a.decode(w, r, &req) {
		return
	}
	req.Username = strings.TrimSpace(req.Username)
	fields := field.Errors{}
	if err := checkUsername(req.Username); err != nil {
		fields["username"] = fieldUsername
	}
	if _, err := cleanName(req.Name); err != nil {
		fields["name"] = fieldName
	}
	if f, bad := rolesField(req.Roles); bad {
		fields["roles"] = f
	}
	if err := checkPassword(req.Password); err != nil {
		fields["password"] = fieldPassword
	}
	if len(fields) > 0 {
		a.invalid(w, r, fields)
		return
	}
	actor := actorOf(r)
	if err := a.s.AddUser(req.Username, req.Name, req.Roles, req.Password); err != nil {
		a.fail(w, r, err)
		return
	}
	u, err := a.s.User(req.Username)
	if err != nil {
		a.internal(w, r, err, "reading the new account")
		return
	}
	if !a.audit(w, r, actor, audit.ActionUserAdded, u.Username) {
		return
	}
	a.o.Log.Info().Str("by", actor).Str("username", u.Username).Strs("roles", roleStrings(u.Roles)).Msg("account added")
	web.JSON(w, http.StatusCreated, account(u))
}

func (a *accountAPI) handleChange(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name     *string `json:"name"`
		Roles    *[]Role `json:"roles"`
		Disabled *bool   `json:"disabled"`
	}
	if !a.decode(w, r, &req) {
		return
	}
	username := r.PathValue("username")
	c := AccountChange{Name: req.Name, Disabled: req.Disabled}
	fields := field.Errors{}
	if req.Name != nil {
		if _, err := cleanName(*req.Name); err != nil {
			fields["name"] = fieldName
		}
	}
	if req.Roles != nil {
		c.Roles = *req.Roles
		if c.Roles == nil {
			c.Roles = []Role{}
		}
		if f, bad := rolesField(c.Roles); bad {
			fields["roles"] = f
		}
	}
	if len(fields) > 0 {
		a.invalid(w, r, fields)
		return
	}
	before, err := a.s.User(username)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	actor := actorOf(r)
	u, err := a.s.ChangeAccount(actor, username, c)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if (req.Name != nil && before.Name != u.Name) || (req.Roles != nil && !sameRoles(before.Roles, u.Roles)) {
		if !a.audit(w, r, actor, audit.ActionUserChanged, username) {
			return
		}
	}
	if req.Disabled != nil && before.Disabled != u.Disabled {
		action := audit.ActionUserEnabled
		if u.Disabled {
			action = audit.ActionUserDisabled
		}
		if !a.audit(w, r, actor, action, username) {
			return
		}
	}
	a.o.Log.Info().Str("by", actor).Str("username", username).Strs("roles", roleStrings(u.Roles)).Bool("disabled", u.Disabled).
		Msg("account changed")
	web.JSON(w, http.StatusOK, account(u))
}

func (a *accountAPI) handlePassword(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Password string `json:"password"`
	}
	if !a.decode(w, r, &req) {
		return
	}
	if err := checkPassword(req.Password); err != nil {
		a.invalid(w, r, field.Errors{"password": fieldPassword})
		return
	}
	username, actor := r.PathValue("username"), actorOf(r)
	if err := a.s.SetPassword(username, req.Password); err != nil {
		a.fail(w, r, err)
		return
	}
	if !a.audit(w, r, actor, audit.ActionUserPasswordSet, username) {
		return
	}
	a.o.Log.Info().Str("by", actor).Str("username", username).Msg("account password set; its sessions ended")
	w.WriteHeader(http.StatusNoContent)
}

func (a *accountAPI) handleDelete(w http.ResponseWriter, r *http.Request) {
	username, actor := r.PathValue("username"), actorOf(r)
	if err := a.s.DeleteAccount(actor, username); err != nil {
		a.fail(w, r, err)
		return
	}
	if !a.audit(w, r, actor, audit.ActionUserDeleted, username) {
		return
	}
	a.o.Log.Info().Str("by", actor).Str("username", username).Msg("account deleted")
	w.WriteHeader(http.StatusNoContent)
}

// actorOf is the admin making the request (Require put the session there).
func actorOf(r *http.Request) string {
	sess, _ := FromContext(r.Context())
	return sess.Username
}

// Per-field messages.
var (
	fieldUsername = field.Message{
		Sv: fmt.Sprintf("Användarnamnet ska vara %d–%d tecken: små bokstäver a–z, siffror och . _ -", minUsername, maxUsername),
		En: fmt.Sprintf("The username must be %d–%d characters: lower-case a–z, digits and . _ -", minUsername, maxUsername)}
	fieldName = field.Message{
		Sv: fmt.Sprintf("Namnet får vara högst %d tecken och inte innehålla styrtecken.", maxName),
		En: fmt.Sprintf("The name may be at most %d characters, without control characters.", maxName)}
	fieldPassword = field.Message{
		Sv: fmt.Sprintf("Lösenordet ska vara minst %d tecken.", minPasswordChars),
		En: fmt.Sprintf("The password must be at least %d characters.", minPasswordChars)}
	fieldNoRole = field.Message{Sv: "Välj minst en roll.", En: "Choose at least one role."}
)

// rolesField checks a role list and says what is wrong with it.
func rolesField(roles []Role) (field.Message, bool) {
	if len(roles) == 0 {
		return fieldNoRole, true
	}
	for _, r := range roles {
		if checkRole(r) != nil {
			return field.Message{
				Sv: fmt.Sprintf("Rollen %q finns inte, eller saknar en giltig avgränsning (t.ex. foster:2380).", string(r)),
				En: fmt.Sprintf("The role %q does not exist, or lacks a valid scope (e.g. foster:2380).", string(r))}, true
		}
	}
	return field.Message{}, false
}

// Messages of the error codes.
var accountErrors = map[string]field.Message{
	"bad_request": {Sv: "Ogiltig begäran.", En: "Invalid request."},
	"too_large":   {Sv: "Begäran är för stor.", En: "The request is too large."},
	"invalid":     {Sv: "Rätta de markerade fälten.", En: "Correct the marked fields."},
	"exists":      {Sv: "Det finns redan ett konto med det användarnamnet.", En: "An account with that username already exists."},
	"no_user":     {Sv: "Kontot finns inte.", En: "The account does not exist."},
	"self": {Sv: "Du kan inte stänga av eller ta bort ditt eget konto, eller ta bort din egen administratörsroll.",
		En: "You cannot disable or delete your own account, or remove your own administrator role."},
	"last_admin": {Sv: "Det måste finnas minst en aktiv administratör. Ge någon annan rollen först.",
		En: "There must be at least one active administrator. Give someone else the role first."},
	"internal": {Sv: "Något gick fel. Ingenting har ändrats om inte annat sägs. Försök igen.",
		En: "Something went wrong. Nothing was changed unless said otherwise. Please try again."},
}

func (a *accountAPI) answer(w http.ResponseWriter, r *http.Request, status int, code string, fields field.Errors) {
	body := map[string]any{"error": accountErrors[code].In(web.Lang(r)), "code": code}
	if fields != nil {
		body["fields"] = fields
	}
	web.JSON(w, status, body)
}

func (a *accountAPI) invalid(w http.ResponseWriter, r *http.Request, fields field.Errors) {
	a.answer(w, r, http.StatusUnprocessableEntity, "invalid", fields)
}

func (a *accountAPI) internal(w http.ResponseWriter, r *http.Request, err error, what string) {
	a.o.Log.Error().Err(err).Msg(what)
	a.answer(w, r, http.StatusInternalServerError, "internal", nil)
}

// fail answers a Store error.
func (a *accountAPI) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, ErrUserExists):
		a.answer(w, r, http.StatusConflict, "exists", nil)
	case errors.Is(err, ErrNoUser):
		a.answer(w, r, http.StatusNotFound, "no_user", nil)
	case errors.Is(err, ErrSelf):
		a.answer(w, r, http.StatusConflict, "self", nil)
	case errors.Is(err, ErrLastAdmin):
		a.answer(w, r, http.StatusConflict, "last_admin", nil)
	default:
		a.internal(w, r, err, "changing an account")
	}
}

// audit records a change that is already written; when that fails, the
// answer is 500 and the log says the change stands unrecorded.
func (a *accountAPI) audit(w http.ResponseWriter, r *http.Request, actor, action, username string) bool {
	if a.o.Audit == nil {
		return true
	}
	if err := a.o.Audit(actor, action, username); err != nil {
		a.o.Log.Error().Err(err).Str("by", actor).Str("action", action).Str("username", username).
			Msg("an account change was made but could not be written to the audit trail")
		a.answer(w, r, http.StatusInternalServerError, "internal", nil)
		return false
	}
	return true
}

// decode reads a JSON object of at most maxAccountBody bytes with no
// unknown fields into v, or answers 413 or 400.
func (a *accountAPI) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAccountBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = errors.New("data after the object")
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			a.answer(w, r, http.StatusRequestEntityTooLarge, "too_large", nil)
		} else {
			a.answer(w, r, http.StatusBadRequest, "bad_request", nil)
		}
		return false
	}
	return true
}

func roleStrings(roles []Role) []string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = string(r)
	}
	return out
}

func sameRoles(a, b []Role) bool {
	if len(a) != len(b) {
		return false
	}
	for _, r := range a {
		if !hasAny(b, r) {
			return false
		}
	}
	return true
}
