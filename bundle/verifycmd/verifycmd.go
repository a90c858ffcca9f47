// Package verifycmd is the recipient's `verify` command for a delivery: it wires the report's PAdES check and the
// RFC 3161 check into [bundle.Verify] ([Options]), prints the checks and the verdict ([Run]), and parses the
// command line of the stand-alone verifier ([Main]). `attesta verify` (for a delivery) and `attesta-verify` both
// run [Run] with [Options], so that they check the same things and print the same lines.
//
// Like package bundle it depends on nothing stateful (no journal store, no TPM transport, no cgo): it builds for
// Linux, Windows and macOS.
//
// # Output
//
// One line per check, "<mark> <name> <detail>" (mark "ok", "FAIL" or "--" for a skipped check; detail in Italian or
// English), then the verdict: "VALID", or nothing more on stdout for an invalid delivery, whose error names the
// first failed check. Failed checks are printed up to [MaxPrintedFailures]; the others are counted in one closing
// line ("… and N more failed checks"), so that a hostile ZIP of 200,000 stray entries prints a page, not
// megabytes. The verdict does not depend on the cap.
//
// # Exit codes (Main)
//
// 0 valid, 1 invalid (or unreadable), 2 usage: a bad flag, a missing argument, a path that does not exist or is
// not a delivery.
package verifycmd

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/bundle/tsa"
	"github.com/attesta/attesta/internal/i18n"
	"github.com/attesta/attesta/report/pades"
)

// MaxPrintedFailures bounds the failed checks Run prints one by one.
const MaxPrintedFailures = 20

// Options returns the options for checking a delivery: the checkpoint key pinned to key ("" trusts the
// delivery's own proofs/vkey), the report's PAdES signature checked, and, when tsaCA holds PEM roots, the
// checkpoint's time-stamp checked against them.
func Options(key string, tsaCA []byte) (bundle.VerifyOptions, error) {
	opts := bundle.VerifyOptions{Key: key, VerifyPDF: VerifyReportPDF}
	if len(tsaCA) > 0 {
		var err error
		if opts.VerifyTimestamp, err = TimestampVerifier(tsaCA); err != nil {
			return bundle.VerifyOptions{}, err
		}
	}
	return opts, nil
}

// VerifyReportPDF checks relazione.pdf's PAdES signatures: first exactly one signature, valid, then nothing but
// valid document time-stamps (PAdES B-LTA), so that together they cover the whole file. It returns the signer's
// public key, which bundle.Verify compares with the checkpoint key, and whether time-stamps were appended.
func VerifyReportPDF(_ context.Context, pdf []byte) (crypto.PublicKey, bool, error) {
	sigs, err := pades.Verify(pdf)
	switch {
	case err != nil:
		return nil, false, err
	case len(sigs) == 0:
		return nil, false, errors.New("the report is not signed")
	case sigs[0].SubFilter == docTimeStamp:
		return nil, false, errors.New("the report's first signature is a document time-stamp, not the appliance's")
	case !sigs[len(sigs)-1].WholeDocument:
		return nil, false, errors.New("bytes were added to the report after its last signature")
	}
	for _, s := range sigs[1:] {
		if s.SubFilter != docTimeStamp {
			return nil, false, fmt.Errorf("the report carries a second signature (%s, field %q): want one, then only document time-stamps",
				s.SubFilter, s.Field)
		}
	}
	return sigs[0].Signer.PublicKey, len(sigs) > 1, nil
}

// docTimeStamp is the /SubFilter of a PAdES document time-stamp.
const docTimeStamp = "ETSI.RFC3161"

// TimestampVerifier returns a bundle.TimestampVerifier that checks RFC 3161 tokens over SHA-256 against the PEM
// roots caPEM.
func TimestampVerifier(caPEM []byte) (bundle.TimestampVerifier, error) {
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("no PEM certificate in the TSA roots")
	}
	return func(_ context.Context, token, data []byte) (time.Time, error) {
		digest := sha256.Sum256(data)
		tok, err := tsa.VerifyToken(token, digest[:], roots)
		if err != nil {
			return time.Time{}, err
		}
		return tok.GenTime, nil
	}, nil
}

// Run verifies the delivery at path (a folder or its ZIP) and prints to w each check and the verdict, with the
// details in lang ("it" or "en"). It returns nil for a valid delivery, an error wrapping bundle.ErrInvalid for an
// invalid one, and another error when path cannot be read at all.
func Run(ctx context.Context, w io.Writer, path string, opts bundle.VerifyOptions, lang string) error {
	rep, err := bundle.Verify(ctx, path, opts)
	if rep != nil {
		printChecks(w, rep, lang)
	}
	if err != nil {
		return err
	}
	if opts.Key == "" {
		fmt.Fprintln(w, catalog.T(langOf(lang), "note.unpinned"))
	}
	fmt.Fprintln(w, "VALID")
	return nil
}

// catalog is what the verifier prints besides the checks' own details (internal/i18n). The marks ("ok", "FAIL",
// "--") and the verdict "VALID" are the same in both languages: scripts read them.
var catalog = i18n.NewCatalog("verifycmd", map[string]i18n.Text{
	"note.unpinned": {
		IT: "nota: la chiave del checkpoint è stata presa dalla consegna stessa; fissarla con --key per provarne l'origine",
		EN: "note: the checkpoint key was taken from the delivery itself; pin it with --key to prove origin"},
	"more-failed": {
		IT: "FAIL … e altri %d controlli falliti (%d in tutto)",
		EN: "FAIL … and %d more failed checks (%d in all)"},
})

func langOf(lang string) i18n.Lang {
	l, err := i18n.Parse(lang)
	if err != nil {
		return i18n.EN
	}
	return l
}

func printChecks(w io.Writer, rep *bundle.Report, lang string) {
	l := langOf(lang)
	marks := map[bundle.Outcome]string{bundle.Pass: "ok  ", bundle.Fail: "FAIL", bundle.Skip: "--  "}
	failed := 0
	for _, c := range rep.Checks {
		if c.Outcome == bundle.Fail {
			if failed++; failed > MaxPrintedFailures {
				continue
			}
		}
		detail := i18n.Text{IT: c.IT, EN: c.EN}.In(l)
		if c.File != "" && !strings.Contains(detail, c.File) {
			detail = c.File + ": " + detail
		}
		fmt.Fprintf(w, "%s %-22s %s\n", marks[c.Outcome], c.Name, detail)
	}
	if n := failed - MaxPrintedFailures; n > 0 {
		fmt.Fprintln(w, catalog.T(l, "more-failed", n, failed))
	}
}
