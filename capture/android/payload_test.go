package android

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	kzlib "github.com/klauspost/compress/zlib"
)

func TestOpenPayloadVectors(t *testing.T) {
	t.Run("empty-db.zlib1 inflates to an empty SQLite database", func(t *testing.T) {
		kind, r, err := OpenPayload(bytes.NewReader(readVector(t, "wa-crypt-tools", "empty-db.zlib1")))
		if err != nil || kind != PayloadSQLite {
			t.Fatalf("kind %v, err %v", kind, err)
		}
		b, err := io.ReadAll(r)
		if err != nil || len(b) != 8192 || !bytes.HasPrefix(b, sqliteMagic) {
			t.Fatalf("%d bytes, %v", len(b), err)
		}
	})
	t.Run("test9.zip is a multi-file payload", func(t *testing.T) {
		z := readVector(t, "wa-crypt-tools", "test9.zip")
		kind, r, err := OpenPayload(bytes.NewReader(z))
		if err != nil || kind != PayloadZIP {
			t.Fatalf("kind %v, err %v", kind, err)
		}
		if b, _ := io.ReadAll(r); !bytes.Equal(b, z) {
			t.Fatal("raw ZIP payload altered")
		}
		ms, err := ListZip(bytes.NewReader(z), int64(len(z)))
		if err != nil || len(ms) != 2 || ms[0].Name != "empty-db.sql" || ms[0].Size != 8192 || ms[1].Name != "test.json" {
			t.Fatalf("members %+v, %v", ms, err)
		}
		dir := t.TempDir()
		got, err := ExtractZip(t.Context(), bytes.NewReader(z), int64(len(z)), dir, ExtractLimits{}, DatabaseMember)
		if err != nil || len(got) != 1 || got[0].Kind != PayloadSQLite || got[0].Path != filepath.Join(dir, "empty-db.sql") {
			t.Fatalf("extracted %+v, %v", got, err)
		}
		all, err := ExtractZip(t.Context(), bytes.NewReader(z), int64(len(z)), t.TempDir(), ExtractLimits{}, nil)
		if err != nil || len(all) != 2 || all[1].Kind != PayloadUnknown {
			t.Fatalf("extracted %+v, %v", all, err)
		}
	})
	t.Run("test.json is refused", func(t *testing.T) {
		_, _, err := OpenPayload(bytes.NewReader(readVector(t, "wa-crypt-tools", "test.json")))
		if !errors.Is(err, ErrNotDatabase) || !strings.Contains(err.Error(), "7b 0a") {
			t.Fatalf("err %v, want ErrNotDatabase naming the first bytes", err)
		}
	})
	t.Run("zlib stream of something else is refused", func(t *testing.T) {
		var buf bytes.Buffer
		enc, _ := zlibBytes(readVector(t, "wa-crypt-tools", "test.json"))
		buf.Write(enc)
		_, _, err := OpenPayload(&buf)
		if !errors.Is(err, ErrNotDatabase) || !strings.Contains(err.Error(), "inflated") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("empty", func(t *testing.T) {
		if _, _, err := OpenPayload(bytes.NewReader(nil)); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("err %v", err)
		}
	})
}

// TestDecryptRefusesNonDatabase encrypts test.json as a backup: it decrypts
// and authenticates but is not a database.
func TestDecryptRefusesNonDatabase(t *testing.T) {
	key, _ := GenerateKey()
	var enc bytes.Buffer
	if _, err := EncryptCrypt15(t.Context(), &enc, bytes.NewReader(readVector(t, "wa-crypt-tools", "test.json")), key, Crypt15Options{}); err != nil {
		t.Fatal(err)
	}
	err := decryptExpectingError(t, enc.Bytes(), key, ErrNotDatabase)
	if errors.Is(err, ErrWrongKey) || errors.Is(err, ErrCorrupt) {
		t.Fatalf("authenticated non-database reported as %v", err)
	}
}

func zipWith(t *testing.T, entries func(w *zip.Writer)) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	entries(w)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestExtractZipHostile(t *testing.T) {
	file := func(name string, body []byte) func(w *zip.Writer) {
		return func(w *zip.Writer) {
			f, _ := w.Create(name)
			f.Write(body)
		}
	}
	tests := []struct {
		name string
		zip  func(w *zip.Writer)
		lim  ExtractLimits
		want error
	}{
		{"parent dir", file("../evil.db", []byte("x")), ExtractLimits{}, ErrUnsafePath},
		{"nested parent", file("a/../../evil.db", []byte("x")), ExtractLimits{}, ErrUnsafePath},
		{"absolute", file("/etc/evil.db", []byte("x")), ExtractLimits{}, ErrUnsafePath},
		{"backslash", file("..\\evil.db", []byte("x")), ExtractLimits{}, ErrUnsafePath},
		{"drive letter", file("C:evil.db", []byte("x")), ExtractLimits{}, ErrUnsafePath},
		{"symlink", func(w *zip.Writer) {
			h := &zip.FileHeader{Name: "link.db"}
			h.SetMode(os.ModeSymlink | 0o777)
			f, _ := w.CreateHeader(h)
			f.Write([]byte("/etc/passwd"))
		}, ExtractLimits{}, ErrUnsafePath},
		{"bomb", file("bomb.db", make([]byte, 4<<20)), ExtractLimits{MaxFileSize: 1 << 20}, ErrTooLarge},
		{"total", func(w *zip.Writer) {
			for _, n := range []string{"a.db", "b.db", "c.db"} {
				f, _ := w.Create(n)
				f.Write(make([]byte, 1000))
			}
		}, ExtractLimits{MaxTotal: 2500}, ErrTooLarge},
		{"too many files", func(w *zip.Writer) {
			for i := range 5 {
				w.Create(strings.Repeat("f", i+1) + ".db")
			}
		}, ExtractLimits{MaxFiles: 4}, ErrTooLarge},
		{"duplicate", func(w *zip.Writer) {
			file("same.db", []byte("one"))(w)
			file("same.db", []byte("two"))(w)
		}, ExtractLimits{}, os.ErrExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z := zipWith(t, tt.zip)
			parent := t.TempDir()
			dir := filepath.Join(parent, "out")
			os.Mkdir(dir, 0o700)
			_, err := ExtractZip(t.Context(), bytes.NewReader(z), int64(len(z)), dir, tt.lim, nil)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
			t.Log(err)
			var left []string
			filepath.Walk(parent, func(p string, info os.FileInfo, _ error) error {
				if !info.IsDir() {
					left = append(left, p)
				}
				return nil
			})
			if len(left) != 0 {
				t.Fatalf("files left after a failed extraction: %v", left)
			}
		})
	}
}

