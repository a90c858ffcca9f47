package mirror_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/journal/blob/blobtest"
	"github.com/attesta/attesta/mirror"
)

func TestParseURL(t *testing.T) {
	for in, want := range map[string]mirror.Target{
		"s3://evidence":            {Bucket: "evidence"},
		"s3://evidence/studio/box": {Bucket: "evidence", Prefix: "studio/box"},
		"s3://evidence/box/":       {Bucket: "evidence", Prefix: "box"},
	} {
		got, err := mirror.ParseURL(in)
		if err != nil || got != want {
			t.Errorf("ParseURL(%q) = %+v, %v; want %+v", in, got, err, want)
		}
		if again, _ := mirror.ParseURL(got.String()); again != got {
			t.Errorf("%q does not read back: %+v", got.String(), again)
		}
	}
	for _, bad := range []string{"", "evidence/box", "https://evidence/box", "s3:///box", "s3://b/x/../y", "s3://b/x?y=1", "s3://u:p@b/x"} {
		if _, err := mirror.ParseURL(bad); err == nil {
			t.Errorf("ParseURL(%q) accepted", bad)
		}
	}
}

// The object store itself keeps a locked object from an early deletion or overwrite: a plain S3 client with the
// mirror's own credentials is refused, not only the mirror's code.
func TestObjectLockRefusedByServer(t *testing.T) {
	ctx := t.Context()
	e := newEnv(t)
	b := openBox(t, ctx, t.TempDir(), newKey(t), blobtest.NewWrapper())
	ref := b.artifact(t, ctx, "case-1", []byte("a screenshot"))
	e.policy.set("case-2", mirror.Lock{Hold: true}) // on legal hold, no retention date
	b.artifact(t, ctx, "case-2", []byte("a disputed video"))
	m := e.open(t, b, time.Hour)
	if err := m.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	blobKey := e.key("blobs/case-1/" + ref.SHA256)
	st, err := e.raw.StatObject(ctx, "evidence", blobKey, minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.VersionID == "" {
		t.Fatal("the bucket is not versioned")
	}
	mode, until, err := e.raw.GetObjectRetention(ctx, "evidence", blobKey, st.VersionID)
	if err != nil || mode == nil || *mode != minio.Compliance || until.Before(time.Now().Add(50*time.Minute)) {
		t.Fatalf("retention of %s: %v until %v (%v), want compliance for an hour", blobKey, mode, until, err)
	}
	original, err := e.raw.GetObject(ctx, "evidence", blobKey, minio.GetObjectOptions{VersionID: st.VersionID})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := io.ReadAll(original)

	t.Run("delete", func(t *testing.T) {
		err := e.raw.RemoveObject(ctx, "evidence", blobKey, minio.RemoveObjectOptions{VersionID: st.VersionID})
		if err == nil {
			t.Fatal("the store deleted a locked version")
		}
		err = e.raw.RemoveObject(ctx, "evidence", blobKey, minio.RemoveObjectOptions{VersionID: st.VersionID, GovernanceBypass: true})
		if err == nil {
			t.Fatal("the store deleted a compliance-locked version with the governance bypass")
		}
	})
	t.Run("shorten retention", func(t *testing.T) {
		mode, soon := minio.Compliance, time.Now().Add(time.Minute)
		err := e.raw.PutObjectRetention(ctx, "evidence", blobKey, minio.PutObjectRetentionOptions{Mode: &mode, RetainUntilDate: &soon, VersionID: st.VersionID})
		if err == nil {
			t.Fatal("the store shortened a compliance retention")
		}
		gov := minio.Governance
		err = e.raw.PutObjectRetention(ctx, "evidence", blobKey, minio.PutObjectRetentionOptions{Mode: &gov, RetainUntilDate: &soon, VersionID: st.VersionID, GovernanceBypass: true})
		if err == nil {
			t.Fatal("the store turned compliance into governance")
		}
	})
	t.Run("overwrite", func(t *testing.T) {
		// A plain PUT makes a new version; the locked one stays as it was.
		other := []byte("not the evidence")
		if _, err := e.raw.PutObject(ctx, "evidence", blobKey, bytes.NewReader(other), int64(len(other)), minio.PutObjectOptions{}); err != nil {
			t.Logf("plain overwrite refused: %v", err)
		}
		o, err := e.raw.GetObject(ctx, "evidence", blobKey, minio.GetObjectOptions{VersionID: st.VersionID})
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(o)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("the locked version changed: %v", err)
		}
		// The mirror never replaces a key: its conditional PUT is refused by the store, and it reports the conflict.
		err = e.bucket.Put(ctx, "blobs/case-1/"+ref.SHA256, other, mirror.Lock{})
		if !errors.Is(err, mirror.ErrConflict) {
			t.Fatalf("Put over another content: %v, want ErrConflict", err)
		}
		opts := minio.PutObjectOptions{}
		opts.SetMatchETagExcept("*")
		if _, err := e.raw.PutObject(ctx, "evidence", blobKey, bytes.NewReader(other), int64(len(other)), opts); err == nil {
			t.Fatal("the store accepted If-None-Match: * on a key it holds")
		}
	})
	t.Run("legal hold", func(t *testing.T) {
		var held mirror.Object
		for o, err := range e.bucket.List(ctx, "blobs/case-2/", true) {
			if err != nil {
				t.Fatal(err)
			}
			held = o
		}
		status, err := e.raw.GetObjectLegalHold(ctx, "evidence", e.key(held.Key), minio.GetObjectLegalHoldOptions{VersionID: held.Version})
		if err != nil || *status != minio.LegalHoldEnabled {
			t.Fatalf("legal hold of %s: %v, %v", held.Key, status, err)
		}
		if err := e.bucket.Remove(ctx, held); !errors.Is(err, mirror.ErrLocked) {
			t.Fatalf("remove under legal hold: %v, want ErrLocked", err)
		}
	})
}

