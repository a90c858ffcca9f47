package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/attesta/attesta/appliance"
	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/ui"
)

// gdprFlags are the flags every gdpr subcommand takes: the appliance's, its configuration and its deliveries.
type gdprFlags struct {
	commonFlags
	config     string
	deliveries string
}

func (g *gdprFlags) register(fs *flag.FlagSet) {
	g.commonFlags.register(fs)
	fs.StringVar(&g.config, "config", "", "JSON configuration file: the studio's notice, bases, legal retention")
	fs.StringVar(&g.deliveries, "deliveries", "", "folder of the delivery folders (default DATA/deliveries)")
}

// open opens the appliance with its configuration and points the desk at the deliveries.
func (g *gdprFlags) open(ctx context.Context, fs *flag.FlagSet) (*appliance.Appliance, error) {
	cfg := g.commonFlags.config()
	if g.config != "" {
		fileCfg, err := appliance.LoadConfig(g.config)
		if err != nil {
			return nil, usagef("%v", err)
		}
		cfg = mergeConfig(fileCfg, cfg, explicitFlags(fs))
	}
	a, err := appliance.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	dir := g.deliveries
	if dir == "" {
		dir = filepath.Join(g.data, "deliveries")
	}
	if err := a.Desk().SetDeliveriesDir(dir); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

func runGDPR(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("want a subcommand: access, erase, restrict, register or accesses")
	}
	switch args[0] {
	case "access", "erase", "restrict":
		return runGDPRRequest(ctx, e, args[0], args[1:])
	case "register":
		return runGDPRRegister(ctx, e, args[1:])
	case "accesses":
		return runGDPRAccesses(ctx, e, args[1:])
	}
	return usagef("unknown subcommand %q: want access, erase, restrict, register or accesses", args[0])
}

// runGDPRRequest answers a data-subject request for a number: access (with --out), erasure or restriction.
func runGDPRRequest(ctx context.Context, e *env, kind string, args []string) error {
	synopsis := "gdpr " + kind + " --phone NUMBER [--operator NAME] [--data DIR] [--deliveries DIR] [--config FILE]"
	if kind == "access" {
		synopsis = "gdpr access --phone NUMBER --out DIR [--operator NAME] [--data DIR] [--deliveries DIR] [--config FILE]"
	}
	fs := newFlags(e, "gdpr "+kind, synopsis)
	var g gdprFlags
	g.register(fs)
	phone := fs.String("phone", "", "the data subject's number (the client's or a correspondent's)")
	operator := fs.String("operator", "", "who handles the request (journaled)")
	out := fs.String("out", "", "access only: new folder for the export")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if strings.TrimSpace(*phone) == "" {
		return usagef("--phone is required")
	}
	if kind == "access" && *out == "" {
		return usagef("--out is required")
	}
	if kind != "access" && *out != "" {
		return usagef("--out is for access requests only")
	}
	if *out != "" {
		if err := newOut(*out, "an export is never overwritten"); err != nil {
			return err
		}
	}
	a, err := g.open(ctx, fs)
	if err != nil {
		return err
	}
	defer a.Close()
	k := a.Desk()
	var ans ui.SubjectAnswer
	switch kind {
	case "access":
		ans, err = k.Access(ctx, *phone, *operator, *out)
	case "erase":
		ans, err = k.Erase(ctx, *phone, *operator)
	case "restrict":
		ans, err = k.Restrict(ctx, *phone, *operator)
	}
	if err != nil {
		return err
	}
	q := ans.Request
	fmt.Fprintf(e.stdout, "request %s (%s, %s): received %s, due %s, answered %s\n", q.ID, q.Kind, q.Masked,
		q.Received.Format(time.RFC3339), q.Due.Format(time.DateOnly), q.Answered.Format(time.RFC3339))
	for _, c := range ans.Cases {
		fmt.Fprintf(e.stdout, "  case %s as %s, kept until %s\n", c.Case, c.Role, c.RetainUntil.Format(time.DateOnly))
	}
	for _, d := range ans.Deliveries {
		fmt.Fprintf(e.stdout, "  delivery %s of %s (%s): %d messages, journal leaf %d\n", d.Folder, d.Case, d.Role, d.Messages, d.Leaf)
	}
	for _, id := range ans.Erased {
		fmt.Fprintf(e.stdout, "  erased %s\n", id)
	}
	for _, kp := range ans.Kept {
		fmt.Fprintf(e.stdout, "  kept %s: %s\n", kp.Case, kp.Reason)
	}
	if ans.Export != "" {
		fmt.Fprintf(e.stdout, "export written to %s\n", ans.Export)
	}
	return nil
}

// runGDPRRegister writes the record of processing activities as CSV or PDF, by the name's extension.
func runGDPRRegister(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "gdpr register", "gdpr register --out FILE.csv|FILE.pdf [--data DIR] [--deliveries DIR] [--config FILE]")
	var g gdprFlags
	g.register(fs)
	out := fs.String("out", "", "the record's file: .csv or .pdf (required; never overwritten)")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	ext := strings.ToLower(filepath.Ext(*out))
	switch {
	case *out == "":
		return usagef("--out is required")
	case ext != ".csv" && ext != ".pdf":
		return usagef("--out %s: want a .csv or .pdf file", *out)
	}
	if err := newOut(*out, "it is never overwritten"); err != nil {
		return err
	}
	a, err := g.open(ctx, fs)
	if err != nil {
		return err
	}
	defer a.Close()
	var b bytes.Buffer
	if err := a.Desk().ProcessingRecord(ctx, ext[1:], &b); err != nil {
		return err
	}
	if err := durable.WriteNew(*out, b.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "record of processing written to %s\n", *out)
	return nil
}

// runGDPRAccesses prints the report of accesses to a case's personal data, with the reasons given.
func runGDPRAccesses(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "gdpr accesses", "gdpr accesses --case ID [--data DIR] [--deliveries DIR] [--config FILE]")
	var g gdprFlags
	g.register(fs)
	caseID := fs.String("case", "", "the case (AT-YYYY-NNNN)")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if *caseID == "" {
		return usagef("--case is required")
	}
	a, err := g.open(ctx, fs)
	if err != nil {
		return err
	}
	defer a.Close()
	entries, err := a.Desk().AccessReport(ctx, *caseID)
	if err != nil {
		return err
	}
	for _, en := range entries {
		reason := en.Reason
		if reason == "" {
			reason = "-"
		}
		fmt.Fprintf(e.stdout, "%d\t%s\t%s\t%s\t%s\n", en.Leaf, en.Time.UTC().Format(time.RFC3339), en.Type, en.What, reason)
	}
	return nil
}
