// Command kefuload is kefu's load generator for the message turn: each
// simulated customer opens a conversation and sends messages one after the
// other (a chat is sequential); clients run in parallel. It is bounded in
// requests and time and only talks to the address it is given (loopback
// in our benchmarks).
//
//	kefuload -url http://127.0.0.1:8080 -clients 1,16,64 -requests 20000 -max 60s
//
// It prints, per concurrency level, turns per second and latency
// percentiles of POST /v1/conversations/{id}/messages.
//
// By default every client sends its next message as soon as it has the
// answer to the last (a closed loop: the server runs flat out, and the
// latency is what 64 customers see from a saturated server). -rate R
// paces the clients instead, R turns per second in all, each turn due at
// a fixed time: the latency then runs from when the turn was due, not
// from when a client that had fallen behind got round to sending it, so a
// slow server cannot hide its backlog (coordinated omission).
//
// It shares the machine with the server in our benchmarks, so it is made
// cheap: each client keeps one HTTP/1.1 keep-alive connection of its own,
// writes requests prepared once and parses answers with
// http.ReadResponse, without net/http's transport (its goroutines and
// channel hand-offs cost about as much as a bot turn's NLU). -nethttp
// uses the standard client instead, to compare. GOMAXPROCS=1 keeps it on
// one core.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Messages a shopper might send that the bot answers itself (no handoff,
// so the queue does not fill and every turn is a full bot turn).
var messages = []string{
	"7天无理由退货怎么算", "退货运费谁出", "怎么申请发票", "有什么支付方式", "优惠券怎么用",
	"what payment methods do you accept", "how do i use a coupon", "is it genuine", "你们是正品吗", "尺码怎么选",
	"会员积分怎么用", "忘记密码登录不了", "双11活动规则是什么", "这个有货吗", "保修多久",
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "kefuload:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fl := flag.NewFlagSet("kefuload", flag.ContinueOnError)
	base := fl.String("url", "http://127.0.0.1:8080", "kefu base URL (http only)")
	levels := fl.String("clients", "1,16,64", "concurrency levels, comma-separated")
	requests := fl.Int("requests", 20000, "message turns per level (upper bound)")
	maxDur := fl.Duration("max", 60*time.Second, "time limit per level")
	perConv := fl.Int("per-conversation", 10, "messages per conversation before a customer starts a new one")
	netHTTP := fl.Bool("nethttp", false, "use net/http's client (costs more CPU on the shared machine)")
	rate := fl.Float64("rate", 0, "turns per second offered by all clients together (0: each client sends as soon as it has its answer)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	u, err := url.Parse(*base)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return fmt.Errorf("bad -url %q: want http://host:port", *base)
	}
	if *rate < 0 {
		return fmt.Errorf("bad -rate %v: want turns per second, or 0", *rate)
	}
	bodies := make([][]byte, len(messages))
	for i, m := range messages {
		bodies[i], _ = json.Marshal(map[string]string{"text": m})
	}
	var newClient func() poster
	if *netHTTP {
		hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1024}, Timeout: 10 * time.Second}
		newClient = func() poster { return &stdClient{hc: hc, base: strings.TrimSuffix(*base, "/")} }
	} else {
		newClient = func() poster { return &rawClient{host: u.Host, prefix: strings.TrimSuffix(u.Path, "/")} }
	}
	fmt.Fprintf(out, "# client %s, GOMAXPROCS %d\n", map[bool]string{true: "net/http", false: "raw keep-alive"}[*netHTTP], runtime.GOMAXPROCS(0))
	if *rate > 0 {
		fmt.Fprintf(out, "# paced: %.0f turns/s offered in all; latency from each turn's due time\n", *rate)
	}
	fmt.Fprintf(out, "%-8s %10s %10s %10s %10s %10s %8s\n", "clients", "turns", "turns/s", "p50", "p99", "max", "errors")
	for _, l := range strings.Split(*levels, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(l))
		if err != nil || n < 1 {
			return fmt.Errorf("bad concurrency %q", l)
		}
		r := level(newClient, bodies, n, *requests, *maxDur, *perConv, *rate)
		fmt.Fprintf(out, "%-8d %10d %10.0f %10s %10s %10s %8d\n", n, len(r.lat), float64(len(r.lat))/r.wall.Seconds(),
			pct(r.lat, 0.50), pct(r.lat, 0.99), pct(r.lat, 1), r.errors)
		if r.firstErr != nil {
			fmt.Fprintf(out, "# first error: %v\n", r.firstErr)
		}
	}
	return nil
}

// poster sends one JSON POST and returns the "id" of the answer when
// wantID is set; one poster serves one client goroutine.
type poster interface {
	post(ctx context.Context, path string, body []byte, wantID bool) (string, error)
	close()
}

