package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/attesta/attesta/appliance"
)

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", "serve [--config FILE] [--data DIR] [--tpm SPEC] [--listen ADDR] [--attest-every DURATION] [--whatsapp-web-url URL]")
	var c commonFlags
	c.register(fs)
	cfgFile := fs.String("config", "", "JSON configuration file (flags given explicitly override it)")
	every := fs.Duration("attest-every", appliance.DefaultAttestEvery, "period of the attestation self-check")
	listen := fs.String("listen", appliance.DefaultListen, "address of the touch UI (the local interface by default)")
	deliveries := fs.String("deliveries", "", "folder of the delivery folders the UI lists and shares (default DATA/deliveries)")
	waURL := fs.String("whatsapp-web-url", "", "WhatsApp Web for remote sessions (default "+appliance.DefaultWhatsAppWebURL+")")
	publicListen := fs.String("public-listen", "", "address serving only clients' remote pages and recipients' share links (default: none)")
	publicURL := fs.String("public-url", "", "how clients and recipients reach --public-listen, e.g. https://attesta.studio.it")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	cfg := c.config()
	if *cfgFile != "" {
		fileCfg, err := appliance.LoadConfig(*cfgFile)
		if err != nil {
			return usagef("%v", err)
		}
		cfg = mergeConfig(fileCfg, cfg, explicitFlags(fs))
	}
	if isSet(fs, "attest-every") || cfg.AttestEvery == 0 {
		if *every <= 0 {
			return usagef("--attest-every must be positive")
		}
		cfg.AttestEvery = appliance.Duration(*every)
	}
	if *waURL != "" {
		cfg.WhatsAppWebURL = *waURL
	}
	if *publicListen != "" {
		cfg.PublicListen = *publicListen
	}
	if *publicURL != "" {
		cfg.PublicURL = *publicURL
	}
	cfg.Logger = slog.New(slog.NewJSONHandler(e.stderr, nil))
	return appliance.Serve(ctx, cfg, appliance.ServeOptions{Listen: *listen, Deliveries: *deliveries,
		TechnicianPIN: os.Getenv("ATTESTA_TECHNICIAN_PIN"), AdminPIN: os.Getenv("ATTESTA_ADMIN_PIN")})
}

func runUnlock(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "unlock", "unlock --admin NAME --reason TEXT [--secret-file FILE] [--data DIR] [--tpm SPEC]")
	var c commonFlags
	c.register(fs)
	admin := fs.String("admin", "", "the administrator lifting the lock (journaled)")
	reason := fs.String("reason", "", "why the lock can be lifted (journaled)")
	secretFile := fs.String("secret-file", "", "the administrator's unlock secret (attesta keys owner-lock): needed to clear an opened case on an owner-locked TPM")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if *admin == "" || *reason == "" {
		return usagef("--admin and --reason are required: both are journaled")
	}
	var secret []byte
	if *secretFile != "" {
		var err error
		if secret, err = readUnlockSecret(*secretFile); err != nil {
			return err
		}
	}
	a, err := appliance.Open(ctx, c.config())
	if err != nil {
		return err
	}
	defer a.Close()
	if a.CheckCertify() == nil {
		fmt.Fprintln(e.stdout, "certification is not locked; nothing to do")
		return nil
	}
	if err := appliance.UnlockWithSecret(ctx, a, *admin, *reason, secret); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "certification unlocked; the attestation check passed and the unlock is journaled")
	return nil
}

// explicitFlags returns the names of the flags given on the command line.
func explicitFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

func isSet(fs *flag.FlagSet, name string) bool { return explicitFlags(fs)[name] }

// mergeConfig starts from the file's configuration and applies the flags given explicitly.
func mergeConfig(file, flags appliance.Config, set map[string]bool) appliance.Config {
	out := file
	if set["data"] || out.DataDir == "" {
		out.DataDir = flags.DataDir
	}
	if set["tpm"] || out.TPM == "" {
		out.TPM = flags.TPM
	}
	if set["tsa"] {
		out.TSAURL = flags.TSAURL
	}
	if set["tsa-ca"] {
		out.TSACA = flags.TSACA
	}
	out.Version = flags.Version
	return out
}
