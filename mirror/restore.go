package mirror

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strconv"
	"strings"

	"filippo.io/age"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/attesta/attesta/internal/strictjson"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/journal/blob"
	"github.com/attesta/attesta/journal/format"
	"github.com/attesta/attesta/witness/cosig"
)

// FetchOptions says what a mirror must agree with.
type FetchOptions struct {
	// VerifierKeys are the checkpoint keys to trust. Empty: the keys the mirror holds under keys/ (then only the
	// tree's own consistency is checked, and Snapshot.Keys says which keys signed).
	VerifierKeys []string
	// Witnessed is a checkpoint known from elsewhere (cosigned by witnesses, or kept by the studio): the mirror must
	// contain it, and its tree at that size must have that root. Optional.
	Witnessed []byte
	// Witnesses are witness verifier keys (C2SP tlog-cosignature, as verify --witness takes them); with
	// MinWitnesses > 0 the mirror must hold a checkpoint (under witnessed/) cosigned by that many of them, and the
	// newest such is checked as Witnessed is.
	Witnesses    []string
	MinWitnesses int
	Logger       *slog.Logger
}

// Snapshot is a verified copy of a mirror's journal.
type Snapshot struct {
	Origin      string
	Keys        []string              // the verifier keys that signed its checkpoints
	Latest      *journal.Checkpoint   // the newest checkpoint
	Checkpoints []*journal.Checkpoint // every checkpoint, by size
	Leaves      [][]byte              // every leaf, by index
	TileReads   int                   // tiles fetched
	Witnessed   *journal.Checkpoint   // the newest checkpoint cosigned by FetchOptions.MinWitnesses witnesses
}

// refused is an ErrRefused naming what is wrong.
func refused(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrRefused, fmt.Sprintf(format, args...))
}

