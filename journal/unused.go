package journal

import (
	"context"
	"fmt"
	"os"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// Bytes of bbolt's file format that the unused-space scan reads besides those of pagecheck.go.
const (
	freelistPageFlag = 0x10
	noFreelist       = ^uint64(0)
)

// CheckUnused scans the bbolt file of a closed or read-only journal for bytes that bbolt never leaves as they are:
// the standby meta page (it must still be a valid meta page), the slack after the data of every live page and of
// the meta and freelist pages (bbolt writes it as zeros), the slack of free pages that are former branch or leaf
// pages, and the pages past the high-water mark (never written). It returns one finding per altered place, each
// starting with "unused space altered"; none means none was found. Such changes do not touch the evidence —
// Verify checks that — but tell an examiner that the file was written by something other than the journal.
// Free pages hold stale data bbolt does not check, so a change inside their old elements cannot be seen.
func CheckUnused(ctx context.Context, path string) ([]string, error) {
	// The shared lock of a read-only open keeps writers out while the file is read.
	db, err := bolt.Open(path, 0o400, &bolt.Options{Timeout: lockTimeout, ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("journal: scan unused space of %s: %w", path, boltOpenError(err))
	}
	defer db.Close()
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("journal: scan unused space of %s: %w", path, err)
	}
	defer f.Close()
	s := &unusedScan{pageWalker: pageWalker{f: f, seen: map[uint64]bool{}, used: map[uint64]int{}}}
	if err := s.scan(ctx); err != nil {
		return nil, fmt.Errorf("journal: scan unused space of %s: %w: %w", path, err, ErrCorrupt)
	}
	return s.findings, nil
}

type unusedScan struct {
	pageWalker
	findings []string
}

func (s *unusedScan) report(format string, args ...any) {
	s.findings = append(s.findings, "unused space altered: "+fmt.Sprintf(format, args...))
}

func (s *unusedScan) scan(ctx context.Context) error {
	root, err := s.readMeta()
	if err != nil {
		return err
	}
	if err := s.walk(root, 0); err != nil {
		return err
	}
	s.metaPages()
	free, err := s.freelist()
	if err != nil {
		return err
	}
	st, err := s.f.Stat()
	if err != nil {
		return err
	}
	pages := uint64(st.Size()) / s.pageSize
	buf := make([]byte, s.pageSize)
	for id := uint64(2); id < pages; id++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, live := s.used[id]
		switch {
		case live:
			s.checkSlack(id, n)
		case id >= s.hwm:
			if _, err := s.f.ReadAt(buf, int64(id*s.pageSize)); err != nil {
				return err
			}
			if i := nonZero(buf); i >= 0 {
				s.report("page %d, past the %d pages in use, byte %d is not zero", id, s.hwm, i)
			}
		case free[id]:
			s.checkFreePage(id)
		}
	}
	return nil
}

// metaPages checks both meta pages: valid, and zero after the meta.
func (s *unusedScan) metaPages() {
	buf := make([]byte, s.pageSize)
	for id := range uint64(2) {
		if _, err := s.f.ReadAt(buf, int64(id*s.pageSize)); err != nil {
			s.report("meta page %d unreadable: %v", id, err)
			continue
		}
		if !validMeta(buf[pageHeaderSize : pageHeaderSize+metaSize]) {
			s.report("meta page %d no longer checks (the standby meta page, which bbolt would fall back to)", id)
		}
		if i := nonZero(buf[pageHeaderSize+metaSize:]); i >= 0 {
			s.report("meta page %d, byte %d after the meta is not zero", id, pageHeaderSize+metaSize+i)
		}
	}
}

