package api

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kefu-ai/kefu/store"
)

// Message channels of kefu_messages_total: who sent the message through
// the API.
const (
	channelCustomer = "customer"
	channelAgent    = "agent"
)

// metrics are the api's series, registered on the injected registry.
type metrics struct {
	requests   *prometheus.CounterVec   // route, method, status
	duration   *prometheus.HistogramVec // route, method, status
	messages   *prometheus.CounterVec   // channel, state
	intents    *prometheus.CounterVec   // intent
	handoffs   *prometheus.CounterVec   // reason
	queueWait  prometheus.Histogram
	nluParse   prometheus.Histogram
	kbSearch   prometheus.Histogram
	buildInfo  *prometheus.GaugeVec // version, go
	queueGauge prometheus.GaugeFunc

	httpSeries sync.Map // httpKey → *httpSeries
}

func newMetrics(reg prometheus.Registerer, build map[string]string, intents []string, h Handoff) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kefu_http_requests_total",
			Help: "HTTP requests served, by route template, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kefu_http_request_duration_seconds",
			Help:    "Time to serve an HTTP request, by route template, method and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method", "status"}),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kefu_messages_total",
			Help: "Messages accepted, by sender (customer, agent) and the conversation's state after them.",
		}, []string{"channel", "state"}),
		intents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kefu_intents_total",
			Help: "Bot replies to customers, by the intent acted on.",
		}, []string{"intent"}),
		handoffs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kefu_handoffs_total",
			Help: "Conversations handed to people, by reason (transfer: moved by an agent).",
		}, []string{"reason"}),
		queueWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "kefu_queue_wait_seconds",
			Help:    "How long a claimed conversation waited in the handoff queue.",
			Buckets: []float64{5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600},
		}),
		nluParse: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "kefu_nlu_parse_duration_seconds",
			Help:    "Time to parse a message (POST /v1/nlu/parse).",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1},
		}),
		kbSearch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "kefu_kb_search_duration_seconds",
			Help:    "Time to search the knowledge base (GET /v1/kb/search).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5},
		}),
		buildInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "kefu_build_info",
			Help: "Always 1; the labels say which build is running.",
		}, []string{"version", "go"}),
	}
	m.queueGauge = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "kefu_queue_length",
		Help: "Conversations waiting for an agent (not yet claimed), read at scrape time.",
	}, func() float64 { return queueLength(h) })

	for _, c := range []prometheus.Collector{
		m.requests, m.duration, m.messages, m.intents, m.handoffs,
		m.queueWait, m.nluParse, m.kbSearch, m.buildInfo, m.queueGauge,
	} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("api: metrics: %w", err)
		}
	}

	// Label values known up front start at 0.
	for _, ch := range []string{channelCustomer, channelAgent} {
		for _, st := range []string{store.StateBot, store.StateWaitingAgent, store.StateAgent, store.StateClosed} {
			m.messages.WithLabelValues(ch, st)
		}
	}
	for _, in := range intents {
		m.intents.WithLabelValues(in)
	}
	m.handoffs.WithLabelValues(reasonTransfer)
	version, goVersion := build["version"], build["go"]
	if version == "" {
		version = "unknown"
	}
	if goVersion == "" {
		goVersion = runtime.Version()
	}
	m.buildInfo.WithLabelValues(version, goVersion).Set(1)
	return m, nil
}

// reasonTransfer labels handoffs an agent made by transferring.
const reasonTransfer = "transfer"

func queueLength(h Handoff) float64 {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	entries, err := h.Queue(ctx)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range entries {
		if e.ClaimedBy == "" {
			n++
		}
	}
	return float64(n)
}

// knownMethods keeps the method label bounded.
var knownMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
}

func methodLabel(m string) string {
	if knownMethods[m] {
		return m
	}
	return "other"
}

// httpKey names one series of the HTTP metrics; all its parts are
// bounded (route templates, methodLabel, status codes).
type httpKey struct {
	route, method string
	status        int
}

// httpSeries are the HTTP metrics' children for one httpKey, looked up
// once: WithLabelValues hashes the labels and takes a lock on every call.
type httpSeries struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

func (m *metrics) observeHTTP(route, method string, status int, d time.Duration) {
	k := httpKey{route, methodLabel(method), status}
	v, ok := m.httpSeries.Load(k)
	if !ok {
		labels := []string{k.route, k.method, strconv.Itoa(status)}
		v, _ = m.httpSeries.LoadOrStore(k, &httpSeries{
			requests: m.requests.WithLabelValues(labels...),
			duration: m.duration.WithLabelValues(labels...),
		})
	}
	hs := v.(*httpSeries)
	hs.requests.Inc()
	hs.duration.Observe(d.Seconds())
}

// labelValue keeps a label from a lower layer bounded and non-empty.
func labelValue(v string) string {
	if v == "" {
		return "none"
	}
	if len(v) > maxNameRunes {
		return "other"
	}
	return v
}
