package mirror_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/journal/blob/blobtest"
	"github.com/attesta/attesta/mirror"
	"github.com/attesta/attesta/witness"
	"github.com/attesta/attesta/witness/cosig"
)

// The mirror publishes the newest checkpoint its witnesses cosigned; a restore that requires N witnesses checks the
// mirror against it, and refuses a mirror rewound behind it even when every later checkpoint is gone.
func TestRestoreAgainstWitnessedCheckpoint(t *testing.T) {
	ctx := t.Context()
	e := newEnv(t)
	b := openBox(t, ctx, t.TempDir(), newKey(t), blobtest.NewWrapper())
	w, err := witness.NewServer(witness.ServerOptions{Dir: t.TempDir(), Name: "witness.test/1", Logs: []string{b.vkey(t)}})
	if err != nil {
		t.Fatal(err)
	}
	var cosigned []byte
	var old uint64
	cosign := func(cp *journal.Checkpoint) {
		var proof []tlog.Hash
		if old > 0 {
			p, err := b.j.ConsistencyProof(ctx, old, cp.Size)
			if err != nil {
				t.Fatal(err)
			}
			proof = p
		}
		status, _, answer, err := w.AddCheckpoint((&cosig.Request{OldSize: old, Proof: proof, Checkpoint: cp.Note}).Marshal())
		if status != 200 {
			t.Fatalf("witness: %d %v", status, err)
		}
		sigs, err := cosig.ParseSignatures(answer)
		if err != nil {
			t.Fatal(err)
		}
		cosigned, old = cosig.Append(cp.Note, sigs), cp.Size
	}
	m, err := mirror.Open(mirror.Options{Dir: t.TempDir(), Journal: b.j, Blobs: b.blobs, Bucket: e.bucket,
		Recipient: e.id.Recipient(), Policy: e.policy, JournalRetention: -time.Hour,
		Witnessed: func() ([]byte, error) { return cosigned, nil }})
	if err != nil {
		t.Fatal(err)
	}
	b.events(t, ctx, 40)
	cp, err := b.j.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cosign(cp)
	if err := m.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	witnessedSize := cp.Size
	b.events(t, ctx, 20) // later leaves, not yet cosigned
	if err := m.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	opts := mirror.FetchOptions{VerifierKeys: []string{b.vkey(t)}, Witnesses: []string{w.VerifierKey()}, MinWitnesses: 1}
	snap, err := mirror.Fetch(ctx, e.bucket, opts)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Witnessed == nil || snap.Witnessed.Size != witnessedSize {
		t.Fatalf("witnessed checkpoint %+v, want size %d", snap.Witnessed, witnessedSize)
	}
	two := opts
	two.MinWitnesses = 2
	if _, err := mirror.Fetch(ctx, e.bucket, two); !errors.Is(err, mirror.ErrRefused) || !strings.Contains(err.Error(), "cosigned by 2") {
		t.Fatalf("two witnesses required, one cosigned: %v", err)
	}

	// Rewound behind the witnessed checkpoint: every later checkpoint removed, an older one put back as the newest.
	cps, err := b.j.Checkpoints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var older *journal.Checkpoint
	for _, c := range cps {
		if c.Size >= witnessedSize {
			if err := e.raw.RemoveObject(ctx, "evidence", e.key("checkpoints/"+strconv.FormatUint(c.Size, 10)), minio.RemoveObjectOptions{}); err != nil {
				t.Fatal(err)
			}
		} else {
			older = c
		}
	}
	if err := e.bucket.Replace(ctx, "checkpoint", older.Note, mirror.Lock{}); err != nil {
		t.Fatal(err)
	}
	want := "rewound: the witnessed checkpoint has size " + strconv.FormatUint(witnessedSize, 10)
	if _, err := mirror.Fetch(ctx, e.bucket, opts); !errors.Is(err, mirror.ErrRefused) || !strings.Contains(err.Error(), want) {
		t.Fatalf("rewound mirror: %v, want %q", err, want)
	}
}
