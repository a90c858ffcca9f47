package journal

import (
	"os"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// boltPages lists the journal file's pages by bbolt's own account: its page size, the free pages, the live
// leaf pages, and which meta page is the standby one (the older transaction).
func boltPages(t *testing.T, path string) (pageSize int, free, leaves []uint64, standby, inUse int64) {
	t.Helper()
	db, err := bolt.Open(path, 0o400, &bolt.Options{ReadOnly: true, PreLoadFreelist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		pageSize = db.Info().PageSize
		for id := 2; ; id++ {
			p, err := tx.Page(id)
			if err != nil || p == nil {
				return err
			}
			switch p.Type {
			case "free":
				free = append(free, uint64(id))
			case "leaf":
				leaves = append(leaves, uint64(id))
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	// The current meta has the higher transaction id (bbolt alternates them: page txid%2).
	var txid int
	if err := db.View(func(tx *bolt.Tx) error { txid, inUse = tx.ID(), tx.Size(); return nil }); err != nil {
		t.Fatal(err)
	}
	return pageSize, free, leaves, int64(1 - txid%2), inUse
}

// TestCheckUnused flips one bit at a time in places bbolt leaves unused — a free page, the slack of a live page,
// the standby meta page, the space past the pages in use — and expects the deep scan to report each as "unused
// space altered", while the journal still verifies (the evidence is intact).
func TestCheckUnused(t *testing.T) {
	tj := openTest(t, 4)
	appendN(t, tj.Journal, 300) // many transactions: freed pages and checkpoints
	tj.closeNow(t)
	if got, err := CheckUnused(t.Context(), tj.path); err != nil || len(got) != 0 {
		t.Fatalf("fresh journal: %v, %q", err, got)
	}
	pageSize, free, leaves, standby, inUse := boltPages(t, tj.path)
	if len(free) == 0 || len(leaves) == 0 {
		t.Fatalf("want free and leaf pages, got %d and %d", len(free), len(leaves))
	}
	pristine, err := os.ReadFile(tj.path)
	if err != nil {
		t.Fatal(err)
	}
	places := map[string]int64{
		"free page":          int64(free[0]+1)*int64(pageSize) - 1,
		"slack of live page": int64(leaves[len(leaves)-1]+1)*int64(pageSize) - 1,
		"standby meta":       standby*int64(pageSize) + 16 + 20,
		"meta slack":         standby*int64(pageSize) + 200,
	}
	if int64(len(pristine)) > inUse {
		places["past the pages in use"] = int64(len(pristine)) - 1
	}
	for name, off := range places {
		t.Run(name, func(t *testing.T) {
			b := append([]byte(nil), pristine...)
			b[off] ^= 0x10
			if err := os.WriteFile(tj.path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			defer os.WriteFile(tj.path, pristine, 0o600)
			got, err := CheckUnused(t.Context(), tj.path)
			if err != nil || len(got) != 1 || !strings.HasPrefix(got[0], "unused space altered") {
				t.Fatalf("CheckUnused: %v, %q; want one finding", err, got)
			}
			j, err := Open(t.Context(), tj.path, Options{})
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			defer j.Close()
			if _, err := j.Verify(t.Context(), VerifyOptions{Verifier: testVerifier(t, tj.key)}); err != nil {
				t.Errorf("Verify: %v (the evidence is intact)", err)
			}
		})
	}
}