// Fetch reads the journal from a mirror and verifies all of it: each checkpoint's signature; that the newest
// checkpoint ("checkpoint") is the largest the mirror holds (else it was rewound); every hash tile against the
// newest checkpoint's root (tlog's tile hash reader checks each tile it reads against the tree); every entry
// bundle's leaves against the level-0 tiles; and every earlier checkpoint's root against the tree at its size (else
// the mirror holds a fork). A failure is ErrRefused naming the first bad leaf index it can.
func Fetch(ctx context.Context, b *Bucket, opts FetchOptions) (*Snapshot, error) {
	vkeys := opts.VerifierKeys
	if len(vkeys) == 0 {
		for o, err := range b.List(ctx, keysDir, false) {
			if err != nil {
				return nil, err
			}
			k, err := b.Get(ctx, o.Key, maxSmall)
			if err != nil {
				return nil, err
			}
			if hashOf(k)[:16] != strings.TrimPrefix(o.Key, keysDir) {
				return nil, refused("%s does not hold the key its name says", o.Key)
			}
			vkeys = append(vkeys, strings.TrimSpace(string(k)))
		}
	}
	if len(vkeys) == 0 {
		return nil, refused("no checkpoint key (keys/ is empty and none was given)")
	}
	var verifiers []note.Verifier
	for _, k := range vkeys {
		v, err := journal.NewNoteVerifier(k)
		if err != nil {
			return nil, fmt.Errorf("mirror: verifier key %q: %w", k, err)
		}
		verifiers = append(verifiers, v)
	}
	vl := note.VerifierList(verifiers...)
	snap := &Snapshot{Keys: vkeys}
	parse := func(what string, text []byte) (*journal.Checkpoint, error) {
		n, err := note.Open(text, vl)
		if err != nil {
			return nil, refused("%s: %v", what, err)
		}
		v, err := vl.Verifier(n.Sigs[0].Name, n.Sigs[0].Hash)
		if err != nil {
			return nil, refused("%s: %v", what, err)
		}
		cp, err := journal.ParseCheckpoint(text, v)
		if err != nil {
			return nil, refused("%s: %v", what, err)
		}
		if snap.Origin != "" && cp.Origin != snap.Origin {
			return nil, refused("%s: origin %q, the mirror's is %q", what, cp.Origin, snap.Origin)
		}
		snap.Origin = cp.Origin
		return cp, nil
	}
	latestNote, err := b.Get(ctx, KeyCheckpoint, maxSmall)
	if errors.Is(err, ErrNotFound) {
		return nil, refused("no checkpoint: the mirror is empty or truncated (first bad index 0)")
	}
	if err != nil {
		return nil, err
	}
	if snap.Latest, err = parse(KeyCheckpoint, latestNote); err != nil {
		return nil, err
	}
	n := snap.Latest.Size
	for o, err := range b.List(ctx, checkpointsDir, false) {
		if err != nil {
			return nil, err
		}
		text, err := b.Get(ctx, o.Key, maxSmall)
		if err != nil {
			return nil, err
		}
		cp, err := parse(o.Key, text)
		if err != nil {
			return nil, err
		}
		if strconv.FormatUint(cp.Size, 10) != strings.TrimPrefix(o.Key, checkpointsDir) {
			return nil, refused("%s holds a checkpoint of size %d", o.Key, cp.Size)
		}
		if cp.Size > n {
			return nil, refused("rewound: the newest checkpoint has size %d but %s was published: first bad index %d", n, o.Key, n)
		}
		snap.Checkpoints = append(snap.Checkpoints, cp)
	}
	sort.Slice(snap.Checkpoints, func(i, j int) bool { return snap.Checkpoints[i].Size < snap.Checkpoints[j].Size })
	var witnessed []*journal.Checkpoint
	if opts.Witnessed != nil {
		cp, err := parse("the witnessed checkpoint", opts.Witnessed)
		if err != nil {
			return nil, err
		}
		witnessed = append(witnessed, cp)
	}
	if opts.MinWitnesses > 0 {
		cp, err := cosigned(ctx, b, opts, parse)
		if err != nil {
			return nil, err
		}
		witnessed = append(witnessed, cp)
		snap.Witnessed = cp
	}
	for _, w := range witnessed {
		if w.Size > n {
			return nil, refused("rewound: the witnessed checkpoint has size %d, the mirror's newest %d: first bad index %d", w.Size, n, n)
		}
	}

	tr := &tileReader{ctx: ctx, b: b}
	hr := tlog.TileHashReader(tlog.Tree{N: int64(n), Hash: snap.Latest.Root}, tr)
	snap.Leaves = make([][]byte, 0, n)
	for _, t := range tlog.NewTiles(journal.TileHeight, 0, int64(n)) {
		if t.L != 0 {
			continue
		}
		first := t.N << journal.TileHeight
		idx := make([]int64, t.W)
		for i := range idx {
			idx[i] = tlog.StoredHashIndex(0, first+int64(i))
		}
		hashes, err := hr.ReadHashes(idx)
		if err != nil {
			return nil, refused("tile %s: %v: first bad index %d", journal.TilePath(0, t.N, t.W), err, first)
		}
		bundle, err := b.Get(ctx, journal.EntriesPath(t.N, t.W), maxSmall)
		if err != nil {
			return nil, refused("entry bundle %s: %v: first bad index %d", journal.EntriesPath(t.N, t.W), err, first)
		}
		leaves, bad, err := splitBundle(bundle, t.W)
		if err != nil {
			return nil, refused("entry bundle %s: %v: first bad index %d", journal.EntriesPath(t.N, t.W), err, first+int64(bad))
		}
		for i, l := range leaves {
			if tlog.RecordHash(l) != hashes[i] {
				return nil, refused("leaf %d in %s does not hash to the tree's: first bad index %d", first+int64(i), journal.EntriesPath(t.N, t.W), first+int64(i))
			}
		}
		snap.Leaves = append(snap.Leaves, leaves...)
	}
	good := uint64(0)
	check := append(append([]*journal.Checkpoint{}, snap.Checkpoints...), witnessed...)
	sort.SliceStable(check, func(i, j int) bool { return check[i].Size < check[j].Size })
	for _, cp := range check {
		if cp.Size == 0 {
			continue
		}
		root, err := tlog.TreeHash(int64(cp.Size), hr)
		if err != nil {
			return nil, refused("checkpoint of size %d: %v", cp.Size, err)
		}
		if root != cp.Root {
			return nil, refused("forked: the checkpoint of size %d has another root than the tree (it agrees up to size %d): first bad index at most %d", cp.Size, good, cp.Size-1)
		}
		good = cp.Size
	}
	snap.TileReads = tr.reads
	return snap, nil
}

