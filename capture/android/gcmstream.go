package android

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
)

// gcmStream is AES-256-GCM (any nonce length, no additional data) computed
// incrementally, so that a backup of any size is decrypted and authenticated
// in one pass with bounded memory. The standard library's AEAD is one-shot:
// it needs the whole ciphertext in memory before it releases any plaintext.
//
// GCM is CTR mode plus GHASH over the ciphertext. The keystream comes from
// crypto/cipher's CTR mode, restarted whenever GCM's 32-bit counter would
// wrap (GCM increments only the low 32 bits; cipher.NewCTR carries into the
// upper 96). GHASH is linear, so a stretch of m whole blocks folds into the
// running value as Y' = Y·H^m ⊕ G, where G is the GHASH of the stretch from
// zero. G is obtained from the standard library's accelerated GCM, sealing an
// empty message with the stretch as additional data under the same key (hence
// the same H) and a fixed nonce: its tag is E_K(N‖1) ⊕ (G ⊕ L)·H, which we
// unmask and divide by H. Only a few field multiplications per stretch run in
// plain Go.
type gcmStream struct {
	key  *ghashKey
	ctr  ctr32
	hash ghashState
	ekj0 [16]byte // E_K(J0): masks the final GHASH into the tag
}

// ghashKey holds what GHASH needs that does not change during a stream.
type ghashKey struct {
	aead  cipher.AEAD // 12-byte-nonce GCM over the same AES key, used as a GHASH engine
	h     fieldElement
	hInv  fieldElement
	mask0 fieldElement // E_K(0^96 ‖ 1): the tag mask of aead with the zero nonce
	pows  map[uint64]fieldElement
	buf   []byte
}

// ghashState is the running GHASH over the ciphertext. It is a value so that
// the decrypter can try two trailer layouts from the same state.
type ghashState struct {
	y       fieldElement
	partial [16]byte
	np      int
	n       uint64 // ciphertext bytes absorbed
}

// fastGHASHMin is the stretch below which plain-Go block multiplications are
// cheaper than a call into the standard library.
const fastGHASHMin = 8 * 16

var zeroNonce12 [12]byte

func newGCMStream(key, nonce []byte) (*gcmStream, error) {
	if len(nonce) == 0 {
		return nil, errors.New("gcm: empty nonce")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("gcm: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("gcm: %w", err)
	}
	var hb, m0 [16]byte
	block.Encrypt(hb[:], hb[:])
	var j [16]byte
	j[15] = 1
	block.Encrypt(m0[:], j[:])
	h := loadElement(hb[:])
	k := &ghashKey{aead: aead, h: h, hInv: h.inverse(), mask0: loadElement(m0[:]),
		pows: make(map[uint64]fieldElement)}
	g := &gcmStream{key: k}
	j0 := k.counterBlock(nonce)
	block.Encrypt(g.ekj0[:], j0[:])
	g.ctr.init(block, j0)
	return g, nil
}

// counterBlock derives J0 from the nonce (SP 800-38D §7.1).
func (k *ghashKey) counterBlock(nonce []byte) [16]byte {
	var j0 [16]byte
	if len(nonce) == 12 {
		copy(j0[:], nonce)
		j0[15] = 1
		return j0
	}
	var s ghashState
	s.write(k, nonce)
	s.pad(k)
	s.y = s.y.xor(fieldElement{0, uint64(len(nonce)) * 8}).mul(k.h)
	s.y.put(j0[:])
	return j0
}

// decrypt authenticates ct into the running GHASH and writes its plaintext
// to dst (len(dst) >= len(ct); dst and ct may be the same slice).
func (g *gcmStream) decrypt(dst, ct []byte) {
	g.hash.write(g.key, ct)
	g.ctr.xor(dst, ct)
}

// encrypt writes the ciphertext of pt to dst and absorbs it into GHASH.
func (g *gcmStream) encrypt(dst, pt []byte) {
	g.ctr.xor(dst, pt)
	g.hash.write(g.key, dst[:len(pt)])
}

// tag returns the GCM tag for state s.
func (g *gcmStream) tag(s ghashState) [16]byte {
	s.pad(g.key)
	y := s.y.xor(fieldElement{0, s.n * 8}).mul(g.key.h)
	var t [16]byte
	y.put(t[:])
	subtle.XORBytes(t[:], t[:], g.ekj0[:])
	return t
}

// verify reports whether want is the tag of state s, in constant time.
func (g *gcmStream) verify(s ghashState, want []byte) bool {
	t := g.tag(s)
	return subtle.ConstantTimeCompare(t[:], want) == 1
}

func (s *ghashState) write(k *ghashKey, p []byte) {
	s.n += uint64(len(p))
	if s.np > 0 {
		c := copy(s.partial[s.np:], p)
		s.np += c
		p = p[c:]
		if s.np < 16 {
			return
		}
		s.y = s.y.xor(loadElement(s.partial[:])).mul(k.h)
		s.np = 0
	}
	full := len(p) &^ 15
	if full > 0 {
		s.y = k.blocks(s.y, p[:full])
	}
	s.np = copy(s.partial[:], p[full:])
}

// pad absorbs a pending partial block, zero-padded, as GHASH requires at the
// end of the ciphertext.
func (s *ghashState) pad(k *ghashKey) {
	if s.np == 0 {
		return
	}
	clear(s.partial[s.np:])
	s.y = s.y.xor(loadElement(s.partial[:])).mul(k.h)
	s.np = 0
}

// blocks folds whole blocks p into y.
func (k *ghashKey) blocks(y fieldElement, p []byte) fieldElement {
	if len(p) < fastGHASHMin {
		for ; len(p) > 0; p = p[16:] {
			y = y.xor(loadElement(p)).mul(k.h)
		}
		return y
	}
	k.buf = k.aead.Seal(k.buf[:0], zeroNonce12[:], nil, p)
	s := loadElement(k.buf).xor(k.mask0)
	g := s.mul(k.hInv).xor(fieldElement{uint64(len(p)) * 8, 0})
	return y.mul(k.hpow(uint64(len(p) / 16))).xor(g)
}

func (k *ghashKey) hpow(m uint64) fieldElement {
	if p, ok := k.pows[m]; ok {
		return p
	}
	p := k.h.pow(m)
	if len(k.pows) < 16 {
		k.pows[m] = p
	}
	return p
}

// ctr32 is GCM's counter mode: the low 32 bits of the counter block wrap
// without carrying into the upper 96.
type ctr32 struct {
	block cipher.Block
	hi    [12]byte
	lo    uint32
	s     cipher.Stream
	left  uint64 // keystream bytes before the low 32 bits wrap
}

func (c *ctr32) init(block cipher.Block, j0 [16]byte) {
	c.block = block
	copy(c.hi[:], j0[:12])
	c.lo = binary.BigEndian.Uint32(j0[12:]) + 1
	c.reset()
}

func (c *ctr32) reset() {
	var iv [16]byte
	copy(iv[:], c.hi[:])
	binary.BigEndian.PutUint32(iv[12:], c.lo)
	c.s = cipher.NewCTR(c.block, iv[:])
	c.left = ((1 << 32) - uint64(c.lo)) * 16
}

func (c *ctr32) xor(dst, src []byte) {
	for len(src) > 0 {
		if c.left == 0 {
			c.lo = 0
			c.reset()
		}
		n := uint64(len(src))
		if n > c.left {
			n = c.left
		}
		c.s.XORKeyStream(dst[:n], src[:n])
		dst, src = dst[n:], src[n:]
		c.left -= n
	}
}
