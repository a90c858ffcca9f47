package journal

import (
	"context"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/attesta/attesta/internal/durable"
)

// TileHeight is the height of exported tiles (C2SP tlog-tiles: 256 hashes).
const TileHeight = 8

// Export writes the tree as of its newest checkpoint to dir in the C2SP
// tlog-tiles layout: dir/checkpoint (the signed note), dir/tile/<L>/<N>[.p/<W>]
// (hash tiles), dir/tile/entries/<N>[.p/<W>] (entry bundles: each leaf
// prefixed with its length as a big-endian uint16), and dir/vkey (the
// verifier key, one line). A writable journal first signs a checkpoint if
// the tree grew. Files are written durably: temporary file, fsync, rename,
// fsync of the directory. The layout is the one tessera's client reads
// (checked by TestExportTesseraClient).
func (j *Journal) Export(ctx context.Context, dir string) error {
	_, err := j.ExportSince(ctx, dir, 0)
	return err
}

// Exported is what an incremental export wrote.
type Exported struct {
	// Checkpoint is the checkpoint the export ends at (its note is the file
	// "checkpoint").
	Checkpoint *Checkpoint
	// Files are the paths written, relative to the export's root and
	// slash-separated, in the order written: hash tiles and entry bundles
	// first, then "vkey", then "checkpoint" last.
	Files []string
}

// ExportSince is the incremental Export for a mirror: it writes to dir only
// what a copy of the export at tree size since lacks (the tiles and entry
// bundles, full or partial, that tree sizes since+1 … N add, as
// tlog.NewTiles(TileHeight, since, N) lists them), then vkey, then the
// checkpoint of size N, the newest (signed first by a writable journal if the
// tree grew). since = 0 is a full export. A since larger than the newest
// checkpoint is refused with ErrRollback: the copy is ahead of the journal.
//
// Upload the returned Files in order: each tile is immutable once written
// (a partial tile gets a new name, <N>.p/<W>, when it grows), only vkey and
// checkpoint are replaced, and the checkpoint goes last so that a reader who
// finds it finds every tile it needs. Call ExportSince again with
// Exported.Checkpoint.Size as since for the next round.
func (j *Journal) ExportSince(ctx context.Context, dir string, since uint64) (*Exported, error) {
	ex := &Exported{}
	cp, err := j.ExportTo(ctx, since, func(_ context.Context, name string, data []byte) error {
		if err := writeExported(filepath.Join(dir, filepath.FromSlash(name)), data); err != nil {
			return err
		}
		ex.Files = append(ex.Files, name)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("journal: export to %s: %w", dir, err)
	}
	ex.Checkpoint = cp
	return ex, nil
}

// ExportTo is ExportSince without a directory: it hands each file (its
// slash-separated path in the tlog-tiles layout and its content) to put, in
// the order ExportSince writes them, so that a mirror can upload straight
// from the journal. It stops at put's first error.
func (j *Journal) ExportTo(ctx context.Context, since uint64, put func(ctx context.Context, name string, data []byte) error) (*Checkpoint, error) {
	var cp *Checkpoint
	var err error
	if !j.readOnly {
		cp, err = j.Checkpoint(ctx)
	} else {
		cp, err = j.Latest(ctx)
	}
	if err != nil {
		return nil, err
	}
	if since > cp.Size {
		return nil, fmt.Errorf("export since tree size %d: the newest checkpoint has size %d: %w", since, cp.Size, ErrRollback)
	}
	for _, t := range tlog.NewTiles(TileHeight, int64(since), int64(cp.Size)) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hashes, bundle, err := j.readTile(t)
		if err != nil {
			return nil, fmt.Errorf("tile %d/%d: %w", t.L, t.N, err)
		}
		if err := put(ctx, TilePath(t.L, t.N, t.W), hashes); err != nil {
			return nil, fmt.Errorf("tile %d/%d: %w", t.L, t.N, err)
		}
		if t.L == 0 {
			if err := put(ctx, EntriesPath(t.N, t.W), bundle); err != nil {
				return nil, fmt.Errorf("entry bundle %d: %w", t.N, err)
			}
		}
	}
	if err := put(ctx, "vkey", []byte(j.VerifierKey()+"\n")); err != nil {
		return nil, err
	}
	// The checkpoint goes last: a reader that finds it finds every tile.
	if err := put(ctx, "checkpoint", cp.Note); err != nil {
		return nil, err
	}
	return cp, nil
}

// readTile reads one hash tile and, at level 0, its entry bundle.
func (j *Journal) readTile(t tlog.Tile) (hashes, bundle []byte, err error) {
	err = j.db.View(func(tx *bolt.Tx) error {
		b, err := getBuckets(tx)
		if err != nil {
			return err
		}
		if hashes, err = tlog.ReadTileData(t, hashReader{b.hashes}); err != nil || t.L != 0 {
			return err
		}
		first := uint64(t.N) << TileHeight
		for i := first; i < first+uint64(t.W); i++ {
			leaf := b.leaves.Get(u64key(i))
			if leaf == nil {
				return fmt.Errorf("leaf %d: missing: %w", i, ErrCorrupt)
			}
			bundle = binary.BigEndian.AppendUint16(bundle, uint16(len(leaf)))
			bundle = append(bundle, leaf...)
		}
		return nil
	})
	return hashes, bundle, err
}

// TilePath returns the C2SP tlog-tiles path of the hash tile at level l,
// index n, width w (w = 256 for a full tile): "tile/<l>/<n>[.p/<w>]".
func TilePath(l int, n int64, w int) string {
	return "tile/" + strconv.Itoa(l) + "/" + tileIndexPath(n, w)
}

// EntriesPath returns the C2SP tlog-tiles path of an entry bundle.
func EntriesPath(n int64, w int) string {
	return "tile/entries/" + tileIndexPath(n, w)
}

// tileIndexPath encodes n as 3-digit path elements, all but the last
// prefixed with "x" (1234067 → x001/x234/067), then the partial-width suffix.
func tileIndexPath(n int64, w int) string {
	elems := []string{fmt.Sprintf("%03d", n%1000)}
	for n /= 1000; n > 0; n /= 1000 {
		elems = append(elems, fmt.Sprintf("x%03d", n%1000))
	}
	var sb strings.Builder
	for i := len(elems) - 1; i >= 0; i-- {
		sb.WriteString(elems[i])
		if i > 0 {
			sb.WriteByte('/')
		}
	}
	if w < 1<<TileHeight {
		fmt.Fprintf(&sb, ".p/%d", w)
	}
	return filepath.ToSlash(sb.String())
}

// writeExported writes an exported file durably (internal/durable: temporary file, fsync, rename, fsync of the
// directory), creating its directories durably; an earlier export's file is replaced.
func writeExported(name string, data []byte) error {
	if err := durable.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	return durable.Replace(name, data, 0o600)
}
