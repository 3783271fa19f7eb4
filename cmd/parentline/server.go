package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"
	"golang.org/x/time/rate"

	"parentline/audit"
	"parentline/booking"
	"parentline/chat"
	"parentline/chat/canned"
	"parentline/chat/hours"
	"parentline/chat/schedule"
	"parentline/chat/triage"
	"parentline/consent"
	"parentline/durable"
	"parentline/eid"
	"parentline/interest"
	"parentline/staff"
	"parentline/static"
	"parentline/stats"
)

// Server is one running Parentline node: the store, the chat service and
// the HTTP handlers, wired together. Tests build it with newServer and serve
// it on a listener of their own.
//
// A node is on its own (no --redis), or in a cluster either the store node
// (the one that owns the bbolt file) or a chat node (no bbolt file; the
// stateful routes are passed to the store node). docs/scaling.md.
type Server struct {
	cfg      Config
	log      zerolog.Logger
	db       *bolt.DB // nil on a chat node
	reg      *prometheus.Registry
	tallies  *stats.Tallies   // the bbolt tally writer; nil on a chat node
	topics   *stats.Topics    // nil on a chat node
	concern  *consent.Service // nil on a chat node
	chat     chatService
	chatEnd  bool         // chat.Shutdown was called
	users    *staff.Store // the accounts; nil on a chat node
	auth     *staff.Auth
	handler  http.Handler
	metrics  http.Handler
	ready    atomic.Bool
	redis    *redis.Client    // nil on a node of its own
	box      *internalBox     // seals what nodes hand each other; with redis
	applier  *durable.Applier // applies what chat nodes send; on the store node of a cluster
	eid      *eid.Service     // citizen e-ID; nil on a chat node
	booking  *booking.Store   // nil on a chat node
	interest *interest.Store  // interest registrations; nil on a chat node
	schedule *schedule.Store  // the opening hours supervisors set; nil on a chat node

	// Chat node only.
	remote *durable.Tallies // tallies sent to the store node over pl:durable
	shared *sharedTopics    // the topic ids the store node publishes
	proxy  *storeProxy      // passes the stateful routes to the store node
}

// chatService is the chat as the server uses it: chat.Hub on a node of its
// own, chat.Cluster on the nodes of a cluster.
type chatService interface {
	ServeParent(w http.ResponseWriter, r *http.Request)
	ServeCounselor(w http.ResponseWriter, r *http.Request)
	HandleStatus(w http.ResponseWriter, r *http.Request)
	Status() chat.Status
	NotifyStaff(username string, frame any) bool
	Shutdown(ctx context.Context) error
}

var (
	_ chatService = (*chat.Hub)(nil)
	_ chatService = (*chat.Cluster)(nil)
)

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
	s := &Server{cfg: cfg, log: log, reg: prometheus.NewRegistry()}
	if !s.chatNode() {
		db, err := openDB(cfg.Data)
		if err != nil {
			return nil, err
		}
		s.db = db
	}
	if err := s.build(); err != nil {
		s.Close() // stops the tally writers if they were started, then closes the store
		return nil, err
	}
	return s, nil
}

// chatNode reports whether this node is a cluster's chat node, with no
// bbolt file of its own.
func (s *Server) chatNode() bool { return s.cfg.Role == roleChat }

