package appliance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/attesta/attesta/appliance/panel"
)

// ServeOptions is what [Serve] needs beyond [Config]: where the technician's screens listen and what they are
// opened with. The zero value of each field means its documented default.
type ServeOptions struct {
	// Listen is the address of the touch UI. Default: DefaultListen, the local interface only.
	Listen string
	// Deliveries is the folder of the delivery folders the UI lists and shares. Default: DataDir/deliveries.
	Deliveries string
	// TechnicianPIN and AdminPIN create the UI's credentials on the first start (see [LoadOrCreateCredentials]);
	// afterwards they are ignored.
	TechnicianPIN, AdminPIN string
	// Panel is the front panel's pins given directly, by a caller that opened them itself (tests use gpiotest
	// pins). When Panel.Intrusion is nil, serve opens the pins [Config].Panel names, if any; see [PanelConfig].
	Panel panel.Config
	// Started, when set, is called once the appliance is open and its listeners accept connections, with the
	// appliance and the addresses the touch UI and the public side answer at (public is "" without one).
	Started func(a *Appliance, ui, public string)
}

// DefaultListen is the touch UI's address when [ServeOptions].Listen is empty.
const DefaultListen = "127.0.0.1:8080"

// Timeouts of serve's HTTP servers. No write timeout: the progress feeds are long-lived responses.
const (
	serveReadHeaderTimeout = 10 * time.Second
	serveIdleTimeout       = 2 * time.Minute
	serveShutdownTimeout   = 5 * time.Second
)

// Serve runs the appliance until ctx ends: it opens it ([Open]) and its jobs, serves the touch UI on opts.Listen
// and the public side (clients' remote pages, recipients' share links) on [Config].PublicListen, and runs the
// scheduler: the attestation self-check every [Config].AttestEvery, the time-stamp queue and the retention check.
// When ctx ends it shuts the listeners down gracefully, records the share-link accesses the UI was still
// counting, interrupts the jobs (they are resumable) and waits until each has recorded that, then closes the
// appliance.
//
// Serve returns nil after a stop through ctx, and otherwise the error that stopped it: a failure to open, or a
// listener that failed while serving (which stops everything else too), joined with any shutdown error.
func Serve(ctx context.Context, cfg Config, opts ServeOptions) error {
	cfg = cfg.withDefaults()
	if opts.Listen == "" {
		opts.Listen = DefaultListen
	}
	if opts.Deliveries == "" {
		opts.Deliveries = filepath.Join(cfg.DataDir, "deliveries")
	}
	creds, err := LoadOrCreateCredentials(cfg.DataDir, opts.TechnicianPIN, opts.AdminPIN)
	if err != nil {
		return err
	}
	a, err := Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	// Jobs run under ctx: a stop interrupts them, and they are resumable. StopJobs, deferred after Close so that
	// it runs before it, waits until each has recorded that.
	if err := a.desk.OpenJobs(ctx); err != nil {
		return err
	}
	defer a.desk.StopJobs()
	uiSrv, err := a.UIServer(creds, opts.Deliveries)
	if err != nil {
		return err
	}
	front, err := openPanel(ctx, cfg, opts.Panel, a.log)
	if err != nil {
		return err
	}
	var l listeners
	defer l.close()
	attestH := AttestHandler(a) // one rate limit for both listeners
	uiAddr, err := l.listen("touch UI", opts.Listen, withAttest(attestH, uiSrv.Handler()))
	if err != nil {
		return err
	}
	public := ""
	if cfg.PublicListen != "" {
		addr, err := l.listen("public links", cfg.PublicListen, withAttest(attestH, uiSrv.PublicHandler()))
		if err != nil {
			return err
		}
		public = "http://" + addr + "/"
	}
	wrole, err := witnessRole(cfg, a.log)
	if err != nil {
		return err
	}
	if wrole != nil {
		if _, err := l.listen("witness", cfg.WitnessRole.Listen, wrole); err != nil {
			return err
		}
	}
	l.serve(stop)
	a.log.InfoContext(ctx, "appliance started", "id", a.ID(), "origin", a.Origin(), "leaves", a.Journal().Size(),
		"attest_every", time.Duration(cfg.AttestEvery).String(), "locked", a.CheckCertify() != nil,
		"ui", "http://"+uiAddr+"/", "public", public)
	if opts.Started != nil {
		opts.Started(a, "http://"+uiAddr+"/", public)
	}
	schedule(ctx, a, front)
	a.log.Info("appliance stopping")
	err = l.shutdown()
	// The UI holds the counts of share-link requests served without a leaf each for up to a minute: record
	// them now that no request can come, while the journal is still open.
	if ferr := uiSrv.FlushShareAccess(context.WithoutCancel(ctx)); ferr != nil {
		err = errors.Join(err, fmt.Errorf("record share access counts: %w", ferr))
	}
	return err
}

// schedule runs the periodic work until ctx ends: the front panel when the box has one (front is nil otherwise),
// the time-stamp queue, the offsite copies (mirror, witnesses, Drive) and the retention check in the background, the attestation self-check in the caller's
// goroutine. It returns once all have.
func schedule(ctx context.Context, a *Appliance, front *panel.Panel) {
	var wg sync.WaitGroup
	defer wg.Wait()
	if front != nil {
		wg.Go(func() { runPanel(ctx, a, front) })
	}
	wg.Go(func() { a.RunTSAQueue(ctx) })
	wg.Go(func() { a.offsite.Run(ctx) })
	wg.Go(func() { RunKeyRotation(ctx, a) })
	wg.Go(func() {
		if err := a.desk.RunRetention(ctx); err != nil && ctx.Err() == nil {
			a.log.ErrorContext(ctx, "retention check stopped", slog.Any("error", err))
		}
	})
	a.RunAttestation(ctx) // until ctx ends
}

// listeners are serve's HTTP servers and the errors they stopped with.
type listeners struct {
	servers []*http.Server
	lns     []net.Listener
	names   []string
	wg      sync.WaitGroup
	mu      sync.Mutex
	errs    []error
}

// listen opens addr for h and returns the address it answers at; serve starts serving it.
func (l *listeners) listen(name, addr string, h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	l.servers = append(l.servers, &http.Server{Handler: h, ReadHeaderTimeout: serveReadHeaderTimeout,
		IdleTimeout: serveIdleTimeout})
	l.lns = append(l.lns, ln)
	l.names = append(l.names, name)
	return ln.Addr().String(), nil
}

// serve serves every listener; one that fails records its error and calls stop with it.
func (l *listeners) serve(stop context.CancelCauseFunc) {
	for i, srv := range l.servers {
		ln, name := l.lns[i], l.names[i]
		l.lns[i] = nil // owned by srv from now on
		l.wg.Go(func() {
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				err = fmt.Errorf("%s on %s: %w", name, ln.Addr(), err)
				l.mu.Lock()
				l.errs = append(l.errs, err)
				l.mu.Unlock()
				stop(err)
			}
		})
	}
}

// shutdown stops the servers gracefully, waiting up to serveShutdownTimeout for requests in flight, and returns
// the errors the servers stopped with and those of the shutdown.
func (l *listeners) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), serveShutdownTimeout)
	defer cancel()
	var errs []error
	for _, srv := range l.servers {
		errs = append(errs, srv.Shutdown(ctx))
	}
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return errors.Join(append(l.errs, errs...)...)
}

// close closes the listeners that were opened but never served (serve was not reached).
func (l *listeners) close() {
	for _, ln := range l.lns {
		if ln != nil {
			ln.Close()
		}
	}
}
