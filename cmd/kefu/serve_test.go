package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary act as `kefu serve` for the crash test:
// a child process that can be killed for real.
func TestMain(m *testing.M) {
	if os.Getenv("KEFU_TEST_SERVE_CHILD") == "1" {
		ctx, stop := context.WithCancel(context.Background())
		defer stop()
		if err := run(ctx, []string{"serve"}, os.Stdin, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// startServer runs NewMain on 127.0.0.1:0 with a temporary data directory
// and returns its base URL and the config it used.
func startServer(t *testing.T, dataDir string, env ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	base := []string{"KEFU_DATA_DIR=" + dataDir, "KEFU_HTTP_ADDR=127.0.0.1:0", "KEFU_LIMITS_RATE=0",
		"KEFU_AUTH_ADMIN_TOKEN=admin-t", "KEFU_AUTH_EDITOR_TOKEN=editor-t", "KEFU_AUTH_AGENT_TOKEN=agent-t"}
	cmd := &serveCmd{stdout: io.Discard, stderr: io.Discard, env: append(base, env...), ready: ready}
	go func() { done <- cmd.Run(ctx, nil) }()
	select {
	case addr := <-ready:
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		})
		return "http://" + addr
	case err := <-done:
		cancel()
		t.Fatalf("serve stopped before listening: %v", err)
	}
	return ""
}

func call(t *testing.T, method, url, token string, body any) (int, map[string]any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

// TestServeEndToEnd drives the whole server over real HTTP: a customer
// asks, gives an order number when asked, asks for a person; an agent
// claims, replies and releases.
func TestServeEndToEnd(t *testing.T) {
	url := startServer(t, t.TempDir())
	if code, _ := call(t, "GET", url+"/readyz", "", nil); code != 200 {
		t.Fatalf("readyz = %d", code)
	}
	code, conv := call(t, "POST", url+"/v1/conversations", "", map[string]any{"locale": "zh-CN"})
	if code != 201 || conv["state"] != "bot" {
		t.Fatalf("create = %d %v", code, conv)
	}
	id := conv["id"].(string)
	say := func(text string) map[string]any {
		code, turn := call(t, "POST", url+"/v1/conversations/"+id+"/messages", "", map[string]any{"text": text})
		if code != 200 {
			t.Fatalf("message %q = %d %v", text, code, turn)
		}
		return turn
	}
	turn := say("我的订单到哪了")
	reply := turn["reply"].(map[string]any)
	if reply["intent"] != "order_status" || reply["asks_for"] != "order_id" {
		t.Errorf("first turn = %v, want order_status asking for order_id", reply)
	}
	turn = say("单号是DD20241123011哦")
	reply = turn["reply"].(map[string]any)
	if reply["intent"] != "order_status" || !strings.Contains(reply["text"].(string), "DD20241123011") {
		t.Errorf("second turn = %v, want the order's status", reply)
	}
	turn = say("转人工")
	if turn["state"] != "waiting_agent" || turn["handoff"] == nil {
		t.Fatalf("handoff turn = %v", turn)
	}
	if code, q := call(t, "GET", url+"/v1/handoff/queue", "agent-t", nil); code != 200 || len(q["items"].([]any)) != 1 {
		t.Fatalf("queue = %d %v", code, q)
	}
	if code, _ := call(t, "POST", url+"/v1/handoff/"+id+"/claim", "agent-t", map[string]any{"agent_id": "a1"}); code != 200 {
		t.Fatalf("claim = %d", code)
	}
	if code, _ := call(t, "POST", url+"/v1/handoff/"+id+"/claim", "agent-t", map[string]any{"agent_id": "a2"}); code != 409 {
		t.Errorf("second agent's claim = %d, want 409", code)
	}
	if turn := say("你好，还在吗"); turn["reply"] != nil || turn["state"] != "agent" {
		t.Errorf("while an agent holds it the bot must not answer: %v", turn)
	}
	if code, _ := call(t, "POST", url+"/v1/handoff/"+id+"/messages", "agent-t", map[string]any{"text": "您好，我来帮您查", "agent_id": "a1"}); code != 201 {
		t.Errorf("agent message = %d", code)
	}
	if code, _ := call(t, "POST", url+"/v1/handoff/"+id+"/release", "agent-t", map[string]any{"to": "bot", "agent_id": "a1"}); code != 200 {
		t.Errorf("release = %d", code)
	}
	if turn := say("谢谢"); turn["state"] != "bot" || turn["reply"] == nil {
		t.Errorf("after release the bot answers again: %v", turn)
	}
	code, tr := call(t, "GET", url+"/v1/conversations/"+id, "", nil)
	if code != 200 || len(tr["messages"].([]any)) < 8 {
		t.Errorf("transcript = %d with %d messages", code, len(tr["messages"].([]any)))
	}
	if code, _ := call(t, "POST", url+"/v1/nlu/parse", "", map[string]any{"text": "hi"}); code != 401 {
		t.Errorf("parse without token = %d, want 401", code)
	}
	if code, p := call(t, "POST", url+"/v1/nlu/parse", "editor-t", map[string]any{"text": "我的訂單到哪了"}); code != 200 || p["intent"] != "order_status" {
		t.Errorf("parse = %d %v", code, p)
	}
}

// TestCrashSafety kills a real server process with SIGKILL right after
// acknowledged writes; a new process on the same data directory must see
// every one of them.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	dir := t.TempDir()
	start := func() (*exec.Cmd, string) {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "KEFU_TEST_SERVE_CHILD=1", "KEFU_DATA_DIR="+dir, "KEFU_HTTP_ADDR=127.0.0.1:0", "KEFU_LIMITS_RATE=0",
			"KEFU_AUTH_ADMIN_TOKEN=a", "KEFU_AUTH_EDITOR_TOKEN=e", "KEFU_AUTH_AGENT_TOKEN=g")
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var line struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "kefu serving" {
				go io.Copy(io.Discard, stderr)
				return cmd, "http://" + line.Addr
			}
		}
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("child server never listened")
		return nil, ""
	}
	cmd, url := start()
	_, conv := call(t, "POST", url+"/v1/conversations", "", map[string]any{})
	id, _ := conv["id"].(string)
	if id == "" {
		cmd.Process.Kill()
		t.Fatal("no conversation")
	}
	var acked []string
	for i := range 20 {
		code, turn := call(t, "POST", url+"/v1/conversations/"+id+"/messages", "", map[string]any{"text": fmt.Sprintf("第%d个问题：退款什么时候到账", i)})
		if code != 200 {
			t.Fatalf("message %d = %d", i, code)
		}
		acked = append(acked, turn["message_id"].(string))
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	cmd, url = start()
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	code, tr := call(t, "GET", url+"/v1/conversations/"+id, "", nil)
	if code != 200 {
		t.Fatalf("transcript after restart = %d", code)
	}
	seen := map[string]bool{}
	for _, m := range tr["messages"].([]any) {
		seen[m.(map[string]any)["id"].(string)] = true
	}
	for i, mid := range acked {
		if !seen[mid] {
			t.Errorf("acknowledged message %d (%s) lost after SIGKILL", i, mid)
		}
	}
}

