package main

import (
	"github.com/redis/go-redis/v9"

	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"parentline/audit"
	"parentline/durable"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"
	"golang.org/x/time/rate"

	"parentline/chat"
	"parentline/chat/canned"
	"parentline/chat/triage"
	"parentline/consent"
	"parentline/staff"
	"parentline/static"
	"parentline/stats"
)

// Server is one running Parentline node: the store, the chat hub and the
// HTTP handlers, wired together. Tests build it with newServer and serve it
// on a listener of their own.
type Server struct {
	cfg     Config
	log     zerolog.Logger
	db      *bolt.DB
	reg     *prometheus.Registry
	tallies *stats.Tallies
	concern *consent.Service
	hub     *chat.Hub
	auth    *staff.Auth
	handler http.Handler
	metrics http.Handler
	ready   atomic.Bool
	redis   *redis.Client    // nil on a node of its own
	applier *durable.Applier // applies what chat nodes send; with --redis
}

// openDB opens the bbolt file in dir, failing fast if another process holds it.
func openDB(dir string) (*bolt.DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating data directory: %w", err)
	}
	db, err := bolt.Open(filepath.Join(dir, "parentline.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("data directory %s is in use by another parentline process", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("opening store: %w", err)
	}
	return db, nil
}

func newServer(cfg Config, log zerolog.Logger) (*Server, error) {
	db, err := openDB(cfg.Data)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: log, db: db, reg: prometheus.NewRegistry()}
	if err := s.build(); err != nil {
		s.Close() // stops the tally writer if it was started, then closes the store
		return nil, err
	}
	return s, nil
}

func (s *Server) build() error {
	s.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	buildInfo := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "parentline_build_info", Help: "Build of the running binary."}, []string{"version"})
	buildInfo.WithLabelValues(version).Set(1)
	s.reg.MustRegister(buildInfo)

	users, err := staff.NewStore(s.db, staff.Options{})
	if err != nil {
		return fmt.Errorf("opening staff accounts: %w", err)
	}
	s.auth = staff.NewAuth(users, staff.AuthOptions{CookieSecure: s.cfg.CookieSecure, Log: s.log})
	if s.cfg.Redis != "" {
		opts, err := redis.ParseURL(s.cfg.Redis)
		if err != nil {
			return fmt.Errorf("--redis: %w", err)
		}
		opts.ContextTimeoutEnabled = true // go-redis ignores context deadlines otherwise
		s.redis = redis.NewClient(opts)
		s.applier, err = durable.NewApplier(s.redis, s.db, map[string]durable.Handler{durable.KindTally: durable.ApplyTally}, s.log)
		if err != nil {
			return err
		}
	}
	topics, err := stats.OpenTopics(s.db)
	if err != nil {
		return fmt.Errorf("opening topics: %w", err)
	}
	answers, err := canned.Open(s.db)
	if err != nil {
		return fmt.Errorf("opening canned answers: %w", err)
	}
	if s.tallies, err = stats.OpenTallies(s.db, s.log); err != nil {
		return fmt.Errorf("opening tallies: %w", err)
	}
	reports, err := stats.NewReporter(s.db, topics, s.cfg.StatsK)
	if err != nil {
		return fmt.Errorf("opening statistics: %w", err)
	}
	mailer, outbox, err := s.newMailer()
	if err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	if s.concern, err = s.newConcern(mailer); err != nil {
		return fmt.Errorf("concern path: %w", err)
	}
	rules := triage.Default()
	if s.cfg.TriageRules != "" {
		if rules, err = triage.Load(s.cfg.TriageRules); err != nil {
			return fmt.Errorf("--triage-rules: %w", err)
		}
	}
	var esc chat.Escalator
	if s.concern.CanSeal() {
		esc = escalator{s.concern}
	}
	s.hub, err = chat.NewHub(chat.Options{
		Log: s.log, Registry: s.reg, Tally: s.tallies, Topics: topics,
		Hours: s.cfg.Hours, Contacts: s.cfg.Contacts, OriginPatterns: s.cfg.Origins,
		MaxChats: s.cfg.MaxChats, ResumeGrace: s.cfg.ResumeGrace,
		ParentRate: rate.Limit(s.cfg.ParentRate), ParentBurst: s.cfg.ParentBurst,
		CounselorRate: rate.Limit(s.cfg.CounselorRate), CounselorBurst: s.cfg.CounselorBurst,
		Identify: identify, Escalator: esc, Triage: rules,
		Auditor: chatAuditor{s.db}, Launcher: s.cfg.Launcher,
		BreakAfter: s.cfg.BreakAfter, NotifySupervisor: s.cfg.BreakNotifySupervisor, DailyCap: s.cfg.DailyCap,
	})
	if err != nil {
		return err
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", s.handleReady)
	s.metrics = promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{Registry: s.reg})
	if s.cfg.MetricsAddr == "" {
		mux.Handle("GET /metrics", s.metrics)
	}

	mux.HandleFunc("POST /api/login", s.auth.HandleLogin)
	mux.HandleFunc("POST /api/logout", s.auth.HandleLogout)
	mux.HandleFunc("GET /api/me", s.auth.HandleMe)

	anyStaff := s.auth.Require()
	admin := s.auth.Require(staff.RoleAdmin)
	chatStaff := s.auth.Require(staff.RoleCounselor, staff.RoleSupervisor, staff.RoleAdmin)
	editors := s.auth.Require(staff.RoleSupervisor, staff.RoleAdmin)
	mux.Handle("GET /api/topics", anyStaff(http.HandlerFunc(topics.HandleList)))
	mux.Handle("GET /api/topics/all", admin(http.HandlerFunc(topics.HandleAll)))
	mux.Handle("GET /api/audit", admin(audit.Handler(s.db)))
	mux.Handle("POST /api/topics", admin(http.HandlerFunc(topics.HandleCreate)))
	mux.Handle("PUT /api/topics/{id}", admin(http.HandlerFunc(topics.HandleUpdate)))
	mux.Handle("GET /api/canned", chatStaff(http.HandlerFunc(answers.HandleList)))
	mux.Handle("POST /api/canned", editors(http.HandlerFunc(answers.HandleCreate)))
	mux.Handle("PUT /api/canned/{id}", editors(http.HandlerFunc(answers.HandleUpdate)))
	mux.Handle("DELETE /api/canned/{id}", editors(http.HandlerFunc(answers.HandleDelete)))

	statistician := s.auth.Require(staff.RoleStatistician, staff.RoleAdmin)
	mux.Handle("GET /api/stats/topics", statistician(http.HandlerFunc(reports.HandleTopics)))
	mux.Handle("GET /api/stats/flow", statistician(http.HandlerFunc(reports.HandleFlow)))
	mux.Handle("GET /api/stats/waits", statistician(http.HandlerFunc(reports.HandleWaits)))
	mux.Handle("GET /api/stats/heatmap", statistician(http.HandlerFunc(reports.HandleHeatmap)))
	mux.Handle("GET /api/stats/escalations", statistician(http.HandlerFunc(reports.HandleEscalations)))

	s.concern.Routes(mux, s.auth.Require)
	if outbox != nil {
		mux.Handle("GET /dev/outbox", admin(outbox))
	}

	mux.HandleFunc("GET /api/status", s.hub.HandleStatus)
	mux.HandleFunc("GET /ws/parent", s.hub.ServeParent)
	mux.Handle("GET /ws/counselor", s.auth.Require(staff.RoleCounselor, staff.RoleSupervisor)(http.HandlerFunc(s.hub.ServeCounselor)))
	mux.Handle("GET /", static.Handler())

	s.handler = s.observe(http.NewCrossOriginProtection().Handler(mux))
	return nil
}

