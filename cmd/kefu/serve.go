package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/kefu-ai/kefu/api"
	"github.com/kefu-ai/kefu/data"
	"github.com/kefu-ai/kefu/dialog"
	"github.com/kefu-ai/kefu/dialog/orders"
	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/kb"
	"github.com/kefu-ai/kefu/nlu"
	"github.com/kefu-ai/kefu/store"
	"github.com/kefu-ai/kefu/store/sqlite"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

type serveCmd struct {
	stdout, stderr io.Writer
	env            []string
	// ready, when set, receives the listening address once the server
	// accepts connections (tests use it).
	ready chan<- string
}

func (c *serveCmd) Run(ctx context.Context, args []string) error {
	fl := newFlagSet("serve", c.stderr)
	configFile := fl.String("config", "", "YAML configuration file (kefu.example.yaml lists every key)")
	model := fl.String("model", "", "NLU model directory (default: the embedded demo model)")
	addr := fl.String("addr", "", "listen address (overrides http.addr)")
	dataDir := fl.String("data-dir", "", "state directory (overrides data_dir)")
	if err := parseFlags(fl, args); err != nil {
		return err
	}
	overrides := map[string]any{}
	if *model != "" {
		overrides["nlu.model"] = *model
	}
	if *addr != "" {
		overrides["http.addr"] = *addr
	}
	if *dataDir != "" {
		overrides["data_dir"] = *dataDir
	}
	env := c.env
	if env == nil {
		env = os.Environ()
	}
	cfg, err := LoadConfig(*configFile, env, overrides)
	if err != nil {
		return usageError{err.Error()}
	}
	log := newLogger(c.stderr, cfg.Log.Level)
	for _, k := range cfg.Unknown {
		log.Warn("config: unknown key ignored (a typo?)", "file", *configFile, "key", k)
	}
	m, err := NewMain(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer m.Close()
	return m.Run(ctx, c.ready)
}

// Main is a running kefu server: every part built from the config, in the
// order Close undoes.
type Main struct {
	cfg     Config
	log     *slog.Logger
	store   *sqlite.Store
	kb      *kb.KB
	nlu     *nlu.Current
	engine  *dialog.Engine
	server  *api.Server
	reg     *prometheus.Registry
	reloads *reloadMetrics
}

// NewMain opens the store, loads the model and the knowledge base (seeding
// it from the demo shop on first start), and builds the engine and the
// HTTP server.
func NewMain(ctx context.Context, cfg Config, log *slog.Logger) (_ *Main, err error) {
	m := &Main{cfg: cfg, log: log, reg: prometheus.NewRegistry()}
	defer func() {
		if err != nil {
			m.Close()
		}
	}()
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.reloads = newReloadMetrics(m.reg)
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	if m.store, err = sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(cfg.DataDir, "kefu.db")}); err != nil {
		return nil, err
	}
	registerStoreMetrics(m.reg, m.store)
	model, err := loadModel(cfg.NLU.Model)
	if err != nil {
		return nil, err
	}
	m.nlu = nlu.NewCurrent(model)
	m.reloads.observe(model, nil)
	if m.kb, err = kb.Open(ctx, kb.Config{IndexDir: filepath.Join(cfg.DataDir, "kb-index")}, m.store); err != nil {
		return nil, err
	}
	if err := seedKB(ctx, m.kb, m.store, log); err != nil {
		return nil, err
	}
	book, err := orderConnector(cfg.Orders)
	if err != nil {
		return nil, err
	}
	dcfg, err := dialogConfig(cfg)
	if err != nil {
		return nil, err
	}
	answers := kbAnswers{kb: m.kb}
	firstReply := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "kefu_first_agent_reply_seconds",
		Help:    "Time from a handoff to the first agent message.",
		Buckets: []float64{5, 15, 30, 60, 120, 300, 600, 1800},
	})
	m.reg.MustRegister(firstReply)
	m.engine, err = dialog.New(dcfg, dialog.Deps{NLU: m.nlu, Answers: answers, Articles: answers, Orders: book, Store: m.store, Logger: log, Unanswered: m.kb,
		FirstAgentReply: func(d time.Duration) { firstReply.Observe(d.Seconds()) }})
	if err != nil {
		return nil, err
	}
	tokens := api.Tokens{Admin: cfg.Auth.AdminToken, Editor: cfg.Auth.EditorToken, Agent: cfg.Auth.AgentToken}
	generateTokens(&tokens, log)
	acfg := api.DefaultConfig()
	acfg.CORSOrigins = cfg.HTTP.CORSOrigins
	acfg.TrustedProxies = cfg.HTTP.TrustedProxies
	acfg.BodyLimit = cfg.HTTP.BodyLimit
	acfg.MaxTextRunes = cfg.HTTP.MaxTextRunes
	acfg.Rate = cfg.Limits.Rate
	acfg.Burst = cfg.Limits.Burst
	acfg.ShutdownTimeout = cfg.HTTP.ShutdownTimeout
	acfg.Tokens = tokens
	m.server, err = api.New(acfg, api.Deps{
		Conversations: m.engine, Handoff: m.engine, Parser: m.nlu, KB: m.kb,
		Logger: log, Registry: m.reg, Intents: model.Labels(),
		BuildInfo: map[string]string{"version": version, "go": runtime.Version()},
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Run serves until ctx ends; SIGHUP reloads the model from its directory.
func (m *Main) Run(ctx context.Context, ready chan<- string) error {
	ln, err := net.Listen("tcp", m.cfg.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	m.log.Info("kefu serving", "addr", ln.Addr().String(), "config", m.cfg)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				m.Reload()
			}
		}
	}()
	go m.engine.Run(ctx)
	return m.server.Serve(ctx, ln)
}

