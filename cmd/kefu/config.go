package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/viper"

	"github.com/kefu-ai/kefu/dialog"
)

// Config is every setting of `kefu serve`, read once at start from
// defaults, then a YAML file (--config), then KEFU_<SECTION>_<KEY>
// environment variables, then flags. kefu.example.yaml documents each key.
type Config struct {
	DataDir string       `mapstructure:"data_dir"`
	HTTP    HTTPConfig   `mapstructure:"http"`
	Auth    AuthConfig   `mapstructure:"auth"`
	Limits  LimitsConfig `mapstructure:"limits"`
	NLU     NLUConfig    `mapstructure:"nlu"`
	Dialog  DialogConfig `mapstructure:"dialog"`
	Orders  OrdersConfig `mapstructure:"orders"`
	Log     LogConfig    `mapstructure:"log"`
	// Unknown lists the keys of the config file kefu does not know (a
	// typo, or a key of another version): warned about at start, ignored.
	Unknown []string `mapstructure:"-"`
}

// HTTPConfig is the listener and request limits.
type HTTPConfig struct {
	Addr            string        `mapstructure:"addr"`
	ShutdownTimeout time.Duration `mapstructure:"shutdown_timeout"`
	CORSOrigins     []string      `mapstructure:"cors_origins"`
	TrustedProxies  []string      `mapstructure:"trusted_proxies"`
	BodyLimit       int64         `mapstructure:"body_limit"`
	MaxTextRunes    int           `mapstructure:"max_text_runes"`
}

// AuthConfig holds the role tokens and the shop's signing secret. Empty
// tokens are generated at start and logged once.
type AuthConfig struct {
	AdminToken  string `mapstructure:"admin_token"`
	EditorToken string `mapstructure:"editor_token"`
	AgentToken  string `mapstructure:"agent_token"`
	ShopSecret  string `mapstructure:"shop_secret"`
}

// LimitsConfig is per-client rate limiting; Rate 0 turns it off.
type LimitsConfig struct {
	Rate  float64 `mapstructure:"rate"`
	Burst int     `mapstructure:"burst"`
}

// NLUConfig names the model; empty means the embedded demo model.
type NLUConfig struct {
	Model string `mapstructure:"model"`
}

// DialogConfig holds the conversation engine's thresholds.
type DialogConfig struct {
	MaxFallbacks      int           `mapstructure:"max_fallbacks"`
	AngryScore        float64       `mapstructure:"angry_score"`
	AnxiousScore      float64       `mapstructure:"anxious_score"`
	HighOrderValue    float64       `mapstructure:"high_order_value"`
	VIPHandoff        bool          `mapstructure:"vip_handoff"`
	AgentCapacity     int           `mapstructure:"agent_capacity"`
	OfferMessageAfter time.Duration `mapstructure:"offer_message_after"`
	WebhookURLs       []string      `mapstructure:"webhook_urls"`
	WebhookSecret     string        `mapstructure:"webhook_secret"`
}

// OrdersConfig picks the order connector: the demo order book, or the
// shop's own order system over HTTP/JSON when URL is set.
type OrdersConfig struct {
	URL     string        `mapstructure:"url"`
	Token   string        `mapstructure:"token"`
	Timeout time.Duration `mapstructure:"timeout"`
}

// LogConfig chooses the log level.
type LogConfig struct {
	Level string `mapstructure:"level"`
}

// DefaultConfig is the embedded default: the demo shop on loopback.
func DefaultConfig() Config {
	return Config{
		DataDir: "./var",
		HTTP: HTTPConfig{
			Addr: "127.0.0.1:8080", ShutdownTimeout: 10 * time.Second,
			CORSOrigins: []string{}, TrustedProxies: []string{},
			BodyLimit: 64 << 10, MaxTextRunes: 2000,
		},
		Limits: LimitsConfig{Rate: 20, Burst: 40},
		Dialog: dialogDefaults(),
		Log:    LogConfig{Level: "info"},
	}
}

// dialogDefaults takes the engine's own defaults, so they live in one
// place.
func dialogDefaults() DialogConfig {
	d := dialog.DefaultConfig()
	return DialogConfig{
		MaxFallbacks: d.Handoff.MaxMisses, AngryScore: d.Handoff.AngryScore, AnxiousScore: d.Handoff.AnxiousScore,
		HighOrderValue: d.Handoff.HighOrderValue, VIPHandoff: d.Handoff.VIP,
		AgentCapacity: d.Queue.AgentCapacity, OfferMessageAfter: d.Queue.OfferMessageAfter,
		WebhookURLs: []string{},
	}
}

// keys lists every config key with its default, flattened ("http.addr").
func (c Config) keys() map[string]any {
	return map[string]any{
		"data_dir":                   c.DataDir,
		"http.addr":                  c.HTTP.Addr,
		"http.shutdown_timeout":      c.HTTP.ShutdownTimeout,
		"http.cors_origins":          c.HTTP.CORSOrigins,
		"http.trusted_proxies":       c.HTTP.TrustedProxies,
		"http.body_limit":            c.HTTP.BodyLimit,
		"http.max_text_runes":        c.HTTP.MaxTextRunes,
		"auth.admin_token":           c.Auth.AdminToken,
		"auth.editor_token":          c.Auth.EditorToken,
		"auth.agent_token":           c.Auth.AgentToken,
		"auth.shop_secret":           c.Auth.ShopSecret,
		"limits.rate":                c.Limits.Rate,
		"limits.burst":               c.Limits.Burst,
		"nlu.model":                  c.NLU.Model,
		"dialog.max_fallbacks":       c.Dialog.MaxFallbacks,
		"dialog.angry_score":         c.Dialog.AngryScore,
		"dialog.anxious_score":       c.Dialog.AnxiousScore,
		"dialog.high_order_value":    c.Dialog.HighOrderValue,
		"dialog.vip_handoff":         c.Dialog.VIPHandoff,
		"dialog.agent_capacity":      c.Dialog.AgentCapacity,
		"dialog.offer_message_after": c.Dialog.OfferMessageAfter,
		"dialog.webhook_urls":        c.Dialog.WebhookURLs,
		"dialog.webhook_secret":      c.Dialog.WebhookSecret,
		"orders.url":                 c.Orders.URL,
		"orders.token":               c.Orders.Token,
		"orders.timeout":             c.Orders.Timeout,
		"log.level":                  c.Log.Level,
	}
}