func (s *Server) build() error {
	s.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	buildInfo := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "parentline_build_info", Help: "Build of the running binary."}, []string{"version"})
	buildInfo.WithLabelValues(version).Set(1)
	s.reg.MustRegister(buildInfo)

	var (
		sessions   staff.SessionBackend // nil: the accounts' bbolt file
		clusterKey []byte
	)
	if s.cfg.Redis != "" {
		var err error
		if clusterKey, err = readClusterKey(s.cfg.ClusterKeyFile); err != nil {
			return err
		}
		if s.box, err = newInternalBox(clusterKey); err != nil {
			return err
		}
		opts, err := redis.ParseURL(s.cfg.Redis)
		if err != nil {
			return fmt.Errorf("--redis: %w", err)
		}
		opts.ContextTimeoutEnabled = true // go-redis ignores context deadlines otherwise
		s.redis = redis.NewClient(opts)
		sessions = staff.NewRedisSessions(s.redis, staff.Options{})
	}
	rules := triage.Default()
	if s.cfg.TriageRules != "" {
		var err error
		if rules, err = triage.Load(s.cfg.TriageRules); err != nil {
			return fmt.Errorf("--triage-rules: %w", err)
		}
	}
	copts := chat.Options{
		Log: s.log, Registry: s.reg,
		Hours: s.cfg.Hours, Contacts: s.cfg.Contacts, OriginPatterns: s.cfg.Origins,
		MaxChats: s.cfg.MaxChats, ResumeGrace: s.cfg.ResumeGrace,
		ParentRate: rate.Limit(s.cfg.ParentRate), ParentBurst: s.cfg.ParentBurst,
		CounselorRate: rate.Limit(s.cfg.CounselorRate), CounselorBurst: s.cfg.CounselorBurst,
		Identify: identify, Triage: rules, Launcher: s.cfg.Launcher,
		BreakAfter: s.cfg.BreakAfter, NotifySupervisor: s.cfg.BreakNotifySupervisor, DailyCap: s.cfg.DailyCap,
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", s.handleReady)
	s.metrics = promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{Registry: s.reg})
	if s.cfg.MetricsAddr == "" {
		mux.Handle("GET /metrics", s.metrics)
	}

	var err error
	if s.chatNode() {
		err = s.buildChatNode(mux, sessions, &copts)
	} else {
		err = s.buildStore(mux, sessions, &copts)
	}
	if err != nil {
		return err
	}
	if s.redis != nil {
		c, err := chat.NewCluster(copts, chat.ClusterOptions{Redis: s.redis, Key: clusterKey})
		if err != nil {
			return fmt.Errorf("joining the chat cluster: %w", err)
		}
		s.chat = c
	} else {
		h, err := chat.NewHub(copts)
		if err != nil {
			return err
		}
		s.chat = h
	}

	// Served by every node itself: sessions are in Redis in a cluster.
	mux.HandleFunc("POST /api/logout", s.auth.HandleLogout)
	mux.HandleFunc("GET /api/me", s.auth.HandleMe)
	mux.HandleFunc("GET /api/status", s.chat.HandleStatus)
	mux.HandleFunc("GET /ws/parent", s.chat.ServeParent)
	mux.Handle("GET /ws/counselor", s.auth.Require(staff.RoleCounselor, staff.RoleSupervisor)(http.HandlerFunc(s.chat.ServeCounselor)))
	mux.Handle("GET /", static.Handler())

	s.handler = s.observe(http.NewCrossOriginProtection().Handler(mux))
	return nil
}

