package bundle

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/internal/testpki"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/journal/blob"
	"github.com/attesta/attesta/journal/blob/blobtest"
)

const testOrigin = "attesta/test-appliance"

// fixture is a real journal (bbolt file, ECDSA key made at run time) and a real blob store.
type fixture struct {
	j      *journal.Journal
	store  *blob.Store
	caseID string
	out    string // where deliveries are written
	key    *ecdsa.PrivateKey
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	key := testpki.Key(tb)
	return newFixtureWithSigner(tb, key, key)
}

func newFixtureWithSigner(tb testing.TB, s crypto.Signer, key *ecdsa.PrivateKey) *fixture {
	tb.Helper()
	ctx := context.Background()
	dir := tb.TempDir()
	j, err := journal.Open(ctx, filepath.Join(dir, "journal.db"), journal.Options{Origin: testOrigin, Signer: s, CheckpointEvery: 1 << 20})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { j.Close() })
	store, err := blob.Open(filepath.Join(dir, "blobs"), blobtest.NewWrapper())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	// Other evidence before the delivery, so that its proof has hashes on both sides.
	for i := range 5 {
		if _, err := j.Append(ctx, journal.Entry{Type: "acquisition-start", Case: "case-1", Fields: map[string]any{"n": int64(i)}}); err != nil {
			tb.Fatal(err)
		}
	}
	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		tb.Fatal(err)
	}
	return &fixture{j: j, store: store, caseID: "case-1", out: out, key: key}
}

// source is the blob store of one case as an ArtifactSource, as the appliance passes it.
type source struct {
	store  *blob.Store
	caseID string
}

func (s source) Open(ctx context.Context, sha string) (io.ReadCloser, error) {
	return s.store.Open(ctx, s.caseID, sha)
}

var _ ArtifactSource = source{}

func (f *fixture) put(tb testing.TB, data []byte) blob.Ref {
	tb.Helper()
	ref, err := f.store.Put(context.Background(), f.caseID, bytes.NewReader(data))
	if err != nil {
		tb.Fatal(err)
	}
	return ref
}

func randBytes(r *mrand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// chatManifest builds the manifest of chat number i: a history with read, played, replied, unanswered and
// revoked messages, certified with the evidence rule, media attachments and artifacts stored in the blob store.
func (f *fixture) chatManifest(tb testing.TB, i, perChat int) *Manifest {
	tb.Helper()
	r := mrand.New(mrand.NewPCG(uint64(i), 7))
	day := evidence.Date{Year: 2026, Month: time.January, Day: 14}
	at := func(min int) evidence.Time {
		return evidence.At(day.Start().Add(9*time.Hour + time.Duration(min)*time.Minute))
	}
	text := func(s string) *string { return &s }
	phone := fmt.Sprintf("+39377%07d", 1151946+i)
	chat := evidence.Chat{Phone: phone, Name: fmt.Sprintf("Cliente %d <&>", i), JID: strings.TrimPrefix(phone, "+") + "@c.us"}
	var history []evidence.Message
	for k := 0; len(history) < perChat; k++ {
		id := fmt.Sprintf("3EB0%04d%04d", i, k)
		m := evidence.Message{ID: id, SentAt: at(3 * k), Type: evidence.TypeText, Text: text(fmt.Sprintf("messaggio %d «àèì» \"q\" <b>", k))}
		switch k % 5 {
		case 0:
			m.FromMe, m.Ack, m.ReadAt = true, evidence.AckRead, at(3*k+1)
		case 1:
			m.FromMe, m.Ack = true, evidence.AckReceived
		case 2: // incoming reply
		case 3:
			m.FromMe, m.Ack, m.Type, m.Text = true, evidence.AckPlayed, evidence.TypeVoice, nil
			m.PlayedAt = at(3*k + 2)
			media := randBytes(r, 2000+r.IntN(3000))
			ref := f.put(tb, media)
			m.Attachments = evidence.Attachments{{Path: "artifacts/media/" + id + ".opus", SHA256: ref.SHA256, Size: ref.Size, MIME: "audio/ogg"}}
		case 4:
			m.FromMe, m.Ack = true, evidence.AckSent
		}
		history = append(history, m)
	}
	rng := evidence.Range{From: day, To: day}
	sel := evidence.Certify(chat, history, rng, 50)
	var arts []evidence.Artifact
	for k, kind := range []evidence.ArtifactKind{evidence.ArtifactScreenshot, evidence.ArtifactMHTML, evidence.ArtifactDatabase} {
		data := randBytes(r, 1000+r.IntN(4000))
		ref := f.put(tb, data)
		arts = append(arts, evidence.Artifact{Path: fmt.Sprintf("artifacts/%s-%d.bin", kind, k), SHA256: ref.SHA256, Size: ref.Size, Kind: kind})
	}
	return &Manifest{
		Format: Format,
		Acquisition: evidence.Acquisition{
			ID: fmt.Sprintf("acq-%04d", i), Method: evidence.MethodWhatsAppWeb,
			StartedAt: evidence.At(day.AddDays(1).Start().Add(8 * time.Hour)), FinishedAt: evidence.At(day.AddDays(1).Start().Add(9 * time.Hour)),
			Operator: "tecnico", ApplianceID: "test-appliance", ToolVersion: "attesta 0.1.0", SourceVersion: "2.3000.1",
			SenderReadReceipts: evidence.ReadReceiptsOn,
		},
		Chat: chat, Range: rng, Messages: sel.Messages, Artifacts: arts,
	}
}

// deliver seals m in the journal and writes its folder; it returns the folder's path.
func (f *fixture) deliver(tb testing.TB, m *Manifest, d Delivery, opts WriteOptions) string {
	tb.Helper()
	ctx := context.Background()
	s, err := Seal(ctx, f.j, m, f.caseID)
	if err != nil {
		tb.Fatal(err)
	}
	d.Manifest, d.Sealed, d.Artifacts = m, s, source{f.store, f.caseID}
	if err := Write(ctx, f.out, d, opts); err != nil {
		tb.Fatal(err)
	}
	return filepath.Join(f.out, m.FolderName())
}

// copyDir copies a delivery folder so that each test can damage its own copy.
func copyDir(tb testing.TB, src string) string {
	tb.Helper()
	dst := filepath.Join(tb.TempDir(), filepath.Base(src))
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		tb.Fatal(err)
	}
	return dst
}

// failedCheck asserts that err is a verification failure and that the report has a failed check name on file.
func failedCheck(tb testing.TB, r *Report, err error, name, file string) {
	tb.Helper()
	var ce *CheckError
	if !errors.As(err, &ce) || !errors.Is(err, ErrInvalid) {
		tb.Fatalf("Verify error = %v, want a *CheckError wrapping ErrInvalid", err)
	}
	for _, c := range r.Failed() {
		if c.Name == name && c.File == file {
			return
		}
	}
	tb.Fatalf("no failed check %s on %s; failed: %v", name, file, r.Failed())
}

func mustRead(tb testing.TB, p string) []byte {
	tb.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func mustWrite(tb testing.TB, p string, b []byte) {
	tb.Helper()
	if err := os.WriteFile(p, b, 0o644); err != nil {
		tb.Fatal(err)
	}
}

// replaceOnce replaces the first occurrence of old in file p, failing when there is none.
func replaceOnce(tb testing.TB, p, old, new string) {
	tb.Helper()
	b := mustRead(tb, p)
	if !bytes.Contains(b, []byte(old)) {
		tb.Fatalf("%s does not contain %q", p, old)
	}
	mustWrite(tb, p, bytes.Replace(b, []byte(old), []byte(new), 1))
}