type result struct {
	lat      []time.Duration
	wall     time.Duration
	errors   int64
	firstErr error
}

// schedule gives a paced client's turns their due times: client c of n,
// together offering rate turns per second, has turn k due at
// start + (k + c/n) * n/rate, so the clients' turns interleave evenly.
type schedule struct {
	start    time.Time
	interval time.Duration // between two turns of one client
	offset   time.Duration
}

func newSchedule(start time.Time, c, n int, rate float64) schedule {
	interval := time.Duration(float64(n) / rate * float64(time.Second))
	return schedule{start: start, interval: interval, offset: interval * time.Duration(c) / time.Duration(n)}
}

func (s schedule) due(k int) time.Time {
	return s.start.Add(s.offset + time.Duration(k)*s.interval)
}

func level(newClient func() poster, bodies [][]byte, clients, requests int, maxDur time.Duration, perConv int, rate float64) result {
	ctx, cancel := context.WithTimeout(context.Background(), maxDur)
	defer cancel()
	var left atomic.Int64
	left.Store(int64(requests))
	var mu sync.Mutex
	res := result{lat: make([]time.Duration, 0, requests)}
	fail := func(err error) {
		if ctx.Err() != nil {
			return // the time limit cut the request short
		}
		mu.Lock()
		res.errors++
		if res.firstErr == nil {
			res.firstErr = err
		}
		mu.Unlock()
	}
	var wg sync.WaitGroup
	start := time.Now()
	for c := range clients {
		wg.Go(func() {
			cl := newClient()
			defer cl.close()
			lat := make([]time.Duration, 0, requests/clients+1)
			conv, sent := "", 0
			var path []byte
			var sched schedule
			if rate > 0 {
				sched = newSchedule(start, c, clients, rate)
			}
			for i := c; ctx.Err() == nil && left.Add(-1) >= 0; i++ {
				if conv == "" || sent == perConv {
					id, err := cl.post(ctx, "/v1/conversations", []byte(`{"channel":"load"}`), true)
					if err != nil {
						fail(err)
						continue
					}
					conv, sent = id, 0
					path = append(append(append(path[:0], "/v1/conversations/"...), conv...), "/messages"...)
				}
				t0 := time.Now()
				if rate > 0 {
					t0 = sched.due(i - c)
					if d := time.Until(t0); d > 0 {
						time.Sleep(d)
					}
				}
				if _, err := cl.post(ctx, string(path), bodies[i%len(bodies)], false); err != nil {
					fail(err)
					continue
				}
				lat = append(lat, time.Since(t0))
				sent++
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			mu.Unlock()
		})
	}
	wg.Wait()
	res.wall = time.Since(start)
	slices.Sort(res.lat)
	return res
}

// rawClient speaks HTTP/1.1 over one keep-alive connection of its own.
type rawClient struct {
	host, prefix string
	conn         net.Conn
	br           *bufio.Reader
	req          []byte
	body         bytes.Buffer
}

func (c *rawClient) post(ctx context.Context, path string, body []byte, wantID bool) (string, error) {
	if c.conn == nil {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", c.host)
		if err != nil {
			return "", err
		}
		if dl, ok := ctx.Deadline(); ok {
			conn.SetDeadline(dl)
		}
		c.conn, c.br = conn, bufio.NewReaderSize(conn, 16<<10)
	}
	c.req = fmt.Appendf(c.req[:0], "POST %s%s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
		c.prefix, path, c.host, len(body))
	c.req = append(c.req, body...)
	if _, err := c.conn.Write(c.req); err != nil {
		c.close()
		return "", err
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		c.close()
		return "", err
	}
	c.body.Reset()
	_, err = c.body.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil || resp.Close {
		c.close()
	}
	if err != nil {
		return "", err
	}
	return answer(resp.StatusCode, resp.Status, c.body.Bytes(), wantID)
}

func (c *rawClient) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn, c.br = nil, nil
	}
}

// stdClient is net/http's client.
type stdClient struct {
	hc   *http.Client
	base string
}

func (c *stdClient) post(ctx context.Context, path string, body []byte, wantID bool) (string, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", c.base+path, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	return answer(resp.StatusCode, resp.Status, out, wantID)
}

func (c *stdClient) close() {}

// answer checks the status and returns the "id" of the body when asked.
func answer(code int, status string, body []byte, wantID bool) (string, error) {
	if code >= 300 {
		return "", errors.New(status + ": " + string(body))
	}
	if !wantID {
		return "", nil
	}
	var v struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &v); err != nil || v.ID == "" {
		return "", fmt.Errorf("no id in %q", body)
	}
	return v.ID, nil
}

func pct(sorted []time.Duration, p float64) string {
	if len(sorted) == 0 {
		return "-"
	}
	i := int(p * float64(len(sorted)-1))
	return sorted[i].Round(10 * time.Microsecond).String()
}
