package sqlite_test

import (
	"bufio"
	"bytes"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kefu-ai/kefu/errs"
	"github.com/kefu-ai/kefu/store"
	"github.com/kefu-ai/kefu/store/sqlite"
	"github.com/kefu-ai/kefu/store/storetest"
)

var _ storetest.Store = (*sqlite.Store)(nil)

// open opens a store on path and closes it when the test ends.
func open(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), sqlite.Config{Path: path})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close %s: %v", path, err)
		}
	})
	return s
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		// A directory that does not exist yet: Open creates it.
		return open(t, filepath.Join(t.TempDir(), "data", "kefu.db"))
	})
}

// TestStoreUncached runs the suite with every read going to SQLite.
func TestStoreUncached(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		s, err := sqlite.Open(t.Context(), sqlite.Config{Path: filepath.Join(t.TempDir(), "kefu.db"), ConversationCache: -1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestOpenInvalid(t *testing.T) {
	tests := []struct {
		name string
		path string
		code string
	}{
		{"empty path", "", errs.Invalid},
		{"directory under a file", filepath.Join(notADir(t), "kefu.db"), errs.Internal},
	}
	for _, tt := range tests {
		s, err := sqlite.Open(t.Context(), sqlite.Config{Path: tt.path})
		if err == nil {
			s.Close()
		}
		if got := errs.Code(err); got != tt.code {
			t.Errorf("%s: Open error %v (code %q), want code %q", tt.name, err, got, tt.code)
		}
	}
}

// notADir returns the path of a regular file.
func notADir(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestReopen checks that data outlives the process's handle and that
// reopening applies no migration twice.
func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kefu.db")
	ctx := t.Context()

	s, err := sqlite.Open(ctx, sqlite.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateConversation(ctx, store.Conversation{ID: "c1", State: store.StateBot}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendMessage(ctx, store.Message{ConversationID: "c1", Role: store.RoleCustomer, Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	before := migrationRows(t, path)
	if len(before) == 0 {
		t.Fatal("no migration recorded in schema_migrations")
	}

	for i := range 2 {
		s := open(t, path)
		if _, err := s.Conversation(ctx, "c1"); err != nil {
			t.Fatalf("reopen %d: conversation lost: %v", i, err)
		}
		m, err := s.AppendMessage(ctx, store.Message{ConversationID: "c1", Role: store.RoleBot, Text: "hello"})
		if err != nil || m.Seq != int64(i+2) {
			t.Fatalf("reopen %d: append got seq %d, %v; want %d", i, m.Seq, err, i+2)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if after := migrationRows(t, path); after != before {
			t.Errorf("reopen %d: schema_migrations changed:\nbefore %s\nafter  %s", i, before, after)
		}
	}
}

// migrationRows dumps schema_migrations (version, name, applied_at).
func migrationRows(t *testing.T, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(t.Context(), `SELECT version, name, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var (
			v         int
			name      string
			appliedAt int64
		)
		if err := rows.Scan(&v, &name, &appliedAt); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%d %s %d; ", v, name, appliedAt)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Crash test: the child appends messages and prints "acked <seq>" after
// each call returned; the parent kills it with SIGKILL mid-stream, reopens
// the database and expects every acknowledged message to be there.
const (
	crashDirEnv   = "KEFU_SQLITE_CRASH_DIR"
	crashConv     = "crash"
	crashMaxCalls = 1_000_000 // the child never gets this far before it is killed
	crashKillAt   = 200       // acks read before the kill
)

func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("run by TestCrash in a child process")
	}
	s, err := sqlite.Open(t.Context(), sqlite.Config{Path: filepath.Join(dir, "kefu.db")})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= crashMaxCalls; i++ {
		m, err := s.AppendMessage(t.Context(), store.Message{
			ConversationID: crashConv, Role: store.RoleCustomer, Text: "message " + strconv.Itoa(i),
		})
		if err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
		// Unbuffered: the line is in the pipe before the next append.
		fmt.Fprintf(os.Stdout, "acked %d\n", m.Seq)
	}
}

func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "kefu.db")
	s, err := sqlite.Open(t.Context(), sqlite.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateConversation(t.Context(), store.Conversation{ID: crashConv, State: store.StateBot}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() }) // if the test fails before the kill

	var acked []int64
	killed := false
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "acked ")
		if !ok {
			continue
		}
		seq, err := strconv.ParseInt(rest, 10, 64)
		if err != nil {
			t.Fatalf("child printed %q", sc.Text())
		}
		acked = append(acked, seq)
		if len(acked) == crashKillAt && !killed {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatalf("kill child: %v", err)
			}
			killed = true
		}
		// Keep reading: lines written before the kill are acks too.
	}
	err = cmd.Wait()
	if !killed {
		t.Fatalf("child ended after %d acks without being killed: %v\n%s", len(acked), err, stderr.String())
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child was not killed by SIGKILL: %v\n%s", err, stderr.String())
	}
	t.Logf("child killed after %d acks", len(acked))

	s = open(t, path)
	ms, err := s.Messages(t.Context(), crashConv, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	bySeq := make(map[int64]store.Message, len(ms))
	for i, m := range ms {
		if m.Seq != int64(i+1) {
			t.Fatalf("after the crash message %d has seq %d: not gapless", i, m.Seq)
		}
		bySeq[m.Seq] = m
	}
	for i, seq := range acked {
		if seq != int64(i+1) {
			t.Fatalf("ack %d was for seq %d", i, seq)
		}
		m, ok := bySeq[seq]
		if !ok {
			t.Fatalf("acked message %d is missing after the crash (%d stored, %d acked)", seq, len(ms), len(acked))
		}
		if want := "message " + strconv.FormatInt(seq, 10); m.Text != want {
			t.Errorf("message %d: text %q, want %q", seq, m.Text, want)
		}
	}
	// The database is usable after recovery.
	if _, err := s.AppendMessage(t.Context(), store.Message{ConversationID: crashConv, Text: "after"}); err != nil {
		t.Fatalf("append after the crash: %v", err)
	}
}

func BenchmarkAppendMessage(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "kefu.db"))
	ctx := b.Context()
	if err := s.CreateConversation(ctx, store.Conversation{ID: "c1", State: store.StateBot}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.AppendMessage(ctx, store.Message{ConversationID: "c1", Role: store.RoleCustomer, Text: "where is my order?"}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkClaim(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "kefu.db"))
	ctx := b.Context()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		b.StopTimer()
		id := "c" + strconv.Itoa(i)
		i++
		if err := s.CreateConversation(ctx, store.Conversation{ID: id, State: store.StateWaitingAgent}); err != nil {
			b.Fatal(err)
		}
		if err := s.Enqueue(ctx, store.QueueItem{ConversationID: id, Priority: 1, EnqueuedAt: now}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := s.Claim(ctx, id, "agent-1", now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSaveTurn: bot turns (context update, question and answer)
// from 64 customers at once (-cpu 2: 32 per proc), each in its own
// conversation, as group commit sees them under load. calls/commit is the
// mean batch.
func BenchmarkSaveTurn(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "kefu.db"))
	ctx := b.Context()
	var next atomic.Int64
	ctxt := bytes.Repeat([]byte("x"), 400) // a context of the usual size
	before, cpu0 := s.WriteStats(), cpuTime(b)
	b.SetParallelism(32)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		id := "c" + strconv.FormatInt(next.Add(1), 10)
		if err := s.CreateConversation(ctx, store.Conversation{ID: id, State: store.StateBot}); err != nil {
			b.Error(err)
			return
		}
		c := store.Conversation{ID: id, State: store.StateBot, Context: ctxt, Locale: "zh-CN"}
		for pb.Next() {
			_, err := s.SaveTurn(ctx, c, store.StateBot, []store.Message{
				{ConversationID: id, Role: store.RoleCustomer, Text: "退货运费谁出", Intent: "return_shipping_fee", Meta: []byte(`{"context":"parse"}`)},
				{ConversationID: id, Role: store.RoleBot, Text: "退货运费由卖家承担，运费险会自动赔付。", Intent: "return_shipping_fee", Meta: []byte(`{"decision":"answer"}`)},
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	after := s.WriteStats()
	if n := after.Commits - before.Commits; n > 0 {
		b.ReportMetric(float64(after.Calls-before.Calls)/float64(n), "calls/commit")
	}
	// CPU time per turn says more than ns/op on a machine shared with
	// other work.
	b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
