// Command attesta is the Attesta appliance's one binary: the demo, the auditor's attestation export, journal
// inspection and offline verification.
//
// The demo exists only in the development build: the appliance image is built with the nosim tag, which leaves out
// the TPM simulator (cgo), the demo and the fakes it drives.
//
// Exit codes are stable: 0 success (or "valid"), 1 failure (or "invalid"), 2 usage error. Errors name the input and
// what is wrong with it, and a command that fails on bad input writes nothing.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// Exit codes: part of the CLI contract.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// usageError marks an error caused by how the command was called; it exits with exitUsage.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// command is one subcommand: its name, a one-line summary, and the function that parses its flags and runs it.
type command struct {
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what a command writes to; tests replace it.
type env struct {
	stdout, stderr io.Writer
}

var commands = map[string]command{
	"attest":    {"write fresh attestation evidence for an auditor", runAttest},
	"journal":   {"verify, show or export the evidence journal", runJournal},
	"verify":    {"verify a journal offline (exit 0 valid, 1 invalid)", runVerify},
	"serve":     {"run the appliance: start-up self-test, periodic attestation", runServe},
	"extract":   {"certify chats from a phone's data: extract android --backup …, extract adb, extract ios --backup DIR", runExtract},
	"capture":   {"certify chats over WhatsApp Web, linked by QR: capture web --list …", runCapture},
	"unlock":    {"lift the certification lock (administrator; journaled)", runUnlock},
	"enroll":    {"enroll with an authority: request, --activate its challenge, --install its certificate", runEnroll},
	"authority": {"the studio's registration authority: init, challenge, issue, revoke, poll, status", runAuthority},
	"keys":      {"the signing key's lifecycle: rotate (new TPM key, linked by a rotation leaf), list, policy (the image's signed PCR policy)", runKeys},
	"mirror":    {"publish the journal and sealed blobs to the object store now: mirror [--to s3://BUCKET/PREFIX]", runMirror},
	"restore":   {"rebuild a box from its mirror: restore --from s3://… --recovery-key FILE --data DIR", runRestore},
	"image":     {"A/B updates of the appliance image: update FILE (signed), settle (at boot), bundle (the build)", runImage},
	"gdpr":      {"data protection: access, erase, restrict --phone N; register --out FILE; accesses --case ID", runGDPR},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, &env{stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:])
	stop()
	os.Exit(code)
}

// run executes one command line and returns its exit code.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(e.stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "attesta: unknown command %q\n\n", args[0])
		printUsage(e.stderr)
		return exitUsage
	}
	err := cmd.run(ctx, e, args[1:])
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "attesta %s: %v\n", args[0], err)
		return exitUsage
	case errors.Is(err, errInvalid):
		fmt.Fprintf(e.stderr, "attesta %s: %v\n", args[0], err)
		return exitFailure
	default:
		fmt.Fprintf(e.stderr, "attesta %s: %v\n", args[0], err)
		return exitFailure
	}
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: attesta <command> [flags]")
	fmt.Fprintln(w)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'attesta <command> -h' for its flags.")
}

// newFlags returns a flag set that reports errors instead of exiting, so run can map them to exit codes.
func newFlags(e *env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: attesta %s\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// newOut refuses an --out that already exists, saying why when never is given ("… is never overwritten").
func newOut(path, never string) error {
	if _, err := os.Lstat(path); err != nil {
		return nil
	}
	if never == "" {
		return usagef("--out %s already exists", path)
	}
	return usagef("--out %s already exists; %s", path, never)
}

// parseFlags parses args and turns every flag error or stray argument into a usage error.
func parseFlags(fs *flag.FlagSet, args []string, positional int) ([]string, error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, &usageError{err.Error()}
	}
	if fs.NArg() != positional {
		return nil, usagef("want %d argument(s), got %d: %q", positional, fs.NArg(), fs.Args())
	}
	return fs.Args(), nil
}
