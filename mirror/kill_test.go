package mirror_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/mirror"
)

// TestMain lets the test binary be the box the kill test SIGKILLs (ATTESTA_MIRROR_CHILD set).
func TestMain(m *testing.M) {
	if os.Getenv("ATTESTA_MIRROR_CHILD") != "" {
		os.Exit(child())
	}
	os.Exit(m.Run())
}

// keyWrapper is a software KeyWrapper under a key given to it, so that every process of the kill test unwraps
// what an earlier one wrapped (blobtest's is random per process).
type keyWrapper struct{ aead cipher.AEAD }

func newKeyWrapper(key []byte) *keyWrapper {
	b, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	a, err := cipher.NewGCM(b)
	if err != nil {
		panic(err)
	}
	return &keyWrapper{a}
}

func (w *keyWrapper) Wrap(_ context.Context, key []byte) ([]byte, error) {
	n := make([]byte, w.aead.NonceSize())
	rand.Read(n)
	return w.aead.Seal(n, n, key, nil), nil
}

func (w *keyWrapper) Unwrap(_ context.Context, wrapped []byte) ([]byte, error) {
	ns := w.aead.NonceSize()
	if len(wrapped) < ns {
		return nil, fmt.Errorf("wrapped key too short")
	}
	return w.aead.Open(nil, wrapped[:ns], wrapped[ns:], nil)
}

// stderrT lets the box helpers run in the child, where there is no *testing.T: a failure ends the process.
type stderrT struct{ testing.TB }

func (stderrT) Helper()                   {}
func (stderrT) Fatal(args ...any)         { fmt.Fprintln(os.Stderr, args...); os.Exit(3) }
func (stderrT) Fatalf(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...); os.Exit(3) }
func (stderrT) Cleanup(func())            {}

