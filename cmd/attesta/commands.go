package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/attesta/attesta/appliance"
	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/bundle/verifycmd"
	"github.com/attesta/attesta/journal"
)

// errInvalid marks a verification that ran and found the evidence invalid: exit code 1.
var errInvalid = errors.New("INVALID")

// commonFlags are the flags every appliance command takes.
type commonFlags struct {
	data  string
	tpm   string
	tsa   string
	tsaCA string
}

func (c *commonFlags) register(fs *flag.FlagSet) {
	def := os.Getenv("ATTESTA_DATA")
	if def == "" {
		def = appliance.DefaultDataDir
	}
	fs.StringVar(&c.data, "data", def, "data directory: journal, blobs, TPM state (default $ATTESTA_DATA)")
	fs.StringVar(&c.tpm, "tpm", appliance.DefaultTPM, "TPM: sim (development only), /dev/tpmrm0, or swtpm:PATH")
	fs.StringVar(&c.tsa, "tsa", "", "RFC 3161 time-stamping authority URL (none by default)")
	fs.StringVar(&c.tsaCA, "tsa-ca", "", "PEM file with the roots the TSA's tokens chain to")
}

func (c *commonFlags) config() appliance.Config {
	return appliance.Config{DataDir: c.data, TPM: c.tpm, TSAURL: c.tsa, TSACA: c.tsaCA, Version: version()}
}

func runAttest(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "attest", "attest [--nonce HEX] --out DIR [--data DIR] [--tpm SPEC]")
	var c commonFlags
	c.register(fs)
	nonceHex := fs.String("nonce", "", "the auditor's nonce, hex (default: 32 random bytes)")
	out := fs.String("out", "", "new directory for the attestation files (required)")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if *out == "" {
		return usagef("--out is required")
	}
	nonce, err := hex.DecodeString(*nonceHex)
	if err != nil {
		return usagef("--nonce %q: not hex: %v", *nonceHex, err)
	}
	if len(nonce) > 64 {
		return usagef("--nonce: %d bytes, at most 64", len(nonce))
	}
	if err := newOut(*out, "attestation evidence is never overwritten"); err != nil {
		return err
	}
	a, err := appliance.Open(ctx, c.config())
	if err != nil {
		return err
	}
	defer a.Close()
	att, err := a.Attest(ctx, *out, nonce)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "attestation written to %s (nonce %s)\n", *out, att.Nonce)
	for _, f := range att.Files {
		fmt.Fprintf(e.stdout, "  %-24s %s\n", f.Name, f.SHA256)
	}
	fmt.Fprintf(e.stdout, "check it with the commands in %s\n", filepath.Join(*out, "VERIFY.txt"))
	return nil
}

func runJournal(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("want a subcommand: verify, show or export")
	}
	switch args[0] {
	case "verify":
		return runJournalVerify(ctx, e, args[1:])
	case "show":
		return runJournalShow(ctx, e, args[1:])
	case "export":
		return runJournalExport(ctx, e, args[1:])
	}
	return usagef("unknown subcommand %q: want verify, show or export", args[0])
}

func runJournalVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "journal verify", "journal verify [--data DIR] [--tpm SPEC] [--checkpoint FILE] [--deep]")
	var c commonFlags
	c.register(fs)
	cpFile := fs.String("checkpoint", "", "newest checkpoint seen before (a rolled-back journal is detected against it)")
	deep := fs.Bool("deep", false, "also scan the journal file's unused space (free pages, slack, standby meta) for changes")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	latest, err := readOptional(*cpFile)
	if err != nil {
		return err
	}
	rep, err := appliance.VerifyData(ctx, c.config(), latest)
	if err == nil && *deep {
		path, perr := appliance.JournalPath(c.data)
		findings, serr := journal.CheckUnused(ctx, path)
		if err = errors.Join(perr, serr); err == nil {
			for _, f := range findings {
				fmt.Fprintln(e.stdout, f)
			}
		}
	}
	return printVerdict(e, c.data, rep, err, true)
}

func runVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "verify", "verify [--key VKEY [--restored-key VKEY...]] [--root CA.pem [--status FILE]] [--witness VKEY... [--min-witnesses N]] [--checkpoint FILE] [--lang it|en] PATH")
	vkey := fs.String("key", "", "the checkpoint key to pin (vkey text, as in a report); default: the key in PATH itself")
	cpFile := fs.String("checkpoint", "", "journal only: newest checkpoint seen before (rollback detection)")
	lang := fs.String("lang", "it", "language of a delivery's verdict: it or en")
	tsaCA := fs.String("tsa-ca", "", "delivery only: PEM roots to check its time-stamp token against")
	root := fs.String("root", "", "delivery only: the enrollment authority's root certificate (PEM) the report's signer must chain to")
	status := fs.String("status", "", "delivery only: the authority's signed status list (the appliance's state at the delivery's time)")
	witnesses := verifycmd.WitnessFlags(fs)
	restored := verifycmd.RestoredFlag(fs)
	pos, err := parseFlags(fs, args, 1)
	if err != nil {
		return err
	}
	if *lang != "it" && *lang != "en" {
		return usagef("--lang %q: want it or en", *lang)
	}
	latest, err := readOptional(*cpFile)
	if err != nil {
		return err
	}
	path := pos[0]
	fi, err := os.Stat(path)
	if err != nil {
		return usagef("%v", err)
	}
	if isDelivery(path, fi) {
		var ca []byte
		if *tsaCA != "" {
			if ca, err = os.ReadFile(*tsaCA); err != nil {
				return usagef("--tsa-ca: %v", err)
			}
		}
		opts, err := verifycmd.Options(*vkey, ca)
		if err != nil {
			return usagef("--tsa-ca %s: %v", *tsaCA, err)
		}
		if err := verifycmd.TrustFiles(&opts, *root, *status); err != nil {
			return usagef("%v", err)
		}
		if err := witnesses(&opts); err != nil {
			return usagef("%v", err)
		}
		opts.Restored = *restored
		return verifyDelivery(ctx, e, path, opts, *lang)
	}
	if fi.IsDir() {
		if path, err = appliance.JournalPath(path); err != nil {
			return usagef("%s: not a delivery folder (no manifest.json), nor a data directory (no journal.db)", pos[0])
		}
	}
	rep, pinned, err := appliance.VerifyJournalFile(ctx, path, *vkey, latest, *restored...)
	if err == nil && !pinned {
		fmt.Fprintln(e.stdout, "note: the checkpoint key was taken from the file itself; pin it with --key to prove origin")
	}
	return printVerdict(e, path, rep, err, false)
}

