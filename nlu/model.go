package nlu

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/kefu-ai/kefu/nlu/entity"
	"github.com/kefu-ai/kefu/nlu/lang"
	"github.com/kefu-ai/kefu/nlu/text"
)

// FormatVersion is the model directory format this build reads and writes.
const FormatVersion = 1

// ErrModel wraps every failure to load a model: missing, corrupt,
// truncated or of a newer format.
var ErrModel = errors.New("nlu: bad model")

// Manifest describes a model directory (manifest.json).
type Manifest struct {
	Format    int       `json:"format"`
	Kind      string    `json:"kind"`
	Created   time.Time `json:"created"`
	Seed      uint64    `json:"seed"`
	DataHash  string    `json:"training_data_sha256"`
	Labels    []string  `json:"labels"`
	Threshold float32   `json:"oos_threshold"`
	Examples  int       `json:"training_examples"`
	Val       *Report   `json:"validation,omitempty"`
	// ValHeldOut says Val comes from a fit without the validation rows,
	// which the final model was then refit with (see trainIntents).
	ValHeldOut bool              `json:"validation_held_out,omitempty"`
	Files      map[string]string `json:"files"` // path → sha256 of its bytes
}

const (
	manifestFile = "manifest.json"
	kindNLU      = "kefu-nlu"
	dirIntent    = "intent"
	dirEmotion   = "emotion"
)

// Model is a loaded NLU model: intent classifier with out-of-scope
// decision, emotion classifier, entity extractor and language detector.
// It is immutable and safe for concurrent use; a retrained model replaces
// it as a whole.
type Model struct {
	manifest Manifest
	intent   *intentModel
	emotion  *emotionModel
	ents     *entity.Extractor
}

// TrainInput is what a model learns from.
type TrainInput struct {
	Train   []Example // intent-labelled; label OOS marks out-of-scope
	Val     []Example // calibration and the OOS threshold only
	Emotion []Example // emotion-labelled
	Seed    uint64
	Now     time.Time // the manifest's creation time
}

// Train fits a model. The same input and seed give the same weights.
func Train(ctx context.Context, in TrainInput) (*Model, error) {
	if len(in.Train) == 0 {
		return nil, errors.New("nlu: no training examples")
	}
	if len(in.Emotion) == 0 {
		return nil, errors.New("nlu: no emotion examples")
	}
	ents := entity.New()
	intent, held, err := trainIntents(ctx, in.Train, in.Val, defaultIntentConfig(in.Seed), ents.Mask)
	if err != nil {
		return nil, err
	}
	emo, err := trainEmotion(ctx, in.Emotion, in.Seed, ents.Mask)
	if err != nil {
		return nil, err
	}
	m := &Model{intent: intent, emotion: emo, ents: ents}
	m.manifest = Manifest{
		Format: FormatVersion, Kind: kindNLU, Created: in.Now.UTC(), Seed: in.Seed,
		DataHash: hashExamples(in.Train, in.Val, in.Emotion), Labels: intent.labels,
		Threshold: intent.threshold, Examples: len(in.Train),
	}
	if len(in.Val) > 0 {
		judge := m
		if held != nil {
			// The validation rows were trained on; the held-out fit that
			// picked the threshold is the one they can measure.
			judge = &Model{intent: held, emotion: emo, ents: ents}
			m.manifest.ValHeldOut = true
		}
		r := judge.Evaluate(ctx, in.Val, 10)
		m.manifest.Val = &r
	}
	return m, nil
}