// identify turns the session the auth middleware put in the context into the
// chat's view of a staff member.
func identify(r *http.Request) (chat.Staff, bool) {
	sess, ok := staff.FromContext(r.Context())
	if !ok {
		return chat.Staff{}, false
	}
	return chat.Staff{Username: sess.Username, Name: sess.Name, Supervisor: sess.Has(staff.RoleSupervisor)}, true
}

func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	if !s.ready.Load() {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	if err := s.db.View(func(tx *bolt.Tx) error { return nil }); err != nil {
		http.Error(w, "store not readable", http.StatusServiceUnavailable)
		return
	}
	if s.redis != nil {
		ctx, cancel := context.WithTimeout(r.Context(), time.Second)
		defer cancel()
		if err := s.redis.Ping(ctx).Err(); err != nil {
			http.Error(w, "redis not reachable", http.StatusServiceUnavailable)
			return
		}
	}
	io.WriteString(w, "ready\n")
}

// Serve runs the HTTP server on ln until ctx is cancelled, then shuts down in
// order: not ready, stop accepting, tell and close every socket, flush the
// tallies, close the store.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          httpErrorLog(s.log),
	}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	var msrv *http.Server
	if s.cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", s.cfg.MetricsAddr)
		if err != nil {
			srv.Close()
			return fmt.Errorf("metrics listener: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", s.metrics)
		if s.cfg.Pprof {
			mux.HandleFunc("/debug/pprof/", pprof.Index)
			mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
			mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
			mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		}
		msrv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: httpErrorLog(s.log)}
		go func() { errc <- msrv.Serve(mln) }()
	}
	s.ready.Store(true)
	sweepCtx, stopSweep := context.WithCancel(context.Background())
	defer stopSweep()
	go s.auth.Sweeper(sweepCtx, 10*time.Minute)
	go s.concern.RunRetention(sweepCtx, 24*time.Hour)
	applied := make(chan struct{})
	if s.applier != nil {
		go func() { s.applier.Run(sweepCtx); close(applied) }()
	} else {
		close(applied)
	}

	var runErr error
	select {
	case <-ctx.Done():
	case err := <-errc:
		runErr = fmt.Errorf("serving: %w", err)
	}
	s.ready.Store(false)
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		s.log.Warn().Err(err).Msg("http shutdown")
	}
	if msrv != nil {
		msrv.Shutdown(sctx)
	}
	if err := s.hub.Shutdown(sctx); err != nil {
		s.log.Warn().Err(err).Msg("closing chat sockets")
	}
	stopSweep()
	<-applied // the applier's last batch is committed (or not begun) before the store closes
	return errors.Join(runErr, s.Close())
}

// Close flushes pending tallies and closes the store.
func (s *Server) Close() error {
	var errs []error
	if s.tallies != nil {
		if err := s.tallies.Close(); err != nil {
			errs = append(errs, fmt.Errorf("flushing tallies: %w", err))
		}
	}
	if err := s.db.Close(); err != nil {
		errs = append(errs, fmt.Errorf("closing store: %w", err))
	}
	if s.redis != nil {
		s.redis.Close()
	}
	return errors.Join(errs...)
}
