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
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
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
	url := fl.String("url", "http://127.0.0.1:8080", "kefu base URL")
	levels := fl.String("clients", "1,16,64", "concurrency levels, comma-separated")
	requests := fl.Int("requests", 20000, "message turns per level (upper bound)")
	maxDur := fl.Duration("max", 60*time.Second, "time limit per level")
	perConv := fl.Int("per-conversation", 10, "messages per conversation before a customer starts a new one")
	if err := fl.Parse(args); err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: 10 * time.Second}
	fmt.Fprintf(out, "%-8s %10s %10s %10s %10s %10s %8s\n", "clients", "turns", "turns/s", "p50", "p99", "max", "errors")
	for _, l := range strings.Split(*levels, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(l))
		if err != nil || n < 1 {
			return fmt.Errorf("bad concurrency %q", l)
		}
		r := level(client, *url, n, *requests, *maxDur, *perConv)
		fmt.Fprintf(out, "%-8d %10d %10.0f %10s %10s %10s %8d\n", n, len(r.lat), float64(len(r.lat))/r.wall.Seconds(),
			pct(r.lat, 0.50), pct(r.lat, 0.99), pct(r.lat, 1), r.errors)
	}
	return nil
}

type result struct {
	lat    []time.Duration
	wall   time.Duration
	errors int64
}

func level(client *http.Client, url string, clients, requests int, maxDur time.Duration, perConv int) result {
	ctx, cancel := context.WithTimeout(context.Background(), maxDur)
	defer cancel()
	var left atomic.Int64
	left.Store(int64(requests))
	var mu sync.Mutex
	var res result
	var wg sync.WaitGroup
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			conv, sent := "", 0
			for i := c; ctx.Err() == nil && left.Add(-1) >= 0; i++ {
				if conv == "" || sent == perConv {
					id, err := post(ctx, client, url+"/v1/conversations", map[string]any{"channel": "load"})
					if err != nil {
						atomic.AddInt64(&res.errors, 1)
						continue
					}
					conv, sent = id, 0
				}
				t0 := time.Now()
				_, err := post(ctx, client, url+"/v1/conversations/"+conv+"/messages", map[string]any{"text": messages[i%len(messages)]})
				if err != nil {
					if ctx.Err() == nil {
						atomic.AddInt64(&res.errors, 1)
					}
					continue
				}
				lat = append(lat, time.Since(t0))
				sent++
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.wall = time.Since(start)
	slices.Sort(res.lat)
	return res
}

// post sends JSON and returns the "id" of the answer when there is one.
func post(ctx context.Context, client *http.Client, url string, body any) (string, error) {
	raw, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(raw))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode >= 300 {
		return "", errors.New(resp.Status + ": " + string(out))
	}
	var v struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(out, &v)
	return v.ID, nil
}

func pct(sorted []time.Duration, p float64) string {
	if len(sorted) == 0 {
		return "-"
	}
	i := int(p * float64(len(sorted)-1))
	return sorted[i].Round(10 * time.Microsecond).String()
}
