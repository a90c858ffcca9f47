package appliance

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/attesta/attesta/appliance/internal/appliancetest"
	"github.com/attesta/attesta/journal"
)

// The exported checkpoints and consistency proofs check out with an independent RFC 6962 implementation and the
// exported verifier key alone.
func TestExportJournalProofsVerifyIndependently(t *testing.T) {
	ctx := t.Context()
	a := openSim(t, t.TempDir())
	for range 3 {
		appliancetest.Acquire(t, a.Certify(), "case-1", "")
	}
	dir := filepath.Join(t.TempDir(), "export")
	if err := ExportJournal(ctx, a.Journal(), dir); err != nil {
		t.Fatal(err)
	}
	vkey, err := os.ReadFile(filepath.Join(dir, "vkey"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := journal.NewNoteVerifier(strings.TrimSpace(string(vkey)))
	if err != nil {
		t.Fatal(err)
	}
	checkpoint := func(size string) *journal.Checkpoint {
		b, err := os.ReadFile(filepath.Join(dir, "checkpoints", size))
		if err != nil {
			t.Fatal(err)
		}
		cp, err := journal.ParseCheckpoint(b, v)
		if err != nil {
			t.Fatalf("checkpoint %s: %v", size, err)
		}
		return cp
	}
	proofs, _ := filepath.Glob(filepath.Join(dir, "proofs", "consistency-*"))
	if len(proofs) < 2 {
		t.Fatalf("want at least 2 consistency proofs for 3 acquisitions, got %v", proofs)
	}
	for _, p := range proofs {
		b, _ := os.ReadFile(p)
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		var oldSize, newSize uint64
		if lines[0] != ConsistencyFormat {
			t.Fatalf("%s: first line %q", p, lines[0])
		}
		fmt.Sscanf(lines[1], "old %d", &oldSize)
		fmt.Sscanf(lines[2], "new %d", &newSize)
		var hashes [][]byte
		for _, l := range lines[3:] {
			h, err := base64.StdEncoding.DecodeString(l)
			if err != nil {
				t.Fatal(err)
			}
			hashes = append(hashes, h)
		}
		oldCP, newCP := checkpoint(fmt.Sprint(oldSize)), checkpoint(fmt.Sprint(newSize))
		if err := proof.VerifyConsistency(rfc6962.DefaultHasher, oldSize, newSize, hashes, oldCP.Root[:], newCP.Root[:]); err != nil {
			t.Errorf("%s does not verify: %v", p, err)
		}
		hashes[0][0] ^= 1
		if err := proof.VerifyConsistency(rfc6962.DefaultHasher, oldSize, newSize, hashes, oldCP.Root[:], newCP.Root[:]); err == nil {
			t.Errorf("%s still verifies after a flipped bit", p)
		}
	}
}
