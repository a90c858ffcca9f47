package adbtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
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

// StartServer starts `adb -P PORT start-server` and kills it when the test
// ends. The adb binary comes from $ADB or $PATH; a missing binary fails the
// test (CI installs it).
func StartServer(t testing.TB) *Server {
	t.Helper()
	bin := os.Getenv("ADB")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("adb"); err != nil {
			t.Fatalf("adbtest: the adb binary is needed (Debian package adb): %v", err)
		}
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Port: port, Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Home: t.TempDir(), bin: bin}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := s.Run(ctx, "start-server"); err != nil {
		t.Fatalf("adbtest: start adb server on port %d: %v\n%s", port, err, out)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if out, err := s.Run(ctx, "kill-server"); err != nil {
			t.Logf("adbtest: kill adb server on port %d: %v\n%s", port, err, out)
		}
	})
	return s
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
