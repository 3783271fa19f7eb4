package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"parentline/chat"
	"parentline/chat/hours"
)

// Config is everything `parentline serve` can be told.
type Config struct {
	Addr           string
	Data           string
	MetricsAddr    string
	Pprof          bool   // serve /debug/pprof/ on the metrics address
	Redis          string // redis://HOST:PORT/DB: join a cluster (docs/scaling.md); empty: one node on its own
	Role           string // in a cluster: roleStore (owns Data; also when empty) or roleChat (no bbolt file)
	ClusterKeyFile string // in a cluster: the file with the key every node shares (64 hex digits)
	Origins        []string
	Hours          hours.Hours
	Contacts       []chat.Contact
	MaxChats       int
	ResumeGrace    time.Duration
	ParentRate     float64
	ParentBurst    int
	CounselorRate  float64
	CounselorBurst int
	CookieSecure   bool
	StatsK         int
	TriageRules    string // file with the triage rules; empty: the built-in ones
	Launcher       string // "always" or "staffed": when the widget shows its chat launcher

	// Wellbeing.
	BreakAfter            time.Duration // a chat this long suggests a break
	BreakNotifySupervisor bool
	DailyCap              int // chats per counsellor per day; 0 = none

	// Concern and consent.
	IntakeKeys        []string // public key files of the intake staff who may read cases
	SocialServices    string   // the unit cases go to, as shown to parents
	SocialPhone       string   // its phone number, if any
	Socialjour        string   // the local social-services emergency line, if any
	CaseRetentionDays int

	// Mail. With no SMTP address, mail goes to the development outbox at /dev/outbox.
	SMTPAddr         string
	SMTPUser         string
	SMTPPasswordFile string
	SMTPTLS          string
	MailFrom         string
	IntakeMailbox    string

	// Citizen e-ID and the booking e-service.
	EID         string // "test" (the built-in test provider) or "bankid"
	BankIDURL   string
	BankIDCert  string // the relying party's certificate (PEM)
	BankIDKey   string // its private key (PEM)
	BankIDCA    string // BankID's server CA (PEM)
	PublicURL   string // where citizens reach the service; links in mails start with it
	CitizenIdle time.Duration

	// Interest registrations (foster homes, parenting programmes).
	ReaderKeys []string // "ROLE=FILE": a reader's public key for the unit of a scoped role, e.g. foster:2380=…pub.pem or foster:*=…
	UnitsFile  string   // JSON file replacing the built-in municipalities and districts

	LogFormat string
	LogLevel  string
}

// Node roles in a cluster (docs/scaling.md).
const (
	roleStore = "store" // owns --data and applies what chat nodes send; the only one of its kind
	roleChat  = "chat"  // serves chat with no bbolt file; passes stateful routes to the store node
)

const (
	defaultHours    = "mon-fri 09:00-16:00"
	defaultContacts = "Vid akut fara: ring 112|In an emergency: call 112|112; " +
		"1177 Vårdguiden, råd om vård dygnet runt|1177, healthcare advice day and night|1177"
)

