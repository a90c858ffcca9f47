package plist

import (
	"encoding/binary"
	"math"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

const binaryMagic = "bplist00"

// appleEpoch is 2001-01-01T00:00:00Z, the origin of plist dates.
var appleEpoch = time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)

type bparser struct {
	b        []byte
	offsets  []uint64
	refSize  int
	memo     []any
	state    []uint8 // 0 unread, 1 being read (a cycle if met again), 2 read
	objTable uint64  // where the offset table starts: objects lie before it
}

func parseBinary(b []byte) (any, error) {
	if len(b) < 8+32 {
		return nil, errorf("binary list of %d bytes is shorter than its header and trailer", len(b))
	}
	t := b[len(b)-32:]
	offSize, refSize := int(t[6]), int(t[7])
	n, top, table := binary.BigEndian.Uint64(t[8:]), binary.BigEndian.Uint64(t[16:]), binary.BigEndian.Uint64(t[24:])
	if !validIntSize(offSize) || !validIntSize(refSize) {
		return nil, errorf("trailer: offset size %d, reference size %d (want 1, 2, 4 or 8)", offSize, refSize)
	}
	if n == 0 || n > maxObjects || top >= n {
		return nil, errorf("trailer: %d objects, top object %d", n, top)
	}
	end := uint64(len(b) - 32)
	if table < 8 || table > end || (end-table)/uint64(offSize) < n {
		return nil, errorf("trailer: offset table at %d does not fit %d offsets of %d bytes before byte %d", table, n, offSize, end)
	}
	p := &bparser{b: b, refSize: refSize, offsets: make([]uint64, n), memo: make([]any, n), state: make([]uint8, n), objTable: table}
	for i := range p.offsets {
		off := readUint(b[table+uint64(i*offSize):], offSize)
		if off < 8 || off >= table {
			return nil, errorf("object %d: offset %d outside the object area [8,%d)", i, off, table)
		}
		p.offsets[i] = off
	}
	return p.object(top, 0)
}

func validIntSize(n int) bool { return n == 1 || n == 2 || n == 4 || n == 8 }

func readUint(b []byte, size int) uint64 {
	var v uint64
	for _, c := range b[:size] {
		v = v<<8 | uint64(c)
	}
	return v
}

// span returns n bytes at off, inside the object area.
func (p *bparser) span(obj, off, n uint64) ([]byte, error) {
	if off > p.objTable || n > p.objTable-off {
		return nil, errorf("object %d at %d: %d bytes run past the object area", obj, off, n)
	}
	return p.b[off : off+n], nil
}

func (p *bparser) object(i uint64, depth int) (any, error) {
	if i >= uint64(len(p.offsets)) {
		return nil, errorf("reference to object %d of %d", i, len(p.offsets))
	}
	switch p.state[i] {
	case 2:
		return p.memo[i], nil
	case 1:
		return nil, errorf("object %d refers to itself", i)
	}
	if depth > MaxDepth {
		return nil, errorf("object %d: nesting deeper than %d", i, MaxDepth)
	}
	p.state[i] = 1
	v, err := p.decode(i, depth)
	if err != nil {
		return nil, err
	}
	p.memo[i], p.state[i] = v, 2
	return v, nil
}

func (p *bparser) decode(i uint64, depth int) (any, error) {
	off := p.offsets[i]
	marker := p.b[off]
	kind, info := uint64(marker>>4), uint64(marker&0xF)
	off++
	switch kind {
	case 0x0:
		switch marker {
		case 0x08:
			return false, nil
		case 0x09:
			return true, nil
		}
		return nil, errorf("object %d at %d: marker %#02x not read (null and fill are not values)", i, off-1, marker)
	case 0x1:
		if info > 3 {
			return nil, errorf("object %d at %d: integer of %d bytes", i, off-1, 1<<info)
		}
		b, err := p.span(i, off, 1<<info)
		if err != nil {
			return nil, err
		}
		v := readUint(b, len(b))
		if info < 3 {
			return int64(v), nil // 1, 2 and 4-byte integers are unsigned
		}
		return int64(v), nil // 8-byte integers are signed
	case 0x2:
		return p.real(i, off, info)
	case 0x3:
		if marker != 0x33 {
			return nil, errorf("object %d at %d: marker %#02x", i, off-1, marker)
		}
		f, err := p.real(i, off, 3)
		if err != nil {
			return nil, err
		}
		return dateOf(f.(float64), i)
	case 0x4, 0x5, 0x6:
		return p.bytesLike(i, off, kind, info)
	case 0x8:
		b, err := p.span(i, off, info+1)
		if err != nil || info > 7 {
			return nil, errorf("object %d at %d: UID of %d bytes", i, off-1, info+1)
		}
		return UID(readUint(b, len(b))), nil
	case 0xA, 0xD:
		return p.container(i, off, kind, info, depth)
	}
	return nil, errorf("object %d at %d: unknown marker %#02x", i, off-1, marker)
}

