package witness

import (
	"bytes"
	"crypto/ecdsa"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/attesta/attesta/internal/testpki"
	"github.com/attesta/attesta/internal/testtools"
	"github.com/attesta/attesta/internal/testwait"
	"github.com/attesta/attesta/journal"
)

const testOrigin = "attesta/witness-test-box"

// box is a journal with its checkpoint key, as an appliance has.
type box struct {
	j   *journal.Journal
	key *ecdsa.PrivateKey
}

func newBox(t *testing.T, key *ecdsa.PrivateKey) *box {
	t.Helper()
	if key == nil {
		key = testpki.Key(t)
	}
	j, err := journal.Open(t.Context(), filepath.Join(t.TempDir(), "journal.db"), journal.Options{Origin: testOrigin, Signer: key, CheckpointEvery: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return &box{j: j, key: key}
}

// grow appends n leaves (their "n" field tagged with tag, so that two boxes grow apart) and signs a checkpoint.
func (b *box) grow(t *testing.T, n int, tag string) *journal.Checkpoint {
	t.Helper()
	for i := range n {
		if _, err := b.j.Append(t.Context(), journal.Entry{Type: "test-event", Fields: map[string]any{"n": fmt.Sprintf("%s-%d", tag, i)}}); err != nil {
			t.Fatal(err)
		}
	}
	cp, err := b.j.Checkpoint(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

func (b *box) client(t *testing.T, peers ...Peer) *Client {
	t.Helper()
	st, err := OpenStore(filepath.Join(t.TempDir(), "cosignatures"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(ClientOptions{Peers: peers, Store: st, Journal: b.j})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// impl starts a witness for the log whose verifier key is logVKey and returns it as a Peer.
type impl struct {
	name  string
	start func(t *testing.T, logVKey string) Peer
}

var impls = []impl{{"ours", startOurs}, {"omniwitness", startOmniwitness}}

// witnessed makes a new box and starts the witness of im for its journal.
func (im impl) witnessed(t *testing.T) (*box, Peer) {
	t.Helper()
	b := newBox(t, nil)
	return b, im.start(t, b.j.VerifierKey())
}

func startOurs(t *testing.T, logVKey string) Peer {
	t.Helper()
	s, err := NewServer(ServerOptions{Dir: filepath.Join(t.TempDir(), "witness"), Name: "witness.test/ours", Logs: []string{logVKey}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return Peer{URL: ts.URL, VKey: s.VerifierKey()}
}

// startOmniwitness runs transparency-dev's omniwitness (built by scripts/setup) on loopback, with a key made now,
// a SQLite state file, and our log added to its configuration.
func startOmniwitness(t *testing.T, logVKey string) Peer {
	t.Helper()
	bin := testtools.Path(t, "omniwitness")
	dir := t.TempDir()
	skey, vkey, err := GenerateKey("witness.test/omniwitness")
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "witness.key")
	logs := filepath.Join(dir, "logs.yaml")
	if err := os.WriteFile(keyFile, []byte(skey), 0o600); err != nil {
		t.Fatal(err)
	}
	yaml := fmt.Sprintf("Logs:\n  - Origin: %s\n    PublicKey: %s\n    URL: https://example.invalid/\n", testOrigin, logVKey)
	if err := os.WriteFile(logs, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var out bytes.Buffer
	cmd := exec.Command(bin, "--listen", addr, "--metrics_listen", "", "--private_key_path", keyFile,
		"--db_file", filepath.Join(dir, "witness.db"), "--additional_logs", logs, "--logtostderr")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("omniwitness:\n%s", out.String())
		}
	})
	testwait.Until(t, "omniwitness listening on "+addr, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return Peer{URL: "http://" + addr, VKey: vkey}
}

// post sends a raw add-checkpoint body and returns the witness's status and answer.
func post(t *testing.T, p Peer, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, p.URL+AddCheckpointPath, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}
