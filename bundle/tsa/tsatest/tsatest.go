// Package tsatest runs a real RFC 3161 time-stamping authority on loopback
// for tests: every query is answered by `openssl ts -reply`, with a CA and a
// TSA certificate (extendedKeyUsage critical timeStamping) made by openssl at
// run time in the test's temporary directory. Nothing is canned: the replies
// are whatever OpenSSL produces, including its rejections.
//
// It needs the openssl command; without it the test fails (it is not
// skipped), because a silently skipped interop test proves nothing.
package tsatest

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

// Policies the TSA accepts; DefaultPolicy is used when a query names none.
const (
	DefaultPolicy = "1.2.3.4.1"
	OtherPolicy   = "1.2.3.4.5.6"
)

// Options select the TSA's key and ESS flavour.
type Options struct {
	RSA     bool // an RSA-2048 TSA key instead of ECDSA P-256
	ESSSHA1 bool // signing-certificate (v1, SHA-1) instead of -v2 (SHA-256)
}

// TSA is a running test TSA.
type TSA struct {
	URL    string         // http://127.0.0.1:port/
	Roots  *x509.CertPool // holds the test CA only
	CAPath string         // the test CA certificate, PEM
	Cert   *x509.Certificate
	Dir    string // keys, certificates and openssl config

	down     atomic.Bool
	requests atomic.Int64
	mu       sync.Mutex // openssl ts -reply updates its serial file
	config   string
}

// Start starts a TSA with default options and returns its URL, a pool with
// its CA, and the CA's PEM file for `openssl ts -verify -CAfile`. It is shut
// down when the test ends.
func Start(t testing.TB) (url string, roots *x509.CertPool, caPEMPath string) {
	t.Helper()
	s := New(t, Options{})
	return s.URL, s.Roots, s.CAPath
}

// New starts a TSA with the given options.
func New(t testing.TB, opt Options) *TSA {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatalf("tsatest: the openssl command is required: %v", err)
	}
	s := &TSA{Dir: t.TempDir()}
	s.makePKI(t, opt)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	s.URL = srv.URL + "/"
	return s
}

// SetDown makes the TSA answer 503 Service Unavailable (true) or work again.
func (s *TSA) SetDown(down bool) { s.down.Store(down) }

// Requests counts the queries that reached the TSA, including refused ones.
func (s *TSA) Requests() int { return int(s.requests.Load()) }

// ServeHTTP answers an RFC 3161 query over HTTP (RFC 3161 §3.4).
func (s *TSA) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if s.down.Load() {
		http.Error(w, "tsa down for the test", http.StatusServiceUnavailable)
		return
	}
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/timestamp-query" {
		http.Error(w, "want POST application/timestamp-query", http.StatusBadRequest)
		return
	}
	query, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	reply, err := s.Reply(query)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/timestamp-reply")
	w.Write(reply)
}

// Reply runs `openssl ts -reply` on a DER TimeStampReq and returns the DER
// TimeStampResp, granted or not.
func (s *TSA) Reply(query []byte) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	work, err := os.MkdirTemp(s.Dir, "req-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	q, out := filepath.Join(work, "q.tsq"), filepath.Join(work, "r.tsr")
	if err := os.WriteFile(q, query, 0o600); err != nil {
		return nil, err
	}
	if _, err := run(s.Dir, "ts", "-reply", "-config", s.config, "-queryfile", q, "-out", out); err != nil {
		return nil, err
	}
	return os.ReadFile(out)
}

// makePKI makes the CA, the TSA key and certificate and the openssl ts config.
func (s *TSA) makePKI(t testing.TB, opt Options) {
	t.Helper()
	d := s.Dir
	key := []string{"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"}
	if opt.RSA {
		key = []string{"-newkey", "rsa:2048"}
	}
	essAlg := "sha256"
	if opt.ESSSHA1 {
		essAlg = "sha1"
	}
	s.config = filepath.Join(d, "tsa.cnf")
	cfg := fmt.Sprintf(configTemplate, d, essAlg, DefaultPolicy, OtherPolicy)
	must(t, os.WriteFile(s.config, []byte(cfg), 0o600))
	must(t, os.WriteFile(filepath.Join(d, "tsaserial"), []byte("01\n"), 0o600))
	steps := [][]string{
		{"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
			"-keyout", "ca.key", "-out", "ca.pem", "-days", "3650", "-subj", "/CN=Attesta Test TSA Root",
			"-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"},
		append(append([]string{"req"}, key...), "-nodes", "-keyout", "tsa.key", "-out", "tsa.csr",
			"-subj", "/O=Attesta Test/CN=Attesta Test TSA"),
		{"x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
			"-out", "tsa.pem", "-days", "365", "-extfile", s.config, "-extensions", "tsa_ext"},
	}
	for _, args := range steps {
		if out, err := run(d, args...); err != nil {
			t.Fatalf("tsatest: %v\n%s", err, out)
		}
	}
	s.CAPath = filepath.Join(d, "ca.pem")
	ca := readCert(t, s.CAPath)
	s.Cert = readCert(t, filepath.Join(d, "tsa.pem"))
	s.Roots = x509.NewCertPool()
	s.Roots.AddCert(ca)
}

const configTemplate = `
[ tsa ]
default_tsa = tsa_config1

[ tsa_config1 ]
dir = %[1]s
serial = $dir/tsaserial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/ca.pem
signer_key = $dir/tsa.key
signer_digest = sha256
ess_cert_id_alg = %[2]s
default_policy = %[3]s
other_policies = %[4]s
digests = sha256, sha384, sha512
accuracy = secs:1, millisecs:500, microsecs:100
clock_precision_digits = 0
ordering = yes
tsa_name = yes
ess_cert_id_chain = no

[ tsa_ext ]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
`

func run(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("openssl", args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.Bytes(), fmt.Errorf("openssl %v: %w: %s", args, err, out.Bytes())
	}
	return out.Bytes(), nil
}

func readCert(t testing.TB, path string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(path)
	must(t, err)
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("tsatest: %s: no PEM block", path)
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	must(t, err)
	return c
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("tsatest: %v", err)
	}
}