// cosigned returns the newest checkpoint under witnessed/ that opts.MinWitnesses of opts.Witnesses cosigned.
func cosigned(ctx context.Context, b *Bucket, opts FetchOptions, parse func(string, []byte) (*journal.Checkpoint, error)) (*journal.Checkpoint, error) {
	var ws []note.Verifier
	for _, k := range opts.Witnesses {
		v, err := cosig.Verifier(k)
		if err != nil {
			return nil, fmt.Errorf("mirror: witness key %q: %w", k, err)
		}
		ws = append(ws, v)
	}
	var best *journal.Checkpoint
	for o, err := range b.List(ctx, witnessedDir, false) {
		if err != nil {
			return nil, err
		}
		text, err := b.Get(ctx, o.Key, maxSmall)
		if err != nil {
			return nil, err
		}
		ids, err := cosig.Cosigners(text, ws)
		if err != nil {
			return nil, refused("%s: %v", o.Key, err)
		}
		if len(ids) < opts.MinWitnesses {
			continue
		}
		cp, err := parse(o.Key, text)
		if err != nil {
			return nil, err
		}
		if best == nil || cp.Size > best.Size {
			best = cp
		}
	}
	if best == nil {
		return nil, refused("no checkpoint in the mirror is cosigned by %d of the %d witnesses given", opts.MinWitnesses, len(ws))
	}
	return best, nil
}

// splitBundle reads an entry bundle of w leaves (each a big-endian uint16 length, then the leaf).
func splitBundle(b []byte, w int) ([][]byte, int, error) {
	var out [][]byte
	for len(b) > 0 {
		if len(out) == w {
			return nil, w, fmt.Errorf("more than the tile's %d leaves", w)
		}
		if len(b) < 2 {
			return nil, len(out), errors.New("ends inside a length")
		}
		l := int(binary.BigEndian.Uint16(b))
		if len(b) < 2+l {
			return nil, len(out), fmt.Errorf("leaf %d is cut short", len(out))
		}
		out = append(out, b[2:2+l])
		b = b[2+l:]
	}
	if len(out) != w {
		return nil, len(out), fmt.Errorf("%d leaves, the tile has %d", len(out), w)
	}
	return out, 0, nil
}

// tileReader reads hash tiles from the mirror for tlog.TileHashReader, which verifies each against the tree.
type tileReader struct {
	ctx   context.Context
	b     *Bucket
	cache map[tlog.Tile][]byte
	reads int
}

func (r *tileReader) Height() int { return journal.TileHeight }

func (r *tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	if r.cache == nil {
		r.cache = map[tlog.Tile][]byte{}
	}
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		if d, ok := r.cache[t]; ok {
			out[i] = d
			continue
		}
		d, err := r.b.Get(r.ctx, journal.TilePath(t.L, t.N, t.W), maxSmall)
		if err != nil {
			return nil, err
		}
		r.reads++
		if len(d) != t.W*tlog.HashSize {
			return nil, fmt.Errorf("%s: %d bytes, want %d", journal.TilePath(t.L, t.N, t.W), len(d), t.W*tlog.HashSize)
		}
		out[i] = d
	}
	return out, nil
}