// Reload loads the model again from its directory and swaps it in; on
// failure the old model keeps serving.
func (m *Main) Reload() {
	model, err := loadModel(m.cfg.NLU.Model)
	m.reloads.observe(model, err)
	if err != nil {
		m.log.Error("model reload failed; keeping the current model", "err", err)
		return
	}
	m.nlu.Swap(model)
	m.log.Info("model reloaded", "data_hash", model.Manifest().DataHash)
}

// Close releases everything NewMain opened, in reverse order.
func (m *Main) Close() {
	if m.kb != nil {
		if err := m.kb.Close(); err != nil {
			m.log.Error("close kb", "err", err)
		}
	}
	if m.store != nil {
		if err := m.store.Close(); err != nil {
			m.log.Error("close store", "err", err)
		}
	}
}

// registerStoreMetrics exports the store's group commit: calls per
// commit is the mean batch.
func registerStoreMetrics(reg prometheus.Registerer, st *sqlite.Store) {
	reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "kefu_store_commits_total",
			Help: "Write transactions the store committed (each holds one or more write calls).",
		}, func() float64 { return float64(st.WriteStats().Commits) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "kefu_store_write_calls_total",
			Help: "Write calls committed (customer turns, state changes, queue and article writes).",
		}, func() float64 { return float64(st.WriteStats().Calls) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "kefu_store_log_catchups_total",
			Help: "Checkpoints the store's writer ran between commits so that the write-ahead log could start over (writes wait a few milliseconds for each).",
		}, func() float64 { return float64(st.WriteStats().CatchUps) }),
	)
}

// reloadMetrics report the model in use (alertmanager's config coordinator
// pattern: success, time and hash of the last reload).
type reloadMetrics struct {
	success, at prometheus.Gauge
	hash        *prometheus.GaugeVec
}

func newReloadMetrics(reg prometheus.Registerer) *reloadMetrics {
	r := &reloadMetrics{
		success: prometheus.NewGauge(prometheus.GaugeOpts{Name: "kefu_model_reload_success", Help: "Whether the last model (re)load succeeded."}),
		at:      prometheus.NewGauge(prometheus.GaugeOpts{Name: "kefu_model_reload_timestamp_seconds", Help: "Time of the last successful model (re)load."}),
		hash:    prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "kefu_model_info", Help: "The model in use, by training-data hash."}, []string{"data_hash"}),
	}
	reg.MustRegister(r.success, r.at, r.hash)
	return r
}

func (r *reloadMetrics) observe(m *nlu.Model, err error) {
	if err != nil {
		r.success.Set(0)
		return
	}
	r.success.Set(1)
	r.at.SetToCurrentTime()
	r.hash.Reset()
	r.hash.WithLabelValues(m.Manifest().DataHash).Set(1)
}

