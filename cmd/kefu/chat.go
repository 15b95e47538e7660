package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kefu-ai/kefu/dialog"
)

// chatCmd is a terminal REPL against the demo shop: the whole engine
// (understanding, dialogue, knowledge base, order book) on a throwaway
// data directory, one conversation, no HTTP.
type chatCmd struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

func (c *chatCmd) Run(ctx context.Context, args []string) error {
	fl := newFlagSet("chat", c.stderr)
	model := fl.String("model", "", "model directory (default: the embedded demo model)")
	dataDir := fl.String("data-dir", "", "state directory (default: a temporary one, removed at exit)")
	userID := fl.String("user", "", "act as this shop user (signed with the configured shop secret), to see own orders in full")
	if err := parseFlags(fl, args); err != nil {
		return err
	}
	dir := *dataDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "kefu-chat-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	cfg, err := LoadConfig("", nil, map[string]any{"data_dir": dir, "nlu.model": *model})
	if err != nil {
		return err
	}
	m, err := NewMain(ctx, cfg, newLogger(io.Discard, "error"))
	if err != nil {
		return err
	}
	defer m.Close()
	start := dialog.Start{Channel: "chat"}
	if *userID != "" {
		start.UserID = *userID
		start.UserSig = dialog.SignUser(cfg.Auth.ShopSecret, *userID)
	}
	conv, err := m.engine.Start(ctx, start)
	if err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, "kefu chat: type a customer message (Chinese or English); an empty line or Ctrl-D ends.")
	in := bufio.NewScanner(c.stdin)
	for {
		fmt.Fprint(c.stdout, "> ")
		if !in.Scan() || strings.TrimSpace(in.Text()) == "" {
			fmt.Fprintln(c.stdout)
			return in.Err()
		}
		text := in.Text()
		p := m.nlu.Parse(ctx, text)
		fmt.Fprintf(c.stdout, "  parse: intent %s (%.2f)  emotion %s (%.2f)  lang %s\n", p.Intent, p.Confidence, p.Emotion.Label, p.Emotion.Score, p.Lang)
		for _, e := range p.Entities {
			fmt.Fprintf(c.stdout, "  entity %s = %s [%d,%d)\n", e.Type, e.Value, e.Start, e.End)
		}
		turn, err := m.engine.Receive(ctx, conv.ID, text)
		if err != nil {
			fmt.Fprintf(c.stdout, "  error: %v\n", err)
			continue
		}
		if r := turn.Reply; r != nil {
			fmt.Fprintf(c.stdout, "  kefu [%s", r.Intent)
			if r.ArticleID != "" {
				fmt.Fprintf(c.stdout, ", %s", r.ArticleID)
			}
			if r.AsksFor != "" {
				fmt.Fprintf(c.stdout, ", asks for %s", r.AsksFor)
			}
			fmt.Fprintf(c.stdout, "]: %s\n", r.Text)
			for _, s := range r.Suggestions {
				fmt.Fprintf(c.stdout, "    • %s\n", s)
			}
		}
		if h := turn.Handoff; h != nil {
			fmt.Fprintf(c.stdout, "  → handed to a person: %s, priority %d, queue position %d (state %s)\n", h.Reason, h.Priority, h.QueuePosition, turn.State)
		}
	}
}
