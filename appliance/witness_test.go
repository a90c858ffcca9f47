package appliance

import (
	"bytes"
	"context"
	"github.com/attesta/attesta/internal/testwait"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/certify"
	"github.com/attesta/attesta/internal/testpki"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/witness"
	"github.com/attesta/attesta/witness/cosig"
)

// TestWitnessedAndroidDelivery: with a witness configured, a delivery carries proofs/witness, which verifies with
// the witness's key, and the cosignature is journaled.
func TestWitnessedAndroidDelivery(t *testing.T) {
	ctx := t.Context()
	a, ws := openWitnessed(t)
	backup, key := backupFixture(t)
	outcomes, err := a.Certify().ExtractAndroidBackup(ctx, certify.AndroidBackupJob{
		Backup: backup, Key: key, List: testList(t), MaxMessages: 5, Case: "case-1", Operator: "tecnico", OutDir: t.TempDir(),
		Client: "Studio Legale Rossi", Purpose: "prova della disdetta",
	})
	if err != nil {
		t.Fatal(err)
	}
	folder := outcomes[0].Folder
	if _, err := os.Stat(filepath.Join(folder, "proofs", "witness")); err != nil {
		t.Fatalf("the delivery carries no proofs/witness: %v", err)
	}
	opts := bundle.VerifyOptions{Key: a.Journal().VerifierKey(), Witnesses: []string{ws.VerifierKey()}, MinWitnesses: 1}
	if r, err := bundle.Verify(ctx, folder, opts); err != nil {
		t.Fatalf("witnessed delivery: %v\n%+v", err, r.Failed())
	}
	if got := leavesOfType(t, a, witness.TypeCosignature); len(got) == 0 {
		t.Fatal("no cosignature journaled")
	}
}

// TestWitnessRole: serve's witness role cosigns a peer appliance's checkpoints and refuses its rewind.
func TestWitnessRole(t *testing.T) {
	ctx := t.Context()
	peerKey := testpki.Key(t)
	peer, err := journal.Open(ctx, filepath.Join(t.TempDir(), "peer.db"), journal.Options{Origin: "attesta/peer-box", Signer: peerKey})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	dir := t.TempDir()
	cfg := Config{DataDir: dir, WitnessRole: WitnessRoleConfig{Listen: "127.0.0.1:0", Name: "witness.test/box-1", Peers: []string{peer.VerifierKey()}}}
	h, err := witnessRole(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	defer ts.Close()
	vkey, err := os.ReadFile(filepath.Join(dir, "witness-role", "witness.vkey"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := witness.OpenStore(filepath.Join(t.TempDir(), "cosignatures"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := witness.NewClient(witness.ClientOptions{Peers: []witness.Peer{{URL: ts.URL, VKey: string(vkey)}}, Store: st, Journal: peer})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := peer.Append(ctx, journal.Entry{Type: "boot"}); err != nil {
		t.Fatal(err)
	}
	first, err := peer.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Submit(ctx, first); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := peer.Append(ctx, journal.Entry{Type: "boot"}); err != nil {
			t.Fatal(err)
		}
	}
	later, err := peer.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Submit(ctx, later); err != nil {
		t.Fatal(err)
	}
	// The first checkpoint again, as a rewound box would send it.
	resp, err := httptestPost(t, ts.URL+witness.AddCheckpointPath, (&cosig.Request{OldSize: later.Size, Checkpoint: first.Note}).Marshal())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if status := resp.StatusCode; status != http.StatusBadRequest {
		t.Fatalf("rewound checkpoint: HTTP %d, want 400", status)
	}
	// Without peers or a name the role does not start.
	for _, bad := range []WitnessRoleConfig{{Listen: ":0", Name: "w"}, {Listen: ":0", Peers: []string{peer.VerifierKey()}}} {
		if _, err := witnessRole(Config{DataDir: t.TempDir(), WitnessRole: bad}, nil); err == nil {
			t.Errorf("%+v: started", bad)
		}
	}
}

func httptestPost(t *testing.T, url string, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	return http.DefaultClient.Do(req)
}

// TestRunWitnessesSubmitsTheNewestCheckpoint: serve's loop submits the newest checkpoint at once, and the witness's
// cosignature lands in the store.
func TestRunWitnessesSubmitsTheNewestCheckpoint(t *testing.T) {
	a, _ := openWitnessed(t)
	cp, err := a.Journal().Checkpoint(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { a.offsite.runWitnesses(ctx); close(done) }()
	st, err := witness.OpenStore(filepath.Join(a.cfg.DataDir, "witness", "cosignatures"))
	if err != nil {
		t.Fatal(err)
	}
	testwait.Until(t, "the newest checkpoint cosigned", func() bool {
		c, err := st.Latest()
		return err == nil && c.Size == cp.Size
	})
	cancel()
	<-done
}

// openWitnessed opens an appliance on the simulator whose configuration names one witness (our server, on
// loopback), which knows the appliance's key.
func openWitnessed(t *testing.T) (*Appliance, *witness.Server) {
	t.Helper()
	ws, err := witness.NewServer(witness.ServerOptions{Dir: t.TempDir(), Name: "witness.test/studio"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(ws)
	t.Cleanup(ts.Close)
	a, err := Open(t.Context(), Config{DataDir: t.TempDir(), TPM: "sim", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Witnesses: []WitnessConfig{{URL: ts.URL, VKey: ws.VerifierKey()}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if err := ws.AddLog(a.Journal().VerifierKey()); err != nil {
		t.Fatal(err)
	}
	return a, ws
}

func TestLoadConfigWitnesses(t *testing.T) {
	_, vkey, err := witness.GenerateKey("witness.test/cfg")
	if err != nil {
		t.Fatal(err)
	}
	peer := "attesta/peer+12345678+AjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABA=="
	peerJ, err := journal.Open(t.Context(), filepath.Join(t.TempDir(), "p.db"), journal.Options{Origin: "attesta/peer", Signer: testpki.Key(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer peerJ.Close()
	for _, tc := range []struct {
		json string
		ok   bool
	}{
		{`{"witnesses": [{"url": "http://127.0.0.1:9/", "vkey": "` + vkey + `"}]}`, true},
		{`{"witness_role": {"listen": ":8443", "name": "w.example/1", "peers": ["` + peerJ.VerifierKey() + `"]}}`, true},
		{`{"witnesses": [{"url": "127.0.0.1:9", "vkey": "` + vkey + `"}]}`, false},
		{`{"witnesses": [{"url": "http://127.0.0.1:9/", "vkey": "nonsense"}]}`, false},
		{`{"witnesses": [{"url": "http://127.0.0.1:9/", "vkey": "` + vkey + `", "name": "x"}]}`, false},
		{`{"witness_role": {"listen": ":8443", "peers": ["` + peerJ.VerifierKey() + `"]}}`, false},
		{`{"witness_role": {"listen": ":8443", "name": "w.example/1"}}`, false},
		{`{"witness_role": {"listen": ":8443", "name": "w.example/1", "peers": ["` + peer + `"]}}`, false},
		{`{"witness_role": {"name": "w.example/1", "peers": ["` + peerJ.VerifierKey() + `"]}}`, false},
	} {
		path := filepath.Join(t.TempDir(), "attesta.json")
		if err := os.WriteFile(path, []byte(tc.json), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadConfig(path); (err == nil) != tc.ok {
			t.Errorf("LoadConfig(%s) = %v, want ok=%v", tc.json, err, tc.ok)
		}
	}
}
