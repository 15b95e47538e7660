package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"testing"

	"github.com/kefu-ai/kefu/errs"
)

// decodeWithDecoder is decodeJSON before its json.Unmarshal fast path:
// the reference the fuzz test holds it to.
func decodeWithDecoder(raw []byte, dst any) error {
	if err := checkJSONShape(raw); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errs.E(errs.Invalid, "The request body holds more than one JSON value.")
	}
	return nil
}

// FuzzDecodeJSONMatchesDecoder: the fast path accepts, refuses and
// decodes exactly as the decoder alone did, with the same messages.
func FuzzDecodeJSONMatchesDecoder(f *testing.F) {
	for _, seed := range []string{
		`{"text":"你好"}`, `{"text":"a"} x`, `{"text":"a"} {}`, `{"text":"a"}  `, `{"text":1}`, `{"text":null}`,
		`{"text":"a","extra":[1,2,{"b":true}]}`, `{"text":"\ud800"}`, `{`, `[]`, "", `{"text":"a","text":"b"}`,
		`{"text":"a"}]`, `{"text":1e999}`, "{\"text\":\"\xff\"}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var got, want messageRequest
		gotErr, wantErr := decodeJSON(raw, &got), decodeWithDecoder(raw, &want)
		if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
			t.Fatalf("body %q: error %v, decoder alone %v", raw, gotErr, wantErr)
		}
		if gotErr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("body %q: decoded %+v, decoder alone %+v", raw, got, want)
		}
	})
}
