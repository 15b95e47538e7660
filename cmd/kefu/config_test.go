package main

import (
	"strings"
	"testing"
	"time"
)

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		env     []string
		flags   map[string]any
		check   func(t *testing.T, c Config)
		wantErr string
	}{
		{name: "defaults", check: func(t *testing.T, c Config) {
			if c.HTTP.Addr != "127.0.0.1:8080" || c.DataDir != "./var" || c.Limits.Rate != 20 || c.HTTP.ShutdownTimeout != 10*time.Second {
				t.Errorf("defaults = %+v", c)
			}
		}},
		{name: "file", file: "testdata/good.yaml", check: func(t *testing.T, c Config) {
			if c.HTTP.Addr != "127.0.0.1:9999" || c.DataDir != "/tmp/kefu-test" || c.Limits.Burst != 10 || c.Auth.AdminToken != "file-token" || len(c.HTTP.CORSOrigins) != 1 {
				t.Errorf("from file = %+v", c)
			}
			if c.HTTP.MaxTextRunes != 2000 {
				t.Errorf("unset key lost its default: %d", c.HTTP.MaxTextRunes)
			}
		}},
		{name: "env over file", file: "testdata/good.yaml",
			env: []string{"KEFU_HTTP_ADDR=127.0.0.1:9090", "KEFU_DATA_DIR=./var-test", "KEFU_LIMITS_RATE=0", "KEFU_AUTH_ADMIN_TOKEN=env-token", "KEFU_HTTP_CORS_ORIGINS=https://a.example, https://b.example", "PATH=/bin"},
			check: func(t *testing.T, c Config) {
				if c.HTTP.Addr != "127.0.0.1:9090" || c.DataDir != "./var-test" || c.Limits.Rate != 0 || c.Auth.AdminToken != "env-token" {
					t.Errorf("env = %+v", c)
				}
				if len(c.HTTP.CORSOrigins) != 2 || c.HTTP.CORSOrigins[1] != "https://b.example" {
					t.Errorf("cors from env = %q", c.HTTP.CORSOrigins)
				}
			}},
		{name: "flags over env", env: []string{"KEFU_NLU_MODEL=/env"}, flags: map[string]any{"nlu.model": "/flag"},
			check: func(t *testing.T, c Config) {
				if c.NLU.Model != "/flag" {
					t.Errorf("nlu.model = %q, want /flag", c.NLU.Model)
				}
			}},
		{name: "unknown key warned, not fatal", file: "testdata/typo.yaml",
			check: func(t *testing.T, c Config) {
				if len(c.Unknown) != 1 || c.Unknown[0] != "http.adress" || c.HTTP.Addr != DefaultConfig().HTTP.Addr {
					t.Errorf("unknown = %q, addr %q; want [http.adress] and the default address", c.Unknown, c.HTTP.Addr)
				}
			}},
		{name: "invalid values", file: "testdata/bad.yaml", wantErr: "log.level"},
		{name: "missing file", file: "testdata/nope.yaml", wantErr: "nope.yaml"},
		{name: "bad env number", env: []string{"KEFU_LIMITS_BURST=many"}, wantErr: "burst"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := LoadConfig(tt.file, tt.env, tt.flags)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestConfigLogHidesSecrets(t *testing.T) {
	c := DefaultConfig()
	c.Auth.AdminToken = "s3cret-token"
	if v := c.LogValue().String(); strings.Contains(v, "s3cret") {
		t.Errorf("secret leaked into log value: %s", v)
	}
}

func FuzzLoadConfigEnv(f *testing.F) {
	f.Add("KEFU_LIMITS_RATE", "5")
	f.Add("KEFU_HTTP_BODY_LIMIT", "-1")
	f.Add("KEFU_DIALOG_OFFER_MESSAGE_AFTER", "2x")
	f.Fuzz(func(t *testing.T, name, val string) {
		// Any environment either loads or fails with an error: never a panic.
		_, _ = LoadConfig("", []string{name + "=" + val}, nil)
	})
}
