package android

import (
	"archive/tar"
	"bytes"
	"compress/zlib"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenABVectors(t *testing.T) {
	tests := []struct {
		file, password string
		version        int
		compressed     bool
		encrypted      bool
		sum            string
	}{
		{"backup.ab", "", 1, true, false, "ce1ac5009fea5187a9f546b51e1446ba450243ae91d31dc779233ec0937b5d18"},
		{"backup2.ab", "123456", 5, false, true, "f365ace1effbc4902c6aeba241ca61544f8a96ad456c1861808ea87b7dd03896"},
		{"backup3.ab", "", 5, true, false, "33e73df2ede9798dcb3a85c06200ee41c8f52dd2f2e50ffafcceb0407bc13e3a"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(vector(t, "mvt-android-backup", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			ab, tr, err := OpenAB(f, tt.password)
			if err != nil {
				t.Fatal(err)
			}
			if ab.Version != tt.version || ab.Compressed != tt.compressed || ab.Encrypted != tt.encrypted {
				t.Errorf("header %+v", ab)
			}
			payload, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(payload)
			if got := hex.EncodeToString(sum[:]); got != tt.sum {
				t.Fatalf("payload SHA-256 %s, want %s", got, tt.sum)
			}
			ms, err := ListTar(t.Context(), bytes.NewReader(payload))
			if err != nil || len(ms) == 0 || !strings.HasPrefix(ms[0].Name, "apps/") {
				t.Fatalf("tar members %v, %v", ms, err)
			}
		})
	}
}

func TestOpenABWrongPassword(t *testing.T) {
	b := readVector(t, "mvt-android-backup", "backup2.ab")
	for _, pw := range []string{"", "12345", "1234567", "123456 ", "ünïcode"} {
		_, _, err := OpenAB(bytes.NewReader(b), pw)
		if !errors.Is(err, ErrWrongPassword) {
			t.Fatalf("password %q: %v, want ErrWrongPassword", pw, err)
		}
		if !strings.Contains(err.Error(), "password") {
			t.Errorf("message %q", err)
		}
	}
}

func TestOpenABDamaged(t *testing.T) {
	ab2 := readVector(t, "mvt-android-backup", "backup2.ab")
	ab1 := readVector(t, "mvt-android-backup", "backup.ab")
	hdr2 := bytes.Index(ab2, []byte("\n10000\n"))
	tests := []struct {
		name     string
		in       []byte
		password string
		want     error
	}{
		{"empty", nil, "", ErrTruncated},
		{"magic only", ab1[:15], "", ErrTruncated},
		{"not a backup", []byte("ANDROID BACKUX\n1\n1\nnone\n"), "", ErrUnknownFormat},
		{"version 9", []byte("ANDROID BACKUP\n9\n1\nnone\n"), "", ErrUnknownFormat},
		{"bad compression flag", []byte("ANDROID BACKUP\n1\n2\nnone\n"), "", ErrUnknownFormat},
		{"unknown cipher", []byte("ANDROID BACKUP\n5\n0\nAES-128\n"), "", ErrUnknownFormat},
		{"endless line", append([]byte("ANDROID BACKUP\n"), bytes.Repeat([]byte("1"), 5000)...), "", ErrUnknownFormat},
		{"huge rounds", bytes.Replace(ab2, []byte("\n10000\n"), []byte("\n999999999\n"), 1), "123456", ErrUnknownFormat},
		{"cut in salts", ab2[:hdr2-40], "123456", ErrTruncated},
		{"compressed payload cut", ab1[:len(ab1)/2], "", ErrTruncated},
		{"encrypted payload cut off block", ab2[:len(ab2)-5], "123456", ErrTruncated},
		{"encrypted payload cut on block", ab2[:len(ab2)-32], "123456", ErrTruncated},
		{"compressed payload flipped", flip(ab1, len(ab1)-10), "", ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, tr, err := OpenAB(bytes.NewReader(tt.in), tt.password)
			if err == nil {
				_, err = ListTar(t.Context(), tr)
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			t.Log(err)
		})
	}
}

func flip(b []byte, off int) []byte {
	c := bytes.Clone(b)
	c[off] ^= 0x40
	return c
}

// writeAB writes an Android backup of the given tar entries, following the
// format Android's backup manager writes, with fresh random salts and keys.
func writeAB(t testing.TB, version int, compressed bool, password string, files map[string][]byte) []byte {
	t.Helper()
	var tarBuf bytes.Buffer
	tw := tar.NewWriter(&tarBuf)
	for name, body := range files {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(body)), Typeflag: tar.TypeReg})
		tw.Write(body)
	}
	tw.Close()
	payload := tarBuf.Bytes()
	if compressed {
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		zw.Write(payload)
		zw.Close()
		payload = z.Bytes()
	}
	enc := "none"
	if password != "" {
		enc = "AES-256"
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, "ANDROID BACKUP\n%d\n%d\n%s\n", version, map[bool]int{false: 0, true: 1}[compressed], enc)
	if password == "" {
		out.Write(payload)
		return out.Bytes()
	}
	rnd := func(n int) []byte { b := make([]byte, n); rand.Read(b); return b }
	userSalt, ckSalt, userIV, mkIV, mk := rnd(64), rnd(64), rnd(16), rnd(16), rnd(32)
	ab := &AB{Version: version}
	userKey, _ := pbkdf2.Key(sha1.New, ab.passwordBytes(password), userSalt, 1000, 32)
	ck, _ := pbkdf2.Key(sha1.New, ab.checksumInput(mk), ckSalt, 1000, 32)
	blob := append([]byte{16}, mkIV...)
	blob = append(append(blob, 32), mk...)
	blob = append(append(blob, 32), ck...)
	block, _ := aes.NewCipher(userKey)
	blob = pad(blob)
	cipher.NewCBCEncrypter(block, userIV).CryptBlocks(blob, blob)
	fmt.Fprintf(&out, "%X\n%X\n1000\n%X\n%X\n", userSalt, ckSalt, userIV, blob)
	mblock, _ := aes.NewCipher(mk)
	body := pad(bytes.Clone(payload))
	cipher.NewCBCEncrypter(mblock, mkIV).CryptBlocks(body, body)
	out.Write(body)
	return out.Bytes()
}

