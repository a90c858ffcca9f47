package journal

import (
	"flag"

	"bytes"
	"context"
	"errors"
	"github.com/attesta/attesta/internal/testpki"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"
	"golang.org/x/mod/sumdb/tlog"
)

// countingFetcher is tessera's own file fetcher over an export, counting the
// tiles it reads.
type countingFetcher struct {
	client.FileFetcher
	tiles int
}

func (f *countingFetcher) ReadTile(ctx context.Context, l, i uint64, p uint8) ([]byte, error) {
	f.tiles++
	return f.FileFetcher.ReadTile(ctx, l, i, p)
}

// TestExportTesseraClient reads an export with github.com/transparency-dev/tessera's client: the checkpoint
// under our verifier key, inclusion and consistency proofs built from the hash tiles, and every entry bundle.
func TestExportTesseraClient(t *testing.T) {
	ctx := t.Context()
	j := openTest(t, 0)
	dir := filepath.Join(t.TempDir(), "log")

	// Two rounds of incremental export, so that the reader sees tiles written by both.
	const first, n = 300, 256*3 + 37
	leaves := appendSamples(t, j.Journal, first, 100)
	ex1, err := j.ExportSince(ctx, dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	oldNote := ex1.Checkpoint.Note
	leaves = append(leaves, appendSamples(t, j.Journal, n-first, 100)...)
	ex2, err := j.ExportSince(ctx, dir, ex1.Checkpoint.Size)
	if err != nil {
		t.Fatal(err)
	}

	f := &countingFetcher{FileFetcher: client.FileFetcher{Root: dir}}
	cp, _, _, err := client.FetchCheckpoint(ctx, f.ReadCheckpoint, testVerifier(t, j.key), testOrigin)
	if err != nil {
		t.Fatalf("tessera reads the checkpoint: %v", err)
	}
	if cp.Size != n || !bytes.Equal(cp.Hash, ex2.Checkpoint.Root[:]) {
		t.Fatalf("tessera's checkpoint: size %d root %x; want %d %x", cp.Size, cp.Hash, n, ex2.Checkpoint.Root[:])
	}

	// One tile per level of the tree (two here) and at most one more for the right edge: logarithmic in the size.
	levels := 1
	for s := cp.Size >> TileHeight; s > 0; s >>= TileHeight {
		levels++
	}
	for _, i := range []uint64{0, 1, 255, 256, 299, 300, 511, 767, 768, n - 1} {
		f.tiles = 0
		pb, err := client.NewProofBuilder(ctx, cp.Size, f.ReadTile)
		if err != nil {
			t.Fatal(err)
		}
		ip, err := pb.InclusionProof(ctx, i)
		if err != nil {
			t.Fatalf("inclusion proof of %d: %v", i, err)
		}
		if err := proof.VerifyInclusion(rfc6962.DefaultHasher, i, cp.Size, rfc6962.DefaultHasher.HashLeaf(leaves[i].Data), ip, cp.Hash); err != nil {
			t.Fatalf("tessera's inclusion proof of %d: %v", i, err)
		}
		if f.tiles > 2*levels {
			t.Errorf("inclusion proof of %d read %d tiles, want at most %d (tree of %d levels of tiles)", i, f.tiles, 2*levels, levels)
		}
	}
	pb, err := client.NewProofBuilder(ctx, cp.Size, f.ReadTile)
	if err != nil {
		t.Fatal(err)
	}
	// Consistency from the first export's checkpoint.
	oldCP, err := ParseCheckpoint(oldNote, testVerifier(t, j.key))
	if err != nil {
		t.Fatal(err)
	}
	cproof, err := pb.ConsistencyProof(ctx, oldCP.Size, cp.Size)
	if err != nil {
		t.Fatal(err)
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, oldCP.Size, cp.Size, cproof, oldCP.Root[:], cp.Hash); err != nil {
		t.Fatalf("tessera's consistency proof %d→%d: %v", oldCP.Size, cp.Size, err)
	}

	// Every entry bundle, through tessera's reader, holds exactly the journal's leaves.
	var got int
	for i := uint64(0); i*layout.EntryBundleWidth < cp.Size; i++ {
		b, err := client.GetEntryBundle(ctx, f.ReadEntryBundle, i, cp.Size)
		if err != nil {
			t.Fatalf("entry bundle %d: %v", i, err)
		}
		for _, e := range b.Entries {
			if !bytes.Equal(e, leaves[got].Data) {
				t.Fatalf("entry %d differs from the journal", got)
			}
			got++
		}
	}
	if got != n {
		t.Fatalf("tessera read %d entries, want %d", got, n)
	}
	// And so does tessera's streaming reader.
	got = 0
	size := func(context.Context) (uint64, error) { return cp.Size, nil }
	for e, err := range client.Entries(client.EntryBundles(ctx, 2, size, f.ReadEntryBundle, 0, cp.Size), unbundle) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Index != uint64(got) || !bytes.Equal(e.Entry, leaves[got].Data) {
			t.Fatalf("streamed entry %d (index %d) differs", got, e.Index)
		}
		got++
	}
	if got != n {
		t.Fatalf("tessera streamed %d entries, want %d", got, n)
	}
}

