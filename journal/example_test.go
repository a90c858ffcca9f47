package journal_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/attesta/attesta/journal"
	"golang.org/x/mod/sumdb/tlog"
)

func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "journal-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// In the appliance the signer is the TPM-resident key.
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	j, err := journal.Open(ctx, filepath.Join(dir, "journal.db"), journal.Options{Origin: "attesta/demo", Signer: key})
	if err != nil {
		log.Fatal(err)
	}
	defer j.Close()

	digest := sha256.Sum256([]byte("screenshot bytes"))
	leaf, err := j.Append(ctx, journal.Entry{Type: journal.TypeArtifact, Case: "case-1",
		Fields: map[string]any{"sha256": hex.EncodeToString(digest[:]), "size": 16, "kind": "screenshot"}})
	if err != nil {
		log.Fatal(err)
	}
	cp, err := j.Checkpoint(ctx)
	if err != nil {
		log.Fatal(err)
	}
	proof, err := j.InclusionProof(ctx, leaf.Index, cp.Size)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("leaf", leaf.Index, "in tree of size", cp.Size, "verified:",
		tlog.CheckRecord(proof, int64(cp.Size), cp.Root, int64(leaf.Index), leaf.Hash) == nil)

	v, err := journal.NewNoteVerifier(j.VerifierKey())
	if err != nil {
		log.Fatal(err)
	}
	rep, err := j.Verify(ctx, journal.VerifyOptions{Verifier: v})
	fmt.Println("journal verified:", err == nil, "leaves:", rep.Size, "checkpoints:", rep.Checkpoints)
	// Output:
	// leaf 0 in tree of size 1 verified: true
	// journal verified: true leaves: 1 checkpoints: 1
}