func (p *bparser) real(i, off, info uint64) (any, error) {
	switch info {
	case 2:
		b, err := p.span(i, off, 4)
		if err != nil {
			return nil, err
		}
		return float64(math.Float32frombits(binary.BigEndian.Uint32(b))), nil
	case 3:
		b, err := p.span(i, off, 8)
		if err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.BigEndian.Uint64(b)), nil
	}
	return nil, errorf("object %d at %d: real of %d bytes", i, off-1, 1<<info)
}

func dateOf(f float64, i uint64) (any, error) {
	if math.IsNaN(f) || math.Abs(f) > 1e11 { // beyond ±3000 years: not a date anyone wrote
		return nil, errorf("object %d: date %v out of range", i, f)
	}
	sec, frac := math.Modf(f)
	return appleEpoch.Add(time.Duration(sec)*time.Second + time.Duration(frac*1e9)), nil
}

// count reads a length: the marker's low nibble, or an integer object after it when the nibble is 0xF.
func (p *bparser) count(i, off, info uint64) (n, next uint64, err error) {
	if info != 0xF {
		return info, off, nil
	}
	if off >= p.objTable {
		return 0, 0, errorf("object %d: length runs past the object area", i)
	}
	m := p.b[off]
	if m>>4 != 0x1 || m&0xF > 3 {
		return 0, 0, errorf("object %d at %d: length marker %#02x is not an integer", i, off, m)
	}
	size := uint64(1) << (m & 0xF)
	b, err := p.span(i, off+1, size)
	if err != nil {
		return 0, 0, err
	}
	n = readUint(b, len(b))
	if n > p.objTable {
		return 0, 0, errorf("object %d at %d: length %d is larger than the file", i, off, n)
	}
	return n, off + 1 + size, nil
}

func (p *bparser) bytesLike(i, off, kind, info uint64) (any, error) {
	n, off, err := p.count(i, off, info)
	if err != nil {
		return nil, err
	}
	switch kind {
	case 0x4:
		b, err := p.span(i, off, n)
		if err != nil {
			return nil, err
		}
		return append([]byte(nil), b...), nil
	case 0x5:
		b, err := p.span(i, off, n)
		if err != nil {
			return nil, err
		}
		for _, c := range b {
			if c >= 0x80 {
				return nil, errorf("object %d at %d: ASCII string with byte %#02x", i, off, c)
			}
		}
		return string(b), nil
	}
	b, err := p.span(i, off, 2*n)
	if err != nil {
		return nil, err
	}
	u := make([]uint16, n)
	for k := range u {
		u[k] = binary.BigEndian.Uint16(b[2*k:])
	}
	s := string(utf16.Decode(u))
	if !utf8.ValidString(s) {
		return nil, errorf("object %d at %d: invalid UTF-16", i, off)
	}
	return s, nil
}

func (p *bparser) container(i, off, kind, info uint64, depth int) (any, error) {
	n, off, err := p.count(i, off, info)
	if err != nil {
		return nil, err
	}
	refs := n
	if kind == 0xD {
		refs = 2 * n
	}
	b, err := p.span(i, off, refs*uint64(p.refSize))
	if err != nil {
		return nil, err
	}
	ref := func(k uint64) uint64 { return readUint(b[k*uint64(p.refSize):], p.refSize) }
	if kind == 0xA {
		arr := make([]any, n)
		for k := range arr {
			if arr[k], err = p.object(ref(uint64(k)), depth+1); err != nil {
				return nil, err
			}
		}
		return arr, nil
	}
	d := make(map[string]any, n)
	for k := uint64(0); k < n; k++ {
		kv, err := p.object(ref(k), depth+1)
		if err != nil {
			return nil, err
		}
		key, ok := kv.(string)
		if !ok {
			return nil, errorf("object %d: dictionary key %d is %s, not a string", i, k, typeName(kv))
		}
		if _, dup := d[key]; dup {
			return nil, errorf("object %d: dictionary key %q twice", i, key)
		}
		if d[key], err = p.object(ref(n+k), depth+1); err != nil {
			return nil, err
		}
	}
	return d, nil
}
