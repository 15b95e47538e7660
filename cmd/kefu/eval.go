package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/kefu-ai/kefu/nlu"
)

type evalCmd struct {
	stdout, stderr io.Writer
}

func (c *evalCmd) Run(ctx context.Context, args []string) error {
	fl := newFlagSet("eval", c.stderr)
	modelDir := fl.String("model", "", "model directory (default: the embedded demo model)")
	testPath := fl.String("test", "", "labelled test examples: JSON Lines file or directory (required)")
	asJSON := fl.Bool("json", false, "print the report as one JSON object")
	top := fl.Int("top", 10, "how many weakest intents and confused pairs to list")
	emotion := fl.Bool("emotion", false, "score the emotion model on {\"text\",\"emotion\"} examples instead of intents")
	if err := parseFlags(fl, args); err != nil {
		return err
	}
	if *testPath == "" {
		return usageError{"eval needs --test"}
	}
	m, err := loadModel(*modelDir)
	if err != nil {
		return err
	}
	key := "intent"
	if *emotion {
		key = "emotion"
	}
	test, err := readExamples(os.DirFS("/"), *testPath, key)
	if err != nil {
		return err
	}
	var r nlu.Report
	if *emotion {
		preds := make([]nlu.Prediction, len(test))
		for i, e := range test {
			preds[i] = nlu.Prediction{Gold: e.Label, Pred: m.Parse(ctx, e.Text).Emotion.Label}
		}
		r = nlu.Evaluate(preds, *top)
	} else {
		r = m.Evaluate(ctx, test, *top)
	}
	if *asJSON {
		enc := json.NewEncoder(c.stdout)
		return enc.Encode(r)
	}
	printReport(c.stdout, r)
	return nil
}

func printReport(w io.Writer, r nlu.Report) {
	fmt.Fprintf(w, "examples            %d (%d in scope, %d out of scope)\n", r.Examples, r.InScope, r.OutOfScope)
	fmt.Fprintf(w, "in-scope accuracy   %.4f\n", r.InScopeAccuracy)
	fmt.Fprintf(w, "accuracy            %.4f\n", r.Accuracy)
	fmt.Fprintf(w, "oos precision       %.4f\n", r.OOSPrecision)
	fmt.Fprintf(w, "oos recall          %.4f\n", r.OOSRecall)
	fmt.Fprintf(w, "oos f1              %.4f\n", r.OOSF1)
	fmt.Fprintf(w, "macro-F1            %.4f\n", r.MacroF1)
	if len(r.ByLang) > 0 {
		fmt.Fprint(w, "in scope by language")
		for _, l := range r.ByLang {
			fmt.Fprintf(w, "  %s %.4f (%d)", l.Lang, l.InScopeAccuracy, l.InScope)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "weakest intents:")
	for _, s := range r.Weakest {
		fmt.Fprintf(w, "  %-32s f1 %.3f  p %.3f  r %.3f  n %d\n", s.Intent, s.F1, s.Precision, s.Recall, s.Support)
	}
	fmt.Fprintln(w, "most confused (gold → predicted):")
	for _, c := range r.Confused {
		fmt.Fprintf(w, "  %-28s → %-28s %d\n", c.Gold, c.Pred, c.Count)
	}
}