// child is the box: it journals artifacts and events and mirrors them, round after round, until it is killed.
func child() int {
	ctx := context.Background()
	env := func(k string) string { return os.Getenv("ATTESTA_MIRROR_" + k) }
	keyPEM, _ := hex.DecodeString(env("SIGNER"))
	key, err := parsePEMKey(keyPEM)
	if err != nil {
		fmt.Fprintln(os.Stderr, "signer:", err)
		return 2
	}
	wk, _ := hex.DecodeString(env("WRAPPER"))
	rcpt, err := age.ParseX25519Recipient(env("RECIPIENT"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "recipient:", err)
		return 2
	}
	t := stderrT{}
	b := openBox(t, ctx, env("DIR"), key, newKeyWrapper(wk))
	bucket, err := mirror.Dial(mirror.Remote{Endpoint: env("ENDPOINT"), AccessKey: env("ACCESS"), SecretKey: env("SECRET")},
		mirror.Target{Bucket: "evidence", Prefix: "box1"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	m, err := mirror.Open(mirror.Options{Dir: filepath.Join(env("DIR"), "mirror"), Journal: b.j, Blobs: b.blobs,
		Bucket: bucket, Recipient: rcpt, Policy: &policy{}, JournalRetention: time.Hour})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	for i := 0; ; i++ {
		content := make([]byte, 1+mrand.IntN(150_000))
		rand.Read(content)
		b.artifact(t, ctx, "case-"+strconv.Itoa(i%3), content)
		b.events(t, ctx, 1+mrand.IntN(20))
		if env("MODE") == "finish" {
			if err := m.Sync(ctx); err != nil {
				fmt.Fprintln(os.Stderr, "sync:", err)
				return 1
			}
			return 0
		}
		if err := m.Sync(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "sync:", err) // the store is down: the next round retries
		}
	}
}

// The must-hold: the box is SIGKILLed while mirroring, many times, and the object store is stopped at random
// moments; the mirror converges, nothing is lost, and no key is ever uploaded twice with different content.
// ATTESTA_MIRROR_ROUNDS sets the number of kills (make test-mirror-long); the normal run does a few.
func TestKillDuringMirroring(t *testing.T) {
	ctx := t.Context()
	e := newEnv(t)
	rounds := 6
	if n, err := strconv.Atoi(os.Getenv("ATTESTA_MIRROR_ROUNDS")); err == nil {
		rounds = n
	}
	dir := t.TempDir()
	key := newKey(t)
	wk := make([]byte, 32)
	rand.Read(wk)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	run := func(mode string) *exec.Cmd {
		cmd := exec.CommandContext(ctx, self, "-test.run=^$")
		cmd.Env = append(os.Environ(), "ATTESTA_MIRROR_CHILD=1", "ATTESTA_MIRROR_MODE="+mode,
			"ATTESTA_MIRROR_DIR="+dir, "ATTESTA_MIRROR_SIGNER="+hex.EncodeToString(pemKey(t, key)),
			"ATTESTA_MIRROR_WRAPPER="+hex.EncodeToString(wk), "ATTESTA_MIRROR_RECIPIENT="+e.id.Recipient().String(),
			"ATTESTA_MIRROR_ENDPOINT="+e.srv.Endpoint, "ATTESTA_MIRROR_ACCESS="+e.srv.AccessKey, "ATTESTA_MIRROR_SECRET="+e.srv.SecretKey)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		t.Cleanup(func() {
			if t.Failed() && stderr.Len() > 0 {
				t.Logf("box (%s) said: %s", mode, stderr.String())
			}
		})
		return cmd
	}
	for i := 0; i < rounds; i++ {
		cmd := run("work")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		storeDown := mrand.IntN(3) == 0
		sleep(ctx, time.Duration(100+randInt(900))*time.Millisecond)
		if storeDown {
			e.srv.Kill()
			sleep(ctx, time.Duration(50+randInt(400))*time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("round %d: the box ended on its own: %v", i, err)
		}
		if storeDown {
			if err := e.srv.Restart(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The last run: no kill; the mirror must catch up on all of it.
	fin := run("finish")
	if out, err := fin.Output(); err != nil {
		t.Fatalf("final round: %v %s", err, out)
	}
	b := openBox(t, ctx, dir, key, newKeyWrapper(wk))
	last, err := b.j.Latest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if last.Size != b.j.Size() {
		t.Fatalf("the box's newest checkpoint has size %d, its journal %d", last.Size, b.j.Size())
	}
	// Nothing lost: the mirror verifies up to the box's newest checkpoint, leaf for leaf, and holds every blob as
	// the box stores it.
	snap, err := mirror.Fetch(ctx, e.bucket, mirror.FetchOptions{VerifierKeys: []string{b.vkey(t)}, Witnessed: last.Note})
	if err != nil {
		t.Fatal(err)
	}
	if snap.Latest.Size != last.Size {
		t.Fatalf("the mirror's newest checkpoint has size %d, the box's %d", snap.Latest.Size, last.Size)
	}
	blobs := 0
	for l, err := range b.j.Entries(ctx, 0, last.Size) {
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(snap.Leaves[l.Index], l.Data) {
			t.Fatalf("leaf %d differs in the mirror", l.Index)
		}
		en, _ := l.Entry()
		if en.Type != journal.TypeArtifact {
			continue
		}
		sum := en.Fields["sha256"].(string)
		f, err := b.blobs.OpenSealed(ctx, en.Case, sum)
		if err != nil {
			t.Fatal(err)
		}
		local := new(bytes.Buffer)
		local.ReadFrom(f)
		f.Close()
		remote, err := e.bucket.Get(ctx, "blobs/"+en.Case+"/"+sum, 1<<30)
		if err != nil {
			t.Fatalf("leaf %d: %v", l.Index, err)
		}
		if !bytes.Equal(remote, local.Bytes()) {
			t.Fatalf("leaf %d: the mirrored blob differs from the box's", l.Index)
		}
		blobs++
	}
	versions := e.checkOneVersion(t, ctx)
	t.Logf("%d kills: %d leaves, %d blobs, %d objects, %d versions of the checkpoint", rounds, last.Size, blobs, len(versions), versions[mirror.KeyCheckpoint])
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

func randInt(n int64) int64 {
	v, _ := rand.Int(rand.Reader, big.NewInt(n))
	return v.Int64()
}
