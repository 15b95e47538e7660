package main

import (
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestAlertRules checks that docs/prometheus/kefu-rules.yml parses and that
// every kefu_ metric it names is exported by a running server.
func TestAlertRules(t *testing.T) {
	raw, err := os.ReadFile("../../docs/prometheus/kefu-rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []struct {
				Record string `yaml:"record"`
				Alert  string `yaml:"alert"`
				Expr   string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("rules do not parse: %v", err)
	}
	url := startServer(t, t.TempDir())
	// A started conversation makes the per-route request series exist.
	if code, _ := call(t, "POST", url+"/v1/conversations", "", map[string]any{}); code != 201 {
		t.Fatalf("create conversation = %d", code)
	}
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	metric := regexp.MustCompile(`\bkefu_[a-z_]+`)
	alerts := 0
	for _, g := range doc.Groups {
		for _, r := range g.Rules {
			if r.Expr == "" || r.Record == "" && r.Alert == "" {
				t.Errorf("group %s: a rule without expr or name", g.Name)
			}
			if r.Alert != "" {
				alerts++
			}
			for _, m := range metric.FindAllString(r.Expr, -1) {
				base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(m, "_bucket"), "_count"), "_sum")
				if !strings.Contains(string(body), "# TYPE "+base+" ") {
					t.Errorf("rule %s%s uses %s, which /metrics does not export", r.Record, r.Alert, m)
				}
			}
		}
	}
	if !strings.Contains(string(body), `kefu_http_requests_total{method="POST",route="/v1/conversations",status="201"}`) {
		t.Error("the containment rule's conversation counter has other labels than the rules assume")
	}
	if alerts < 3 {
		t.Errorf("%d alerts, want at least queue wait, volume surge and payment_failed spike", alerts)
	}
}
