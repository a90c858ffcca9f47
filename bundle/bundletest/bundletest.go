// Package bundletest makes real deliveries for the tests of programs that read them (the verifiers): a journal
// on disk (bbolt, an ECDSA P-256 key made at run time) seals a small manifest whose artifacts come from memory,
// and bundle.Write writes the folder. It imports no testing package; errors are returned.
package bundletest

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
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/journal"
)

// Origin is the journal origin of the deliveries made here.
const Origin = "attesta/bundletest"

// Maker makes deliveries sealed in one journal.
type Maker struct {
	Key     *ecdsa.PrivateKey // the checkpoint key
	Journal *journal.Journal
	out     string
}

// NewMaker opens a journal under dir (which must exist) and writes deliveries to dir/out. Close it when done.
func NewMaker(ctx context.Context, dir string) (*Maker, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	j, err := journal.Open(ctx, filepath.Join(dir, "journal.db"), journal.Options{Origin: Origin, Signer: key})
	if err != nil {
		return nil, err
	}
	out := filepath.Join(dir, "out")
	if err := os.MkdirAll(out, 0o755); err != nil {
		j.Close()
		return nil, err
	}
	return &Maker{Key: key, Journal: j, out: out}, nil
}

// Close closes the journal.
func (m *Maker) Close() error { return m.Journal.Close() }

// Delivered makes a maker in a temporary folder of t and with it one delivery of the Manifest of n messages, and
// returns the maker (closed when the test ends) and the delivery's folder.
func Delivered(t testing.TB, n int) (*Maker, string) {
	t.Helper()
	m, err := NewMaker(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	man, src := Manifest(n)
	folder, err := m.Deliver(t.Context(), man, src, bundle.Delivery{}, bundle.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return m, folder
}

// VKey is the checkpoint verifier key of the deliveries.
func (m *Maker) VKey() string { return m.Journal.VerifierKey() }

// memory is an ArtifactSource over byte slices keyed by SHA-256.
type memory map[string][]byte

func (s memory) Open(_ context.Context, sha string) (io.ReadCloser, error) {
	b, ok := s[sha]
	if !ok {
		return nil, fmt.Errorf("bundletest: no artifact %s", sha)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (s memory) add(b []byte) (string, int64) {
	sum := sha256.Sum256(b)
	h := hex.EncodeToString(sum[:])
	s[h] = b
	return h, int64(len(b))
}

// Manifest returns the manifest of chat n (distinct n give distinct chats): three messages of which one is read,
// one with a voice note played, and one screenshot artifact; and the source of its artifacts' bytes.
func Manifest(n int) (*bundle.Manifest, bundle.ArtifactSource) {
	src := memory{}
	day := evidence.Date{Year: 2026, Month: time.January, Day: 14}
	at := func(min int) evidence.Time {
		return evidence.At(day.Start().Add(9*time.Hour + time.Duration(min)*time.Minute))
	}
	text := func(s string) *string { return &s }
	phone := fmt.Sprintf("+39377%07d", 1151946+n)
	chat := evidence.Chat{Phone: phone, Name: fmt.Sprintf("Cliente %d", n), JID: phone[1:] + "@c.us"}
	voice, size := src.add([]byte(fmt.Sprintf("OggS voice note of chat %d", n)))
	history := []evidence.Message{
		{ID: fmt.Sprintf("3EB0%04d0001", n), FromMe: true, SentAt: at(0), Type: evidence.TypeText, Text: text("buongiorno"),
			Ack: evidence.AckRead, ReadAt: at(1)},
		{ID: fmt.Sprintf("3EB0%04d0002", n), SentAt: at(2), Type: evidence.TypeText, Text: text("salve")},
		{ID: fmt.Sprintf("3EB0%04d0003", n), FromMe: true, SentAt: at(3), Type: evidence.TypeVoice, Ack: evidence.AckPlayed,
			PlayedAt: at(4), Attachments: evidence.Attachments{{Path: "artifacts/media/voice.opus", SHA256: voice, Size: size, MIME: "audio/ogg"}}},
	}
	rng := evidence.Range{From: day, To: day}
	sel := evidence.Certify(chat, history, rng, 50)
	shot, shotSize := src.add([]byte(fmt.Sprintf("PNG screenshot of chat %d", n)))
	return &bundle.Manifest{
		Format: bundle.Format,
		Acquisition: evidence.Acquisition{
			ID: fmt.Sprintf("acq-%04d", n), Method: evidence.MethodWhatsAppWeb,
			StartedAt: evidence.At(day.AddDays(1).Start().Add(8 * time.Hour)), FinishedAt: evidence.At(day.AddDays(1).Start().Add(9 * time.Hour)),
			Operator: "tecnico", ApplianceID: "bundletest", ToolVersion: "attesta test", SourceVersion: "2.3000.1",
			SenderReadReceipts: evidence.ReadReceiptsOn,
		},
		Chat: chat, Range: rng, Messages: sel.Messages,
		Artifacts: []evidence.Artifact{{Path: "artifacts/screenshot.png", SHA256: shot, Size: shotSize, Kind: evidence.ArtifactScreenshot}},
	}, src
}

// Deliver seals manifest m in the journal and writes its folder with d's optional parts (d.Manifest, d.Sealed and
// d.Artifacts are filled here); it returns the folder's path.
func (m *Maker) Deliver(ctx context.Context, man *bundle.Manifest, src bundle.ArtifactSource, d bundle.Delivery, opts bundle.WriteOptions) (string, error) {
	s, err := bundle.Seal(ctx, m.Journal, man, "case-1")
	if err != nil {
		return "", err
	}
	d.Manifest, d.Sealed, d.Artifacts = man, s, src
	return bundle.WriteUnique(ctx, m.out, d, opts)
}