// isDelivery tells a delivery folder (it has a manifest.json) or a delivery ZIP from a journal.
func isDelivery(path string, fi os.FileInfo) bool {
	if fi.IsDir() {
		_, err := os.Stat(filepath.Join(path, "manifest.json"))
		return err == nil
	}
	return strings.EqualFold(filepath.Ext(path), ".zip")
}

// verifyDelivery checks a delivery offline: every artifact, the manifest's seal in the journal, the checkpoint
// signature, the key's certification by the TPM, the verdicts, and the signed report when there is one.
// It is the same code as attesta-verify's (bundle/verifycmd).
func verifyDelivery(ctx context.Context, e *env, path string, opts bundle.VerifyOptions, lang string) error {
	err := verifycmd.Run(ctx, e.stdout, path, opts, lang)
	if errors.Is(err, bundle.ErrInvalid) {
		return fmt.Errorf("%w: %w", errInvalid, err)
	}
	return err
}

// printVerdict prints what a verification checked. On failure it prints only the reason: a partial report's
// counts would read as findings.
func printVerdict(e *env, what string, rep *journal.VerifyReport, err error, blobs bool) error {
	if err != nil {
		if rep != nil {
			return fmt.Errorf("%w: %w", errInvalid, err)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "journal %s: origin %s, %d leaves, %d checkpoints", what, rep.Origin, rep.Size, rep.Checkpoints)
	if blobs {
		fmt.Fprintf(e.stdout, ", %d blobs (%d of erased cases skipped)", rep.BlobsOK, rep.BlobsErased)
		if rep.BlobsKeyLost > 0 {
			fmt.Fprintf(e.stdout, " (%d of cases whose keys were lost with a replaced TPM skipped)", rep.BlobsKeyLost)
		}
	}
	fmt.Fprintln(e.stdout)
	if rep.Latest != nil {
		fmt.Fprintf(e.stdout, "newest checkpoint: size %d root %s\n", rep.Latest.Size, rep.Latest.Root)
	}
	if rep.Unsigned > 0 {
		fmt.Fprintf(e.stdout, "%d leaves after the newest checkpoint are not yet signed\n", rep.Unsigned)
	}
	fmt.Fprintln(e.stdout, "VALID")
	return nil
}

func runJournalShow(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "journal show", "journal show [--data DIR] [--from N] [--to N]")
	var c commonFlags
	c.register(fs)
	from := fs.Uint64("from", 0, "first leaf")
	to := fs.Uint64("to", 0, "one past the last leaf (default: all)")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	j, err := appliance.OpenJournalReadOnly(ctx, c.data)
	if err != nil {
		return err
	}
	defer j.Close()
	end := j.Size()
	if *to != 0 && *to < end {
		end = *to
	}
	if *from > end {
		return usagef("--from %d is past the end (%d leaves)", *from, end)
	}
	fmt.Fprintf(e.stdout, "origin %s, %d leaves, key %s\n", j.Origin(), j.Size(), j.VerifierKey())
	for leaf, err := range j.Entries(ctx, *from, end) {
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%d %s\n", leaf.Index, leaf.Data)
	}
	cps, err := j.Checkpoints(ctx)
	if err != nil {
		return err
	}
	for _, cp := range cps {
		fmt.Fprintf(e.stdout, "checkpoint size %d root %s\n", cp.Size, cp.Root)
	}
	return nil
}

func runJournalExport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "journal export", "journal export --out DIR [--data DIR]")
	var c commonFlags
	c.register(fs)
	out := fs.String("out", "", "new directory for the C2SP tiles, checkpoint and verifier key (required)")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if *out == "" {
		return usagef("--out is required")
	}
	if err := newOut(*out, ""); err != nil {
		return err
	}
	j, err := appliance.OpenJournalReadOnly(ctx, c.data)
	if err != nil {
		return err
	}
	defer j.Close()
	if err := appliance.ExportJournal(ctx, j, *out); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "exported %d leaves of %s to %s\n", j.Size(), j.Origin(), *out)
	if ok, err := appliance.ExportChain(c.data, j, *out); err != nil {
		return err
	} else if ok {
		fmt.Fprintln(e.stdout, "with chain.pem, the authority's certificate of the checkpoint key")
	}
	return nil
}

// readOptional reads a file named by an optional flag.
func readOptional(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return b, nil
}

// buildVersion may be set at link time with -ldflags "-X main.buildVersion=…".
var buildVersion = ""

// version is the tool version recorded in the journal: the link-time version, else the module version and VCS
// revision the binary was built from, so that every leaf names the code that wrote it.
func version() string {
	if buildVersion != "" {
		return buildVersion
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		switch {
		case s.Key == "vcs.revision" && len(s.Value) >= 12:
			v += "+" + s.Value[:12]
		case s.Key == "vcs.modified" && s.Value == "true":
			v += "-dirty"
		}
	}
	return v
}
