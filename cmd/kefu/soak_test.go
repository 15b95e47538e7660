package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kefu-ai/kefu/dialog"
	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/store"
)

// BenchmarkSoak runs KEFU_SOAK conversations (10,000 in BENCHMARKS.md)
// through the whole engine at once: every customer sends a few messages,
// one in twenty asks for a person and is claimed, answered and released by
// simulated agents. It then checks every transcript: no message lost, none
// out of order. It reports turns/s and the heap before and after.
//
//	KEFU_SOAK=10000 go test ./cmd/kefu -run '^$' -bench Soak -benchtime 1x
func BenchmarkSoak(b *testing.B) {
	n, _ := strconv.Atoi(os.Getenv("KEFU_SOAK"))
	if n <= 0 {
		b.Skip("set KEFU_SOAK to the number of conversations")
	}
	m := benchMain(b)
	ctx := context.Background()
	for b.Loop() {
		soak(b, ctx, m.engine, n)
	}
}

func soak(b *testing.B, ctx context.Context, e *dialog.Engine, n int) {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	texts := []string{"7天无理由退货怎么算", "退货运费谁出", "what payment methods do you accept", "优惠券怎么用", "会员积分怎么用"}
	const perConv = 4
	ids := make([]string, n)
	for i := range ids {
		c, err := e.Start(ctx, dialog.Start{Channel: "soak"})
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = c.ID
	}
	var sent, turns atomic.Int64
	agentsDone := make(chan struct{})
	var agents sync.WaitGroup
	handled := atomic.Int64{}
	for a := range 4 {
		agents.Add(1)
		go func() {
			defer agents.Done()
			agent := fmt.Sprintf("agent-%d", a)
			for {
				q, err := e.Queue(ctx)
				if err != nil {
					b.Error(err)
					return
				}
				for _, it := range q {
					if it.ClaimedBy != "" {
						continue
					}
					if err := e.Claim(ctx, it.ConversationID, agent); errs.Is(err, errs.Conflict) {
						continue
					} else if err != nil {
						b.Error(err)
						return
					}
					if _, err := e.AgentSend(ctx, it.ConversationID, agent, "您好，我来处理"); err != nil {
						b.Error(err)
					}
					if err := e.Release(ctx, it.ConversationID, agent, store.StateBot, "soak"); err != nil {
						b.Error(err)
					}
					handled.Add(1)
				}
				select {
				case <-agentsDone:
					if len(q) == 0 {
						return
					}
				default:
					time.Sleep(time.Millisecond)
				}
			}
		}()
	}
	start := time.Now()
	var customers sync.WaitGroup
	work := make(chan int)
	for range 64 {
		customers.Add(1)
		go func() {
			defer customers.Done()
			for i := range work {
				for j := range perConv {
					text := texts[(i+j)%len(texts)]
					if i%20 == 0 && j == 1 {
						text = "转人工"
					}
					turn, err := e.Receive(ctx, ids[i], text)
					if err != nil {
						b.Error(err)
						return
					}
					sent.Add(1)
					if turn.Reply != nil {
						turns.Add(1)
					}
				}
			}
		}()
	}
	for i := range ids {
		work <- i
	}
	close(work)
	customers.Wait()
	wall := time.Since(start)
	close(agentsDone)
	agents.Wait()
	// Every customer message is in its transcript, in order.
	for i, id := range ids {
		tr, err := e.Transcript(ctx, id)
		if err != nil {
			b.Fatal(err)
		}
		var cust []string
		for k, msg := range tr.Messages {
			if msg.Seq != int64(k+1) {
				b.Fatalf("conversation %d: message %d has seq %d", i, k, msg.Seq)
			}
			if msg.Role == store.RoleCustomer {
				cust = append(cust, msg.Text)
			}
		}
		if len(cust) != perConv {
			b.Fatalf("conversation %d: %d customer messages stored, sent %d", i, len(cust), perConv)
		}
		for j, text := range cust {
			want := texts[(i+j)%len(texts)]
			if i%20 == 0 && j == 1 {
				want = "转人工"
			}
			if text != want {
				b.Fatalf("conversation %d: message %d is %q, want %q (reordered)", i, j, text, want)
			}
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(sent.Load())/wall.Seconds(), "msgs/s")
	b.ReportMetric(float64(handled.Load()), "handoffs")
	b.ReportMetric(float64(before.HeapAlloc)/(1<<20), "heap-before-MB")
	b.ReportMetric(float64(after.HeapAlloc)/(1<<20), "heap-after-MB")
}
