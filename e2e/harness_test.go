package e2e

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const (
	// startTimeout bounds how long kefu may take to answer /readyz.
	startTimeout = 60 * time.Second
	// stopTimeout bounds how long kefu may take to exit after SIGTERM
	// before it is killed.
	stopTimeout = 20 * time.Second
	// browserTimeout is a hang guard for everything one browser does in
	// a test; no step has a limit of its own.
	browserTimeout = 90 * time.Second
	// defaultChromium is where Debian's chromium package puts it.
	defaultChromium = "/usr/bin/chromium"
)

// kefuBin is the kefu binary TestMain builds once for every test.
var kefuBin string

// TestMain builds the kefu binary once into a temp dir (go build
// ./cmd/kefu), with the race detector when the tests have it, so that a
// race in the server under a real browser shows too.
func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "kefu-e2e-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "kefu")
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, "./cmd/kefu")...)
	cmd.Dir = ".." // the module root
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build ./cmd/kefu: %v\n%s", err, out)
		return 1
	}
	kefuBin = bin
	return m.Run()
}

// server is one running `kefu serve`.
type server struct{ URL, AdminToken, EditorToken, AgentToken string }

// startServer runs the built `kefu serve` on a fresh data directory and a
// free port, with known role tokens and no rate limit, and waits for
// /readyz. It stops the server (SIGTERM, then wait) when the test ends and
// fails the test if the server reported a data race.
func startServer(t *testing.T) *server {
	t.Helper()
	return startServerEnv(t, nil)
}

// startServerEnv is startServer with extra KEFU_ settings.
func startServerEnv(t *testing.T, env map[string]string) *server {
	t.Helper()
	if kefuBin == "" {
		t.Fatal("e2e: no kefu binary: TestMain did not run")
	}
	s := &server{
		AdminToken:  "e2e-admin-" + randomHex(t),
		EditorToken: "e2e-editor-" + randomHex(t),
		AgentToken:  "e2e-agent-" + randomHex(t),
	}
	// The port is free when asked for, but another process may take it
	// before kefu binds it: then try another.
	for attempt := 1; ; attempt++ {
		addr := freeAddr(t)
		err := s.start(t, addr, env)
		if err == nil {
			s.URL = "http://" + addr
			return s
		}
		if !errors.Is(err, errAddrInUse) || attempt == 3 {
			t.Fatal(err)
		}
	}
}

var errAddrInUse = errors.New("address already in use")

func (s *server) start(t *testing.T, addr string, extra map[string]string) error {
	t.Helper()
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KEFU_") { // the tests' settings, not the developer's
			env = append(env, kv)
		}
	}
	env = append(env,
		"KEFU_DATA_DIR="+t.TempDir(),
		"KEFU_HTTP_ADDR="+addr,
		"KEFU_AUTH_ADMIN_TOKEN="+s.AdminToken,
		"KEFU_AUTH_EDITOR_TOKEN="+s.EditorToken,
		"KEFU_AUTH_AGENT_TOKEN="+s.AgentToken,
		"KEFU_LIMITS_RATE=0",
	)
	for k, v := range extra {
		env = append(env, k+"="+v)
	}
	logs := &syncBuffer{}
	cmd := exec.Command(kefuBin, "serve")
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("e2e: start kefu: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(stopTimeout):
			t.Errorf("e2e: kefu did not stop within %s of SIGTERM; killed", stopTimeout)
			_ = cmd.Process.Kill()
			<-exited
		}
	}

	url := "http://" + addr + "/readyz"
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(startTimeout)
wait:
	for {
		select {
		case err := <-exited:
			if strings.Contains(logs.String(), "address already in use") {
				return errAddrInUse
			}
			return fmt.Errorf("e2e: kefu exited before it was ready (%v):\n%s", err, logs.String())
		case <-time.After(100 * time.Millisecond):
		}
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break wait
			}
		}
		if time.Now().After(deadline) {
			stop()
			return fmt.Errorf("e2e: kefu not ready after %s:\n%s", startTimeout, logs.String())
		}
	}
	t.Cleanup(func() {
		stop()
		out := logs.String()
		if strings.Contains(out, "WARNING: DATA RACE") {
			t.Errorf("e2e: kefu reported a data race:\n%s", out)
		} else if t.Failed() {
			t.Logf("kefu log (last 4 KiB):\n%s", tail(out, 4<<10))
		}
	})
	return nil
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("e2e: find a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func randomHex(t *testing.T) string {
	t.Helper()
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("e2e: random: %v", err)
	}
	return hex.EncodeToString(b[:])
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// syncBuffer collects a process's output; it is written and read from
// different goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newBrowser starts a headless Chromium of its own (a fresh profile, a
// 1280×900 window) and returns the context of its first tab. Separate
// calls give separate browsers, e.g. a customer and an agent side by
// side. The browser is closed when the test ends, or when browserTimeout
// passes (a hang guard, not a speed limit).
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := cmp.Or(os.Getenv("CHROMIUM"), defaultChromium)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("e2e: no Chromium at %s (%v). These tests need it: apt-get install chromium (Debian/Ubuntu), or set CHROMIUM to its path.", path, err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	guard, cancelGuard := context.WithTimeout(context.Background(), browserTimeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(guard, opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx, chromedp.WithErrorf(func(format string, args ...any) {
		// A newer browser sends events this cdproto does not know; that
		// is noise, not a failure.
		if msg := fmt.Sprintf(format, args...); !strings.Contains(msg, "unmarshal") {
			t.Logf("chromedp: %s", msg)
		}
	}))
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc() // waits for the browser to exit, before its profile is removed
		cancelGuard()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("e2e: start Chromium %s: %v", path, err)
	}
	return ctx
}

// screenshot writes a full-page PNG of the tab to ../docs/<path>, only
// when KEFU_SCREENSHOTS=1 (the README's images are made this way).
func screenshot(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	writeScreenshot(t, ctx, path, chromedp.FullScreenshot(100)) // quality 100 is PNG
}

// screenshotViewport is screenshot of what the window shows, for pages
// whose open widget covers the screen (a phone).
func screenshotViewport(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	writeScreenshot(t, ctx, path, chromedp.CaptureScreenshot())
}

func writeScreenshot(t *testing.T, ctx context.Context, path string, capture chromedp.Action[[]byte]) {
	t.Helper()
	if os.Getenv("KEFU_SCREENSHOTS") != "1" {
		return
	}
	png, err := chromedp.Run(ctx, capture)
	if err != nil {
		t.Fatalf("e2e: screenshot %s: %v", path, err)
	}
	out := filepath.Join("..", "docs", filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatalf("e2e: screenshot: %v", err)
	}
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatalf("e2e: screenshot: %v", err)
	}
	t.Logf("wrote %s", out)
}

// apiJSON calls the API for seeding and checks: body (when not nil) goes
// as JSON, token (when not empty) as a bearer token; a 2xx JSON answer is
// decoded into out (when not nil). It returns the status; a transport or
// decoding error fails the test.
func apiJSON(t *testing.T, s *server, method, path, token string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatalf("e2e: %s %s: encode body: %v", method, path, err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatalf("e2e: %s %s: %v", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("e2e: %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("e2e: %s %s: read body: %v", method, path, err)
	}
	if out != nil && resp.StatusCode/100 == 2 && len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("e2e: %s %s: decode %s: %v", method, path, raw, err)
		}
	}
	if resp.StatusCode/100 != 2 {
		t.Logf("%s %s: %d %s", method, path, resp.StatusCode, bytes.TrimSpace(raw))
	}
	return resp.StatusCode
}
