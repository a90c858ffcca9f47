package bundle

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/internal/testpki"
	"github.com/attesta/attesta/journal"
)

func TestDeliveryVerifies(t *testing.T) {
	f := newFixture(t)
	m := f.chatManifest(t, 1, 20)
	folder := f.deliver(t, m, Delivery{}, WriteOptions{})
	if filepath.Base(folder) != "3771151947-15-gennaio-2026" {
		t.Errorf("folder %s, want 3771151947-15-gennaio-2026", filepath.Base(folder))
	}
	r, err := Verify(t.Context(), folder, VerifyOptions{})
	if err != nil {
		t.Fatalf("Verify: %v\n%s", err, r.Text())
	}
	for _, name := range []string{CheckManifest, CheckSignature, CheckProof, CheckLeaf, CheckInclusion, CheckBody,
		CheckJournalBlock, CheckSums, CheckCaseLD, CheckArtifact, CheckLegalValue, CheckInstructions} {
		cs := r.Find(name)
		if len(cs) == 0 || cs[0].Outcome != Pass {
			t.Errorf("check %s: %v, want pass", name, cs)
		}
	}
	if n := len(r.Find(CheckArtifact)); n != 3+4 { // 3 artifacts, 4 voice notes
		t.Errorf("%d artifact checks, want 7", n)
	}
	// The pinned key is the journal's.
	if _, err := Verify(t.Context(), folder, VerifyOptions{Key: f.j.VerifierKey()}); err != nil {
		t.Errorf("Verify with the pinned key: %v", err)
	}
	// The manifest on disk decodes to what was sealed.
	got, err := DecodeManifest(mustRead(t, filepath.Join(folder, manifestFile)))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(got)
	b, _ := json.Marshal(m)
	if !bytes.Equal(a, b) {
		t.Errorf("manifest on disk differs from the sealed one")
	}
	// The journal still verifies, with the delivery leaf in it.
	vr, err := f.j.Verify(t.Context(), journal.VerifyOptions{Verifier: mustVerifier(t, f.j.VerifierKey())})
	if err != nil || vr.Types[LeafType] != 1 {
		t.Errorf("journal verify: %v, %d delivery leaves", err, vr.Types[LeafType])
	}
}

