package android

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

const msgstoreSHA256 = "1425b944a2e3885fc936a7bb82f6548c5cc09523a2f61f02aa836c4ed8bbd16e"

func TestDecryptVectors(t *testing.T) {
	tests := []struct {
		file, key  string
		format     Format
		flag       bool
		appVersion string
		jid        string
	}{
		{"msgstore.db.crypt15", "encrypted_backup.key", FormatCrypt15, true, "2.22.5.13", "67"},
		{"msgstore.db.crypt14", "key", FormatCrypt14, true, "2.22.5.13", "67"},
		{"msgstore-noexpiry.db.crypt14", "key", FormatCrypt14, false, "", "67"},
		{"msgstore.db.crypt12", "key", FormatCrypt12, false, "", "67"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			in := readVector(t, "wa-crypt-tools", tt.file)
			var out bytes.Buffer
			info, err := Decrypt(t.Context(), bytes.NewReader(in), waKey(t, tt.key), &out)
			if err != nil {
				t.Fatalf("decrypt: %v", err)
			}
			sum := sha256.Sum256(out.Bytes())
			if got := hex.EncodeToString(sum[:]); got != msgstoreSHA256 {
				t.Fatalf("plaintext SHA-256 %s, want %s", got, msgstoreSHA256)
			}
			if info.PlaintextSHA256 != sum || info.PlaintextSize != int64(out.Len()) {
				t.Errorf("info plaintext %x/%d, want %x/%d", info.PlaintextSHA256, info.PlaintextSize, sum, out.Len())
			}
			if info.InputSHA256 != sha256.Sum256(in) || info.InputSize != int64(len(in)) {
				t.Errorf("info input hash/size wrong")
			}
			if info.Format != tt.format || info.Header.FeatureFlag != tt.flag || info.Payload != PayloadSQLite || !info.MD5Trailer {
				t.Errorf("info = %+v", info)
			}
			if tt.appVersion != "" && info.Header.AppVersion != tt.appVersion {
				t.Errorf("app version %q, want %q", info.Header.AppVersion, tt.appVersion)
			}
			if info.Header.JIDSuffix != tt.jid {
				t.Errorf("jid suffix %q, want %q", info.Header.JIDSuffix, tt.jid)
			}
			if want := int64(len(in) - info.Header.Size - 32); info.CiphertextSize != want && tt.format != FormatCrypt12 {
				t.Errorf("ciphertext size %d, want %d", info.CiphertextSize, want)
			}
		})
	}
}

func TestDecryptFile(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "msgstore.db")
	src := vector(t, "wa-crypt-tools", "msgstore.db.crypt15")
	info, err := DecryptFile(t.Context(), src, waKey(t, "encrypted_backup.key"), dst)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(b) != info.PlaintextSHA256 {
		t.Fatal("file differs from reported hash")
	}
	// Never overwrite an existing file.
	if _, err := DecryptFile(t.Context(), src, waKey(t, "encrypted_backup.key"), dst); !errors.Is(err, os.ErrExist) {
		t.Fatalf("second decrypt to the same path: %v, want ErrExist", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("directory holds %d entries, want only the database", len(entries))
	}
}