func pad(b []byte) []byte {
	p := 16 - len(b)%16
	return append(b, bytes.Repeat([]byte{byte(p)}, p)...)
}

func TestExtractWhatsAppFromAB(t *testing.T) {
	db := readVector(t, "wa-crypt-tools", "msgstore.db")
	key := readVector(t, "wa-crypt-tools", "key")
	files := map[string][]byte{
		"apps/com.whatsapp/_manifest":                       []byte("manifest"),
		"apps/com.whatsapp/db/msgstore.db":                  db,
		"apps/com.whatsapp/db/wa.db":                        db[:8192],
		"apps/com.whatsapp/f/key":                           key,
		"apps/com.whatsapp/sp/com.whatsapp_preferences.xml": []byte("<map/>"),
		"apps/com.whatsapp/../../etc/evil":                  []byte("never written"),
	}
	for _, tt := range []struct {
		name       string
		version    int
		compressed bool
		password   string
	}{
		{"v1 plain", 1, false, ""},
		{"v5 compressed encrypted", 5, true, "pässwörd-€"},
		{"v1 encrypted", 1, true, "legacy"},
		{"v3 encrypted", 3, false, "123456"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := writeAB(t, tt.version, tt.compressed, tt.password, files)
			_, tr, err := OpenAB(bytes.NewReader(b), tt.password)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			got, err := ExtractWhatsApp(t.Context(), tr, dir, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 3 {
				t.Fatalf("extracted %d files, want 3: %+v", len(got), got)
			}
			for _, f := range got {
				want := files[f.TarPath]
				b, err := os.ReadFile(f.Path)
				if err != nil || !bytes.Equal(b, want) || f.SHA256 != sha256.Sum256(want) {
					t.Errorf("%s: content differs", f.TarPath)
				}
				if rel, _ := filepath.Rel(dir, f.Path); !strings.HasPrefix(rel, "com.whatsapp"+string(filepath.Separator)) {
					t.Errorf("%s written at %s", f.TarPath, f.Path)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "..", "etc", "evil")); err == nil {
				t.Fatal("path traversal entry written")
			}
			if tt.password != "" {
				if _, _, err := OpenAB(bytes.NewReader(b), tt.password+"x"); !errors.Is(err, ErrWrongPassword) {
					t.Fatalf("wrong password: %v", err)
				}
			}
		})
	}
}

func TestExtractWhatsAppLimits(t *testing.T) {
	b := writeAB(t, 5, true, "", map[string][]byte{"apps/com.whatsapp/db/msgstore.db": make([]byte, 1<<20)})
	_, tr, err := OpenAB(bytes.NewReader(b), "")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := ExtractWhatsApp(t.Context(), tr, dir, 1000); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err %v, want ErrTooLarge", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "com.whatsapp", "msgstore.db")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("oversized file left behind")
	}
}
