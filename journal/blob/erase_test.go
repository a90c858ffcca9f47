package blob_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attesta/attesta/journal/blob"
)

func TestEraseCase(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	var refs []blob.Ref
	for i := range 3 {
		refs = append(refs, f.put("gone", randomBytes(uint64(20+i), chunkSize*i+5)))
	}
	kept := f.put("kept", randomBytes(30, 1000))
	keyID, err := f.s.CaseKeyID(ctx, "gone")
	if err != nil {
		t.Fatal(err)
	}
	var onDisk int64
	for _, r := range refs {
		fi, _ := os.Stat(f.path(r))
		onDisk += fi.Size()
	}

	e, err := f.s.EraseCase(ctx, "gone")
	if err != nil {
		t.Fatalf("EraseCase: %v", err)
	}
	want := blob.Erasure{Case: "gone", KeyID: keyID, KeyDestroyed: true, Blobs: 3, Bytes: onDisk}
	if e != want {
		t.Fatalf("EraseCase = %+v, want %+v", e, want)
	}

	for _, s := range []*blob.Store{f.s, f.reopen(f.w)} {
		_, err = s.Open(ctx, "gone", refs[0].SHA256)
		wantErr(t, err, blob.ErrErased, "gone")
		wantErr(t, s.CheckBlob(ctx, "gone", refs[1].SHA256, refs[1].Size), blob.ErrErased)
		_, err = s.Put(ctx, "gone", strings.NewReader("new evidence"))
		wantErr(t, err, blob.ErrErased)
		_, err = s.CaseKeyID(ctx, "gone")
		wantErr(t, err, blob.ErrErased)
		if err := s.CheckBlob(ctx, "kept", kept.SHA256, kept.Size); err != nil {
			t.Fatalf("other case after erasure: %v", err)
		}
	}
	left, _ := os.ReadDir(filepath.Join(f.dir, "gone"))
	if len(left) != 1 || left[0].Name() != "erased" {
		t.Fatalf("erased case directory holds %v, want only the tombstone", left)
	}
	var ts map[string]any
	if err := json.Unmarshal(mustRead(t, filepath.Join(f.dir, "gone", "erased")), &ts); err != nil {
		t.Fatal(err)
	}
	if ts["v"] != 1.0 || ts["case"] != "gone" || ts["key_id"] != keyID || ts["erased_at"] == "" {
		t.Fatalf("tombstone = %v", ts)
	}

	again, err := f.s.EraseCase(ctx, "gone")
	if err != nil || again != (blob.Erasure{Case: "gone", KeyID: keyID}) {
		t.Fatalf("second EraseCase = %+v, %v; want nothing more to do", again, err)
	}
	_, err = f.s.EraseCase(ctx, "never")
	wantErr(t, err, blob.ErrNotFound)
}

// TestEraseCaseInterrupted simulates a crash after the tombstone was written: the case already reads as erased,
// and a second EraseCase destroys what is left.
func TestEraseCaseInterrupted(t *testing.T) {
	f := newFixture(t)
	ref := f.put("c", randomBytes(40, 2*chunkSize))
	keyID := ref.KeyID
	tomb := `{"v":1,"case":"c","key_id":"` + keyID + `","erased_at":"2026-01-15T10:00:00Z"}` + "\n"
	if err := os.WriteFile(filepath.Join(f.dir, "c", "erased"), []byte(tomb), 0o600); err != nil {
		t.Fatal(err)
	}
	s := f.reopen(f.w)
	_, err := s.Open(t.Context(), "c", ref.SHA256)
	wantErr(t, err, blob.ErrErased)
	e, err := s.EraseCase(t.Context(), "c")
	if err != nil {
		t.Fatal(err)
	}
	if !e.KeyDestroyed || e.Blobs != 1 || e.KeyID != keyID {
		t.Fatalf("EraseCase after interruption = %+v", e)
	}
	if _, err := os.Stat(filepath.Join(f.dir, "c", "key")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("key file still there: %v", err)
	}
}

// TestEraseCaseOpenReader checks that erasure does not wait for readers already returned by Open, and that no new
// reader can be opened afterwards.
func TestEraseCaseOpenReader(t *testing.T) {
	f := newFixture(t)
	data := randomBytes(41, 3*chunkSize)
	ref := f.put("c", data)
	r, err := f.s.Open(t.Context(), "c", ref.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := f.s.EraseCase(t.Context(), "c"); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.Open(t.Context(), "c", ref.SHA256)
	wantErr(t, err, blob.ErrErased)
}