// TestExtractZipLyingSize declares 10 bytes for a 3 MiB member: extraction
// must stop, not trust the declaration, and leave nothing behind.
func TestExtractZipLyingSize(t *testing.T) {
	z := zipWith(t, func(w *zip.Writer) {
		f, _ := w.CreateRaw(&zip.FileHeader{Name: "big.db", Method: zip.Store, CompressedSize64: 3 << 20, UncompressedSize64: 10})
		f.Write(make([]byte, 3<<20))
	})
	dir := t.TempDir()
	_, err := ExtractZip(t.Context(), bytes.NewReader(z), int64(len(z)), dir, ExtractLimits{MaxFileSize: 1 << 20}, nil)
	if err == nil {
		t.Fatal("a member larger than declared was extracted")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("left behind: %v", entries)
	}
	t.Log(err)
}

func zlibBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	err := zw.Close()
	return buf.Bytes(), err
}

// TestZlibTrailer damages the adler-32 trailer of a zlib payload, which the
// decrypter checks on another goroutine than the inflater: a wrong checksum,
// a cut trailer and a dictionary are refused, reading the payload alone and
// inside an authentic backup (stored as a multi-file one, which has no MD5
// and is not compressed again, so the damaged stream is what decrypts).
func TestZlibTrailer(t *testing.T) {
	db := readVector(t, "wa-crypt-tools", "msgstore.db")
	good, err := zlibBytes(db)
	if err != nil {
		t.Fatal(err)
	}
	badSum := bytes.Clone(good)
	badSum[len(badSum)-1] ^= 1
	dict := bytes.Clone(good)
	dict[1] = dict[1]&0xc0 | 0x20 // FDICT, then FCHECK in the low five bits
	dict[1] += byte((31 - (uint16(dict[0])<<8|uint16(dict[1]))%31) % 31)
	key, _ := GenerateKey()
	for _, tt := range []struct {
		name    string
		payload []byte
		want    error
		says    string
	}{
		{"wrong adler-32", badSum, kzlib.ErrChecksum, "checksum"},
		{"trailer cut", good[:len(good)-2], io.ErrUnexpectedEOF, "unexpected EOF"},
		{"preset dictionary", dict, kzlib.ErrDictionary, "dictionary"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readPayload(tt.payload)
			if !errors.Is(err, tt.want) {
				t.Fatalf("OpenPayload and read: %v, want %v", err, tt.want)
			}
			var enc bytes.Buffer
			if _, err := EncryptCrypt15(t.Context(), &enc, bytes.NewReader(tt.payload), key, Crypt15Options{MultiFile: true}); err != nil {
				t.Fatal(err)
			}
			err = decryptExpectingError(t, enc.Bytes(), key, ErrCorrupt)
			if !strings.Contains(err.Error(), tt.says) || !strings.Contains(err.Error(), "authenticates") {
				t.Fatalf("error %q does not say the authentic payload fails (%s)", err, tt.says)
			}
		})
	}
	t.Run("intact", func(t *testing.T) {
		got, err := readPayload(good)
		if err != nil || !bytes.Equal(got, db) {
			t.Fatalf("%d bytes, %v", len(got), err)
		}
	})
}

func readPayload(b []byte) ([]byte, error) {
	_, r, err := OpenPayload(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}