// Retention follows the case: extended when the case's is, a legal hold set, and once the erasure is journaled the
// objects whose retention has ended are removed; those still under retention are removed when it ends.
func TestRetentionFollowsCase(t *testing.T) {
	ctx := t.Context()
	e := newEnv(t)
	b := openBox(t, ctx, t.TempDir(), newKey(t), blobtest.NewWrapper())
	soon := time.Now().Add(3 * time.Second)
	e.policy.set("short", mirror.Lock{Until: soon})
	e.policy.set("long", mirror.Lock{Until: time.Now().Add(time.Hour)})
	early := time.Now().Add(5 * time.Second)
	e.policy.set("early", mirror.Lock{Until: early})
	refShort := b.artifact(t, ctx, "short", []byte("short-lived"))
	refLong := b.artifact(t, ctx, "long", []byte("kept"))
	b.artifact(t, ctx, "early", []byte("erased before its retention ends"))
	m := e.open(t, b, time.Hour)
	if err := m.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	// Erased before its retention ends (a data subject's erasure): the store keeps the objects until then.
	if _, err := b.blobs.EraseCase(ctx, "early"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.j.Append(ctx, journal.Entry{Type: journal.TypeErasure, Case: "early"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	kept := 0
	for _, err := range e.bucket.List(ctx, "blobs/early/", true) {
		if err != nil {
			t.Fatal(err)
		}
		kept++
	}
	if kept != 1 {
		t.Fatalf("the early-erased case's blob: %d versions kept, want 1 (still under retention)", kept)
	}
	longKey := e.key("blobs/long/" + refLong.SHA256)
	later := time.Now().Add(48 * time.Hour)
	e.policy.set("long", mirror.Lock{Until: later, Hold: true})
	b.events(t, ctx, 1)
	if err := m.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	_, until, err := e.raw.GetObjectRetention(ctx, "evidence", longKey, "")
	if err != nil || until.Before(later) {
		t.Fatalf("retention of %s: %v (%v), want extended to %v", longKey, until, err, later)
	}
	if st, err := e.raw.GetObjectLegalHold(ctx, "evidence", longKey, minio.GetObjectLegalHoldOptions{}); err != nil || *st != minio.LegalHoldEnabled {
		t.Fatalf("legal hold of %s: %v, %v", longKey, st, err)
	}

	// The short case's retention ends; the box erases it and journals the erasure.
	for time.Now().Before(early.Add(1500 * time.Millisecond)) {
		select {
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
	if _, err := b.blobs.EraseCase(ctx, "short"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.j.Append(ctx, journal.Entry{Type: journal.TypeErasure, Case: "short"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"blobs/short/", "blobs/early/", "escrow/early/"} {
		for o, err := range e.bucket.List(ctx, c, true) {
			t.Errorf("erased case's object still mirrored: %s (%v)", o.Key, err)
		}
	}
	for o, err := range e.bucket.List(ctx, "escrow/short/", true) {
		t.Errorf("erased case's escrowed key still mirrored: %s (%v)", o.Key, err)
	}
	if _, err := e.raw.StatObject(ctx, "evidence", longKey, minio.StatObjectOptions{}); err != nil {
		t.Errorf("the other case's blob: %v", err)
	}
	_ = refShort
}

// The mirror holds the journal in the tlog-tiles layout, every checkpoint, the sealed blobs and the escrowed keys;
// a restore on a new box with a new key and a new key wrapper rebuilds the same tree and readable blobs, and the
// new box's first checkpoint is consistent with the last mirrored one.
func TestMirrorAndRestore(t *testing.T) {
	ctx := t.Context()
	e := newEnv(t)
	b := openBox(t, ctx, t.TempDir(), newKey(t), blobtest.NewWrapper())
	contents := map[string][]byte{}
	for i := 0; i < 5; i++ {
		c := bytes.Repeat([]byte("evidence "+strconv.Itoa(i)), 1+i*20000) // up to ~1 MB, several chunks
		ref := b.artifact(t, ctx, "case-"+strconv.Itoa(i%2), c)
		contents[ref.Case+"/"+ref.SHA256] = c
	}
	b.events(t, ctx, 300) // more than one full tile
	m := e.open(t, b, time.Hour)
	if err := m.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	b.events(t, ctx, 7)
	if err := m.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	st := m.Status()
	if st.Behind() != 0 || st.Published != b.j.Size() {
		t.Fatalf("status %+v: the mirror is behind", st)
	}
	// Nothing to do: no round.
	if queued, err := m.Plan(ctx); err != nil || queued {
		t.Fatalf("Plan with nothing new: %v, %v", queued, err)
	}
	last, err := b.j.Latest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The ciphertext only: no escrowed key opens without the recovery key, and each blob is the sealed file.
	for o, err := range e.bucket.List(ctx, "blobs/", false) {
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.bucket.Get(ctx, o.Key, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(got, []byte("ATSTBLOB")) {
			t.Errorf("%s is not a sealed blob file", o.Key)
		}
		plain := contents[strings.TrimPrefix(o.Key, "blobs/")]
		if bytes.Contains(got, plain[:min(len(plain), 16)]) {
			t.Errorf("%s holds plaintext", o.Key)
		}
	}

	nb, snap, rep := e.restore(t, ctx, t.TempDir(), mirror.FetchOptions{VerifierKeys: []string{b.vkey(t)}, Witnessed: last.Note})
	if rep.Leaves != last.Size || rep.Blobs != 5 || rep.Cases != 2 {
		t.Fatalf("rebuild report %+v, want %d leaves, 5 blobs, 2 cases", rep, last.Size)
	}
	if snap.TileReads == 0 {
		t.Fatal("no tile read")
	}
	for k, c := range contents {
		caseID, sum, _ := strings.Cut(k, "/")
		r, err := nb.blobs.Open(ctx, caseID, sum)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		r.Close()
		if err != nil || !bytes.Equal(got, c) {
			t.Fatalf("restored blob %s: %v", k, err)
		}
	}
	// The restored box goes on: its first checkpoint extends the last mirrored one.
	if _, err := nb.j.Append(ctx, journal.Entry{Type: "restore", Fields: map[string]any{"from_size": last.Size}}); err != nil {
		t.Fatal(err)
	}
	first, err := nb.j.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	proof, err := nb.j.ConsistencyProof(ctx, last.Size, first.Size)
	if err != nil {
		t.Fatal(err)
	}
	if err := tlog.CheckTree(proof, int64(first.Size), first.Root, int64(last.Size), last.Root); err != nil {
		t.Fatalf("the restored box's first checkpoint is not consistent with the last mirrored one: %v", err)
	}
	// The restored box mirrors on, to the same place: nothing conflicts, and the mirror verifies across the two keys.
	m2 := e.open(t, nb, time.Hour)
	if err := m2.Sync(ctx); err != nil {
		t.Fatalf("the restored box's first mirror round: %v", err)
	}
	snap2, err := mirror.Fetch(ctx, e.bucket, mirror.FetchOptions{Witnessed: last.Note})
	if err != nil {
		t.Fatal(err)
	}
	if snap2.Latest.Size != nb.j.Size() || len(snap2.Keys) != 2 {
		t.Fatalf("after the restored box's round: newest checkpoint %d (journal %d), %d keys", snap2.Latest.Size, nb.j.Size(), len(snap2.Keys))
	}
	nv, err := journal.NewNoteVerifier(nb.vkey(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nb.j.Verify(ctx, journal.VerifyOptions{Verifier: nv, Blobs: nb.blobs}); err != nil {
		t.Fatalf("the restored journal does not verify: %v", err)
	}
}

// A mirror that was truncated, rewound or forked is refused, naming the first bad index.
func TestRestoreRefusesBadMirror(t *testing.T) {
	ctx := t.Context()
	srv := newEnv(t).srv
	key := newKey(t)
	mirrored := func(t *testing.T, prefix string) (*env, *box) {
		e := newEnvOn(t, srv, "evidence", prefix)
		b := openBox(t, ctx, t.TempDir(), key, blobtest.NewWrapper())
		b.events(t, ctx, 300)
		m := e.open(t, b, -time.Hour) // unlocked: the test damages the mirror as an attacker with no lock would
		if err := m.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		b.events(t, ctx, 20)
		if err := m.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		return e, b
	}
	refused := func(t *testing.T, e *env, b *box, want string) {
		t.Helper()
		_, err := mirror.Fetch(ctx, e.bucket, mirror.FetchOptions{VerifierKeys: []string{b.vkey(t)}})
		if !errors.Is(err, mirror.ErrRefused) || !strings.Contains(err.Error(), want) {
			t.Fatalf("Fetch: %v; want ErrRefused naming %q", err, want)
		}
	}
	t.Run("truncated", func(t *testing.T) {
		e, b := mirrored(t, "truncated")
		if err := e.raw.RemoveObject(ctx, "evidence", e.key("tile/entries/001.p/64"), minio.RemoveObjectOptions{}); err != nil {
			t.Fatal(err)
		}
		refused(t, e, b, "first bad index 256")
	})
	t.Run("rewound", func(t *testing.T) {
		e, b := mirrored(t, "rewound")
		cps, err := b.j.Checkpoints(ctx)
		if err != nil {
			t.Fatal(err)
		}
		prev, last := cps[len(cps)-2], cps[len(cps)-1]
		if err := e.bucket.Replace(ctx, "checkpoint", prev.Note, mirror.Lock{}); err != nil {
			t.Fatal(err)
		}
		refused(t, e, b, fmt.Sprintf("rewound: the newest checkpoint has size %d but checkpoints/%d was published: first bad index %d", prev.Size, last.Size, prev.Size))
		// Against a witnessed checkpoint, the same rewind even when the later checkpoint is gone too.
		if err := e.raw.RemoveObject(ctx, "evidence", e.key(fmt.Sprintf("checkpoints/%d", last.Size)), minio.RemoveObjectOptions{}); err != nil {
			t.Fatal(err)
		}
		_, err = mirror.Fetch(ctx, e.bucket, mirror.FetchOptions{VerifierKeys: []string{b.vkey(t)}, Witnessed: last.Note})
		want := fmt.Sprintf("first bad index %d", prev.Size)
		if !errors.Is(err, mirror.ErrRefused) || !strings.Contains(err.Error(), want) {
			t.Fatalf("Fetch against the witnessed checkpoint: %v, want %q", err, want)
		}
	})
	t.Run("forked", func(t *testing.T) {
		e, b := mirrored(t, "forked")
		// The same key signs another history from leaf 100 on (a box restored from an old backup, or a rogue copy).
		fork := openBox(t, ctx, t.TempDir(), key, blobtest.NewWrapper())
		for i := uint64(0); i < 100; i++ {
			l, err := b.j.LeafBytes(ctx, i)
			if err != nil {
				t.Fatal(err)
			}
			if err := fork.j.ImportLeaves(ctx, [][]byte{l}); err != nil {
				t.Fatal(err)
			}
		}
		fork.events(t, ctx, 205)
		cp, err := fork.j.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.bucket.Put(ctx, "checkpoints/"+strconv.FormatUint(cp.Size, 10), cp.Note, mirror.Lock{}); err != nil {
			t.Fatal(err)
		}
		refused(t, e, b, "forked: the checkpoint of size 305")
		// Its tiles over the mirror's: the leaves no longer hash to the newest checkpoint's tree.
		if err := e.bucket.Replace(ctx, "checkpoint", cp.Note, mirror.Lock{}); err != nil {
			t.Fatal(err)
		}
		refused(t, e, b, "first bad index")
	})
	t.Run("foreign key", func(t *testing.T) {
		e, _ := mirrored(t, "foreign")
		other := openBox(t, ctx, t.TempDir(), newKey(t), blobtest.NewWrapper())
		refused(t, e, other, "checkpoint")
	})
}
