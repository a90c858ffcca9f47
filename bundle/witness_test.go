package bundle

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/attesta/attesta/witness"
)

// witnessFixture is a witness (our tlog-witness server, on loopback) of the fixture's journal and the client that
// asks it, as the appliance wires them.
func witnessFixture(t *testing.T, f *fixture) (*witness.Client, string) {
	t.Helper()
	s, err := witness.NewServer(witness.ServerOptions{Dir: filepath.Join(t.TempDir(), "w"), Name: "witness.test/w1", Logs: []string{f.j.VerifierKey()}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	st, err := witness.OpenStore(filepath.Join(t.TempDir(), "cosignatures"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := witness.NewClient(witness.ClientOptions{Peers: []witness.Peer{{URL: ts.URL, VKey: s.VerifierKey()}}, Store: st, Journal: f.j})
	if err != nil {
		t.Fatal(err)
	}
	return c, s.VerifierKey()
}

func TestWitnessedDelivery(t *testing.T) {
	f := newFixture(t)
	c, wkey := witnessFixture(t, f)
	dir := f.deliver(t, f.chatManifest(t, 0, 3), Delivery{}, WriteOptions{Witness: c.DeliveryHook(time.Minute)})
	if _, err := os.Stat(filepath.Join(dir, witnessFile)); err != nil {
		t.Fatalf("the delivery carries no %s: %v", witnessFile, err)
	}
	_, otherKey, err := witness.GenerateKey("witness.test/other")
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	// Without witness keys the file is accounted for and noted; with the witness's key it passes.
	for _, opts := range []VerifyOptions{{}, {Witnesses: []string{wkey}}, {Witnesses: []string{wkey, otherKey}, MinWitnesses: 1}} {
		if r, err := Verify(ctx, dir, opts); err != nil {
			t.Fatalf("%+v: %v\n%v", opts, err, r.Failed())
		}
	}
	// Too few, or only a key that did not cosign.
	for _, opts := range []VerifyOptions{{Witnesses: []string{wkey, otherKey}, MinWitnesses: 2}, {Witnesses: []string{otherKey}}} {
		r, err := Verify(ctx, dir, opts)
		failedCheck(t, r, err, CheckWitness, witnessFile)
	}
	// A cosignature altered by one character.
	bad := copyDir(t, dir)
	b := mustRead(t, filepath.Join(bad, witnessFile))
	b[len(b)-5] ^= 1
	mustWrite(t, filepath.Join(bad, witnessFile), b)
	r, err := Verify(ctx, bad, VerifyOptions{Witnesses: []string{wkey}})
	failedCheck(t, r, err, CheckWitness, witnessFile)

	// A delivery without cosignature fails when one is required, passes when none is.
	plain := f.deliver(t, f.chatManifest(t, 1, 3), Delivery{}, WriteOptions{})
	r, err = Verify(ctx, plain, VerifyOptions{Witnesses: []string{wkey}, MinWitnesses: 1})
	failedCheck(t, r, err, CheckWitness, witnessFile)
	if _, err := Verify(ctx, plain, VerifyOptions{}); err != nil {
		t.Fatal(err)
	}
}