func unbundle(raw []byte) ([][]byte, error) {
	bundle := make([][]byte, 0, 256)
	for len(raw) > 0 {
		if len(raw) < 2 {
			return nil, errors.New("truncated bundle")
		}
		l := int(raw[0])<<8 | int(raw[1])
		if len(raw) < 2+l {
			return nil, errors.New("truncated entry")
		}
		bundle = append(bundle, raw[2:2+l])
		raw = raw[2+l:]
	}
	return bundle, nil
}

// TestExportSince checks the incremental export: each round writes only the tiles that the new tree sizes add (full
// and partial), never rewrites a tile with other content, ends with the checkpoint, and together the rounds equal a
// full export.
func TestExportSince(t *testing.T) {
	ctx := t.Context()
	j := openTest(t, 0)
	inc := filepath.Join(t.TempDir(), "inc")
	seen := map[string][]byte{}
	var since uint64
	for _, grow := range []int{1, 254, 1, 300, 256, 0, 513} {
		appendSamples(t, j.Journal, grow, 100)
		ex, err := j.ExportSince(ctx, inc, since)
		if err != nil {
			t.Fatal(err)
		}
		if ex.Files[len(ex.Files)-1] != "checkpoint" || ex.Files[len(ex.Files)-2] != "vkey" {
			t.Fatalf("round to %d: files end %q, want vkey then checkpoint", ex.Checkpoint.Size, ex.Files[len(ex.Files)-2:])
		}
		want := 2
		for _, tl := range tlog.NewTiles(TileHeight, int64(since), int64(ex.Checkpoint.Size)) {
			want++
			if tl.L == 0 {
				want++
			}
		}
		if len(ex.Files) != want {
			t.Fatalf("round %d→%d wrote %d files, want %d: %q", since, ex.Checkpoint.Size, len(ex.Files), want, ex.Files)
		}
		for _, name := range ex.Files {
			data, err := os.ReadFile(filepath.Join(inc, name))
			if err != nil {
				t.Fatal(err)
			}
			if old, ok := seen[name]; ok && name != "checkpoint" && !bytes.Equal(old, data) {
				t.Fatalf("%s rewritten with other content", name)
			}
			seen[name] = data
		}
		since = ex.Checkpoint.Size
	}

	full := filepath.Join(t.TempDir(), "full")
	if err := j.Export(ctx, full); err != nil {
		t.Fatal(err)
	}
	var fullFiles []string
	err := filepath.WalkDir(full, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(full, p)
			fullFiles = append(fullFiles, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range fullFiles {
		a, _ := os.ReadFile(filepath.Join(full, name))
		if !bytes.Equal(a, seen[name]) {
			t.Errorf("%s: the incremental rounds and the full export differ", name)
		}
	}
	// The incremental copy holds earlier partial tiles too (immutable names), and nothing else.
	for name := range seen {
		if !slices.Contains(fullFiles, name) && !strings.Contains(name, ".p/") {
			t.Errorf("%s only in the incremental copy", name)
		}
	}

	// A copy ahead of the journal is refused.
	if _, err := j.ExportSince(ctx, inc, since+1); !errors.Is(err, ErrRollback) {
		t.Fatalf("export since a size beyond the journal: %v, want ErrRollback", err)
	}
}

// exportLeaves sizes BenchmarkInclusionTileReads: go test -bench InclusionTileReads -export.leaves=1000000
var exportLeaves = flag.Int("export.leaves", 100_000, "leaves in the journal BenchmarkInclusionTileReads exports")

// BenchmarkInclusionTileReads exports a journal of -export.leaves leaves (as the mirror publishes it) and builds
// inclusion proofs with tessera's client from the exported tiles, one fresh client per proof (a verifier that
// holds nothing): it reports the tiles each proof reads (logarithmic: one per level of tiles, and the right
// edge's partial tile) and the export's size.
func BenchmarkInclusionTileReads(b *testing.B) {
	ctx := b.Context()
	j := benchJournal(b, &countingSigner{PrivateKey: testpki.Key(b)})
	n := *exportLeaves
	appendSamples(b, j, n, 1000)
	dir := filepath.Join(b.TempDir(), "log")
	ex, err := j.ExportSince(ctx, dir, 0)
	if err != nil {
		b.Fatal(err)
	}
	f := &countingFetcher{FileFetcher: client.FileFetcher{Root: dir}}
	size := ex.Checkpoint.Size
	var proofs, most int
	for b.Loop() {
		i := uint64(proofs*7919) % size
		before := f.tiles
		pb, err := client.NewProofBuilder(ctx, size, f.ReadTile)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := pb.InclusionProof(ctx, i); err != nil {
			b.Fatal(err)
		}
		most = max(most, f.tiles-before)
		proofs++
	}
	b.ReportMetric(float64(f.tiles)/float64(proofs), "tiles/proof")
	b.ReportMetric(float64(most), "max-tiles/proof")
	b.ReportMetric(float64(len(ex.Files)), "files/export")
}