// freelist reads the freelist page of the current meta (readMeta), marks it live with its used length, and returns
// the free page ids it lists.
func (s *unusedScan) freelist() (map[uint64]bool, error) {
	id := s.freelistID
	free := map[uint64]bool{}
	if id == noFreelist {
		return free, nil
	}
	var hdr [pageHeaderSize + 8]byte
	if id < 2 || id >= s.hwm {
		return nil, fmt.Errorf("freelist page %d out of bounds", id)
	}
	if _, err := s.f.ReadAt(hdr[:], int64(id*s.pageSize)); err != nil {
		return nil, err
	}
	overflow := uint64(ne.Uint32(hdr[12:]))
	if ne.Uint16(hdr[8:]) != freelistPageFlag || id+overflow >= s.hwm {
		return nil, fmt.Errorf("page %d is not the freelist", id)
	}
	buf := make([]byte, (overflow+1)*s.pageSize)
	if _, err := s.f.ReadAt(buf, int64(id*s.pageSize)); err != nil {
		return nil, err
	}
	count, start := uint64(ne.Uint16(buf[10:])), uint64(pageHeaderSize)
	if count == 0xFFFF {
		count, start = ne.Uint64(buf[pageHeaderSize:]), pageHeaderSize+8
	}
	if start+count*8 > uint64(len(buf)) {
		return nil, fmt.Errorf("freelist page %d: %d ids do not fit", id, count)
	}
	for i := range count {
		free[ne.Uint64(buf[start+i*8:])] = true
	}
	for p := id; p <= id+overflow; p++ {
		s.seen[p] = true
	}
	s.used[id] = int(start + count*8)
	return free, nil
}

// checkSlack reports non-zero bytes after the n used bytes of live page id and its overflow pages.
func (s *unusedScan) checkSlack(id uint64, n int) {
	var hdr [pageHeaderSize]byte
	if _, err := s.f.ReadAt(hdr[:], int64(id*s.pageSize)); err != nil {
		return
	}
	buf := make([]byte, (uint64(ne.Uint32(hdr[12:]))+1)*s.pageSize)
	if _, err := s.f.ReadAt(buf, int64(id*s.pageSize)); err != nil || n > len(buf) {
		return
	}
	if i := nonZero(buf[n:]); i >= 0 {
		s.report("page %d, byte %d after its data is not zero", id, n+i)
	}
}

// checkFreePage checks the slack of a free page that still reads as a branch or leaf page of its own id.
func (s *unusedScan) checkFreePage(id uint64) {
	buf := make([]byte, s.pageSize)
	if _, err := s.f.ReadAt(buf, int64(id*s.pageSize)); err != nil {
		return
	}
	flags := ne.Uint16(buf[8:])
	if ne.Uint64(buf[0:]) != id || ne.Uint32(buf[12:]) != 0 || flags != branchPage && flags != leafPage {
		return // an overflow page or one whose old content cannot be told
	}
	n, ok := usedBytes(buf)
	if !ok {
		s.report("free page %d: its elements no longer fit the page", id)
		return
	}
	if i := nonZero(buf[n:]); i >= 0 {
		s.report("free page %d, byte %d after its old data is not zero", id, n+i)
	}
}

// usedBytes returns how many bytes from the start of a branch or leaf page its header, elements, keys and values
// take; bbolt packs them from the start, so the rest is slack.
func usedBytes(buf []byte) (int, bool) {
	flags, count := ne.Uint16(buf[8:]), int(ne.Uint16(buf[10:]))
	end := pageHeaderSize + count*pageElementSize
	if end > len(buf) {
		return 0, false
	}
	for i := range count {
		at := pageHeaderSize + i*pageElementSize
		e := buf[at : at+pageElementSize]
		var n uint64
		if flags == branchPage {
			n = uint64(at) + uint64(ne.Uint32(e[0:])) + uint64(ne.Uint32(e[4:]))
		} else {
			n = uint64(at) + uint64(ne.Uint32(e[4:])) + uint64(ne.Uint32(e[8:])) + uint64(ne.Uint32(e[12:]))
		}
		if n > uint64(len(buf)) {
			return 0, false
		}
		end = max(end, int(n))
	}
	return end, true
}

// nonZero returns the index of the first non-zero byte of b, or -1.
func nonZero(b []byte) int {
	if i := slices.IndexFunc(b, func(c byte) bool { return c != 0 }); i >= 0 {
		return i
	}
	return -1
}
