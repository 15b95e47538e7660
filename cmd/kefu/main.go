// Command kefu is the kefu customer-service engine: one binary that trains
// and evaluates NLU models, parses messages, and serves the HTTP API.
//
//	kefu serve [--config FILE] [--model DIR]
//	kefu train --data TRAIN.jsonl [--val VAL.jsonl] --out DIR
//	kefu parse --model DIR  < messages.jsonl
//	kefu eval  --model DIR --test TEST.jsonl [--json]
//	kefu chat  [--model DIR]
//
// main only sets up the signal context and picks the subcommand; each
// subcommand is a type with Run(ctx, args).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand.
type command interface {
	Run(ctx context.Context, args []string) error
}

// usageError marks a bad command line (exit 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "kefu:", err)
		var ue usageError
		if errors.As(err, &ue) || errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

const usage = `usage: kefu <command> [flags]

commands:
  serve   run the HTTP server (the demo shop by default)
  train   train an NLU model from JSON Lines examples
  parse   parse JSON Lines messages from standard input with a model
  eval    score a model on a labelled test set
  chat    try the demo shop in a terminal
  help    show this text

Run 'kefu <command> -h' for a command's flags.`

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return usageError{"no command given"}
	}
	var cmd command
	switch args[0] {
	case "train":
		cmd = &trainCmd{stdout: stdout, stderr: stderr}
	case "parse":
		cmd = &parseCmd{stdin: stdin, stdout: stdout, stderr: stderr}
	case "eval":
		cmd = &evalCmd{stdout: stdout, stderr: stderr}
	case "serve":
		cmd = &serveCmd{stdout: stdout, stderr: stderr}
	case "chat":
		cmd = &chatCmd{stdin: stdin, stdout: stdout, stderr: stderr}
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	default:
		fmt.Fprintln(stderr, usage)
		return usageError{fmt.Sprintf("unknown command %q", args[0])}
	}
	return cmd.Run(ctx, args[1:])
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("kefu "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}
