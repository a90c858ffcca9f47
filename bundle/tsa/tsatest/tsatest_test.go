package tsatest

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestStart: a query made by openssl gets a reply that openssl verifies
// against the CA that Start returns.
func TestStart(t *testing.T) {
	url, roots, caPath := Start(t)
	if roots == nil {
		t.Fatal("no roots")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data.txt")
	q := filepath.Join(dir, "q.tsq")
	r := filepath.Join(dir, "r.tsr")
	if err := os.WriteFile(data, []byte("evidence"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := run(dir, "ts", "-query", "-data", data, "-sha256", "-cert", "-out", q); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	query, _ := os.ReadFile(q)
	resp, err := http.Post(url, "application/timestamp-query", bytes.NewReader(query))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/timestamp-reply" {
		t.Fatalf("status %s, type %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	if err := os.WriteFile(r, body.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("openssl", "ts", "-verify", "-data", data, "-in", r, "-CAfile", caPath).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Verification: OK") {
		t.Fatalf("openssl ts -verify: %v\n%s", err, out)
	}
}

func TestDownAndBadRequests(t *testing.T) {
	s := New(t, Options{})
	s.SetDown(true)
	resp, err := http.Post(s.URL, "application/timestamp-query", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("down: %s", resp.Status)
	}
	s.SetDown(false)
	resp, err = http.Get(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("GET: %s", resp.Status)
	}
	if s.Requests() != 2 {
		t.Errorf("requests %d", s.Requests())
	}
}
