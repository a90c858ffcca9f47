package bundle

import (
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/attesta/attesta/journal"
)

// TestSealConcurrent seals deliveries from several goroutines, as the appliance does when chats finish together:
// every delivery verifies, whichever checkpoint covered its leaf.
func TestSealConcurrent(t *testing.T) {
	f := newFixture(t)
	const n = 6
	manifests := make([]*Manifest, n)
	for i := range n {
		manifests[i] = f.chatManifest(t, 20+i, 10)
	}
	sealed := make([]*Sealed, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { sealed[i], errs[i] = Seal(t.Context(), f.j, manifests[i], f.caseID) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		d := Delivery{Manifest: manifests[i], Sealed: sealed[i], Artifacts: source{f.store, f.caseID}}
		if err := Write(t.Context(), f.out, d, WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if r, err := Verify(t.Context(), filepath.Join(f.out, manifests[i].FolderName()), VerifyOptions{Key: f.j.VerifierKey()}); err != nil {
			t.Errorf("delivery %d: %v\n%s", i, err, r.Text())
		}
	}
}

// TestSealReadOnlyJournal: a journal opened without its key cannot take a delivery leaf, and Seal says which step
// failed without touching the manifest.
func TestSealReadOnlyJournal(t *testing.T) {
	f := newFixture(t)
	m := f.chatManifest(t, 30, 10)
	path := f.j.Path()
	f.j.Close()
	ro, err := journal.Open(t.Context(), path, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	_, err = Seal(t.Context(), ro, m, f.caseID)
	if !errors.Is(err, journal.ErrReadOnly) || !strings.Contains(err.Error(), "append delivery leaf") {
		t.Errorf("Seal on a read-only journal: %v, want ErrReadOnly naming the append", err)
	}
	if m.Journal != nil {
		t.Error("Seal filled the journal block although it failed")
	}
}