// BenchmarkTurn measures one whole bot turn (NLU, dialogue decision,
// knowledge-base answer, durable writes) through the HTTP handler, from
// parallel customers (as many as GOMAXPROCS).
func BenchmarkTurn(b *testing.B) { benchmarkTurn(b, 1) }

// BenchmarkTurn64 is BenchmarkTurn with 32 customers per GOMAXPROCS (64
// at -cpu 2, as the load test's top level): turns wait for each other's
// commits and group commit batches them.
func BenchmarkTurn64(b *testing.B) { benchmarkTurn(b, 32) }

// benchMain builds the server in process on a fresh data directory, with
// env on top of the defaults; it is closed when b ends.
func benchMain(b *testing.B, env ...string) *Main {
	cfg, err := LoadConfig("", append([]string{"KEFU_DATA_DIR=" + b.TempDir(), "KEFU_LOG_LEVEL=error"}, env...), nil)
	if err != nil {
		b.Fatal(err)
	}
	m, err := NewMain(context.Background(), cfg, newLogger(io.Discard, "error"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(m.Close)
	return m
}

func benchmarkTurn(b *testing.B, parallelism int) {
	m := benchMain(b, "KEFU_LIMITS_RATE=0")
	h := m.server.Handler()
	texts := []string{"7天无理由退货怎么算", "退货运费谁出", "what payment methods do you accept", "优惠券怎么用", "is it genuine"}
	b.SetParallelism(parallelism)
	cpu0 := cpuTime(b)
	defer func() {
		// CPU per turn varies less than ns/op on the shared machine.
		b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(b.N), "cpu-ns/op")
	}()
	b.RunParallel(func(pb *testing.PB) {
		rec := func(method, url, body string) *httptestRecorder {
			r := newRecorder()
			req, _ := http.NewRequest(method, url, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.RemoteAddr = "127.0.0.1:1"
			h.ServeHTTP(r, req)
			return r
		}
		var id string
		i := 0
		for pb.Next() {
			if i%10 == 0 {
				r := rec("POST", "/v1/conversations", "{}")
				var v struct{ ID string }
				json.Unmarshal(r.body.Bytes(), &v)
				id = v.ID
			}
			r := rec("POST", "/v1/conversations/"+id+"/messages", `{"text":"`+texts[i%len(texts)]+`"}`)
			if r.code != 200 {
				b.Fatalf("turn = %d %s", r.code, r.body.String())
			}
			i++
		}
	})
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// httptestRecorder is a minimal ResponseWriter for the benchmark.
type httptestRecorder struct {
	code int
	hdr  http.Header
	body bytes.Buffer
}

func newRecorder() *httptestRecorder { return &httptestRecorder{code: 200, hdr: http.Header{}} }

func (r *httptestRecorder) Header() http.Header         { return r.hdr }
func (r *httptestRecorder) Write(p []byte) (int, error) { return r.body.Write(p) }
func (r *httptestRecorder) WriteHeader(code int)        { r.code = code }
