package android

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	mrand "math/rand/v2"
	"testing"
)

// streamSeal encrypts pt with gcmStream, feeding it in pieces of random size.
func streamSeal(t *testing.T, key, nonce, pt []byte, rng *mrand.Rand) []byte {
	t.Helper()
	g, err := newGCMStream(key, nonce)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]byte, len(pt))
	for off := 0; off < len(pt); {
		n := min(1+rng.IntN(70000), len(pt)-off)
		g.encrypt(out[off:off+n], pt[off:off+n])
		off += n
	}
	tag := g.tag(g.hash)
	return append(out, tag[:]...)
}

func TestGCMStreamMatchesStdlib(t *testing.T) {
	rng := mrand.New(mrand.NewPCG(1, 2))
	sizes := []int{0, 1, 15, 16, 17, 127, 128, 129, 4096, 65536 + 3, 300001}
	for _, nonceLen := range []int{12, 16} {
		for _, size := range sizes {
			key := make([]byte, 32)
			nonce := make([]byte, nonceLen)
			pt := make([]byte, size)
			rand.Read(key)
			rand.Read(nonce)
			rand.Read(pt)
			block, _ := aes.NewCipher(key)
			aead, err := cipher.NewGCMWithNonceSize(block, nonceLen)
			if err != nil {
				t.Fatal(err)
			}
			want := aead.Seal(nil, nonce, pt, nil)
			got := streamSeal(t, key, nonce, pt, rng)
			if !bytes.Equal(got, want) {
				t.Fatalf("nonce %d size %d: streaming GCM differs from crypto/cipher", nonceLen, size)
			}
			// And the decrypting direction verifies the stdlib's output.
			g, _ := newGCMStream(key, nonce)
			back := make([]byte, size)
			g.decrypt(back, want[:size])
			if !bytes.Equal(back, pt) || !g.verify(g.hash, want[size:]) {
				t.Fatalf("nonce %d size %d: streaming decrypt failed", nonceLen, size)
			}
		}
	}
}

// TestGCMStreamCounterWrap crafts a 16-byte nonce whose J0 ends in
// 0xfffffff0, so the 32-bit counter wraps after 15 blocks: GCM must not carry
// into the upper 96 bits, as plain CTR mode would.
func TestGCMStreamCounterWrap(t *testing.T) {
	key := make([]byte, 32)
	rand.Read(key)
	g, err := newGCMStream(key, make([]byte, 16))
	if err != nil {
		t.Fatal(err)
	}
	h := g.key.h
	var j0b [16]byte
	rand.Read(j0b[:12])
	copy(j0b[12:], []byte{0xff, 0xff, 0xff, 0xf0})
	// J0 = ((IV·H) ⊕ L)·H with L = 0^64 ‖ 128, so IV = (J0·H⁻¹ ⊕ L)·H⁻¹.
	hInv := h.inverse()
	iv := loadElement(j0b[:]).mul(hInv).xor(fieldElement{0, 128}).mul(hInv)
	nonce := make([]byte, 16)
	iv.put(nonce)
	if got := g.key.counterBlock(nonce); got != j0b {
		t.Fatalf("crafted nonce gives J0 %x, want %x", got, j0b)
	}
	block, _ := aes.NewCipher(key)
	aead, _ := cipher.NewGCMWithNonceSize(block, 16)
	pt := make([]byte, 64*16+5)
	rand.Read(pt)
	want := aead.Seal(nil, nonce, pt, nil)
	got := streamSeal(t, key, nonce, pt, mrand.New(mrand.NewPCG(3, 4)))
	if !bytes.Equal(got, want) {
		t.Fatal("streaming GCM differs from crypto/cipher across a 32-bit counter wrap")
	}
}

func TestFieldInverse(t *testing.T) {
	var b [16]byte
	rand.Read(b[:])
	x := loadElement(b[:])
	if x.mul(x.inverse()) != one {
		t.Fatal("x·x⁻¹ != 1")
	}
	if x.pow(5) != x.mul(x).mul(x).mul(x).mul(x) {
		t.Fatal("pow(5) wrong")
	}
}
