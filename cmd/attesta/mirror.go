package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"filippo.io/age"

	"github.com/attesta/attesta/appliance"
	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/bundle/verifycmd"
)

// mirrorFlags are the common flags and the object store's, shared by mirror and restore; each overrides the config
// file's.
type mirrorFlags struct {
	commonFlags
	cfgFile     string
	endpoint    string
	insecure    bool
	credentials string
}

func (m *mirrorFlags) register(fs *flag.FlagSet) {
	m.commonFlags.register(fs)
	fs.StringVar(&m.cfgFile, "config", "", "JSON configuration file with a \"mirror\" section (flags given explicitly override it)")
	fs.StringVar(&m.endpoint, "endpoint", "", "the object store's S3 API, host:port")
	fs.BoolVar(&m.insecure, "insecure", false, "plain HTTP to the endpoint (a store on loopback or the studio's network)")
	fs.StringVar(&m.credentials, "credentials", "", "file: access key on line 1, secret key on line 2 (default $AWS_ACCESS_KEY_ID, $AWS_SECRET_ACCESS_KEY)")
}

// config merges the config file, the common flags and the mirror flags.
func (m *mirrorFlags) config(fs *flag.FlagSet) (appliance.Config, error) {
	cfg := m.commonFlags.config()
	if m.cfgFile != "" {
		fileCfg, err := appliance.LoadConfig(m.cfgFile)
		if err != nil {
			return cfg, usagef("--config: %v", err)
		}
		cfg = mergeConfig(fileCfg, cfg, explicitFlags(fs))
	}
	if isSet(fs, "endpoint") {
		cfg.Mirror.Endpoint = m.endpoint
	}
	if isSet(fs, "insecure") {
		cfg.Mirror.Insecure = m.insecure
	}
	if isSet(fs, "credentials") {
		cfg.Mirror.CredentialsFile = m.credentials
	}
	return cfg, nil
}

func runMirror(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "mirror", "mirror [--to s3://BUCKET/PREFIX] [--endpoint HOST:PORT] [--insecure] [--credentials FILE] [--recovery-recipient age1…] [--create-bucket] [--config FILE] [--data DIR] [--tpm SPEC]")
	var mf mirrorFlags
	mf.register(fs)
	to := fs.String("to", "", "the mirror, s3://BUCKET/PREFIX (default: the config's)")
	rcpt := fs.String("recovery-recipient", "", "the studio's offline recovery key, age1… (default: the config's)")
	create := fs.Bool("create-bucket", false, "create the bucket with Object Lock when it does not exist")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	cfg, err := mf.config(fs)
	if err != nil {
		return err
	}
	if *to != "" {
		cfg.Mirror.To = *to
	}
	if *rcpt != "" {
		cfg.Mirror.RecoveryRecipient = *rcpt
	}
	if *create {
		cfg.Mirror.CreateBucket = true
	}
	if cfg.Mirror.To == "" {
		return usagef("--to is required (or a config file with mirror.to)")
	}
	if _, err := age.ParseX25519Recipient(cfg.Mirror.RecoveryRecipient); err != nil {
		return usagef("--recovery-recipient: %v", err)
	}
	a, err := appliance.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	m, err := a.Offsite().Mirror().Open(ctx)
	if err != nil {
		return err
	}
	if err := m.Sync(ctx); err != nil {
		return err
	}
	st := m.Status()
	fmt.Fprintf(e.stdout, "mirrored to %s: tree size %d (%d behind), %d objects uploaded\n", st.Target, st.Published, st.Behind(), m.Uploads())
	return nil
}

func runRestore(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "restore", "restore --from s3://BUCKET/PREFIX --recovery-key FILE --data DIR [--endpoint HOST:PORT] [--insecure] [--credentials FILE] [--key VKEY]... [--witnessed FILE] [--witness VKEY... --min-witnesses N] [--tpm SPEC] [--config FILE]")
	var mf mirrorFlags
	mf.register(fs)
	from := fs.String("from", "", "the mirror, s3://BUCKET/PREFIX (required)")
	keyFile := fs.String("recovery-key", "", "the studio's offline recovery key: an age identity file (required)")
	witnessed := fs.String("witnessed", "", "the last witnessed checkpoint (a signed note) that the mirror must contain")
	var vkeys multiFlag
	fs.Var(&vkeys, "key", "a checkpoint verifier key to trust (repeatable; default: the mirror's own keys, reported)")
	witnessFlags := verifycmd.WitnessFlags(fs) // here: the mirror must hold a checkpoint so cosigned, and contain it
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if *from == "" || *keyFile == "" {
		return usagef("--from and --recovery-key are required")
	}
	if !isSet(fs, "data") && os.Getenv("ATTESTA_DATA") == "" {
		return usagef("--data is required: the new box's data directory")
	}
	var w bundle.VerifyOptions
	if err := witnessFlags(&w); err != nil {
		return usagef("%v", err)
	}
	cfg, err := mf.config(fs)
	if err != nil {
		return err
	}
	f, err := os.Open(*keyFile)
	if err != nil {
		return usagef("--recovery-key: %v", err)
	}
	ids, err := age.ParseIdentities(f)
	f.Close()
	if err != nil {
		return usagef("--recovery-key %s: %v", *keyFile, err)
	}
	opts := appliance.RestoreOptions{From: *from, Identities: ids, VerifierKeys: vkeys, Witnesses: w.Witnesses, MinWitnesses: w.MinWitnesses}
	if *witnessed != "" {
		if opts.Witnessed, err = os.ReadFile(*witnessed); err != nil {
			return usagef("--witnessed: %v", err)
		}
	}
	res, err := appliance.Restore(ctx, cfg, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "restored %s from %s into %s\n", res.Origin, *from, cfg.DataDir)
	fmt.Fprintf(e.stdout, "  %d leaves verified against the mirror's checkpoint of size %d (%d tiles read)\n", res.Report.Leaves, res.LastMirrored.Size, res.TileReads)
	if res.Witnessed != nil {
		fmt.Fprintf(e.stdout, "  the mirror contains the checkpoint of size %d cosigned by %d witnesses\n", res.Witnessed.Size, w.MinWitnesses)
	}
	fmt.Fprintf(e.stdout, "  %d case keys from escrow, re-sealed to this TPM; %d blobs verified; %d erased cases left out\n", res.Report.Cases, res.Report.Blobs, res.Report.ErasedCases)
	fmt.Fprintf(e.stdout, "  the restore is leaf %d; first checkpoint of this box: size %d, consistent with the mirrored one\n", res.First.Size-1, res.First.Size)
	fmt.Fprintf(e.stdout, "  this box now signs with %s\n", res.SigningKey)
	fmt.Fprintln(e.stdout, "  no old key can sign for it: publish it to recipients who pin an earlier key (verify --restored-key), or enroll the box with the authority (verify --root)")
	return nil
}
