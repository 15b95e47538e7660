package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/kefu-ai/kefu/models"
	"github.com/kefu-ai/kefu/nlu"
)

type parseCmd struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// loadModel loads a model directory, or the embedded demo model when dir
// is empty.
func loadModel(dir string) (*nlu.Model, error) {
	if dir == "" {
		return nlu.LoadFS(models.Demo(), "embedded demo model")
	}
	return nlu.Load(dir)
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (c *parseCmd) Run(ctx context.Context, args []string) error {
	fl := newFlagSet("parse", c.stderr)
	modelDir := fl.String("model", "", "model directory (default: the embedded demo model)")
	if err := parseFlags(fl, args); err != nil {
		return err
	}
	m, err := loadModel(*modelDir)
	if err != nil {
		return err
	}
	out := bufio.NewWriter(c.stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	err = nlu.ScanLines(c.stdin, func(line int, raw []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		text, perr := parseLine(raw)
		if perr != nil {
			return enc.Encode(errorBody{errorDetail{Code: "invalid_input", Message: fmt.Sprintf("line %d: %v", line, perr)}})
		}
		return enc.Encode(m.Parse(ctx, text))
	})
	var le *nlu.LineError
	if errors.As(err, &le) && errors.Is(le.Err, bufio.ErrTooLong) {
		return fmt.Errorf("parse: line %d is longer than %d bytes", le.Line, nlu.MaxLineBytes)
	}
	return err
}

// parseLine reads {"text": str} and applies the same rules as the API.
func parseLine(raw []byte) (string, error) {
	if !utf8.Valid(raw) {
		return "", errors.New("line is not valid UTF-8")
	}
	var req struct {
		Text *string `json:"text"`
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		return "", fmt.Errorf("invalid JSON: %v", err)
	}
	if req.Text == nil {
		return "", errors.New(`missing "text"`)
	}
	if strings.TrimSpace(*req.Text) == "" {
		return "", errors.New(`"text" is empty`)
	}
	return *req.Text, nil
}
