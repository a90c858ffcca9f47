package verifycmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Exit codes of Main: part of the command-line contract.
const (
	ExitValid   = 0
	ExitInvalid = 1
	ExitUsage   = 2
)

// Usage is the synopsis of the stand-alone verifier.
const Usage = "attesta-verify [--key VKEY [--restored-key VKEY...]] [--root CA.pem [--status FILE]] [--witness VKEY... [--min-witnesses N]] [--tsa-ca FILE] [--lang it|en] PATH"

// Main runs the stand-alone verifier on a command line (without the program name) and returns its exit code. It
// verifies a delivery folder or its ZIP; a journal is for `attesta verify`, which has the store.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("attesta-verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: %s\n\nVerifies offline a delivery of an Attesta appliance: exit 0 valid, 1 invalid, 2 usage.\n\n", Usage)
		fs.PrintDefaults()
	}
	key := fs.String("key", "", "the checkpoint key to pin (vkey text, as in the report); default: the key in PATH itself")
	tsaCA := fs.String("tsa-ca", "", "PEM roots to check the delivery's time-stamp token against")
	lang := fs.String("lang", "it", "language of the details: it or en")
	root := fs.String("root", "", "the enrollment authority's root certificate (PEM): the report's signer must chain to it")
	status := fs.String("status", "", "the authority's signed status list: the appliance's state at the delivery's time")
	witnesses := WitnessFlags(fs)
	restored := RestoredFlag(fs)
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "attesta-verify: "+format+"\n", a...)
		return ExitUsage
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitValid
		}
		return ExitUsage
	}
	if fs.NArg() != 1 {
		return usage("want one PATH (a delivery folder or its ZIP), got %d arguments: %q", fs.NArg(), fs.Args())
	}
	if *lang != "it" && *lang != "en" {
		return usage("--lang %q: want it or en", *lang)
	}
	path := fs.Arg(0)
	if err := checkDeliveryPath(path); err != nil {
		return usage("%v", err)
	}
	var ca []byte
	if *tsaCA != "" {
		var err error
		if ca, err = os.ReadFile(*tsaCA); err != nil {
			return usage("--tsa-ca: %v", err)
		}
	}
	opts, err := Options(*key, ca)
	if err != nil {
		return usage("--tsa-ca %s: %v", *tsaCA, err)
	}
	if err := TrustFiles(&opts, *root, *status); err != nil {
		return usage("%v", err)
	}
	if err := witnesses(&opts); err != nil {
		return usage("%v", err)
	}
	opts.Restored = *restored
	if err := Run(ctx, stdout, path, opts, *lang); err != nil {
		fmt.Fprintf(stderr, "attesta-verify: %v\n", err)
		return ExitInvalid
	}
	return ExitValid
}

// checkDeliveryPath refuses what cannot be a delivery: a missing path, a folder without manifest.json, a file
// that is not a .zip.
func checkDeliveryPath(path string) error {
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		return err
	case fi.IsDir():
		if _, err := os.Stat(filepath.Join(path, "manifest.json")); err != nil {
			return fmt.Errorf("%s: not a delivery folder (no manifest.json); a journal is verified by attesta verify", path)
		}
	case !strings.EqualFold(filepath.Ext(path), ".zip"):
		return fmt.Errorf("%s: not a delivery ZIP (want a .zip file); a journal is verified by attesta verify", path)
	}
	return nil
}
