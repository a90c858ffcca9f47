package adbtest

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"

	"github.com/attesta/attesta/usb/internal/aproto"
)

// AuthMode says how the phone answers a host's AUTH.
type AuthMode int

const (
	// AuthNone skips AUTH entirely (ro.adb.secure=0, as on emulators).
	AuthNone AuthMode = iota
	// AuthAcceptAny challenges the host and accepts any public key it offers,
	// as if the user tapped "Allow" on the "Allow USB debugging?" prompt.
	AuthAcceptAny
	// AuthKeyList accepts only signatures made by Config.Keys; a host with an
	// unknown key stays unauthorized (the prompt is never answered).
	AuthKeyList
)

// DefaultFeatures is what the phone advertises when Config.Features is nil: the
// features of a modern adbd without compression or delayed acks.
var DefaultFeatures = []string{"shell_v2", "cmd", "stat_v2", "ls_v2", "fixed_push_mkdir", "apex", "abb", "fixed_push_symlink_timestamp", "abb_exec", "remount_shell", "track_app", "sendrecv_v2"}

// DirEntry is one directory entry as the phone reports it in LIST/LIS2.
type DirEntry struct {
	Name  string
	Mode  uint32 // POSIX st_mode
	Size  uint64
	MTime int64
}

// Config describes the phone. Zero fields take the defaults documented on each.
type Config struct {
	Root           string // directory served as "/" (required)
	Serial         string // ro.serialno; default "ATTESTA0001"
	Manufacturer   string // ro.product.manufacturer; default "Google"
	Model          string // ro.product.model; default "Pixel 7"
	Device         string // ro.product.device; default "panther"
	Product        string // ro.product.name; default Device
	AndroidVersion string // ro.build.version.release; default "14"
	SDK            string // ro.build.version.sdk; default "34"
	// Properties adds or overrides getprop values.
	Properties map[string]string
	// Packages maps installed package names to their versionName; nil means
	// com.whatsapp 2.24.25.78 only.
	Packages map[string]string
	Auth     AuthMode
	Keys     []*rsa.PublicKey // accepted keys for AuthKeyList
	// Features advertised in CNXN; nil means DefaultFeatures.
	Features []string
	// MaxPayload announced in CNXN; 0 means aproto.MaxPayload (1 MiB).
	MaxPayload uint32
	// ListHook, when set, may rewrite a directory listing before it is sent
	// (to present hostile names no real file system can hold).
	ListHook func(dir string, entries []DirEntry) []DirEntry
	Logger   *slog.Logger // nil: silent
}

// Phone is a running fake phone. Its methods are safe for concurrent use.
type Phone struct {
	cfg   Config
	root  *os.Root
	props map[string]string
	log   *slog.Logger

	writeAttempts   atomic.Int64
	authPrompts     atomic.Int64
	disconnectAfter atomic.Int64

	stallMu sync.Mutex
	stallAt int64         // > 0: armed by StallAfter
	stalled chan struct{} // closed when the stall begins

	mu       sync.Mutex
	ln       net.Listener
	conns    map[net.Conn]struct{}
	accepted []*rsa.PublicKey
	closed   bool
	wg       sync.WaitGroup
	rootOnce sync.Once
}

// New checks cfg and opens its root; call Serve to accept connections.
func New(cfg Config) (*Phone, error) {
	if cfg.Root == "" {
		return nil, errors.New("adbtest: new phone: Config.Root is empty")
	}
	root, err := os.OpenRoot(cfg.Root)
	if err != nil {
		return nil, fmt.Errorf("adbtest: new phone: open root: %w", err)
	}
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&cfg.Serial, "ATTESTA0001")
	def(&cfg.Manufacturer, "Google")
	def(&cfg.Model, "Pixel 7")
	def(&cfg.Device, "panther")
	def(&cfg.Product, cfg.Device)
	def(&cfg.AndroidVersion, "14")
	def(&cfg.SDK, "34")
	if cfg.Packages == nil {
		cfg.Packages = map[string]string{"com.whatsapp": "2.24.25.78"}
	}
	if cfg.Features == nil {
		cfg.Features = DefaultFeatures
	}
	if cfg.MaxPayload == 0 {
		cfg.MaxPayload = aproto.MaxPayload
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Phone{cfg: cfg, root: root, log: log, conns: map[net.Conn]struct{}{}}
	p.props = map[string]string{
		"ro.serialno":              cfg.Serial,
		"ro.boot.serialno":         cfg.Serial,
		"ro.product.manufacturer":  cfg.Manufacturer,
		"ro.product.brand":         cfg.Manufacturer,
		"ro.product.model":         cfg.Model,
		"ro.product.device":        cfg.Device,
		"ro.product.name":          cfg.Product,
		"ro.build.version.release": cfg.AndroidVersion,
		"ro.build.version.sdk":     cfg.SDK,
		"ro.adb.secure":            map[bool]string{true: "0", false: "1"}[cfg.Auth == AuthNone],
		"ro.debuggable":            "0",
		"sys.usb.state":            "adb",
	}
	for k, v := range cfg.Properties {
		p.props[k] = v
	}
	return p, nil
}