// parseServeFlags reads `serve` flags, each defaulting to its PARENTLINE_*
// environment variable. A flag on the command line wins.
func parseServeFlags(args []string, getenv func(string) string) (Config, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	var (
		cfg                    Config
		origins, hoursSpec     string
		contacts, cookieSecure string
	)
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "listen address")
	fs.StringVar(&cfg.Data, "data", "./data", "data directory")
	fs.StringVar(&cfg.MetricsAddr, "metrics-addr", "", "separate address for /metrics (default: the main listener)")
	fs.StringVar(&cfg.Redis, "redis", "", "redis://HOST:PORT/DB: join a cluster of nodes sharing this Redis, with the role --role (docs/scaling.md)")
	fs.StringVar(&cfg.ClusterKeyFile, "cluster-key-file", "", "with --redis: file holding the cluster key every node shares, 64 hex digits (e.g. openssl rand -hex 32); chat content in Redis is encrypted with it")
	fs.StringVar(&cfg.Role, "role", roleStore, "with --redis: store (the one node that owns --data and applies what the others send) or chat (no bbolt file, ignores --data; passes logins, statistics, cases and admin routes to the store node)")
	fs.BoolVar(&cfg.Pprof, "pprof", false, "also serve Go's profiler at /debug/pprof/ on --metrics-addr (which must be set)")
	fs.StringVar(&origins, "origins", "", "comma-separated host patterns allowed to embed the widget (default: same origin only)")
	fs.StringVar(&hoursSpec, "hours", defaultHours, `opening hours, Europe/Stockholm, e.g. "mon-thu 09:00-16:00; fri 09:00-12:00" or "always"`)
	fs.StringVar(&contacts, "contacts", defaultContacts, `alternative contacts: ";"-separated "Swedish label|English label|value"`)
	fs.IntVar(&cfg.MaxChats, "max-chats", 3, "chats one counsellor may hold at once")
	fs.DurationVar(&cfg.ResumeGrace, "resume-grace", 2*time.Minute, "how long a dropped parent or counsellor keeps their place")
	fs.Float64Var(&cfg.ParentRate, "parent-rate", 2, "messages per second a parent may send")
	fs.IntVar(&cfg.ParentBurst, "parent-burst", 10, "burst of parent messages")
	fs.Float64Var(&cfg.CounselorRate, "counselor-rate", 10, "messages per second per counsellor connection")
	fs.IntVar(&cfg.CounselorBurst, "counselor-burst", 30, "burst of counsellor messages")
	fs.IntVar(&cfg.StatsK, "stats-k", 5, "smallest count the statistics may show (k); smaller counts are suppressed")
	fs.StringVar(&cfg.TriageRules, "triage-rules", "", "file of triage rules that mark a waiting chat urgent (default: the built-in Swedish and English rules)")
	fs.StringVar(&cfg.Launcher, "launcher", "always", "always: the widget always shows its chat launcher; staffed: only while someone is on duty (otherwise hours and contacts)")
	fs.DurationVar(&cfg.BreakAfter, "break-after", 40*time.Minute, "a chat at least this long suggests a break to its counsellor when it ends")
	fs.BoolVar(&cfg.BreakNotifySupervisor, "break-notify-supervisor", false, "also tell the supervisors online when a break is suggested")
	fs.IntVar(&cfg.DailyCap, "daily-cap", 0, "the most chats one counsellor takes in a day (0: no cap)")
	fs.Func("intake-key", "public key file of an intake reader (repeatable; env: comma-separated)", func(v string) error {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				cfg.IntakeKeys = append(cfg.IntakeKeys, f)
			}
		}
		return nil
	})
	fs.Func("reader-key", "ROLE=FILE: public key file of a reader of interest registrations for the unit of a scoped role, e.g. foster:2380=reader.pub.pem, or foster:* for every municipality (repeatable; env: comma-separated)", func(v string) error {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f == "" {
				continue
			}
			role, file, ok := strings.Cut(f, "=")
			if !ok || !strings.Contains(role, ":") || file == "" {
				return fmt.Errorf("--reader-key %q: want ROLE=FILE, e.g. foster:2380=reader.pub.pem", f)
			}
			cfg.ReaderKeys = append(cfg.ReaderKeys, f)
		}
		return nil
	})
	fs.StringVar(&cfg.UnitsFile, "units", "", `JSON file {"foster":[{"code","name","notify"}],"programme":[...]} replacing the built-in municipalities (foster) and city districts (parenting programmes); "notify", optional, is the unit's shared mailbox, told the reference of each new registration`)
	fs.StringVar(&cfg.SocialServices, "social-services", "Socialtjänstens mottagning", "the social-services unit escalated cases go to")
	fs.StringVar(&cfg.SocialPhone, "social-services-phone", "", "phone number of that unit")
	fs.StringVar(&cfg.Socialjour, "socialjour", "", "the local social-services emergency line (socialjour)")
	fs.IntVar(&cfg.CaseRetentionDays, "case-retention-days", 90, "days a forwarded, closed or withdrawn case is kept")
	fs.StringVar(&cfg.SMTPAddr, "smtp-addr", "", "SMTP server host:port (empty: mail goes to the development outbox at /dev/outbox)")
	fs.StringVar(&cfg.SMTPUser, "smtp-user", "", "SMTP user name")
	fs.StringVar(&cfg.SMTPPasswordFile, "smtp-password-file", "", "file holding the SMTP password")
	fs.StringVar(&cfg.SMTPTLS, "smtp-tls", "starttls", "starttls, tls, or none (loopback only)")
	fs.StringVar(&cfg.MailFrom, "mail-from", "Parentline <noreply@parentline.invalid>", "sender address")
	fs.StringVar(&cfg.IntakeMailbox, "intake-mailbox", "", "address told when a case arrives (reference only)")
	fs.StringVar(&cfg.EID, "eid", "test", "citizen e-ID: test (the built-in test provider; every page says so) or bankid (BankID RP API v6)")
	fs.StringVar(&cfg.BankIDURL, "bankid-url", "https://appapi2.test.bankid.com/rp/v6.0", "BankID RP API base URL (prod: https://appapi2.bankid.com/rp/v6.0)")
	fs.StringVar(&cfg.BankIDCert, "bankid-cert", "", "with --eid bankid: the relying party's certificate, PEM")
	fs.StringVar(&cfg.BankIDKey, "bankid-key", "", "with --eid bankid: the relying party's private key, PEM")
	fs.StringVar(&cfg.BankIDCA, "bankid-ca", "", "with --eid bankid: BankID's server CA certificate, PEM")
	fs.StringVar(&cfg.PublicURL, "public-url", "", "where citizens reach the service, e.g. https://etjanster.example.se; links in mails start with it (default: http://ADDR)")
	fs.DurationVar(&cfg.CitizenIdle, "citizen-idle", 15*time.Minute, "a citizen's e-ID session ends after this long without activity")
	fs.StringVar(&cookieSecure, "cookie-secure", "auto", "Secure flag on the staff cookie: auto (on unless listening on loopback), true, false")
	fs.StringVar(&cfg.LogFormat, "log-format", "json", "json or pretty")
	fs.StringVar(&cfg.LogLevel, "log-level", "info", "debug, info, warn or error")

	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := "PARENTLINE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(name); v != "" && envErr == nil {
			if err := fs.Set(f.Name, v); err != nil {
				envErr = fmt.Errorf("%s: %w", name, err)
			}
		}
	})
	if envErr != nil {
		return cfg, envErr
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var err error
	if cfg.Hours, err = hours.Parse(hoursSpec); err != nil {
		return cfg, fmt.Errorf("--hours: %w", err)
	}
	if cfg.Contacts, err = parseContacts(contacts); err != nil {
		return cfg, fmt.Errorf("--contacts: %w", err)
	}
	for _, o := range strings.Split(origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			cfg.Origins = append(cfg.Origins, o)
		}
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + cfg.Addr
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	switch cookieSecure {
	case "auto":
		cfg.CookieSecure = !isLoopback(cfg.Addr)
	case "true", "false":
		cfg.CookieSecure = cookieSecure == "true"
	default:
		return cfg, errors.New("--cookie-secure must be auto, true or false")
	}
	return cfg, cfg.Validate()
}

