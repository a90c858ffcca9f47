package android

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestParseKeyFileVectors(t *testing.T) {
	k15 := waKey(t, "encrypted_backup.key")
	if k15.Kind() != KeyCrypt15 || k15.RootHex() != "6730a595a1484d0c39c101dc0ac82ec5e401bb6f0e1b8ee2dc104a6b3687f017" {
		t.Fatalf("crypt15 key %v root %s", k15, k15.RootHex())
	}
	// HKDF-SHA256(root, info "backup encryption"): known answer.
	if got := hex.EncodeToString(k15.aesKey[:]); got != "17ec312152f6f84fd13a3ec6b9c9279aac60bb84405f0685d1fae27293757bc7" {
		t.Fatalf("derived AES key %s", got)
	}
	k14 := waKey(t, "key")
	raw := readVector(t, "wa-crypt-tools", "key")
	if k14.Kind() != KeyCrypt14 || !bytes.Equal(k14.aesKey[:], raw[126:]) || !bytes.Equal(k14.serverSalt[:], raw[30:62]) {
		t.Fatalf("crypt14 key parsed wrong")
	}
	typed, err := ParseHexKey(k15.RootHex())
	if err != nil || typed != k15 {
		t.Fatalf("hex key %v, %v", typed, err)
	}
}

func TestParseKeyFileMalformed(t *testing.T) {
	k15 := readVector(t, "wa-crypt-tools", "encrypted_backup.key")
	k14 := readVector(t, "wa-crypt-tools", "key")
	lenLie := bytes.Clone(k15)
	lenLie[26] = 33
	badMagic := bytes.Clone(k15)
	badMagic[0] = 0
	badCipher := bytes.Clone(k14)
	badCipher[28] = 7
	for name, b := range map[string][]byte{
		"empty":          nil,
		"short":          k15[:20],
		"cut":            k15[:58],
		"length lies":    lenLie,
		"not java":       badMagic,
		"wrong size key": append(bytes.Clone(k15[:23]), append([]byte{0, 0, 0, 3}, 1, 2, 3)...),
		"cipher version": badCipher,
		"text":           []byte(strings.Repeat("a", 64)),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseKeyFile(b); !errors.Is(err, ErrBadKey) {
				t.Fatalf("err %v, want ErrBadKey", err)
			}
		})
	}
}

func TestParseHexKey(t *testing.T) {
	const root = "6730a595a1484d0c39c101dc0ac82ec5e401bb6f0e1b8ee2dc104a6b3687f017"
	good := []string{
		root,
		strings.ToUpper(root),
		"6730 a595 a148 4d0c 39c1 01dc 0ac8 2ec5 e401 bb6f 0e1b 8ee2 dc10 4a6b 3687 f017",
		"6730-a595-a148-4d0c-39c1-01dc-0ac8-2ec5-e401-bb6f-0e1b-8ee2-dc10-4a6b-3687-f017",
		" 6730a595a1484d0c39c101dc0ac82ec5\n e401bb6f0e1b8ee2dc104a6b3687f017\t",
	}
	for _, s := range good {
		k, err := ParseHexKey(s)
		if err != nil || k.RootHex() != root {
			t.Errorf("ParseHexKey(%q) = %v, %v", s, k, err)
		}
	}
	bad := map[string]string{
		root[:62]:                      "62 hex digits",
		root + "00":                    "66 hex digits",
		root[:10] + "g" + root[11:]:    `'g' at position 11`,
		root[:30] + "_" + root[30:]:    `'_' at position 31`,
		"":                             "0 hex digits",
		"0x" + root[2:]:                `'x' at position 2`,
		root[:5] + "\u00e9" + root[6:]: `'é' at position 6`,
	}
	for s, want := range bad {
		_, err := ParseHexKey(s)
		if !errors.Is(err, ErrBadKey) || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseHexKey(%q) error %v, want one naming %s", s, err, want)
		}
	}
}

func TestKeyNeverPrintsSecret(t *testing.T) {
	k := waKey(t, "encrypted_backup.key")
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("key", "key", k)
	for _, s := range []string{k.String(), fmt.Sprintf("%v %+v %#v %s", k, k, k, k), logged.String()} {
		if strings.Contains(s, k.RootHex()[:16]) || strings.Contains(s, hex.EncodeToString(k.aesKey[:8])) {
			t.Fatalf("secret printed: %s", s)
		}
	}
}
