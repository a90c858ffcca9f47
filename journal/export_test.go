package journal

import (
	"bytes"
	"encoding/binary"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attesta/attesta/internal/testtools"
	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/tlog"
)

// dirTiles reads exported hash tiles for tlog.TileHashReader, which checks
// every tile it reads against the signed tree hash.
type dirTiles struct{ dir string }

func (d dirTiles) Height() int { return TileHeight }

func (d dirTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		b, err := os.ReadFile(filepath.Join(d.dir, TilePath(t.L, t.N, t.W)))
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

func (d dirTiles) SaveTiles([]tlog.Tile, [][]byte) {}

func TestTileIndexPath(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		w    int
		want string
	}{
		{0, 256, "000"}, {5, 3, "005.p/3"}, {1000, 256, "x001/000"}, {1234067, 256, "x001/x234/067"}, {1234067, 7, "x001/x234/067.p/7"},
	} {
		if got := tileIndexPath(tc.n, tc.w); got != tc.want {
			t.Errorf("tileIndexPath(%d, %d) = %q, want %q", tc.n, tc.w, got, tc.want)
		}
	}
}

func TestExport(t *testing.T) {
	j := openTest(t, 0)
	const n = 256*2 + 37 // two full level-0 tiles and a partial one
	leaves := appendSamples(t, j.Journal, n, 100)
	dir := filepath.Join(t.TempDir(), "log")
	if err := j.Export(t.Context(), dir); err != nil {
		t.Fatal(err)
	}

	// The checkpoint verifies with transparency-dev/formats under the exported key.
	vkey, err := os.ReadFile(filepath.Join(dir, "vkey"))
	if err != nil {
		t.Fatal(err)
	}
	fv, err := fnote.NewVerifier(strings.TrimSpace(string(vkey)))
	if err != nil {
		t.Fatal(err)
	}
	note, _ := os.ReadFile(filepath.Join(dir, "checkpoint"))
	cp, err := ParseCheckpoint(note, fv)
	if err != nil || cp.Size != n {
		t.Fatalf("exported checkpoint: %+v, %v", cp, err)
	}

	// Every tile checks out against the signed root, and the entry bundles
	// hold exactly the leaves.
	r := tlog.TileHashReader(tlog.Tree{N: int64(cp.Size), Hash: cp.Root}, dirTiles{dir})
	if root, err := tlog.TreeHash(int64(cp.Size), r); err != nil || root != cp.Root {
		t.Fatalf("root from tiles: %v, %v; want %v", root, err, cp.Root)
	}
	var i int
	for _, tile := range tlog.NewTiles(TileHeight, 0, n) {
		if tile.L != 0 {
			continue
		}
		bundle, err := os.ReadFile(filepath.Join(dir, EntriesPath(tile.N, tile.W)))
		if err != nil {
			t.Fatal(err)
		}
		for len(bundle) > 0 {
			l := int(binary.BigEndian.Uint16(bundle))
			data := bundle[2 : 2+l]
			bundle = bundle[2+l:]
			hs, err := r.ReadHashes([]int64{tlog.StoredHashIndex(0, int64(i))})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(data, leaves[i].Data) || tlog.RecordHash(data) != hs[0] {
				t.Fatalf("entry %d differs from the journal or the tiles", i)
			}
			i++
		}
	}
	if i != n {
		t.Fatalf("entry bundles hold %d leaves, want %d", i, n)
	}
	if _, err := os.Stat(filepath.Join(dir, "tile/entries/002.p/37")); err != nil {
		t.Fatalf("partial entry bundle: %v", err)
	}
}

// fsckPath overrides the auditor TestExportFsck runs; by default tessera's fsck as scripts/setup builds it.
var fsckPath = flag.String("journal.fsck", "", "path to tessera's fsck binary (default: the tools folder's, see scripts/setup)")

// TestExportFsck audits an export made in incremental rounds with tessera's own fsck, which recomputes every tile
// from the entry bundles and checks the checkpoint. (On a damaged export this fsck retries without end rather than
// failing, so the damaged cases are TestExport's and TestExportTesseraClient's.)
func TestExportFsck(t *testing.T) {
	fsck := *fsckPath
	if fsck == "" {
		fsck = testtools.Path(t, "fsck")
	}
	j := openTest(t, 100)
	dir := filepath.Join(t.TempDir(), "log")
	var since uint64
	for _, n := range []int{300, 1, 399} {
		appendN(t, j.Journal, n)
		ex, err := j.ExportSince(t.Context(), dir, since)
		if err != nil {
			t.Fatal(err)
		}
		since = ex.Checkpoint.Size
	}
	out, err := exec.CommandContext(t.Context(), fsck, "--storage_url=file://"+dir+"/",
		"--public_key="+filepath.Join(dir, "vkey"), "--ui=false").CombinedOutput()
	if err != nil {
		t.Fatalf("fsck rejects the export: %v\n%s", err, out)
	}
	t.Logf("fsck: %s", out)
}
