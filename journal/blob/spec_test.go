package blob_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestFormatMatchesSpec decodes a key file and a blob file with nothing but the package doc's description and the
// standard library, so that the documented format and the code cannot drift apart.
func TestFormatMatchesSpec(t *testing.T) {
	f := newFixture(t)
	data := randomBytes(60, 2*chunkSize+17)
	ref := f.put("c", data)

	kf := mustRead(t, filepath.Join(f.dir, "c", "key"))
	if string(kf[:8]) != "ATSTCKEY" || kf[8] != 1 {
		t.Fatalf("key file starts %q", kf[:9])
	}
	n := int(binary.BigEndian.Uint32(kf[25:29]))
	if len(kf) != 29+n+32 {
		t.Fatalf("key file is %d bytes, want %d", len(kf), 29+n+32)
	}
	if sum := sha256.Sum256(kf[:29+n]); !bytes.Equal(sum[:], kf[29+n:]) {
		t.Fatal("key file checksum does not match")
	}
	key, err := f.w.Unwrap(t.Context(), kf[29:29+n])
	if err != nil {
		t.Fatal(err)
	}
	id, _ := hkdf.Key(sha256.New, key, nil, "attesta blob v1 key id", 16)
	if !bytes.Equal(id, kf[9:25]) || hex.EncodeToString(id) != ref.KeyID {
		t.Fatalf("key id %x, key file says %x, Ref says %s", id, kf[9:25], ref.KeyID)
	}

	bf := mustRead(t, f.path(ref))
	h := bf[:headerSize]
	if string(h[:8]) != "ATSTBLOB" || h[8] != 1 || h[9] != 16 || h[10] != 0 || h[11] != 0 {
		t.Fatalf("blob header starts %x", h[:12])
	}
	if !bytes.Equal(h[12:28], id) || binary.BigEndian.Uint64(h[60:68]) != uint64(len(data)) || hex.EncodeToString(h[68:100]) != ref.SHA256 {
		t.Fatalf("blob header fields do not match: %x", h)
	}
	salt := h[28:60]
	ek, _ := hkdf.Key(sha256.New, key, salt, "attesta blob v1 chunk key", 32)
	mk, _ := hkdf.Key(sha256.New, key, salt, "attesta blob v1 header mac key", 32)
	mac := hmac.New(sha256.New, mk)
	mac.Write(h[:100])
	if !hmac.Equal(mac.Sum(nil), h[100:132]) {
		t.Fatal("header MAC does not verify")
	}
	block, _ := aes.NewCipher(ek)
	gcm, _ := cipher.NewGCM(block)
	var plain []byte
	rest := bf[headerSize:]
	for i := uint64(0); len(rest) > 0; i++ {
		l := min(len(rest), chunkSpan)
		nonce := make([]byte, 12)
		binary.BigEndian.PutUint64(nonce[3:11], i)
		if l == len(rest) {
			nonce[11] = 1
		}
		p, err := gcm.Open(nil, nonce, rest[:l], nil)
		if err != nil {
			t.Fatalf("chunk %d: %v", i, err)
		}
		plain, rest = append(plain, p...), rest[l:]
	}
	if !bytes.Equal(plain, data) {
		t.Fatal("decrypted plaintext differs")
	}
}

func TestReaderStopsWithContext(t *testing.T) {
	f := newFixture(t)
	ref := f.put("c", randomBytes(61, 3*chunkSize))
	ctx, cancel := context.WithCancel(t.Context())
	r, err := f.s.Open(ctx, "c", ref.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := io.ReadFull(r, make([]byte, chunkSize)); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := io.ReadAll(r); !errors.Is(err, context.Canceled) {
		t.Fatalf("read after cancel: %v, want context.Canceled", err)
	}
	r.Close()
	if _, err := r.Read(make([]byte, 1)); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("read after Close: %v", err)
	}
}
