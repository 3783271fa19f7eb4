package chat

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// metrics are the hub's Prometheus series. Labels are only ever small fixed
// sets (role, reason, code): never a session, chat, user or address.
type metrics struct {
	connections   *prometheus.GaugeVec
	available     prometheus.Gauge
	queueLength   prometheus.Gauge
	queueWait     prometheus.Histogram
	chatsStarted  prometheus.Counter
	chatsEnded    *prometheus.CounterVec
	messages      *prometheus.CounterVec
	relayLatency  prometheus.Histogram
	rejected      *prometheus.CounterVec
	parentsQueued prometheus.Counter

	// The per-message counters, looked up once.
	fromParent, fromCounselor prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	f := promauto.With(reg)
	m := &metrics{
		connections: f.NewGaugeVec(prometheus.GaugeOpts{
			Name: "parentline_ws_connections", Help: "Open WebSocket connections by role.",
		}, []string{"role"}),
		available: f.NewGauge(prometheus.GaugeOpts{
			Name: "parentline_counselors_available", Help: "Counsellors connected and available for new chats.",
		}),
		queueLength: f.NewGauge(prometheus.GaugeOpts{
			Name: "parentline_queue_length", Help: "Parents waiting in the queue.",
		}),
		queueWait: f.NewHistogram(prometheus.HistogramOpts{
			Name: "parentline_queue_wait_seconds", Help: "Time from joining the queue to being taken by a counsellor.",
			Buckets: []float64{5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600},
		}),
		chatsStarted: f.NewCounter(prometheus.CounterOpts{
			Name: "parentline_chats_started_total", Help: "Chats taken by a counsellor.",
		}),
		chatsEnded: f.NewCounterVec(prometheus.CounterOpts{
			Name: "parentline_chats_ended_total", Help: "Chats and queue places that ended, by reason.",
		}, []string{"reason"}),
		messages: f.NewCounterVec(prometheus.CounterOpts{
			Name: "parentline_chat_messages_total", Help: "Chat messages relayed, by sender role.",
		}, []string{"from"}),
		relayLatency: f.NewHistogram(prometheus.HistogramOpts{
			Name: "parentline_relay_latency_seconds", Help: "Time from reading a chat message to writing it to the other side's socket.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}),
		rejected: f.NewCounterVec(prometheus.CounterOpts{
			Name: "parentline_frames_rejected_total", Help: "Client frames refused with an error frame, by error code.",
		}, []string{"code"}),
		parentsQueued: f.NewCounter(prometheus.CounterOpts{
			Name: "parentline_parents_queued_total", Help: "Parents who joined the queue.",
		}),
	}
	m.fromParent = m.messages.WithLabelValues("parent")
	m.fromCounselor = m.messages.WithLabelValues("counselor")
	return m
}

// refuse counts a refused frame and sends its error frame in lang.
func (m *metrics) refuse(c *conn, lang string, fe *frameError) {
	m.rejected.WithLabelValues(fe.code).Inc()
	c.push(fe.frame(lang))
}
