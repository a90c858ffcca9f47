package journal

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"os"
)

// checkPages walks the page graph of the bbolt file at path by reading the
// file, never mapping it, and checks what bbolt itself trusts when it maps
// the file: page ids within the high-water mark, page types, no page
// reachable twice (a cycle would make bbolt loop), and every element, key,
// value and inline bucket within its page. Only then is it safe to let bbolt
// walk the file, whose own check follows page references blindly.
//
// The layout is bbolt's file format version 2 in the host's byte order.
// The caller must keep writers out while it runs.
func checkPages(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := &pageWalker{f: f, seen: map[uint64]bool{}}
	root, err := w.readMeta()
	if err != nil {
		return fmt.Errorf("bbolt structure: %w: %w", err, ErrCorrupt)
	}
	if err := w.walk(root, 0); err != nil {
		return fmt.Errorf("bbolt structure: %w: %w", err, ErrCorrupt)
	}
	return nil
}

const (
	pageHeaderSize  = 16
	pageElementSize = 16
	branchPage      = 0x01
	leafPage        = 0x02
	bucketLeafFlag  = 0x01
	boltMagic       = 0xED0CDAED
	maxTreeDepth    = 64
	metaSize        = 64
)

var ne = binary.NativeEndian

type pageWalker struct {
	f        *os.File
	pageSize uint64
	hwm      uint64 // pages in use
	seen     map[uint64]bool
	used     map[uint64]int // when not nil: each live page's bytes in use (unused.go)

	freelistID uint64 // the current meta's freelist page
}

// readMeta picks the valid meta page with the higher transaction id, as
// bbolt does, and returns the root page of the root bucket. When meta page 0
// is damaged, meta page 1 is looked for at each possible page size, as bbolt
// falls back to it.
func (w *pageWalker) readMeta() (uint64, error) {
	best, size := w.metaAt(0)
	if best != nil {
		w.pageSize = size
		if m, _ := w.metaAt(int64(size)); m != nil && ne.Uint64(m[48:]) > ne.Uint64(best[48:]) {
			best = m
		}
	} else {
		for ps := uint64(1024); ps <= 1<<16 && best == nil; ps *= 2 {
			if m, size := w.metaAt(int64(ps)); m != nil && size == ps {
				best, w.pageSize = m, ps
			}
		}
	}
	if best == nil {
		return 0, fmt.Errorf("no valid meta page")
	}
	if w.pageSize < 1024 || w.pageSize > 1<<16 {
		return 0, fmt.Errorf("page size %d", w.pageSize)
	}
	w.hwm = ne.Uint64(best[40:])
	w.freelistID = ne.Uint64(best[32:])
	return ne.Uint64(best[16:]), nil
}

// metaAt reads the meta page at offset off and returns its meta and page
// size when it is valid (magic, version 2, checksum), else nil.
func (w *pageWalker) metaAt(off int64) ([]byte, uint64) {
	m := make([]byte, metaSize)
	if _, err := w.f.ReadAt(m, off+pageHeaderSize); err != nil || !validMeta(m) {
		return nil, 0
	}
	return m, uint64(ne.Uint32(m[8:]))
}

// validMeta checks a meta's magic, version and FNV-64a checksum.
func validMeta(m []byte) bool {
	h := fnv.New64a()
	h.Write(m[:56])
	return ne.Uint32(m[0:]) == boltMagic && ne.Uint32(m[4:]) == 2 && h.Sum64() == ne.Uint64(m[56:])
}

