package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/attesta/attesta/appliance"
	"github.com/attesta/attesta/appliance/desk"
	"github.com/attesta/attesta/capture/android"
	"github.com/attesta/attesta/certify"
	"github.com/attesta/attesta/evidence"
)

func runExtract(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("want a source: android (a backup file), adb (a phone on USB), ios (an iPhone backup folder) or iphone (an iPhone on USB)")
	}
	switch args[0] {
	case "android":
		return runExtractAndroid(ctx, e, args[1:])
	case "adb":
		return runExtractADB(ctx, e, args[1:])
	case "ios":
		return runExtractIOS(ctx, e, args[1:])
	case "iphone":
		return runExtractIPhone(ctx, e, args[1:])
	}
	return usagef("unknown source %q: want android, adb, ios or iphone", args[0])
}

// acqFlags are the flags of every acquisition command: the list, the output, the plan, the case, the people.
type acqFlags struct {
	list, out, caseID, operator, client, purpose string
	maxMessages                                  int
}

func (f *acqFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.list, "list", "", "the acquisition list (CSV numero;nominativo;dal;al, or the line form)")
	fs.StringVar(&f.out, "out", "", "directory for the delivery folders")
	fs.IntVar(&f.maxMessages, "max-messages", 50, "the plan bought: the last N messages the studio sent in each range (5, 10, 20, 50)")
	fs.StringVar(&f.caseID, "case", "", "case id (default: derived from the list file name and today)")
	fs.StringVar(&f.operator, "operator", os.Getenv("USER"), "the technician, recorded in each delivery")
	fs.StringVar(&f.client, "client", "", "who asked for the acquisition, printed in the report")
	fs.StringVar(&f.purpose, "purpose", "", "what the acquisition is for, printed in the report")
}

// job checks the flags and reads the list, before anything is opened or written.
func (f *acqFlags) job() (certify.AndroidBackupJob, error) {
	return listJobFor(f.list, f.out, f.maxMessages, f.caseID, f.operator, f.client, f.purpose)
}

func runExtractAndroid(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "extract android",
		"extract android --backup FILE (--key HEX | --key-file FILE) --list FILE --out DIR [--max-messages N] [--case ID]")
	var c commonFlags
	c.register(fs)
	backup := fs.String("backup", "", "the WhatsApp backup (msgstore.db.crypt12, .crypt14 or .crypt15)")
	keyHex := fs.String("key", "", "the 64-digit end-to-end backup key")
	keyFile := fs.String("key-file", "", "the backup's key file (crypt14 key, or crypt15 encrypted_backup.key)")
	var af acqFlags
	af.register(fs)
	var prof profileFlag
	prof.register(fs)
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if *backup == "" {
		return usagef("--backup is required")
	}
	if _, err := os.Stat(*backup); err != nil {
		return usagef("--backup: %v", err)
	}
	job, err := androidJob(*keyHex, *keyFile, &af)
	if err != nil {
		return err
	}
	job.Backup = *backup
	stop, err := prof.start()
	if err != nil {
		return err
	}
	intro := fmt.Sprintf("extracting %d chats from %s", len(job.List.Entries), job.Backup)
	err = acquire(ctx, e, c, intro, func(a *appliance.Appliance) ([]certify.ChatOutcome, error) {
		return a.Certify().ExtractAndroidBackup(ctx, job)
	})
	return errors.Join(err, stop())
}

// acquire opens the appliance, runs an acquisition on it, and prints what became of each line of the list.
func acquire(ctx context.Context, e *env, c commonFlags, intro string,
	run func(*appliance.Appliance) ([]certify.ChatOutcome, error)) error {
	a, err := appliance.Open(ctx, c.config())
	if err != nil {
		return err
	}
	defer a.Close()
	fmt.Fprintln(e.stdout, intro)
	outcomes, err := run(a)
	printOutcomes(e, outcomes)
	return err
}

func runExtractADB(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "extract adb",
		"extract adb --mandate FILE [--serial S] [--adb HOST:PORT] (--key HEX | --key-file FILE) --list FILE --out DIR [--max-messages N]")
	var c commonFlags
	c.register(fs)
	serial := fs.String("serial", "", "the phone (default: the only phone ready)")
	adbAddr := fs.String("adb", "127.0.0.1:5037", "the adb server")
	keyHex := fs.String("key", "", "the 64-digit end-to-end backup key the client set on the phone")
	keyFile := fs.String("key-file", "", "a backup key file")
	mandateFile := fs.String("mandate", "", "the client's signed paper mandate for the couriered phone, a PDF or a photo (required)")
	var af acqFlags
	af.register(fs)
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	mandate, err := readMandate(*mandateFile)
	if err != nil {
		return err
	}
	job, err := androidJob(*keyHex, *keyFile, &af)
	if err != nil {
		return err
	}
	intro := fmt.Sprintf("extracting %d chats from the phone over %s", len(job.List.Entries), *adbAddr)
	return acquire(ctx, e, c, intro, func(a *appliance.Appliance) ([]certify.ChatOutcome, error) {
		// The mandate is journaled, as an artifact of the case, before the extraction starts.
		if _, _, err := a.Desk().RecordMandateScan(ctx, job.Case, job.Operator, mandate); err != nil {
			return nil, err
		}
		return a.Certify().ExtractADB(ctx, certify.ADBJob{ADB: *adbAddr, Serial: *serial, AndroidBackupJob: job})
	})
}