func mustVerifier(t *testing.T, vkey string) interface {
	Name() string
	KeyHash() uint32
	Verify(msg, sig []byte) bool
} {
	v, err := journal.NewNoteVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestTamper damages a good delivery one way at a time; each makes Verify fail naming the check and the file.
func TestTamper(t *testing.T) {
	f := newFixture(t)
	m := f.chatManifest(t, 2, 20)
	good := f.deliver(t, m, Delivery{}, WriteOptions{})
	art := m.Artifacts[0].Path
	otherKey := testpki.Key(t)
	otherVKey, err := journal.VerifierKey(testOrigin, &otherKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		damage      func(t *testing.T, dir string)
		check, file string
	}{
		{"artifact byte", func(t *testing.T, dir string) {
			p := filepath.Join(dir, art)
			b := mustRead(t, p)
			b[len(b)/2] ^= 1
			mustWrite(t, p, b)
		}, CheckArtifact, art},
		{"artifact deleted", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, art))
		}, CheckArtifact, art},
		{"extra file", func(t *testing.T, dir string) {
			mustWrite(t, filepath.Join(dir, "artifacts", "extra.png"), []byte("planted"))
		}, CheckExtraFile, "artifacts/extra.png"},
		{"message status", func(t *testing.T, dir string) {
			replaceOnce(t, filepath.Join(dir, manifestFile), `"status": "sent"`, `"status": "read"`)
		}, CheckBody, manifestFile},
		{"legal value", func(t *testing.T, dir string) {
			replaceOnce(t, filepath.Join(dir, manifestFile), `"proven": false,
        "basis": "none"`, `"proven": true,
        "basis": "read"`)
		}, CheckLegalValue, manifestFile},
		{"member after journal block", func(t *testing.T, dir string) {
			p := filepath.Join(dir, manifestFile)
			b := mustRead(t, p)
			mustWrite(t, p, append(bytes.TrimSuffix(b, []byte("}\n")), []byte(`, "messages": []}`)...))
		}, CheckManifest, manifestFile},
		{"path traversal", func(t *testing.T, dir string) {
			replaceOnce(t, filepath.Join(dir, manifestFile), `"path": "`+art+`"`, `"path": "artifacts/../../../etc/passwd"`)
		}, CheckManifest, manifestFile},
		{"checkpoint", func(t *testing.T, dir string) {
			p := filepath.Join(dir, checkpointFile)
			lines := strings.SplitN(string(mustRead(t, p)), "\n", 3)
			lines[1] = "1000"
			mustWrite(t, p, []byte(strings.Join(lines, "\n")))
		}, CheckSignature, checkpointFile},
		{"proof hash", func(t *testing.T, dir string) {
			p := filepath.Join(dir, proofFile)
			pr, err := ParseProof(mustRead(t, p))
			if err != nil {
				t.Fatal(err)
			}
			pr.Hashes[0][0] ^= 1
			mustWrite(t, p, pr.Marshal())
		}, CheckInclusion, proofFile},
		{"proof index", func(t *testing.T, dir string) {
			p := filepath.Join(dir, proofFile)
			pr, _ := ParseProof(mustRead(t, p))
			pr.Index--
			mustWrite(t, p, pr.Marshal())
		}, CheckLeaf, leafFile},
		{"vkey swapped", func(t *testing.T, dir string) {
			mustWrite(t, filepath.Join(dir, vkeyFile), []byte(otherVKey+"\n"))
		}, CheckSignature, checkpointFile},
		{"leaf", func(t *testing.T, dir string) {
			replaceOnce(t, filepath.Join(dir, leafFile), `"type":"delivery"`, `"type":"delivery-x"`)
		}, CheckLeaf, leafFile},
		{"SHA256SUMS", func(t *testing.T, dir string) {
			p := filepath.Join(dir, sumsFile)
			mustWrite(t, p, append(mustRead(t, p), []byte("0000000000000000000000000000000000000000000000000000000000000000  artifacts/x\n")...))
		}, CheckSums, sumsFile},
		{"case.jsonld", func(t *testing.T, dir string) {
			replaceOnce(t, filepath.Join(dir, caseFile), `"tecnico"`, `"qualcun altro"`)
		}, CheckCaseLD, caseFile},
		{"VERIFICA.txt", func(t *testing.T, dir string) {
			replaceOnce(t, filepath.Join(dir, verificaFile), "sha256sum -c SHA256SUMS", "true")
		}, CheckInstructions, verificaFile},
		{"symlink", func(t *testing.T, dir string) {
			p := filepath.Join(dir, art)
			os.Remove(p)
			if err := os.Symlink("/etc/hostname", p); err != nil {
				t.Fatal(err)
			}
		}, CheckContainer, art},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyDir(t, good)
			tt.damage(t, dir)
			r, err := Verify(t.Context(), dir, VerifyOptions{})
			if r == nil {
				t.Fatalf("Verify: no report: %v", err)
			}
			failedCheck(t, r, err, tt.check, tt.file)
			if !strings.Contains(err.Error(), "check ") {
				t.Errorf("error %q does not name a check", err)
			}
		})
	}
	t.Run("pinned key", func(t *testing.T) {
		r, err := Verify(t.Context(), good, VerifyOptions{Key: otherVKey})
		failedCheck(t, r, err, CheckPinnedKey, vkeyFile)
		failedCheck(t, r, err, CheckSignature, checkpointFile)
	})
	t.Run("missing path", func(t *testing.T) {
		if _, err := Verify(t.Context(), filepath.Join(good, "nope"), VerifyOptions{}); err == nil || errors.Is(err, ErrInvalid) {
			t.Errorf("Verify of a missing path: %v, want an I/O error", err)
		}
	})
}