// buildStore builds what the bbolt file holds and its routes: a node on its
// own, or the store node of a cluster.
func (s *Server) buildStore(mux *http.ServeMux, sessions staff.SessionBackend, copts *chat.Options) error {
	users, err := staff.NewStore(s.db, staff.Options{Sessions: sessions})
	if err != nil {
		return fmt.Errorf("opening staff accounts: %w", err)
	}
	s.users = users
	aopts := staff.AuthOptions{CookieSecure: s.cfg.CookieSecure, Log: s.log}
	if s.box != nil {
		aopts.Client = s.box.loginClient
	}
	s.auth = staff.NewAuth(users, aopts)
	if s.redis != nil {
		s.applier, err = durable.NewApplier(s.redis, s.db, map[string]durable.Handler{
			durable.KindTally: durable.ApplyTally, durable.KindAudit: durable.ApplyAudit}, s.log)
		if err != nil {
			return err
		}
	}
	if s.topics, err = stats.OpenTopics(s.db); err != nil {
		return fmt.Errorf("opening topics: %w", err)
	}
	if s.schedule, err = schedule.Open(s.db, schedule.Options{Default: s.cfg.Hours, Log: s.log, OnChange: s.hoursChanged}); err != nil {
		return fmt.Errorf("opening the opening hours: %w", err)
	}
	copts.HoursNow = s.schedule.Hours
	answers, err := canned.Open(s.db)
	if err != nil {
		return fmt.Errorf("opening canned answers: %w", err)
	}
	if s.tallies, err = stats.OpenTallies(s.db, s.log); err != nil {
		return fmt.Errorf("opening tallies: %w", err)
	}
	reports, err := stats.NewReporter(s.db, s.topics, s.cfg.StatsK)
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
	copts.Tally, copts.Topics, copts.Auditor = s.tallies, s.topics, chatAuditor{s.db}
	if s.concern.CanSeal() {
		copts.Escalator = escalator{s.concern}
	}
	if s.redis != nil {
		mux.Handle("POST "+internalConsentPath, &consentIntake{box: s.box, esc: copts.Escalator, log: s.log,
			now: time.Now, seen: map[string]time.Time{}})
	}

	mux.HandleFunc("POST /api/login", s.auth.HandleLogin)
	anyStaff := s.auth.Require()
	admin := s.auth.Require(staff.RoleAdmin)
	chatStaff := s.auth.Require(staff.RoleCounselor, staff.RoleSupervisor, staff.RoleAdmin)
	editors := s.auth.Require(staff.RoleSupervisor, staff.RoleAdmin)
	mux.Handle("GET /api/topics", anyStaff(http.HandlerFunc(s.topics.HandleList)))
	mux.Handle("GET /api/topics/all", admin(http.HandlerFunc(s.topics.HandleAll)))
	mux.Handle("GET /api/audit", admin(audit.Handler(s.db)))
	mux.Handle("POST /api/topics", admin(s.republish(s.topics.HandleCreate)))
	mux.Handle("PUT /api/topics/{id}", admin(s.republish(s.topics.HandleUpdate)))
	s.users.AccountRoutes(mux, s.auth.Require, staff.AccountOptions{Log: s.log, Audit: func(actor, action, username string) error {
		return s.db.Update(func(tx *bolt.Tx) error { return audit.Append(tx, time.Now(), actor, action, username) })
	}})
	s.schedule.Routes(mux, s.auth.Require)
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
	if err := s.buildCitizen(mux, mailer); err != nil {
		return err
	}
	if outbox != nil {
		// With the test e-ID everything is a development setup: the outbox
		// (where the co-applicant's link arrives) is open to the developer.
		if s.cfg.EID == "test" {
			mux.Handle("GET /dev/outbox", outbox)
		} else {
			mux.Handle("GET /dev/outbox", admin(outbox))
		}
	}
	return nil
}

