package nlu

import (
	"github.com/kefu-ai/kefu/nlu/features"
	"github.com/kefu-ai/kefu/nlu/linear"
	"github.com/kefu-ai/kefu/nlu/wordpiece"
)

// defaultIntentConfig is the intent classifier's configuration, chosen on
// the validation splits of the public datasets (BENCHMARKS.md).
func defaultIntentConfig(seed uint64) classifierConfig {
	return classifierConfig{
		Features: features.Default(),
		Vocab:    wordpiece.BuildConfig{},
		Linear:   linear.TrainConfig{Epochs: 20, LR: 1.0, Seed: seed, Balance: true, Bag: 1},
		MinDF:    1,
		// Chosen on CLINC150 validation data (BENCHMARKS.md).
		SynthOOSShare: 0.02,
	}
}
