// Package localstore runs MinIO, an S3-compatible object store with Object Lock, on loopback: for the demo and
// the tests (through mirror/s3test). The binary is built from MinIO's Go module by scripts/setup into the tools
// directory (see Binary); this package only starts it.
package localstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/mirror"
)

// MinIOVersion is the module version of github.com/minio/minio that scripts/setup builds.
const MinIOVersion = "v0.0.0-20260212201848-7aac2a2c5b7c"

// ToolsDir is where scripts/setup puts the programs it builds: $ATTESTA_TOOLS, else attesta/tools under the
// user's cache directory (~/.cache/attesta/tools).
func ToolsDir() string {
	if d := os.Getenv("ATTESTA_TOOLS"); d != "" {
		return d
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "attesta", "tools")
	}
	return filepath.Join(cache, "attesta", "tools")
}

// Binary returns the MinIO server binary: $ATTESTA_MINIO, else ToolsDir()/minio when its version stamp
// (minio.version, written by scripts/setup) names MinIOVersion.
func Binary() (string, error) {
	if p := os.Getenv("ATTESTA_MINIO"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("MinIO server $ATTESTA_MINIO: %w", err)
		}
		return p, nil
	}
	p := filepath.Join(ToolsDir(), "minio")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("MinIO server %s: %w (scripts/setup builds it)", p, err)
	}
	stamp, err := os.ReadFile(p + ".version")
	if want := "github.com/minio/minio@" + MinIOVersion; err != nil || strings.TrimSpace(string(stamp)) != want {
		return "", fmt.Errorf("MinIO server %s: not %s (scripts/setup builds it)", p, want)
	}
	return p, nil
}

// Server is a MinIO server on a loopback port, its data in a directory.
type Server struct {
	Bin, Dir             string
	Endpoint             string // 127.0.0.1:PORT
	AccessKey, SecretKey string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// New starts a server with its data in dir/data. Its credentials are made at run time and kept in dir/credentials
// (access key, secret key: the format of MirrorConfig.CredentialsFile), so that a server started again on the
// same directory takes the same ones.
func New(ctx context.Context, bin, dir string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{Bin: bin, Dir: dir, Endpoint: fmt.Sprintf("127.0.0.1:%d", port)}
	cred := s.CredentialsFile()
	if b, err := os.ReadFile(cred); err == nil {
		f := strings.Fields(string(b))
		if len(f) != 2 {
			return nil, fmt.Errorf("localstore: %s: want two lines", cred)
		}
		s.AccessKey, s.SecretKey = f[0], f[1]
	} else if errors.Is(err, fs.ErrNotExist) {
		s.AccessKey, s.SecretKey = "attesta-"+randHex(4), randHex(16)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		if err := durable.WriteNew(cred, []byte(s.AccessKey+"\n"+s.SecretKey+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("localstore: %w", err)
		}
	} else {
		return nil, fmt.Errorf("localstore: %w", err)
	}
	if err := s.Restart(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// CredentialsFile is the file holding the server's access key and secret key, one a line.
func (s *Server) CredentialsFile() string { return filepath.Join(s.Dir, "credentials") }

// DataDir is where the server keeps the objects.
func (s *Server) DataDir() string { return filepath.Join(s.Dir, "data") }

// Command is the shell command that starts the server by hand on addr, its credentials read from their file.
func (s *Server) Command(addr string) string {
	c := s.CredentialsFile()
	return fmt.Sprintf("MINIO_ROOT_USER=$(sed -n 1p %s) MINIO_ROOT_PASSWORD=$(sed -n 2p %s) %s server %s --address %s", c, c, s.Bin, s.DataDir(), addr)
}

// Remote is how a mirror reaches the server.
func (s *Server) Remote() mirror.Remote {
	return mirror.Remote{Endpoint: s.Endpoint, AccessKey: s.AccessKey, SecretKey: s.SecretKey}
}

// Restart starts the server (again, on the same address and data) and waits until it answers.
func (s *Server) Restart(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return errors.New("s3test: server already running")
	}
	data := s.DataDir()
	if err := os.MkdirAll(data, 0o700); err != nil {
		return err
	}
	cport, err := freePort()
	if err != nil {
		return err
	}
	cmd := exec.Command(s.Bin, "server", data, "--address", s.Endpoint, "--console-address", fmt.Sprintf("127.0.0.1:%d", cport), "--quiet")
	cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+s.AccessKey, "MINIO_ROOT_PASSWORD="+s.SecretKey,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off", "MINIO_CI_CD=1")
	log, err := os.OpenFile(filepath.Join(s.Dir, "minio.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("s3test: start %s: %w", s.Bin, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); log.Close(); close(done) }()
	s.cmd, s.done = cmd, done
	for {
		if ok := s.live(ctx); ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("s3test: MinIO at %s did not answer: %w (log: %s)", s.Endpoint, ctx.Err(), filepath.Join(s.Dir, "minio.log"))
		case <-done:
			b, _ := os.ReadFile(filepath.Join(s.Dir, "minio.log"))
			return fmt.Errorf("s3test: MinIO exited at start: %s", lastBytes(b, 2000))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// live says whether the server answers S3 requests: its health check, then a signed ListBuckets (MinIO says it is
// healthy a moment before it serves buckets).
func (s *Server) live(ctx context.Context) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.Endpoint+"/minio/health/ready", nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false
	}
	c, err := minio.New(s.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""), MaxRetries: 1})
	if err != nil {
		return false
	}
	_, err = c.ListBuckets(ctx)
	return err == nil
}

// Kill stops the server at once (SIGKILL), as a power cut or a crash would.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// Stop is Kill, for t.Cleanup.
func (s *Server) Stop() { s.Kill() }

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func lastBytes(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