func hashExamples(sets ...[]Example) string {
	h := sha256.New()
	for _, set := range sets {
		for _, e := range set {
			fmt.Fprintf(h, "%q\t%q\n", e.Text, e.Label)
		}
		io.WriteString(h, "\x00\n")
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Manifest returns the model's manifest.
func (m *Model) Manifest() Manifest { return m.manifest }

// Labels returns the intent labels the model knows (OOS included when it
// was trained with out-of-scope examples).
func (m *Model) Labels() []string { return append([]string(nil), m.intent.labels...) }

// Ranked is one entry of a parse's ranking.
type Ranked struct {
	Intent     string  `json:"intent"`
	Confidence float64 `json:"confidence"`
}

// Result is the parse of one message, in the shape of /v1/nlu/parse.
type Result struct {
	Intent     string          `json:"intent"`
	Confidence float64         `json:"confidence"`
	Ranking    []Ranked        `json:"ranking"`
	Entities   []entity.Entity `json:"entities"`
	Emotion    Emotion         `json:"emotion"`
	Lang       string          `json:"lang"`
}

// RankingSize is how many intents a parse ranks.
const RankingSize = 5

// Parse reads one message. It never fails: empty text is out of scope.
func (m *Model) Parse(ctx context.Context, msg string) Result {
	if len(msg) > 4*text.MaxRunes {
		msg = strings.ToValidUTF8(msg[:4*text.MaxRunes], "")
	}
	ents := m.ents.Extract(msg)
	if ents == nil {
		ents = []entity.Entity{}
	}
	norm := text.Normalize(entity.MaskWith(msg, ents))
	top, p := m.intent.decide(norm)
	if !text.HasWords(norm) {
		// Nothing to read (empty, emoji only): say so, never guess.
		top = -1
	}
	r := Result{Entities: ents, Lang: lang.Detect(msg), Emotion: m.emotion.predict(msg, norm)}
	for _, i := range ranked(p, RankingSize) {
		r.Ranking = append(r.Ranking, Ranked{Intent: m.intent.labels[i], Confidence: round4(p[i])})
	}
	if top < 0 {
		r.Intent = OOS
		best := argmaxInScope(p, m.intent.oos)
		r.Confidence = round4(1 - p[best])
	} else {
		r.Intent = m.intent.labels[top]
		r.Confidence = round4(p[top])
	}
	return r
}

func round4(f float32) float64 {
	return float64(int64(float64(f)*10000+0.5)) / 10000
}

// Evaluate parses every example and scores the intents.
func (m *Model) Evaluate(ctx context.Context, exs []Example, n int) Report {
	preds := make([]Prediction, len(exs))
	for i, e := range exs {
		r := m.Parse(ctx, e.Text)
		preds[i] = Prediction{Gold: e.Label, Pred: r.Intent, Lang: r.Lang}
	}
	return Evaluate(preds, n)
}

// Save writes the model into dir (created if missing), files first and the
// manifest with their checksums last, so a half-written model never loads.
func (m *Model) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("nlu: save: %w", err)
	}
	if err := m.intent.save(filepath.Join(dir, dirIntent)); err != nil {
		return err
	}
	if err := m.emotion.save(filepath.Join(dir, dirEmotion)); err != nil {
		return err
	}
	sums, err := checksums(os.DirFS(dir))
	if err != nil {
		return err
	}
	m.manifest.Files = sums
	return writeJSON(filepath.Join(dir, manifestFile), m.manifest)
}

// checksums hashes every file of the model's sub-directories.
func checksums(fsys fs.FS) (map[string]string, error) {
	sums := map[string]string{}
	for _, sub := range []string{dirIntent, dirEmotion} {
		err := fs.WalkDir(fsys, sub, func(name string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".tmp-") {
				return err
			}
			raw, err := fs.ReadFile(fsys, name)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(raw)
			sums[name] = hex.EncodeToString(sum[:])
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("nlu: checksum: %w", err)
		}
	}
	return sums, nil
}

// Load reads a model directory. Any problem is an error wrapping ErrModel,
// never a panic.
func Load(dir string) (*Model, error) {
	return LoadFS(os.DirFS(dir), dir)
}

// LoadFS reads a model from the root of fsys (an embedded model, say);
// name is what errors call it.
func LoadFS(fsys fs.FS, name string) (m *Model, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("%w: %s: %v", ErrModel, name, r)
		}
	}()
	m, err = load(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrModel, err)
	}
	return m, nil
}

func load(fsys fs.FS, dir string) (*Model, error) {
	var man Manifest
	if err := readJSON(fsys, manifestFile, &man); err != nil {
		return nil, err
	}
	if man.Kind != kindNLU {
		return nil, fmt.Errorf("%s: kind %q, want %q", dir, man.Kind, kindNLU)
	}
	if man.Format > FormatVersion {
		return nil, fmt.Errorf("%s: format %d is newer than this kefu reads (%d): upgrade kefu", dir, man.Format, FormatVersion)
	}
	if man.Format < 1 {
		return nil, fmt.Errorf("%s: format %d is not a kefu model format", dir, man.Format)
	}
	sums, err := checksums(fsys)
	if err != nil {
		return nil, err
	}
	var names []string
	for name := range man.Files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		got, ok := sums[name]
		if !ok {
			return nil, fmt.Errorf("%s: file %s is missing", dir, name)
		}
		if got != man.Files[name] {
			return nil, fmt.Errorf("%s: file %s is corrupt or truncated (checksum mismatch)", dir, name)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s: manifest lists no files", dir)
	}
	ic, err := loadClassifier(fsys, dirIntent)
	if err != nil {
		return nil, err
	}
	ec, err := loadClassifier(fsys, dirEmotion)
	if err != nil {
		return nil, err
	}
	if len(ec.labels) != len(EmotionLabels) {
		return nil, fmt.Errorf("%s: emotion model has %d labels, want %d", dir, len(ec.labels), len(EmotionLabels))
	}
	im := &intentModel{classifier: ic, oos: -1, threshold: man.Threshold}
	if i, ok := indexOf(ic.labels, OOS); ok {
		im.oos = i
	}
	return &Model{manifest: man, intent: im, emotion: &emotionModel{classifier: ec}, ents: entity.New()}, nil
}
