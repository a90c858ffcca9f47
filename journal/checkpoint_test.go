package journal

import (
	"crypto/ecdsa"
	"errors"
	"strings"
	"testing"

	"github.com/attesta/attesta/internal/testpki"
	flog "github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func signBody(t testing.TB, s note.Signer, body string) []byte {
	t.Helper()
	msg, err := note.Sign(&note.Note{Text: body}, s)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

func TestParseCheckpoint(t *testing.T) {
	k := testpki.Key(t)
	s, _ := NewNoteSigner(testOrigin, k)
	v := testVerifier(t, k)
	root := tlog.RecordHash([]byte("x"))
	good := signBody(t, s, checkpointBody(testOrigin, 1234, root))

	cp, err := ParseCheckpoint(good, v)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Origin != testOrigin || cp.Size != 1234 || cp.Root != root || string(cp.Note) != string(good) {
		t.Fatalf("parsed %+v", cp)
	}
	// transparency-dev/formats parses the same checkpoint.
	fcp, _, _, err := flog.ParseCheckpoint(good, testOrigin, v)
	if err != nil || fcp.Size != 1234 || string(fcp.Hash) != string(root[:]) {
		t.Fatalf("formats ParseCheckpoint: %+v, %v", fcp, err)
	}

	other, _ := NewNoteSigner(testOrigin, testpki.Key(t))
	tests := []struct {
		name    string
		note    []byte
		wantErr error
		want    string
	}{
		{"other key", signBody(t, other, checkpointBody(testOrigin, 1, root)), ErrBadSignature, "no signature by"},
		{"tampered size", []byte(strings.Replace(string(good), "1234", "1235", 1)), ErrBadSignature, "invalid signature"},
		{"extension line", signBody(t, s, checkpointBody(testOrigin, 1, root)+"ext\n"), ErrInvalidCheckpoint, "no extensions"},
		{"leading zero size", signBody(t, s, testOrigin+"\n01\n"+strings.Split(checkpointBody(testOrigin, 1, root), "\n")[2]+"\n"), ErrInvalidCheckpoint, "tree size"},
		{"short root", signBody(t, s, testOrigin+"\n1\nAAAA\n"), ErrInvalidCheckpoint, "root"},
		{"other origin", signBodyAs(t, k, "attesta/other", checkpointBody("attesta/other", 1, root)), ErrBadSignature, "no signature by"},
		{"origin not key name", signBody(t, s, checkpointBody("attesta/other", 1, root)), ErrInvalidCheckpoint, "is not the key name"},
		{"not a note", []byte("hello"), ErrInvalidCheckpoint, "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCheckpoint(tt.note, v)
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %v containing %q", err, tt.wantErr, tt.want)
			}
		})
	}
}

func signBodyAs(t testing.TB, k *ecdsa.PrivateKey, name, body string) []byte {
	t.Helper()
	s, err := NewNoteSigner(name, k)
	if err != nil {
		t.Fatal(err)
	}
	return signBody(t, s, body)
}