// walk checks page id and everything below it.
func (w *pageWalker) walk(id uint64, depth int) error {
	if depth > maxTreeDepth {
		return fmt.Errorf("page %d: tree deeper than %d", id, maxTreeDepth)
	}
	if id < 2 || id >= w.hwm {
		return fmt.Errorf("page %d: out of bounds (%d pages in use)", id, w.hwm)
	}
	var hdr [pageHeaderSize]byte
	if _, err := w.f.ReadAt(hdr[:], int64(id*w.pageSize)); err != nil {
		return fmt.Errorf("page %d: %w", id, err)
	}
	overflow := uint64(ne.Uint32(hdr[12:]))
	if ne.Uint64(hdr[0:]) != id || id+overflow >= w.hwm {
		return fmt.Errorf("page %d: bad header (id %d, overflow %d)", id, ne.Uint64(hdr[0:]), overflow)
	}
	for p := id; p <= id+overflow; p++ {
		if w.seen[p] {
			return fmt.Errorf("page %d: reachable twice", p)
		}
		w.seen[p] = true
	}
	buf := make([]byte, (overflow+1)*w.pageSize)
	if _, err := w.f.ReadAt(buf, int64(id*w.pageSize)); err != nil {
		return fmt.Errorf("page %d: %w", id, err)
	}
	if w.used != nil {
		n, ok := usedBytes(buf)
		if !ok {
			return fmt.Errorf("page %d: elements out of the page", id)
		}
		w.used[id] = n
	}
	return w.checkPage(buf, fmt.Sprintf("page %d", id), depth)
}

// checkPage checks a branch or leaf page held in buf (a file page or an
// inline bucket) and descends into its children and buckets.
func (w *pageWalker) checkPage(buf []byte, where string, depth int) error {
	if len(buf) < pageHeaderSize {
		return fmt.Errorf("%s: shorter than a page header", where)
	}
	flags, count := ne.Uint16(buf[8:]), int(ne.Uint16(buf[10:]))
	if pageHeaderSize+count*pageElementSize > len(buf) {
		return fmt.Errorf("%s: %d elements do not fit", where, count)
	}
	for i := range count {
		at := pageHeaderSize + i*pageElementSize
		e := buf[at : at+pageElementSize]
		switch flags {
		case branchPage:
			if err := w.inside(buf, at, ne.Uint32(e[0:]), ne.Uint32(e[4:]), where, i); err != nil {
				return err
			}
			if err := w.walk(ne.Uint64(e[8:]), depth+1); err != nil {
				return err
			}
		case leafPage:
			pos, ksize, vsize := ne.Uint32(e[4:]), ne.Uint32(e[8:]), ne.Uint32(e[12:])
			if err := w.inside(buf, at, pos, ksize+vsize, where, i); err != nil || ksize+vsize < ksize {
				return fmt.Errorf("%s: element %d out of the page", where, i)
			}
			if ne.Uint32(e[0:])&bucketLeafFlag != 0 {
				start := uint64(at) + uint64(pos) + uint64(ksize)
				if err := w.bucket(buf[start:start+uint64(vsize)], fmt.Sprintf("%s element %d", where, i), depth); err != nil {
					return err
				}
			}
		default:
			return fmt.Errorf("%s: type %#x, want a branch or leaf page", where, flags)
		}
	}
	return nil
}

// inside checks that n bytes at pos relative to the element at `at` lie in buf.
func (w *pageWalker) inside(buf []byte, at int, pos, n uint32, where string, i int) error {
	if end := uint64(at) + uint64(pos) + uint64(n); end > uint64(len(buf)) {
		return fmt.Errorf("%s: element %d out of the page", where, i)
	}
	return nil
}

// bucket checks a nested bucket: its root page, or its inline page.
func (w *pageWalker) bucket(v []byte, where string, depth int) error {
	if len(v) < 16 {
		return fmt.Errorf("%s: bucket header of %d bytes", where, len(v))
	}
	if root := ne.Uint64(v[0:]); root != 0 {
		return w.walk(root, depth+1)
	}
	if depth+1 > maxTreeDepth {
		return fmt.Errorf("%s: buckets nested deeper than %d", where, maxTreeDepth)
	}
	return w.checkPage(v[16:], where+" (inline bucket)", depth+1)
}
