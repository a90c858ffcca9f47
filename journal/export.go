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
// fsync of the directory.
func (j *Journal) Export(ctx context.Context, dir string) error {
	var cp *Checkpoint
	var err error
	if !j.readOnly {
		cp, err = j.Checkpoint(ctx)
	} else {
		cp, err = j.Latest(ctx)
	}
	if err != nil {
		return fmt.Errorf("journal: export to %s: %w", dir, err)
	}
	tiles := tlog.NewTiles(TileHeight, 0, int64(cp.Size))
	for _, t := range tiles {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("journal: export to %s: %w", dir, err)
		}
		if err := j.exportTile(dir, t); err != nil {
			return fmt.Errorf("journal: export to %s: tile %d/%d: %w", dir, t.L, t.N, err)
		}
	}
	if err := writeExported(filepath.Join(dir, "vkey"), []byte(j.VerifierKey()+"\n")); err != nil {
		return fmt.Errorf("journal: export to %s: %w", dir, err)
	}
	// The checkpoint goes last: each file is durable before the next, so a reader that finds it finds every tile.
	if err := writeExported(filepath.Join(dir, "checkpoint"), cp.Note); err != nil {
		return fmt.Errorf("journal: export to %s: %w", dir, err)
	}
	return nil
}

// exportTile writes one hash tile and, at level 0, its entry bundle.
func (j *Journal) exportTile(dir string, t tlog.Tile) error {
	var hashes, bundle []byte
	err := j.db.View(func(tx *bolt.Tx) error {
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
	if err != nil {
		return err
	}
	if err := writeExported(filepath.Join(dir, TilePath(t.L, t.N, t.W)), hashes); err != nil {
		return err
	}
	if t.L == 0 {
		return writeExported(filepath.Join(dir, EntriesPath(t.N, t.W)), bundle)
	}
	return nil
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