// TestLegalValueRecomputed seals a manifest whose claimed verdict is wrong, as a faulty capture would write it: the
// journal binding holds, but the recomputed rule disagrees.
func TestLegalValueRecomputed(t *testing.T) {
	f := newFixture(t)
	m := f.chatManifest(t, 3, 20)
	var id string
	for i := range m.Messages {
		msg := &m.Messages[i]
		if msg.FromMe && msg.LegalValue != nil && msg.LegalValue.Basis == evidence.BasisNone {
			msg.LegalValue.Proven, msg.LegalValue.Basis, id = true, evidence.BasisRead, msg.ID
			break
		}
	}
	if id == "" {
		t.Fatal("no unproven message in the fixture")
	}
	folder := f.deliver(t, m, Delivery{}, WriteOptions{})
	r, err := Verify(t.Context(), folder, VerifyOptions{})
	failedCheck(t, r, err, CheckLegalValue, manifestFile)
	if c := r.Failed()[0]; !strings.Contains(c.EN, id) || !strings.Contains(c.IT, id) {
		t.Errorf("legal-value failure %v does not name message %s", c, id)
	}
	if cs := r.Find(CheckBody); cs[0].Outcome != Pass {
		t.Errorf("manifest body: %v, want pass", cs)
	}
}

func TestWriteRefuses(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	m := f.chatManifest(t, 4, 10)
	folder := f.deliver(t, m, Delivery{}, WriteOptions{})
	s, err := Seal(ctx, f.j, m, f.caseID)
	if err != nil {
		t.Fatal(err)
	}
	d := Delivery{Manifest: m, Sealed: s, Artifacts: source{f.store, f.caseID}}
	t.Run("existing folder", func(t *testing.T) {
		if err := Write(ctx, f.out, d, WriteOptions{}); !errors.Is(err, ErrExists) {
			t.Errorf("Write over %s: %v, want ErrExists", folder, err)
		}
		// An existing empty folder is not replaced either.
		os.RemoveAll(folder)
		os.Mkdir(folder, 0o755)
		if err := Write(ctx, f.out, d, WriteOptions{}); !errors.Is(err, ErrExists) {
			t.Errorf("Write over an empty folder: %v, want ErrExists", err)
		}
	})
	t.Run("changed after seal", func(t *testing.T) {
		c := *m
		c.Acquisition.Operator = "altro"
		dd := d
		dd.Manifest = &c
		out := t.TempDir()
		if err := Write(ctx, out, dd, WriteOptions{}); !errors.Is(err, ErrSealMismatch) {
			t.Errorf("Write of a changed manifest: %v, want ErrSealMismatch", err)
		}
		assertEmpty(t, out)
	})
	t.Run("wrong artifact bytes", func(t *testing.T) {
		dd := d
		dd.Artifacts = lyingSource{source{f.store, f.caseID}}
		out := t.TempDir()
		if err := Write(ctx, out, dd, WriteOptions{}); !errors.Is(err, ErrArtifact) {
			t.Errorf("Write with altered source bytes: %v, want ErrArtifact", err)
		}
		assertEmpty(t, out)
	})
	t.Run("missing artifact", func(t *testing.T) {
		c := *m
		c.Artifacts = append([]evidence.Artifact{{Path: "artifacts/x.bin", SHA256: strings.Repeat("ab", 32), Size: 3, Kind: evidence.ArtifactOther}}, m.Artifacts...)
		if _, err := Seal(ctx, f.j, &c, f.caseID); err != nil {
			t.Fatal(err)
		}
		out := t.TempDir()
		s2, _ := Seal(ctx, f.j, &c, f.caseID)
		err := Write(ctx, out, Delivery{Manifest: &c, Sealed: s2, Artifacts: source{f.store, f.caseID}}, WriteOptions{})
		if err == nil || !strings.Contains(err.Error(), "artifacts/x.bin") {
			t.Errorf("Write with a missing blob: %v, want an error naming artifacts/x.bin", err)
		}
		assertEmpty(t, out)
	})
	t.Run("unsafe manifest", func(t *testing.T) {
		c := *m
		c.Artifacts = append([]evidence.Artifact{{Path: "../x.bin", SHA256: strings.Repeat("ab", 32), Size: 3, Kind: evidence.ArtifactOther}}, m.Artifacts...)
		if _, err := Seal(ctx, f.j, &c, f.caseID); !errors.Is(err, ErrManifest) {
			t.Errorf("Seal of a manifest with ../x.bin: %v, want ErrManifest", err)
		}
	})
}

