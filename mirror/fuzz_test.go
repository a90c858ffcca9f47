package mirror

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"testing"
)

// FuzzSplitBundle: an entry bundle read from a mirror is outside data; it is split into exactly the leaves the tile
// says, or refused, never more and never a panic.
func FuzzSplitBundle(f *testing.F) {
	leaf := []byte(`{"case":"","seq":0,"time":"2026-12-07T03:00:00Z","type":"provision","v":1}`)
	var two []byte
	for range 2 {
		two = binary.BigEndian.AppendUint16(two, uint16(len(leaf)))
		two = append(two, leaf...)
	}
	f.Add(two, 2)
	f.Add(two[:len(two)-1], 2)
	f.Add([]byte{0}, 1)
	f.Add([]byte{}, 0)
	f.Fuzz(func(t *testing.T, b []byte, w int) {
		if w < 0 || w > 256 {
			return
		}
		leaves, bad, err := splitBundle(b, w)
		if err != nil {
			if leaves != nil || bad < 0 || bad > w {
				t.Fatalf("refused with %d leaves, first bad %d of %d", len(leaves), bad, w)
			}
			return
		}
		if len(leaves) != w {
			t.Fatalf("%d leaves, want %d", len(leaves), w)
		}
		var again []byte
		for _, l := range leaves {
			again = binary.BigEndian.AppendUint16(again, uint16(len(l)))
			again = append(again, l...)
		}
		if !bytes.Equal(again, b) {
			t.Fatal("the leaves do not make the bundle again")
		}
	})
}

// FuzzNoteSize: the mirror's newest checkpoint is read for its size before anything is replaced.
func FuzzNoteSize(f *testing.F) {
	f.Add([]byte("attesta/0123456789abcdef\n42\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n— attesta/0123456789abcdef x\n"))
	f.Add([]byte("a\n-1\n"))
	f.Add([]byte("a\n18446744073709551616\nx"))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := noteSize(b)
		if err == nil && !bytes.Contains(b, []byte("\n"+uintString(n)+"\n")) {
			t.Fatalf("size %d is not the note's second line", n)
		}
	})
}

func uintString(n uint64) string { return strconv.FormatUint(n, 10) }
