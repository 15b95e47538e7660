package dialog_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/kefu-ai/kefu/dialog"
	"github.com/kefu-ai/kefu/models"
	"github.com/kefu-ai/kefu/nlu"
)

// script is one multi-turn conversation of testdata/followups.json: each
// turn names the intent a person reads it as, and whether it is an
// elliptical follow-up that needs the context to be read right.
type script struct {
	Name  string `json:"name"`
	Turns []struct {
		Text     string `json:"text"`
		Intent   string `json:"intent"`
		FollowUp bool   `json:"followup"`
	} `json:"turns"`
}

type followUpScore struct {
	followUps, followUpsRight, turns, turnsRight int
	misses                                       []string
}

// TestFollowUpScripts measures context carry-over with the shipped demo
// model: every script is played with the context rule off and on, and a
// turn counts as resolved when the bot acted (answered or asked for the
// order id) on the intent a person reads. Handoff triggers other than the
// intent route are off, so a script runs to its end. The numbers are
// logged (go test -run FollowUpScripts -v); the test fails only if the
// context rule makes things worse, so a retrained model cannot break it.
func TestFollowUpScripts(t *testing.T) {
	raw, err := os.ReadFile("testdata/followups.json")
	if err != nil {
		t.Fatal(err)
	}
	var scripts []script
	if err := json.Unmarshal(raw, &scripts); err != nil {
		t.Fatal(err)
	}
	model, err := nlu.LoadFS(models.Demo(), "demo model")
	if err != nil {
		t.Skipf("demo model: %v", err)
	}
	play := func(contextOn bool) followUpScore {
		var sc followUpScore
		h := newHarness(t, withNLU(model), withConfig(func(c *dialog.Config) {
			c.Context.Enabled = contextOn
			c.Handoff.AngryScore, c.Handoff.AnxiousScore, c.Handoff.RisingTurns, c.Handoff.MaxMisses = 0, 0, 0, 0
		}))
		for _, s := range scripts {
			conv := h.start("", false, false)
			for i, turn := range s.Turns {
				got := h.say(conv, turn.Text)
				m := h.lastBotMeta(conv)
				acted := ""
				if got.Reply != nil {
					acted = got.Reply.Intent
				}
				right := acted == turn.Intent && (m["decision"] == dialog.DecisionAnswer || m["decision"] == dialog.DecisionAsk)
				if turn.Intent == nlu.OOS {
					right = m["decision"] == dialog.DecisionFallback && m["reason"] == "out_of_scope"
				}
				sc.turns++
				if right {
					sc.turnsRight++
				}
				if turn.FollowUp {
					sc.followUps++
					if right {
						sc.followUpsRight++
					} else {
						sc.misses = append(sc.misses, fmt.Sprintf("%s #%d %q: want %s, got %s (%v, read %v)",
							s.Name, i, turn.Text, turn.Intent, acted, m["decision"], m["context"]))
					}
				}
			}
		}
		return sc
	}
	off, on := play(false), play(true)
	t.Logf("follow-ups resolved: parse alone %d/%d, with context %d/%d; all turns: %d/%d → %d/%d",
		off.followUpsRight, off.followUps, on.followUpsRight, on.followUps, off.turnsRight, off.turns, on.turnsRight, on.turns)
	t.Logf("still missed with context:\n  %s", strings.Join(on.misses, "\n  "))
	if on.followUpsRight < off.followUpsRight || on.turnsRight < off.turnsRight {
		t.Errorf("the context rule made things worse: follow-ups %d → %d, turns %d → %d",
			off.followUpsRight, on.followUpsRight, off.turnsRight, on.turnsRight)
	}
}
