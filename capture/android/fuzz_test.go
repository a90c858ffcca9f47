package android

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"testing"
)

func FuzzParseHeader(f *testing.F) {
	for _, name := range []string{"msgstore.db.crypt15", "msgstore.db.crypt14", "msgstore-noexpiry.db.crypt14",
		"msgstore.db.crypt12", "test.json", "test9.zip", "key"} {
		b := readVector(f, "wa-crypt-tools", name)
		f.Add(b[:min(len(b), MaxHeaderSize)])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHeader(b)
		if err != nil {
			if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrUnknownFormat) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			return
		}
		if h.Size > len(b) || len(h.IV) != 16 || h.Format == FormatUnknown {
			t.Fatalf("accepted header %+v from %d bytes", h, len(b))
		}
		if h.Format != FormatCrypt12 {
			flag := 0
			if h.FeatureFlag {
				flag = 1
			}
			if h.Size != 1+flag+int(b[0]) {
				t.Fatalf("header size %d for length byte %d", h.Size, b[0])
			}
		}
	})
}

func FuzzParseKeyFile(f *testing.F) {
	f.Add(readVector(f, "wa-crypt-tools", "key"))
	f.Add(readVector(f, "wa-crypt-tools", "encrypted_backup.key"))
	f.Add(make([]byte, 32))
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := ParseKeyFile(b)
		if err != nil {
			if !errors.Is(err, ErrBadKey) {
				t.Fatalf("error %v does not wrap ErrBadKey", err)
			}
			return
		}
		if k.Kind() == KeyNone {
			t.Fatal("accepted a key of no kind")
		}
	})
}

func FuzzParseHexKey(f *testing.F) {
	f.Add("6730 a595 a148 4d0c 39c1 01dc 0ac8 2ec5 e401 bb6f 0e1b 8ee2 dc10 4a6b 3687 f017")
	f.Add("6730-a595")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseHexKey(s)
		if err == nil && len(k.RootHex()) != 64 {
			t.Fatalf("accepted %q as %v", s, k)
		}
	})
}

func FuzzOpenAB(f *testing.F) {
	for _, name := range []string{"backup.ab", "backup2.ab", "backup3.ab"} {
		f.Add(readVector(f, "mvt-android-backup", name))
	}
	old := maxABRounds
	maxABRounds = 20000 // keep each run fast; the parser logic is the same
	f.Cleanup(func() { maxABRounds = old })
	f.Fuzz(func(t *testing.T, b []byte) {
		_, r, err := OpenAB(bytes.NewReader(b), "123456")
		if err != nil {
			if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrUnknownFormat) && !errors.Is(err, ErrWrongPassword) && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			return
		}
		io.Copy(io.Discard, io.LimitReader(r, 1<<20))
		ListTar(t.Context(), io.LimitReader(r, 1<<20))
	})
}

// FuzzDecrypt mutates a small crypt15 backup made at run time: decryption
// must never panic, never write on failure, and report what it wrote.
func FuzzDecrypt(f *testing.F) {
	key, err := GenerateKey()
	if err != nil {
		f.Fatal(err)
	}
	db := readVector(f, "wa-crypt-tools", "msgstore.db")[:8192]
	for _, opts := range []Crypt15Options{{}, {NoFeatureFlag: true}} {
		var enc bytes.Buffer
		if _, err := EncryptCrypt15(f.Context(), &enc, bytes.NewReader(db), key, opts); err != nil {
			f.Fatal(err)
		}
		f.Add(enc.Bytes())
	}
	var zipEnc bytes.Buffer
	EncryptCrypt15(f.Context(), &zipEnc, bytes.NewReader(readVector(f, "wa-crypt-tools", "test9.zip")), key, Crypt15Options{MultiFile: true})
	f.Add(zipEnc.Bytes())
	d := Decrypter{MaxPayload: 1 << 20}
	f.Fuzz(func(t *testing.T, b []byte) {
		var out bytes.Buffer
		info, err := d.Decrypt(t.Context(), bytes.NewReader(b), key, &out)
		if err != nil {
			if out.Len() != 0 {
				t.Fatalf("%d bytes written before error %v", out.Len(), err)
			}
			return
		}
		if sha256.Sum256(out.Bytes()) != info.PlaintextSHA256 || SniffPayload(out.Bytes()) == PayloadUnknown {
			t.Fatalf("output does not match info %+v", info)
		}
	})
}
