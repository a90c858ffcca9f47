package android

import (
	"bytes"
	"compress/zlib"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"io"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// mixedPlaintext is a SQLite-like payload of about n bytes that exercises
// every kind of deflate block: the sample database repeated (long matches),
// incompressible stretches (stored blocks) and runs of zeros.
func mixedPlaintext(t testing.TB, n int) []byte {
	db := readVector(t, "wa-crypt-tools", "msgstore.db")
	rng := mrand.New(mrand.NewPCG(1, 2))
	out := make([]byte, 0, n+len(db))
	out = append(out, db...)
	for i := 0; len(out) < n; i++ {
		switch i % 3 {
		case 0:
			out = append(out, db[:rng.IntN(len(db))]...)
		case 1:
			r := make([]byte, rng.IntN(200_000))
			for j := range r {
				r[j] = byte(rng.Uint32())
			}
			out = append(out, r...)
		default:
			out = append(out, make([]byte, rng.IntN(300_000))...)
		}
	}
	return out
}

// stdlibDecrypt is the reference: the standard library's one-shot GCM over
// the whole ciphertext, then its zlib.
func stdlibDecrypt(t *testing.T, enc []byte, key Key) []byte {
	t.Helper()
	h, err := ParseHeader(enc)
	if err != nil {
		t.Fatal(err)
	}
	block, err := aes.NewCipher(key.aesKey[:])
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCMWithNonceSize(block, len(h.IV))
	if err != nil {
		t.Fatal(err)
	}
	compressed, err := aead.Open(nil, h.IV, enc[h.Size:len(enc)-16], nil)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zlib.NewReader(bytes.NewReader(compressed))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return plain
}

func encryptForTest(t *testing.T, plain []byte, key Key, level int) []byte {
	t.Helper()
	var enc bytes.Buffer
	if _, err := EncryptCrypt15(t.Context(), &enc, bytes.NewReader(plain), key, Crypt15Options{Level: level}); err != nil {
		t.Fatal(err)
	}
	return enc.Bytes()
}

// TestDecryptMatchesStdlib checks that the pipelined, faster inflater gives
// byte for byte what the standard library gives, for every compression level
// WhatsApp or another tool might use, through both entry points.
func TestDecryptMatchesStdlib(t *testing.T) {
	key, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	plain := mixedPlaintext(t, 4<<20)
	levels := map[string]int{"best speed": zlib.BestSpeed, "default": zlib.DefaultCompression,
		"best compression": zlib.BestCompression, "huffman only": zlib.HuffmanOnly, "stored": zlib.NoCompression}
	for name, level := range levels {
		t.Run(name, func(t *testing.T) {
			enc := encryptForTest(t, plain, key, level)
			want := stdlibDecrypt(t, enc, key)
			if !bytes.Equal(want, plain) {
				t.Fatal("the standard library does not round-trip the plaintext")
			}
			var out bytes.Buffer
			if _, err := Decrypt(t.Context(), bytes.NewReader(enc), key, &out); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Fatalf("Decrypt gives %d bytes that differ from the standard library's %d", out.Len(), len(want))
			}
			dir := t.TempDir()
			src, dst := filepath.Join(dir, "in.crypt15"), filepath.Join(dir, "out.db")
			if err := os.WriteFile(src, enc, 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := DecryptFile(t.Context(), src, key, dst); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(dst)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("DecryptFile wrote %d bytes that differ from the standard library's %d", len(got), len(want))
			}
		})
	}
}

// TestDecryptFileAuthFailureLeavesNothing damages a backup large enough for
// the pipeline to write and flush many megabytes before the tag is checked,
// and checks that no plaintext is left behind, under the target's name or
// any other.
func TestDecryptFileAuthFailureLeavesNothing(t *testing.T) {
	key, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	enc := encryptForTest(t, mixedPlaintext(t, 12<<20), key, zlib.BestSpeed) // more than writebackEvery
	h, err := ParseHeader(enc)
	if err != nil {
		t.Fatal(err)
	}
	damage := map[string]int{
		"tag":               len(enc) - 20,
		"MD5":               len(enc) - 1,
		"last ciphertext":   len(enc) - 33,
		"middle ciphertext": (h.Size + len(enc)) / 2,
	}
	for name, off := range damage {
		t.Run(name, func(t *testing.T) {
			bad := bytes.Clone(enc)
			bad[off] ^= 0x40
			dir := t.TempDir()
			src, dst := filepath.Join(dir, "in.crypt15"), filepath.Join(dir, "out.db")
			if err := os.WriteFile(src, bad, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := DecryptFile(t.Context(), src, key, dst)
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTruncated) {
				t.Fatalf("err %v, want corruption", err)
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 || entries[0].Name() != "in.crypt15" {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Fatalf("directory holds %q after a failed authentication, want only the backup", names)
			}
			tmp := t.TempDir()
			d := Decrypter{TempDir: tmp}
			var out bytes.Buffer
			if _, err := d.Decrypt(t.Context(), bytes.NewReader(bad), key, &out); err == nil || out.Len() != 0 {
				t.Fatalf("Decrypt: err %v, %d bytes out", err, out.Len())
			}
			if left, _ := os.ReadDir(tmp); len(left) != 0 {
				t.Fatalf("Decrypt left %d files in its temporary directory", len(left))
			}
		})
	}
}
