package bundle_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/journal"
)

// memSource holds artifact bytes by SHA-256; the appliance passes its blob store instead.
type memSource map[string][]byte

func (s memSource) Open(_ context.Context, sha string) (io.ReadCloser, error) {
	b, ok := s[sha]
	if !ok {
		return nil, fs.ErrNotExist
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// Seal a manifest in a journal, write its delivery folder, and verify it offline.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "attesta-bundle")
	defer os.RemoveAll(dir)

	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader) // the TPM-resident key on the appliance
	j, err := journal.Open(ctx, filepath.Join(dir, "journal.db"), journal.Options{Origin: "attesta/demo", Signer: key})
	if err != nil {
		log.Fatal(err)
	}
	defer j.Close()

	shot := []byte("screenshot bytes")
	sum := sha256.Sum256(shot)
	src := memSource{hex.EncodeToString(sum[:]): shot}
	day := evidence.Date{Year: 2026, Month: time.January, Day: 14}
	text := "Buongiorno"
	chat := evidence.Chat{Phone: "+393771151946", Name: "Emanuel Celano", JID: "393771151946@c.us"}
	history := []evidence.Message{{ID: "A1", FromMe: true, SentAt: evidence.At(day.Start().Add(10 * time.Hour)),
		Type: evidence.TypeText, Text: &text, Ack: evidence.AckRead, ReadAt: evidence.At(day.Start().Add(11 * time.Hour))}}
	sel := evidence.Certify(chat, history, evidence.Range{From: day, To: day}, 5)
	m := &bundle.Manifest{
		Format: bundle.Format,
		Acquisition: evidence.Acquisition{ID: "acq-1", Method: evidence.MethodWhatsAppWeb,
			StartedAt: evidence.At(day.AddDays(1).Start().Add(9 * time.Hour)), Operator: "tecnico",
			ApplianceID: "demo", ToolVersion: "attesta 0.1.0", SourceVersion: "2.3000.1"},
		Chat: chat, Range: evidence.Range{From: day, To: day}, Messages: sel.Messages,
		Artifacts: []evidence.Artifact{{Path: "artifacts/chat.png", SHA256: hex.EncodeToString(sum[:]), Size: int64(len(shot)),
			Kind: evidence.ArtifactScreenshot}},
	}

	sealed, err := bundle.Seal(ctx, j, m, "case-1")
	if err != nil {
		log.Fatal(err)
	}
	if err := bundle.Write(ctx, dir, bundle.Delivery{Manifest: m, Sealed: sealed, Artifacts: src}, bundle.WriteOptions{}); err != nil {
		log.Fatal(err)
	}
	r, err := bundle.Verify(ctx, filepath.Join(dir, m.FolderName()), bundle.VerifyOptions{Key: j.VerifierKey()})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Folder, r.OK())
	for _, c := range r.Checks {
		fmt.Println(strings.TrimSpace(fmt.Sprintf("%s %s %s", c.Outcome, c.Name, c.File)))
	}
	// Output:
	// 3771151946-15-gennaio-2026 true
	// pass manifest manifest.json
	// pass pinned-key proofs/vkey
	// pass checkpoint-signature proofs/checkpoint
	// pass tlog-proof proofs/delivery.tlog-proof
	// pass delivery-leaf proofs/delivery-leaf.json
	// pass inclusion proofs/delivery.tlog-proof
	// pass manifest-body manifest.json
	// pass journal-block manifest.json
	// pass sha256sums SHA256SUMS
	// pass case-jsonld case.jsonld
	// pass artifact artifacts/chat.png
	// skip custody artifacts/custody.jsonl
	// pass legal-value manifest.json
	// skip key-certification
	// skip timestamp
	// skip witness
	// skip pdf-signature
	// pass instructions VERIFICA.txt
}