// LoadConfig reads the configuration. file may be "" (no file); env is
// the environment as os.Environ gives it; overrides are flag values by key.
// A key the file has but kefu does not know is listed in Config.Unknown for
// the caller to warn about: never a silent typo, never a refusal to start.
func LoadConfig(file string, env []string, overrides map[string]any) (Config, error) {
	v := viper.New()
	def := DefaultConfig()
	var unknown []string
	for k, val := range def.keys() {
		// Every key needs a default, or AutomaticEnv never sees its
		// variable (shared/notes/dependencies.md).
		v.SetDefault(k, val)
	}
	if file != "" {
		v.SetConfigFile(file)
		if err := v.ReadInConfig(); err != nil {
			return Config{}, fmt.Errorf("config %s: %w", file, err)
		}
		known := def.keys()
		for _, k := range v.AllKeys() {
			if _, ok := known[k]; !ok {
				unknown = append(unknown, k)
			}
		}
		sort.Strings(unknown)
	}
	// Environment: KEFU_HTTP_ADDR → http.addr, KEFU_DATA_DIR → data_dir.
	for _, kv := range env {
		name, val, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, "KEFU_") {
			continue
		}
		key, found := envKey(strings.TrimPrefix(name, "KEFU_"), def.keys())
		if !found {
			continue
		}
		if _, isList := def.keys()[key].([]string); isList {
			v.Set(key, splitList(val))
			continue
		}
		v.Set(key, val)
	}
	for k, val := range overrides {
		v.Set(k, val)
	}
	var c Config
	if err := v.Unmarshal(&c); err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	c.Unknown = unknown
	return c, c.Validate()
}

// envKey maps DATA_DIR or HTTP_ADDR to the config key it names.
func envKey(name string, keys map[string]any) (string, bool) {
	want := strings.ToLower(name)
	for k := range keys {
		if strings.ReplaceAll(k, ".", "_") == want {
			return k, true
		}
	}
	return "", false
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Validate checks values a typo could break.
func (c Config) Validate() error {
	var errs []error
	if c.HTTP.Addr == "" {
		errs = append(errs, errors.New("http.addr is empty"))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("data_dir is empty"))
	}
	if c.HTTP.BodyLimit < 1024 {
		errs = append(errs, fmt.Errorf("http.body_limit %d is below 1024 bytes", c.HTTP.BodyLimit))
	}
	if c.HTTP.MaxTextRunes < 1 {
		errs = append(errs, fmt.Errorf("http.max_text_runes %d must be positive", c.HTTP.MaxTextRunes))
	}
	if c.Limits.Rate < 0 || c.Limits.Burst < 0 {
		errs = append(errs, errors.New("limits.rate and limits.burst must not be negative"))
	}
	if c.Limits.Rate > 0 && c.Limits.Burst < 1 {
		errs = append(errs, errors.New("limits.burst must be at least 1 when limits.rate is on"))
	}
	if c.Dialog.MaxFallbacks < 1 || c.Dialog.AgentCapacity < 1 {
		errs = append(errs, errors.New("dialog.max_fallbacks and dialog.agent_capacity must be at least 1"))
	}
	for _, s := range []struct {
		name string
		v    float64
	}{{"dialog.angry_score", c.Dialog.AngryScore}, {"dialog.anxious_score", c.Dialog.AnxiousScore}} {
		if s.v < 0 || s.v > 1 {
			errs = append(errs, fmt.Errorf("%s %.2f must be within [0,1]", s.name, s.v))
		}
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log.level %q is not debug, info, warn or error", c.Log.Level))
	}
	return errors.Join(errs...)
}

// secret prints a secret for logs.
func secret(s string) string {
	if s == "" {
		return ""
	}
	return "<secret>"
}

// LogValue keeps secrets out of logs when the config is logged.
func (c Config) LogValue() slog.Value {
	a := c.Auth
	return slog.GroupValue(
		slog.String("data_dir", c.DataDir), slog.String("http.addr", c.HTTP.Addr),
		slog.String("auth.admin_token", secret(a.AdminToken)), slog.String("auth.editor_token", secret(a.EditorToken)),
		slog.String("auth.agent_token", secret(a.AgentToken)), slog.String("auth.shop_secret", secret(a.ShopSecret)),
		slog.String("dialog.webhook_secret", secret(c.Dialog.WebhookSecret)), slog.Int("dialog.webhook_urls", len(c.Dialog.WebhookURLs)),
		slog.Float64("limits.rate", c.Limits.Rate), slog.Int("limits.burst", c.Limits.Burst),
		slog.String("nlu.model", c.NLU.Model), slog.String("orders.url", c.Orders.URL), slog.String("orders.token", secret(c.Orders.Token)),
	)
}

// newLogger returns the JSON logger at the configured level.
func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level)) // validated already
	if w == nil {
		w = os.Stderr
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}
