package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"parentline/booking"
	"parentline/eid"
	"parentline/eid/bankid"
	"parentline/eid/testid"
	"parentline/foster"
	"parentline/interest"
	"parentline/mail"
	"parentline/mypages"
	"parentline/programme"
	"parentline/staff"
)

// buildCitizen builds the citizen side of the store node: e-ID login and
// signing (BankID, or the built-in test provider that every page names as
// a test), the citizens' sessions, and the booking e-service.
func (s *Server) buildCitizen(mux *http.ServeMux, mailer mail.Mailer) error {
	opts := eid.Options{Message: eid.UserMessage, QRData: bankid.QRAt, AutoStartURL: bankid.AutoStartURL, Log: s.log}
	if s.box != nil {
		opts.ClientIP = s.box.endUserIP // the citizen's address as the chat node saw it
	}
	var (
		provider eid.Provider
		test     *testid.Provider
	)
	switch s.cfg.EID {
	case "bankid":
		bcfg, err := bankid.LoadConfigFiles(s.cfg.BankIDURL, s.cfg.BankIDCert, s.cfg.BankIDKey, s.cfg.BankIDCA)
		if err != nil {
			return fmt.Errorf("--eid bankid: %w", err)
		}
		c, err := bankid.New(bcfg)
		if err != nil {
			return fmt.Errorf("--eid bankid: %w", err)
		}
		provider = c
	default:
		test = testid.New(testid.Options{})
		provider = test
	}
	sessions := eid.NewSessions(eid.SessionOptions{Idle: s.cfg.CitizenIdle, CookieSecure: s.cfg.CookieSecure})
	s.eid = eid.NewService(provider, sessions, opts)
	s.eid.Register(mux)
	if test != nil {
		test.Register(mux)
		s.log.Warn().Str("device", testid.Path).Msg("citizen e-ID is the built-in TEST provider: logins and signatures are not real (--eid bankid for BankID)")
	}

	key, err := loadOrCreateKey(filepath.Join(s.cfg.Data, "booking.key"))
	if err != nil {
		return fmt.Errorf("booking: %w", err)
	}
	s.booking, err = booking.Open(s.db, booking.Options{Secret: key, BaseURL: s.cfg.PublicURL, Log: s.log, Mailer: mailer})
	if err != nil {
		return fmt.Errorf("booking: %w", err)
	}
	s.booking.Routes(mux, booking.HTTPOptions{
		EID: s.eid, Sessions: sessions, Log: s.log,
		Staff: s.auth.Require(staff.RoleBooking, staff.RoleAdmin),
		StaffName: func(r *http.Request) string {
			sess, _ := staff.FromContext(r.Context())
			return sess.Username
		},
	})
	return s.buildInterest(mux, sessions, mailer)
}

// buildInterest builds the interest registrations (foster homes and the
// parenting programmes), sealed per municipality or district to the keys
// --reader-key names, and Mina sidor over everything a citizen has here.
func (s *Server) buildInterest(mux *http.ServeMux, sessions *eid.Sessions, mailer mail.Mailer) error {
	fu, pu, err := loadUnits(s.cfg.UnitsFile, foster.Units(), programme.Units())
	if err != nil {
		return err
	}
	if err := assignReaderKeys(s.cfg.ReaderKeys, map[string][]interest.Unit{"foster": fu, "coordinator": pu}); err != nil {
		return err
	}
	for kind, units := range map[string][]interest.Unit{"foster": fu, "programme": pu} {
		if !slices.ContainsFunc(units, func(u interest.Unit) bool { return len(u.Keys) > 0 }) {
			s.log.Warn().Str("kind", kind).Msg("no unit has a reader key (--reader-key), so this form takes no registrations")
		}
	}
	key, err := loadOrCreateKey(filepath.Join(s.cfg.Data, "interest.key"))
	if err != nil {
		return fmt.Errorf("interest: %w", err)
	}
	s.interest, err = interest.Open(s.db, interest.Options{Secret: key, BaseURL: s.cfg.PublicURL, Log: s.log, Mailer: mailer},
		foster.New(fu), programme.New(pu))
	if err != nil {
		return fmt.Errorf("interest: %w", err)
	}
	s.interest.Routes(mux, interest.HTTPOptions{
		Sessions: sessions, Log: s.log,
		Staff: s.auth.Require(),
		StaffRoles: func(r *http.Request) (string, []string) {
			sess, _ := staff.FromContext(r.Context())
			roles := make([]string, len(sess.Roles))
			for i, role := range sess.Roles {
				roles[i] = string(role)
			}
			return sess.Username, roles
		},
	})
	mypages.New(mypages.Options{
		Bookings: s.booking, Registrations: s.interest, Sessions: sessions, Log: s.log,
	}).Routes(mux)
	return nil
}

// loadOrCreateKey reads a 32-byte key kept as hex in path, making it on
// first use. It lives beside the database, not in it, so that a copy of
// the database alone does not carry it.
func loadOrCreateKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key := make([]byte, 32)
		rand.Read(key)
		if err := os.WriteFile(path, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("writing the key file: %w", err)
		}
		return key, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the key file: %w", err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("%s does not hold 64 hex digits", path)
	}
	return key, nil
}