// readMandate reads the signed paper mandate of a couriered phone: without it no extraction starts.
func readMandate(path string) ([]byte, error) {
	if path == "" {
		return nil, usagef("--mandate is required: the client's signed mandate for the couriered phone (a PDF or a photo)")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("--mandate: %v", err)
	}
	if _, err := desk.CheckMandateScan(data); err != nil {
		return nil, usagef("--mandate %s: %v", path, err)
	}
	return data, nil
}

func printOutcomes(e *env, outcomes []certify.ChatOutcome) {
	for _, o := range outcomes {
		if o.Folder != "" {
			fmt.Fprintf(e.stdout, "  line %d %s: %d certified, %d in all → %s\n", o.Entry.Line, o.Entry.Phone, o.Certified, o.Messages, o.Folder)
		}
		if o.Problem != "" {
			fmt.Fprintf(e.stdout, "  line %d %s: %s\n", o.Entry.Line, o.Entry.Phone, o.Problem)
		}
	}
}

// androidJob checks every argument of an Android extraction before anything is opened or written.
func androidJob(keyHex, keyFile string, af *acqFlags) (certify.AndroidBackupJob, error) {
	if (keyHex == "") == (keyFile == "") {
		return certify.AndroidBackupJob{}, usagef("give exactly one of --key and --key-file")
	}
	job, err := af.job()
	if err != nil {
		return job, err
	}
	job.Key, err = readKey(keyHex, keyFile)
	return job, err
}

// listJobFor checks what every acquisition takes: the list, the output, the plan, the case, who asked and why.
func listJobFor(listFile, out string, maxMsgs int, caseID, operator, client, purpose string) (certify.AndroidBackupJob, error) {
	var job certify.AndroidBackupJob
	switch {
	case listFile == "":
		return job, usagef("--list is required")
	case out == "":
		return job, usagef("--out is required")
	}
	if err := evidence.Plan(maxMsgs).Validate(); err != nil {
		return job, usagef("--max-messages: %v", err)
	}
	lf, err := os.Open(listFile)
	if err != nil {
		return job, usagef("--list: %v", err)
	}
	defer lf.Close()
	list, err := evidence.ParseList(lf, evidence.ListOptions{Now: time.Now()})
	if err != nil {
		return job, usagef("--list %s: nothing imported:\n%v", listFile, err)
	}
	if caseID == "" {
		base := filepath.Base(listFile)
		caseID = fmt.Sprintf("%s-%s", time.Now().Format("20060102"), sanitizeID(base[:len(base)-len(filepath.Ext(base))]))
	}
	return certify.AndroidBackupJob{List: list, MaxMessages: maxMsgs, Case: caseID, Operator: operator, OutDir: out,
		Client: client, Purpose: purpose}, nil
}

func readKey(keyHex, keyFile string) (android.Key, error) {
	if keyHex != "" {
		k, err := android.ParseHexKey(keyHex)
		if err != nil {
			return k, usagef("--key: %v", err)
		}
		return k, nil
	}
	b, err := os.ReadFile(keyFile)
	if err != nil {
		return android.Key{}, usagef("--key-file: %v", err)
	}
	k, err := android.ParseKeyFile(b)
	if err != nil {
		return k, usagef("--key-file %s: %v", keyFile, err)
	}
	return k, nil
}

// sanitizeID keeps the characters a case id may hold.
func sanitizeID(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s) && len(out) < 40; i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return "list"
	}
	return string(out)
}

func runExtractIOS(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "extract ios",
		"extract ios --backup DIR [--password-file FILE] [--business] --list FILE --out DIR [--max-messages N] [--case ID]")
	var c commonFlags
	c.register(fs)
	backup := fs.String("backup", "", "the iPhone's iTunes/Finder backup folder (the one holding Manifest.db)")
	pwFile := fs.String("password-file", "", "a file holding the backup password (encrypted backups); one trailing newline is ignored")
	business := fs.Bool("business", false, "read WhatsApp Business (default: WhatsApp, else WhatsApp Business)")
	var af acqFlags
	af.register(fs)
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if *backup == "" {
		return usagef("--backup is required")
	}
	if fi, err := os.Stat(filepath.Join(*backup, "Manifest.db")); err != nil || !fi.Mode().IsRegular() {
		return usagef("--backup %s: not a backup folder (no Manifest.db)", *backup)
	}
	job, err := iosJob(&af, *pwFile, *business)
	if err != nil {
		return err
	}
	job.Backup = *backup
	intro := fmt.Sprintf("extracting %d chats from the iPhone backup %s", len(job.List.Entries), job.Backup)
	return acquire(ctx, e, c, intro, func(a *appliance.Appliance) ([]certify.ChatOutcome, error) {
		return a.Certify().ExtractIOSBackup(ctx, job)
	})
}

// iosJob is an iPhone job of the acquisition flags, the backup password file and the app to read.
func iosJob(af *acqFlags, pwFile string, business bool) (certify.IOSBackupJob, error) {
	password, err := readPasswordFile(pwFile)
	if err != nil {
		return certify.IOSBackupJob{}, err
	}
	aj, err := af.job()
	if err != nil {
		return certify.IOSBackupJob{}, err
	}
	return certify.IOSBackupJob{Password: password, Business: business, List: aj.List, MaxMessages: aj.MaxMessages,
		Case: aj.Case, Operator: aj.Operator, OutDir: aj.OutDir, Client: aj.Client, Purpose: aj.Purpose}, nil
}

// readPasswordFile reads a backup password file ("" gives none); one trailing newline is ignored.
func readPasswordFile(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("--password-file: %v", err)
	}
	password := []byte(strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r"))
	if len(password) == 0 {
		return nil, usagef("--password-file %s is empty", path)
	}
	return password, nil
}
