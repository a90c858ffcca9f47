package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/attesta/attesta/appliance"
)

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", "serve [--config FILE] [--data DIR] [--tpm SPEC] [--listen ADDR] [--attest-every DURATION] [--whatsapp-web-url URL]")
	var c commonFlags
	c.register(fs)
	cfgFile := fs.String("config", "", "JSON configuration file (flags given explicitly override it)")
	every := fs.Duration("attest-every", appliance.DefaultAttestEvery, "period of the attestation self-check")
	listen := fs.String("listen", "127.0.0.1:8080", "address of the touch UI (the local interface by default)")
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

	creds, err := appliance.LoadOrCreateCredentials(cfg.DataDir, os.Getenv("ATTESTA_TECHNICIAN_PIN"), os.Getenv("ATTESTA_ADMIN_PIN"))
	if err != nil {
		return err
	}
	a, err := appliance.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	// Jobs run under ctx: a stop interrupts them, and they are resumable. StopJobs, deferred after Close so that
	// it runs before it, waits until each has recorded that.
	if err := a.OpenJobs(ctx); err != nil {
		return err
	}
	defer a.StopJobs()
	if *deliveries == "" {
		*deliveries = filepath.Join(cfg.DataDir, "deliveries")
	}
	uiSrv, err := a.UIServer(creds, *deliveries)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("touch UI: %w", err)
	}
	httpSrv := &http.Server{Handler: uiSrv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go httpSrv.Serve(ln)
	servers := []*http.Server{httpSrv}
	public := ""
	if cfg.PublicListen != "" {
		pln, err := net.Listen("tcp", cfg.PublicListen)
		if err != nil {
			return fmt.Errorf("public links: %w", err)
		}
		pubSrv := &http.Server{Handler: uiSrv.PublicHandler(), ReadHeaderTimeout: 10 * time.Second}
		go pubSrv.Serve(pln)
		servers = append(servers, pubSrv)
		public = "http://" + pln.Addr().String() + "/"
	}
	cfg.Logger.InfoContext(ctx, "appliance started", "id", a.ID(), "origin", a.Origin(), "leaves", a.Journal().Size(),
		"attest_every", time.Duration(cfg.AttestEvery).String(), "locked", a.CheckCertify() != nil,
		"ui", "http://"+ln.Addr().String()+"/", "public", public)
	go a.RunTSAQueue(ctx)
	go a.RunRetention(ctx)
	a.RunAttestation(ctx) // until SIGINT or SIGTERM
	cfg.Logger.Info("appliance stopping")
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var errs []error
	for _, srv := range servers {
		errs = append(errs, srv.Shutdown(shutdown))
	}
	return errors.Join(errs...)
}

func runUnlock(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "unlock", "unlock --admin NAME --reason TEXT [--data DIR] [--tpm SPEC]")
	var c commonFlags
	c.register(fs)
	admin := fs.String("admin", "", "the administrator lifting the lock (journaled)")
	reason := fs.String("reason", "", "why the lock can be lifted (journaled)")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if *admin == "" || *reason == "" {
		return usagef("--admin and --reason are required: both are journaled")
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
	if err := a.Unlock(ctx, *admin, *reason); err != nil {
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