// Validate checks rules that span options.
func (c Config) Validate() error {
	switch {
	case c.Addr == "":
		return errors.New("--addr is empty")
	case c.Role != "" && c.Role != roleStore && c.Role != roleChat:
		return errors.New("--role must be store or chat")
	case c.Role == roleChat && c.Redis == "":
		return errors.New("--role chat needs --redis: a chat node keeps nothing itself and works only in a cluster")
	case c.Redis != "" && c.ClusterKeyFile == "":
		return errors.New("--redis needs --cluster-key-file: the nodes of a cluster share a key (openssl rand -hex 32 > FILE)")
	case c.Data == "" && c.Role != roleChat:
		return errors.New("--data is empty")
	case c.MaxChats < 1 || c.MaxChats > 20:
		return errors.New("--max-chats must be 1–20")
	case c.ResumeGrace < 5*time.Second || c.ResumeGrace > time.Hour:
		return errors.New("--resume-grace must be between 5s and 1h")
	case c.ParentRate <= 0 || c.ParentBurst < 1 || c.CounselorRate <= 0 || c.CounselorBurst < 1:
		return errors.New("message rates and bursts must be positive")
	case c.CaseRetentionDays < 1 || c.CaseRetentionDays > 3650:
		return errors.New("--case-retention-days must be 1–3650")
	case c.StatsK < 2 || c.StatsK > 100:
		return errors.New("--stats-k must be 2–100")
	case c.Redis != "" && !strings.HasPrefix(c.Redis, "redis://") && !strings.HasPrefix(c.Redis, "rediss://"):
		return errors.New("--redis must be a redis:// or rediss:// URL")
	case c.Pprof && c.MetricsAddr == "":
		return errors.New("--pprof needs --metrics-addr: the profiler is never served on the public listener")
	case c.Launcher != "always" && c.Launcher != "staffed":
		return errors.New("--launcher must be always or staffed")
	case c.BreakAfter < time.Minute || c.BreakAfter > 24*time.Hour:
		return errors.New("--break-after must be between 1m and 24h")
	case c.DailyCap < 0 || c.DailyCap > 200:
		return errors.New("--daily-cap must be 0–200")
	case c.EID != "test" && c.EID != "bankid":
		return errors.New("--eid must be test or bankid")
	case c.EID == "bankid" && (c.BankIDCert == "" || c.BankIDKey == "" || c.BankIDCA == ""):
		return errors.New("--eid bankid needs --bankid-cert, --bankid-key and --bankid-ca")
	case c.CitizenIdle < time.Minute || c.CitizenIdle > 2*time.Hour:
		return errors.New("--citizen-idle must be between 1m and 2h")
	case !strings.HasPrefix(c.PublicURL, "http://") && !strings.HasPrefix(c.PublicURL, "https://"):
		return errors.New("--public-url must start with http:// or https://")
	case c.LogFormat != "json" && c.LogFormat != "pretty":
		return errors.New("--log-format must be json or pretty")
	}
	for _, o := range c.Origins {
		if strings.Contains(o, "/") && !strings.Contains(o, "://") || o == "*" {
			return fmt.Errorf("--origins: %q is not a host pattern (a bare * is not allowed)", o)
		}
	}
	return nil
}

