package bundle

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestDecodeManifestErrors(t *testing.T) {
	f := newFixture(t)
	m := f.chatManifest(t, 13, 10)
	real := mustRead(t, filepath.Join(f.deliver(t, m, Delivery{}, WriteOptions{}), manifestFile))
	art := m.Artifacts[0].Path
	tests := []struct {
		name string
		data []byte
		want string // in the error
	}{
		{"truncated", real[:len(real)/2], "unexpected end"},
		{"empty", nil, "unexpected end"},
		{"format", bytes.Replace(real, []byte(Format), []byte("attesta.manifest/v2"), 1), `format "attesta.manifest/v2"`},
		{"duplicate member", bytes.Replace(real, []byte(`"format": `), []byte(`"format": "x", "format": `), 1), `duplicate member "format"`},
		{"traversal", bytes.Replace(real, []byte(`"path": "`+art), []byte(`"path": "artifacts/../../x`), 1), "artifacts/../../x"},
		{"absolute", bytes.Replace(real, []byte(`"path": "`+art), []byte(`"path": "/etc/passwd`), 1), "/etc/passwd"},
		{"outside artifacts", bytes.Replace(real, []byte(`"path": "`+art), []byte(`"path": "proofs/vkey`), 1), "not under artifacts/"},
		{"bad digest", bytes.Replace(real, []byte(m.Artifacts[0].SHA256), []byte(strings.ToUpper(m.Artifacts[0].SHA256)), 1), "artifacts[0]"},
		{"bad status", bytes.Replace(real, []byte(`"status": "sent"`), []byte(`"status": "seen"`), 1), "seen"},
		{"fraction", bytes.Replace(real, []byte(`"size": `), []byte(`"size": 0.5, "x": `), 1), "not an integer"},
		{"bad range", bytes.Replace(real, []byte(`"to": "2026-01-14"`), []byte(`"to": "2026-01-13"`), 1), "range"},
		{"too large", make([]byte, MaxManifestSize+1), "exceeds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeManifest(tt.data)
			if !errors.Is(err, ErrManifest) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("DecodeManifest: %v, want ErrManifest mentioning %q", err, tt.want)
			}
		})
	}
}

func TestSplitManifest(t *testing.T) {
	tests := []struct {
		in   string
		body int // -1: error
	}{
		{`{"a":1,"journal":{}}`, len(`{"a":1,`)},
		{"{\n  \"a\": 1,\n  \"journal\": {}\n}\n", len("{\n  \"a\": 1,\n  ")},
		{`{"journal":{}}`, 1},
		{`{"a":1}`, -1},                           // not sealed
		{`{"journal":{},"a":1}`, -1},              // journal not last
		{`{"a":1,"jour\u006eal":{}}`, -1},         // escaped name
		{`{"a":"\"journal\":","journal":{}}`, 20}, // the name inside a string does not count
		{`{"a":{"journal":1},"journal":{}}`, 19},  // nor a nested member
	}
	for _, tt := range tests {
		n, err := splitManifest([]byte(tt.in))
		if tt.body < 0 {
			if err == nil {
				t.Errorf("splitManifest(%s) = %d, want an error", tt.in, n)
			}
			continue
		}
		if err != nil || n != tt.body {
			t.Errorf("splitManifest(%s) = %d, %v; want %d", tt.in, n, err, tt.body)
		}
	}
}

func TestParseProofErrors(t *testing.T) {
	h := "3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" // 32 bytes
	tests := []struct {
		name, in, want string
	}{
		{"header", "c2sp.org/tlog-proof@v2\nindex 0\n\ncp\n", "line 1"},
		{"no index", ProofHeader + "\n\ncp\n", "line 2"},
		{"leading zero", ProofHeader + "\nindex 01\n\ncp\n", "leading zeros"},
		{"negative", ProofHeader + "\nindex -1\n\ncp\n", "index"},
		{"short hash", ProofHeader + "\nindex 1\nAAAA\n\ncp\n", "line 3"},
		{"non-canonical base64", ProofHeader + "\nindex 1\n" + h[:42] + "B=\n\ncp\n", "line 3"},
		{"bad extra", ProofHeader + "\nextra !!\nindex 1\n\ncp\n", "extra"},
		{"no checkpoint", ProofHeader + "\nindex 1\n" + h + "\n\n", "no checkpoint"},
		{"no blank line", ProofHeader + "\nindex 1\n" + h, "missing newline"},
		{"carriage return", ProofHeader + "\r\nindex 1\n\ncp\n", "control character"},
		{"checkpoint unterminated", ProofHeader + "\nindex 1\n\ncp", "newline"},
		{"too many hashes", ProofHeader + "\nindex 1\n" + strings.Repeat(h+"\n", 65) + "\ncp\n", "more than 64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseProof([]byte(tt.in))
			if !errors.Is(err, ErrProof) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseProof: %v, want ErrProof mentioning %q", err, tt.want)
			}
		})
	}
	good := ProofHeader + "\nextra aGk=\nindex 7\n" + h + "\n" + h + "\n\ncp\n\n— sig\n"
	p, err := ParseProof([]byte(good))
	if err != nil || p.Index != 7 || len(p.Hashes) != 2 || string(p.Extra) != "hi" || string(p.Checkpoint) != "cp\n\n— sig\n" {
		t.Fatalf("ParseProof(good) = %+v, %v", p, err)
	}
	if string(p.Marshal()) != good {
		t.Errorf("Marshal does not write back the input")
	}
}
