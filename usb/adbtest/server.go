package adbtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// Server is a real adb server started for a test on a private port, with a
// throw-away HOME so its RSA key (~/.android/adbkey) is made at run time.
type Server struct {
	Port int
	Addr string // "127.0.0.1:PORT", for the host client
	Home string // HOME of the server; the key is Home/.android/adbkey
	bin  string
}

// StartServer starts the real adb server (Debian package adb, or $ADB) on a free loopback port with a private HOME,
// so that its RSA key is made at run time, and kills it when the test ends.
func StartServer(t TB) *Server {
	t.Helper()
	ctx, cancel := startContext(t)
	defer cancel()
	s, err := NewServer(ctx, t.TempDir())
	if err != nil {
		t.Fatalf("adbtest: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Logf("adbtest: %v", err)
		}
	})
	return s
}

// NewServer starts the real adb server on a free loopback port with home as its HOME (where it makes its key).
// Close stops it.
func NewServer(ctx context.Context, home string) (*Server, error) {
	bin := os.Getenv("ADB")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("adb"); err != nil {
			return nil, fmt.Errorf("the adb binary is needed (Debian package adb; scripts/setup installs it): %w", err)
		}
	}
	// The port is free when chosen, but another process (a parallel test's fake phone or adb server) may take it
	// before adb binds it; adb then finds something listening, takes it for a server, and fails with a protocol
	// fault. A new port is tried then.
	var errs []error
	for range startAttempts {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s := &Server{Port: port, Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Home: home, bin: bin}
		out, err := s.Run(ctx, "start-server")
		if err == nil {
			return s, nil
		}
		errs = append(errs, fmt.Errorf("start adb server on port %d: %w\n%s", port, err, out))
		if ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errs...)
}

// startContext bounds the server's start by the test's deadline when t has one (a *testing.T under go test
// -timeout), so that a loaded machine slows the start without failing it; by 30 s otherwise.
func startContext(t TB) (context.Context, context.CancelFunc) {
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if end, ok := d.Deadline(); ok {
			return context.WithDeadline(context.Background(), end)
		}
	}
	return context.WithTimeout(context.Background(), 30*time.Second)
}

// startAttempts bounds the ports NewServer tries.
const startAttempts = 3

// Close stops the server.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if out, err := s.Run(ctx, "kill-server"); err != nil {
		return fmt.Errorf("kill adb server on port %d: %w\n%s", s.Port, err, out)
	}
	return nil
}

// Command returns an adb command line talking to this server.
func (s *Server) Command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, s.bin, append([]string{"-P", strconv.Itoa(s.Port)}, args...)...)
	cmd.Env = append(os.Environ(),
		"HOME="+s.Home,
		"ANDROID_SDK_HOME="+s.Home,
		"TMPDIR="+s.Home, // the server's log, adb.UID.log, lands here
		"ANDROID_ADB_SERVER_PORT="+strconv.Itoa(s.Port),
		"ADB_VENDOR_KEYS=",
	)
	cmd.WaitDelay = 5 * time.Second // the server daemon inherits no pipes, but be safe
	return cmd
}

// Run runs adb with args and returns its combined output.
func (s *Server) Run(ctx context.Context, args ...string) ([]byte, error) {
	var out bytes.Buffer
	cmd := s.Command(ctx, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		err = fmt.Errorf("adb %v: %w", args, err)
	}
	return out.Bytes(), err
}

// PublicKeyPath is where the server keeps its public key once started.
func (s *Server) PublicKeyPath() string { return filepath.Join(s.Home, ".android", "adbkey.pub") }

// LogPath is the adb server's own log, useful when a test fails.
func (s *Server) LogPath() string {
	return filepath.Join(s.Home, "adb."+strconv.Itoa(os.Getuid())+".log")
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("adbtest: find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