// buildChatNode builds a cluster's chat node: sessions checked in Redis,
// tallies sent to the store node, topics as the store node publishes them,
// and every other API route (and /dev/) passed to the store node; audit
// entries travel to the store node's trail over the durable stream, and
// consents are sealed by the store node (consent_remote.go).
func (s *Server) buildChatNode(mux *http.ServeMux, sessions staff.SessionBackend, copts *chat.Options) error {
	s.auth = staff.NewAuth(nil, staff.AuthOptions{CookieSecure: s.cfg.CookieSecure, Log: s.log, Sessions: sessions})
	s.remote = durable.NewTallies(s.redis, s.log)
	s.shared = newSharedTopics(s.redis, s.log)
	copts.Tally, copts.Topics = s.remote, s.shared
	copts.HoursNow = func() hours.Hours { return s.shared.Hours(s.cfg.Hours) }
	copts.Auditor = durable.NewAuditor(s.redis)
	copts.Escalator = newRemoteEscalator(s.redis, s.box, s.log, s.cfg.SocialServices, s.cfg.CaseRetentionDays, s.shared.CanSeal)

	s.proxy = newStoreProxy(s.redis, s.box, s.log)
	// The more specific routes every node serves itself (build) win over
	// these; "/api/" is registered per method because "GET /" is.
	for _, method := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		mux.Handle(method+" /api/", s.proxy)
	}
	mux.Handle("GET /dev/", s.proxy)
	mux.Handle("GET /mina-sidor/registerutdrag", s.proxy) // the register extract is made by the store node
	mux.Handle("GET /eid/test/", s.proxy)                 // the test e-ID's device page, when the store node uses it
	mux.Handle("POST /eid/test/", s.proxy)
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
	if s.db != nil {
		if err := s.db.View(func(tx *bolt.Tx) error { return nil }); err != nil {
			http.Error(w, "store not readable", http.StatusServiceUnavailable)
			return
		}
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
// order: not ready (and, on a store node, its address withdrawn from Redis),
// stop accepting, tell and close every socket, flush the tallies, close the
// store.
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
	sweepCtx, stopSweep := context.WithCancel(context.Background())
	defer stopSweep()
	// A store node in a cluster tells the chat nodes where it is (and its
	// topics) before it says it is ready, and keeps doing so every second.
	announceCtx, stopAnnounce := context.WithCancel(context.Background())
	defer stopAnnounce()
	announced := make(chan struct{})
	var storeAnnouncer *announcer
	switch {
	case s.redis != nil && !s.chatNode():
		storeAnnouncer = &announcer{s: s, addr: advertiseAddr(ln.Addr())}
		storeAnnouncer.announce(announceCtx, true)
		go func() { storeAnnouncer.run(announceCtx); close(announced) }()
	case s.shared != nil:
		close(announced)
		if err := s.shared.refresh(sweepCtx); err != nil {
			s.log.Warn().Err(err).Msg("reading the topics from redis")
		}
		go s.shared.run(sweepCtx, topicsCacheFor)
	default:
		close(announced)
	}
	s.ready.Store(true)
	go s.auth.Sweeper(sweepCtx, 10*time.Minute)
	if s.concern != nil {
		go s.concern.RunRetention(sweepCtx, 24*time.Hour)
	}
	if s.eid != nil {
		go s.eid.Sweeper(sweepCtx, time.Minute)
	}
	jobsDone := make(chan struct{})
	if s.booking != nil {
		var jobs sync.WaitGroup
		jobs.Go(func() { s.booking.Run(sweepCtx) })
		jobs.Go(func() { s.interest.Run(sweepCtx) })
		go func() { jobs.Wait(); close(jobsDone) }()
	} else {
		close(jobsDone)
	}
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
	stopAnnounce()
	<-announced
	if storeAnnouncer != nil {
		storeAnnouncer.withdraw(sctx) // chat nodes answer 503 at once instead of trying this node
	}
	if err := srv.Shutdown(sctx); err != nil {
		s.log.Warn().Err(err).Msg("http shutdown")
	}
	if msrv != nil {
		msrv.Shutdown(sctx)
	}
	s.chatEnd = true
	if err := s.chat.Shutdown(sctx); err != nil {
		s.log.Warn().Err(err).Msg("closing chat sockets")
	}
	stopSweep()
	<-applied // the applier's last batch is committed (or not begun) before the store closes
	<-jobsDone
	return errors.Join(runErr, s.Close())
}

// Close stops the chat service if Serve did not, flushes pending tallies (to
// bbolt, or on a chat node to Redis) and closes the store and the
// connections to Redis and the store node.
func (s *Server) Close() error {
	var errs []error
	if s.chat != nil && !s.chatEnd {
		s.chatEnd = true
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := s.chat.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stopping the chat service: %w", err))
		}
		cancel()
	}
	if s.tallies != nil {
		if err := s.tallies.Close(); err != nil {
			errs = append(errs, fmt.Errorf("flushing tallies: %w", err))
		}
	}
	if s.remote != nil {
		if err := s.remote.Close(); err != nil {
			errs = append(errs, fmt.Errorf("sending the last tallies to the store node: %w", err))
		}
	}
	if s.proxy != nil {
		s.proxy.close()
	}
	if s.db != nil {
		if err := s.db.Close(); err != nil {
			errs = append(errs, fmt.Errorf("closing store: %w", err))
		}
	}
	if s.redis != nil {
		s.redis.Close()
	}
	return errors.Join(errs...)
}