// generateTokens fills empty role tokens with random ones and logs each
// once, so a fresh install is never open and never locked out.
func generateTokens(t *api.Tokens, log *slog.Logger) {
	for _, tok := range []struct {
		role string
		p    *string
	}{{"admin", &t.Admin}, {"editor", &t.Editor}, {"agent", &t.Agent}} {
		if *tok.p != "" {
			continue
		}
		var b [24]byte
		if _, err := rand.Read(b[:]); err != nil {
			panic(err) // crypto/rand never fails on supported platforms
		}
		*tok.p = hex.EncodeToString(b[:])
		log.Warn("no token configured for a role: generated one for this run", "role", tok.role, "token", *tok.p)
	}
}

// seedKB imports the demo shop's articles into an empty store, once.
func seedKB(ctx context.Context, k *kb.KB, st *sqlite.Store, log *slog.Logger) error {
	existing, err := st.Articles(ctx, store.ArticleFilter{Limit: 1})
	if err != nil {
		return err
	}
	if len(existing) > 0 {
		return nil
	}
	raw, err := fs.ReadFile(data.FS, "kb/articles.jsonl")
	if err != nil {
		return fmt.Errorf("demo knowledge base: %w", err)
	}
	n, err := k.Import(ctx, bytes.NewReader(raw), "seed")
	if err != nil {
		return fmt.Errorf("demo knowledge base: %w", err)
	}
	log.Info("knowledge base seeded from the demo shop", "articles", n)
	return nil
}

// orderConnector is the shop's order system when orders.url is set, else
// the demo order book.
func orderConnector(cfg OrdersConfig) (dialog.OrderConnector, error) {
	if cfg.URL != "" {
		hc := orders.DefaultHTTPConfig(cfg.URL)
		hc.Token = cfg.Token
		if cfg.Timeout > 0 {
			hc.Timeout = cfg.Timeout
		}
		return orders.NewHTTP(hc)
	}
	return demoOrders()
}

func demoOrders() (*orders.Book, error) {
	raw, err := fs.ReadFile(data.FS, "orders/orders.json")
	if err != nil {
		return nil, fmt.Errorf("demo orders: %w", err)
	}
	return orders.NewBook(raw)
}

// dialogConfig is the engine's config: its defaults, the demo taxonomy and
// the thresholds kefu's config exposes.
func dialogConfig(cfg Config) (dialog.Config, error) {
	d := dialog.DefaultConfig()
	raw, err := fs.ReadFile(data.FS, "intents.json")
	if err != nil {
		return d, fmt.Errorf("intents: %w", err)
	}
	if err := json.Unmarshal(raw, &d.Intents); err != nil {
		return d, fmt.Errorf("intents.json: %w", err)
	}
	d.ShopSecret = cfg.Auth.ShopSecret
	d.MaxTextRunes = cfg.HTTP.MaxTextRunes
	d.Handoff.MaxMisses = cfg.Dialog.MaxFallbacks
	d.Handoff.AngryScore = cfg.Dialog.AngryScore
	d.Handoff.AnxiousScore = cfg.Dialog.AnxiousScore
	d.Handoff.HighOrderValue = cfg.Dialog.HighOrderValue
	d.Handoff.VIP = cfg.Dialog.VIPHandoff
	d.Queue.AgentCapacity = cfg.Dialog.AgentCapacity
	d.Queue.OfferMessageAfter = cfg.Dialog.OfferMessageAfter
	d.Webhooks.URLs = cfg.Dialog.WebhookURLs
	d.Webhooks.Secret = cfg.Dialog.WebhookSecret
	return d, nil
}

// kbAnswers adapts the knowledge base to what the dialogue engine asks.
type kbAnswers struct{ kb *kb.KB }

func (a kbAnswers) Answer(ctx context.Context, req dialog.AnswerRequest) (dialog.Answer, bool, error) {
	ans, ok, err := a.kb.Answer(ctx, kb.AnswerRequest{Text: req.Text, Intent: req.Intent, Locale: req.Locale, Now: req.Now})
	if err != nil || !ok {
		return dialog.Answer{}, false, err
	}
	return dialog.Answer{ArticleID: ans.Article.ID, Text: ans.Article.Answer, Score: ans.Score}, true, nil
}

func (a kbAnswers) Article(ctx context.Context, id string) (dialog.Answer, bool, error) {
	art, err := a.kb.Get(ctx, id)
	if errs.Is(err, errs.NotFound) {
		return dialog.Answer{}, false, nil
	}
	if err != nil {
		return dialog.Answer{}, false, err
	}
	return dialog.Answer{ArticleID: art.ID, Text: art.Answer}, true, nil
}