// lyingSource flips a byte of every artifact, as a damaged blob store would.
type lyingSource struct{ source }

func (l lyingSource) Open(ctx context.Context, sha string) (io.ReadCloser, error) {
	rc, err := l.source.Open(ctx, sha)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, err
	}
	b[0] ^= 0x80
	return io.NopCloser(bytes.NewReader(b)), nil
}

func assertEmpty(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("%s holds %v after a failed write, want nothing", dir, entries)
	}
}

func TestWriteUniqueNamesSameDayDeliveriesApart(t *testing.T) {
	f := newFixture(t)
	m := f.chatManifest(t, 5, 10)
	s, err := Seal(t.Context(), f.j, m, f.caseID)
	if err != nil {
		t.Fatal(err)
	}
	d := Delivery{Manifest: m, Sealed: s, Artifacts: source{f.store, f.caseID}}
	var got []string
	for range 3 {
		folder, err := WriteUnique(t.Context(), f.out, d, WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, filepath.Base(folder))
	}
	base := d.Manifest.FolderName()
	if want := []string{base, base + "-2", base + "-3"}; !slices.Equal(got, want) {
		t.Fatalf("folders = %v, want %v", got, want)
	}
	rep, err := Verify(t.Context(), filepath.Join(f.out, base+"-3"), VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || len(rep.Find(CheckFolderName)) != 0 {
		t.Errorf("folder %s-3: OK=%v, folder-name notes %v: want valid and its name accepted", base, rep.OK(), rep.Find(CheckFolderName))
	}
}

func TestSameDayName(t *testing.T) {
	const base = "3771151946-15-gennaio-2026"
	for name, want := range map[string]bool{
		base: true, base + "-2": true, base + "-99": true,
		base + "-1": false, base + "-02": false, base + "-100": false, base + "-": false, base + "-x": false,
		base + "x": false, "3771151946-16-gennaio-2026": false,
	} {
		if got := sameDayName(name, base); got != want {
			t.Errorf("sameDayName(%q) = %v, want %v", name, got, want)
		}
	}
}

// A delivery folder renamed as another chat's or day's delivery misleads its reader: verify fails it. Any other
// name is a note, and the delivery stays valid.
func TestFolderRenamed(t *testing.T) {
	f := newFixture(t)
	folder := f.deliver(t, f.chatManifest(t, 5, 10), Delivery{}, WriteOptions{})
	base := filepath.Base(folder)
	parts := strings.Split(base, "-") // digits, day, month, year
	day, _ := strconv.Atoi(parts[1])
	otherDay := strings.Join([]string{parts[0], strconv.Itoa(day%28 + 1), parts[2], parts[3]}, "-")
	for _, tt := range []struct {
		name  string
		valid bool
		note  bool
	}{
		{"1" + base, false, false},      // another number
		{otherDay, false, false},        // another day
		{otherDay + "-2", false, false}, // another day's second delivery
		{"copia della consegna", true, true},
		{base + "-2", true, false}, // a second delivery of the same chat and day
	} {
		t.Run(tt.name, func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), tt.name)
			if err := os.Rename(folder, dst); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Rename(dst, folder) })
			rep, err := Verify(t.Context(), dst, VerifyOptions{})
			checks := rep.Find(CheckFolderName)
			if tt.valid && (err != nil || !rep.OK()) {
				t.Fatalf("renamed to %q: %v, OK=%v, want valid", tt.name, err, rep.OK())
			}
			if !tt.valid && (!errors.Is(err, ErrInvalid) || len(checks) != 1 || checks[0].Outcome != Fail) {
				t.Fatalf("renamed to %q: %v, checks %+v, want INVALID on the folder name", tt.name, err, checks)
			}
			if tt.valid && (len(checks) == 1) != tt.note {
				t.Errorf("renamed to %q: folder-name checks %+v, want a note: %v", tt.name, checks, tt.note)
			}
		})
	}
}
