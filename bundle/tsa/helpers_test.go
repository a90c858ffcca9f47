package tsa

import (
	"crypto"
	"crypto/sha256"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attesta/attesta/bundle/tsa/tsatest"
)

func digestOf(s string) []byte {
	d := sha256.Sum256([]byte(s))
	return d[:]
}

// newClient returns a client for a fresh test TSA.
func newClient(t *testing.T, opt tsatest.Options) (*Client, *tsatest.TSA) {
	t.Helper()
	s := tsatest.New(t, opt)
	return &Client{URL: s.URL, Roots: s.Roots}, s
}

// openSSLReply asks the test TSA, without HTTP, for a reply to a SHA-256 request that asks for its certificate.
func openSSLReply(t *testing.T, s *tsatest.TSA, digest []byte, nonce int64) (req, resp []byte) {
	t.Helper()
	return openSSLReplyTo(t, s, digest, crypto.SHA256, big.NewInt(nonce), true)
}

// openSSLReplyTo asks the test TSA, without HTTP, for a reply to the request NewRequest makes of the arguments.
func openSSLReplyTo(t *testing.T, s *tsatest.TSA, digest []byte, hash crypto.Hash, nonce *big.Int,
	certReq bool) (req, resp []byte) {
	t.Helper()
	req, err := NewRequest(digest, hash, nonce, certReq)
	if err != nil {
		t.Fatal(err)
	}
	resp, err = s.Reply(req)
	if err != nil {
		t.Fatal(err)
	}
	return req, resp
}

// opensslVerify runs `openssl ts -verify` with extra args and reports whether
// it printed "Verification: OK".
func opensslVerify(t *testing.T, tsr []byte, caPath string, args ...string) (bool, string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "x.tsr")
	if err := os.WriteFile(p, tsr, 0o600); err != nil {
		t.Fatal(err)
	}
	all := append([]string{"ts", "-verify", "-in", p, "-CAfile", caPath}, args...)
	out, err := exec.Command("openssl", all...).CombinedOutput()
	return err == nil && strings.Contains(string(out), "Verification: OK"), string(out)
}

// mustOpenQueue opens the queue in dir, failing the test on error.
func mustOpenQueue(t *testing.T, dir string, c *Client) *Queue {
	t.Helper()
	q, err := OpenQueue(dir, c)
	if err != nil {
		t.Fatal(err)
	}
	return q
}
