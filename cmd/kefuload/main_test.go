package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestScheduleInterleaves(t *testing.T) {
	start := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		clients int
		rate    float64
		step    time.Duration // between consecutive turns of all clients
	}{
		{1, 100, 10 * time.Millisecond},
		{4, 1000, time.Millisecond},
		{64, 3000, time.Second / 3000},
	}
	for _, tt := range tests {
		var dues []time.Time
		for c := range tt.clients {
			s := newSchedule(start, c, tt.clients, tt.rate)
			for k := range 5 {
				dues = append(dues, s.due(k))
			}
		}
		slices.SortFunc(dues, func(a, b time.Time) int { return a.Compare(b) })
		for i := 1; i < len(dues); i++ {
			// Even spacing up to the nanosecond rounding of each client's
			// offset and interval.
			if gap := dues[i].Sub(dues[i-1]); gap < tt.step-time.Duration(tt.clients) || gap > tt.step+time.Duration(tt.clients) {
				t.Errorf("%d clients at %v/s: turn %d due %v after the one before, want %v", tt.clients, tt.rate, i, gap, tt.step)
				break
			}
		}
	}
}

// fakeKefu answers the two routes kefuload uses.
func fakeKefu(t *testing.T, turns *atomic.Int64) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/conversations", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte(`{"id":"c_1","state":"bot"}`))
	})
	mux.HandleFunc("POST /v1/conversations/{id}/messages", func(w http.ResponseWriter, r *http.Request) {
		turns.Add(1)
		w.Write([]byte(`{"message_id":"m","state":"bot"}`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestRun(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"closed loop", []string{"-clients", "1,4", "-requests", "40"}, "raw keep-alive"},
		{"paced", []string{"-clients", "4", "-requests", "40", "-rate", "2000"}, "# paced: 2000 turns/s"},
		{"net/http client", []string{"-clients", "2", "-requests", "20", "-nethttp"}, "net/http"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var turns atomic.Int64
			srv := fakeKefu(t, &turns)
			var out bytes.Buffer
			if err := run(append([]string{"-url", srv.URL}, tt.args...), &out); err != nil {
				t.Fatalf("run: %v\n%s", err, out.String())
			}
			if !strings.Contains(out.String(), tt.want) {
				t.Errorf("output lacks %q:\n%s", tt.want, out.String())
			}
			for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
				if f := strings.Fields(line); len(f) == 7 && f[0] != "clients" && f[6] != "0" {
					t.Errorf("errors reported: %s", line)
				}
			}
			if turns.Load() == 0 {
				t.Error("no message reached the server")
			}
		})
	}
}

func TestRunRejects(t *testing.T) {
	for _, args := range [][]string{
		{"-url", "https://example.com"},
		{"-url", "http://127.0.0.1:1", "-rate", "-5"},
		{"-url", "http://127.0.0.1:1", "-clients", "0"},
	} {
		if err := run(args, &bytes.Buffer{}); err == nil {
			t.Errorf("run %q: no error", args)
		}
	}
}