// parseContacts reads "Swedish label|English label|value; ...".
func parseContacts(spec string) ([]chat.Contact, error) {
	var out []chat.Contact
	for _, part := range strings.Split(spec, ";") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		f := strings.Split(part, "|")
		if len(f) != 3 {
			return nil, fmt.Errorf("%q: want \"Swedish label|English label|value\"", strings.TrimSpace(part))
		}
		sv, en, value := strings.TrimSpace(f[0]), strings.TrimSpace(f[1]), strings.TrimSpace(f[2])
		if sv == "" || en == "" || value == "" {
			return nil, fmt.Errorf("%q: labels and value must not be empty", strings.TrimSpace(part))
		}
		out = append(out, chat.Contact{Label: map[string]string{"sv": sv, "en": en}, Value: value, Href: contactHref(value)})
	}
	return out, nil
}

// contactHref makes a tel: or mailto: link when the value is a phone number
// or an e-mail address.
func contactHref(v string) string {
	if strings.Contains(v, "@") && !strings.ContainsAny(v, " <>") {
		return "mailto:" + v
	}
	digits := strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9', r == '+':
			return r
		case r == ' ', r == '-':
			return -1
		}
		return 'x'
	}, v)
	if digits != "" && !strings.Contains(digits, "x") {
		return "tel:" + digits
	}
	return ""
}

func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