// Listen is New plus Serve on a free loopback port: the phone answers at [Phone.Addr] as soon as Listen returns.
// Close stops it.
func Listen(cfg Config) (*Phone, error) {
	p, err := New(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("adbtest: listen: %w", err)
	}
	p.mu.Lock()
	p.ln = ln // so that Addr works as soon as Listen returns
	p.mu.Unlock()
	go p.Serve(ln)
	return p, nil
}

// Start is [Listen] for tests: it fails t on error and closes the phone when the test ends.
func Start(t TB, cfg Config) *Phone {
	t.Helper()
	p, err := Listen(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// Serve accepts host connections on ln until Close. It returns nil after Close.
func (p *Phone) Serve(ln net.Listener) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		ln.Close()
		return nil
	}
	p.ln = ln
	p.mu.Unlock()
	for {
		nc, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("adbtest: accept on %s: %w", ln.Addr(), err)
		}
		if !p.track(nc) {
			nc.Close()
			return nil
		}
		p.wg.Go(func() {
			defer p.untrack(nc)
			c := newConn(p, nc)
			if err := c.serve(); err != nil {
				p.log.Debug("adbtest: connection ended", slog.String("remote", nc.RemoteAddr().String()), slog.Any("error", err))
			}
		})
	}
}

// Addr is the listening address ("127.0.0.1:PORT"), or "" before Serve.
func (p *Phone) Addr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		return ""
	}
	return p.ln.Addr().String()
}

// Close stops listening, drops every connection and waits for them to end.
func (p *Phone) Close() error {
	p.mu.Lock()
	p.closed = true
	if p.ln != nil {
		p.ln.Close()
	}
	for nc := range p.conns {
		nc.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	var err error
	p.rootOnce.Do(func() { err = p.root.Close() })
	return err
}

// DropConnections closes every open host connection (a cable pulled) but keeps
// listening, so the host may reconnect.
func (p *Phone) DropConnections() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for nc := range p.conns {
		nc.Close()
	}
}

// WriteAttempts counts requests that would have written to the phone (sync
// SEND/SND2, writing shell commands). Tests assert it stays zero.
func (p *Phone) WriteAttempts() int64 { return p.writeAttempts.Load() }

// AuthPrompts counts the times a host offered its public key, i.e. the times a
// real phone would have shown "Allow USB debugging?".
func (p *Phone) AuthPrompts() int64 { return p.authPrompts.Load() }

// SetDisconnectAfter makes the next file transfer drop the TCP connection after
// n bytes of file data (n <= 0 disables it). It fires once.
func (p *Phone) SetDisconnectAfter(n int64) { p.disconnectAfter.Store(n) }

// StallAfter makes the first file transfer that reaches n bytes send exactly n bytes of file data and then
// stop, holding the stream open as a hung phone does, until the host closes the stream or the connection ends
// (n <= 0 disarms it). The returned channel is closed when the stall begins. It fires once.
func (p *Phone) StallAfter(n int64) <-chan struct{} {
	p.stallMu.Lock()
	defer p.stallMu.Unlock()
	p.stallAt, p.stalled = max(n, 0), make(chan struct{})
	return p.stalled
}

// takeStall reports whether a transfer that has sent sent bytes and is about to send n more must stall, and
// if so how many of the n go out first and the channel to close; it disarms StallAfter.
func (p *Phone) takeStall(sent int64, n int) (allowed int, stalled chan struct{}) {
	p.stallMu.Lock()
	defer p.stallMu.Unlock()
	if p.stallAt <= 0 || sent+int64(n) < p.stallAt {
		return n, nil
	}
	allowed = int(max(p.stallAt-sent, 0))
	p.stallAt = 0
	return allowed, p.stalled
}

func (p *Phone) track(nc net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.conns[nc] = struct{}{}
	return true
}

func (p *Phone) untrack(nc net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, nc)
	nc.Close()
}

// keyAccepted reports whether sig signs token with a key the phone trusts.
func (p *Phone) keyAccepted(token, sig []byte) bool {
	p.mu.Lock()
	keys := append(append([]*rsa.PublicKey(nil), p.cfg.Keys...), p.accepted...)
	p.mu.Unlock()
	for _, k := range keys {
		if aproto.VerifyToken(k, token, sig) {
			return true
		}
	}
	return false
}

// offerKey is the "Allow USB debugging?" prompt; it reports whether the user
// allowed the key.
func (p *Phone) offerKey(pub *rsa.PublicKey) bool {
	p.authPrompts.Add(1)
	if p.cfg.Auth != AuthAcceptAny {
		return false
	}
	p.mu.Lock()
	p.accepted = append(p.accepted, pub) // "Always allow from this computer"
	p.mu.Unlock()
	return true
}

func (p *Phone) banner() string {
	return aproto.Banner{
		Type: "device",
		Properties: map[string]string{
			"ro.product.name":   p.cfg.Product,
			"ro.product.model":  p.cfg.Model,
			"ro.product.device": p.cfg.Device,
		},
		Features: p.cfg.Features,
	}.String()
}
