package android

import "encoding/binary"

// fieldElement is an element of GF(2^128) in GCM's bit order: hi holds bytes
// 0..7 and lo bytes 8..15 of the 16-byte block, both big-endian, so the most
// significant bit of hi is the coefficient of x^0.
type fieldElement struct{ hi, lo uint64 }

// one is the multiplicative identity (x^0) in GCM's bit order.
var one = fieldElement{hi: 1 << 63}

func loadElement(b []byte) fieldElement {
	return fieldElement{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:16])}
}

func (x fieldElement) put(b []byte) {
	binary.BigEndian.PutUint64(b[:8], x.hi)
	binary.BigEndian.PutUint64(b[8:16], x.lo)
}

func (x fieldElement) xor(y fieldElement) fieldElement {
	return fieldElement{x.hi ^ y.hi, x.lo ^ y.lo}
}

// mul multiplies in GF(2^128) modulo x^128+x^7+x^2+x+1 with the bit-serial
// algorithm of NIST SP 800-38D (Algorithm 1). It is slow (128 steps) and is
// only used a handful of times per megabyte: the bulk GHASH runs in the
// standard library's accelerated GCM (see gcmstream.go).
func (x fieldElement) mul(y fieldElement) fieldElement {
	var z fieldElement
	v := y
	for i := 0; i < 128; i++ {
		var bit uint64
		if i < 64 {
			bit = x.hi >> (63 - i) & 1
		} else {
			bit = x.lo >> (127 - i) & 1
		}
		if bit == 1 {
			z.hi ^= v.hi
			z.lo ^= v.lo
		}
		carry := v.lo & 1
		v.lo = v.lo>>1 | v.hi<<63
		v.hi >>= 1
		if carry == 1 {
			v.hi ^= 0xe1 << 56
		}
	}
	return z
}

// pow returns x^n by square-and-multiply.
func (x fieldElement) pow(n uint64) fieldElement {
	r := one
	for b := x; n > 0; n >>= 1 {
		if n&1 == 1 {
			r = r.mul(b)
		}
		b = b.mul(b)
	}
	return r
}

// inverse returns x^-1 = x^(2^128-2); x must not be zero (H = E_K(0) is zero
// with probability 2^-128).
func (x fieldElement) inverse() fieldElement {
	t := x // t = x^(2^k-1), k = 1
	for k := 1; k < 127; k++ {
		t = t.mul(t).mul(x)
	}
	return t.mul(t) // (x^(2^127-1))^2 = x^(2^128-2)
}