func (r *tileReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {
	for i, t := range tiles {
		r.cache[t] = data[i]
	}
}

// RebuildReport is what Rebuild restored.
type RebuildReport struct {
	Leaves      uint64
	Cases       int // case keys taken from escrow
	Blobs       int // blob files restored, each verified with its key
	ErasedCases int // cases whose erasure is journaled: nothing of theirs is restored
}

// importChunk is how many leaves one journal transaction imports.
const importChunk = 4096

// Rebuild writes the snapshot's leaves into j, which must be empty, checks that the rebuilt tree has the newest
// checkpoint's root, then takes each case key from escrow (decrypted with the recovery identities, wrapped by
// blobs' wrapper: the new box's TPM) and each blob of a case not erased, verified end to end with its key.
func (s *Snapshot) Rebuild(ctx context.Context, b *Bucket, j *journal.Journal, blobs *blob.Store, ids []age.Identity) (*RebuildReport, error) {
	if j.Size() != 0 {
		return nil, fmt.Errorf("mirror: rebuild into %s: the journal is not empty (%d leaves)", j.Path(), j.Size())
	}
	if j.Origin() != s.Origin {
		return nil, fmt.Errorf("mirror: rebuild into %s: its origin is %q, the mirror's %q", j.Path(), j.Origin(), s.Origin)
	}
	rep := &RebuildReport{}
	for i := 0; i < len(s.Leaves); i += importChunk {
		if err := j.ImportLeaves(ctx, s.Leaves[i:min(i+importChunk, len(s.Leaves))]); err != nil {
			return nil, fmt.Errorf("mirror: rebuild: %w", err)
		}
	}
	rep.Leaves = j.Size()
	root, err := j.TreeHash(ctx, s.Latest.Size)
	if err != nil {
		return nil, fmt.Errorf("mirror: rebuild: %w", err)
	}
	if root != s.Latest.Root {
		return nil, fmt.Errorf("mirror: rebuild: the rebuilt tree's root differs from the checkpoint's")
	}
	erased := map[string]bool{}
	type art struct {
		caseID, sum string
		size        int64
	}
	var arts []art
	for i, l := range s.Leaves {
		_, e, err := journal.DecodeLeaf(l)
		if err != nil {
			return nil, fmt.Errorf("mirror: rebuild: leaf %d: %w", i, err)
		}
		switch e.Type {
		case journal.TypeErasure:
			erased[e.Case] = true
		case journal.TypeArtifact:
			a, err := format.ArtifactOf(e)
			if err != nil {
				return nil, fmt.Errorf("mirror: rebuild: leaf %d: %w", i, err)
			}
			arts = append(arts, art{a.Case, a.SHA256, a.Size})
		}
	}
	rep.ErasedCases = len(erased)
	keys := map[string]bool{}
	for o, err := range b.List(ctx, escrowDir, false) {
		if err != nil {
			return nil, err
		}
		parts := strings.Split(strings.TrimPrefix(o.Key, escrowDir), "/")
		if len(parts) != 2 || erased[parts[0]] {
			continue
		}
		if err := s.unescrow(ctx, b, o.Key, parts[0], blobs, ids); err != nil {
			return nil, err
		}
		keys[parts[0]] = true
		rep.Cases++
	}
	for _, a := range arts {
		if erased[a.caseID] {
			continue
		}
		if !keys[a.caseID] {
			return nil, fmt.Errorf("mirror: rebuild: case %s has blobs but no escrowed key in the mirror", a.caseID)
		}
		key := blobsDir + a.caseID + "/" + a.sum
		rc, err := b.Open(ctx, key)
		if err != nil {
			return nil, fmt.Errorf("mirror: rebuild: %w", err)
		}
		err = blobs.ImportSealed(ctx, a.caseID, a.sum, a.size, rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("mirror: rebuild: %s: %w", key, err)
		}
		rep.Blobs++
	}
	return rep, nil
}

// unescrow decrypts one escrowed case key and stores it wrapped by the new box.
func (s *Snapshot) unescrow(ctx context.Context, b *Bucket, key, caseID string, blobs *blob.Store, ids []age.Identity) error {
	sealed, err := b.Get(ctx, key, maxSmall)
	if err != nil {
		return err
	}
	r, err := age.Decrypt(bytes.NewReader(sealed), ids...)
	if err != nil {
		return fmt.Errorf("mirror: %s: not readable with the recovery key: %w", key, err)
	}
	plain, err := io.ReadAll(io.LimitReader(r, 1<<16))
	if err != nil {
		return fmt.Errorf("mirror: %s: %w", key, err)
	}
	defer clear(plain)
	var rec escrowRecord
	if err := strictjson.DecodeFormat(key, plain, escrowFormat, &rec); err != nil {
		return fmt.Errorf("mirror: %w", err)
	}
	defer clear(rec.Key)
	if rec.Case != caseID {
		return fmt.Errorf("mirror: %s holds the key of case %q", key, rec.Case)
	}
	id, err := blobs.ImportKey(ctx, caseID, rec.Key)
	if err != nil {
		return fmt.Errorf("mirror: %s: %w", key, err)
	}
	if id != rec.KeyID || !strings.HasSuffix(key, "/"+id+".age") {
		return fmt.Errorf("mirror: %s: the key's id is %s", key, id)
	}
	return nil
}
