package authority_test

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"

	"github.com/attesta/attesta/authority"
	"github.com/attesta/attesta/internal/fuzzseed"
	"github.com/attesta/attesta/tpm/attest"
)

// The parsers of what reaches the authority from outside: an appliance's attestation ZIP and enrollment request,
// and (for verifiers) a status list. Their seeds in testdata/fuzz are real files, written by
// TestWriteFuzzSeeds with ATTESTA_WRITE_SEEDS=1.

func FuzzReadAttestationZip(f *testing.F) {
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	f.Fuzz(func(t *testing.T, data []byte) {
		files, err := authority.ReadAttestationZip(data)
		if err == nil && len(files) > 64 {
			t.Fatalf("%d files accepted", len(files))
		}
	})
}

func FuzzReadStatusList(f *testing.F) {
	f.Add([]byte(`{"format":"attesta.status-list/v1","signer":"","payload":"","signature":""}`))
	roots := x509.NewCertPool()
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := authority.ReadStatusList("fuzz", data, roots); err == nil {
			t.Fatal("a status list verified under an empty set of roots")
		}
	})
}

func FuzzChallenge(f *testing.F) {
	f.Add([]byte(`{"format":"attesta.enrollment-request/v1"}`))
	dir := filepath.Join(f.TempDir(), "authority")
	pol := authority.PCRPolicy{Name: "p", Selection: "sha256:23", Values: [][]byte{make([]byte, 32)}}
	if err := authority.Init(dir, authority.InitOptions{Name: "fuzz", Passphrase: []byte("fuzz passphrase"), AcceptUncertifiedEK: true,
		Policies: []authority.PCRPolicy{pol}}); err != nil {
		f.Fatal(err)
	}
	a, err := authority.Open(dir, []byte("fuzz passphrase"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a.Challenge(data) // must not panic; the seeds' policy differs, so none is accepted
	})
}

// TestWriteFuzzSeeds writes real seeds: a simulator's enrollment request, its attestation ZIP, a status list.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("ATTESTA_WRITE_SEEDS") != "1" {
		t.Skip("set ATTESTA_WRITE_SEEDS=1 to rewrite the seeds in testdata/fuzz")
	}
	s := newEnrolledSim(t)
	req, err := s.tp.Enroll(t.Context(), simID, subjectOf("seed"))
	if err != nil {
		t.Fatal(err)
	}
	fuzzseed.Write(t, fuzzseed.Dir("FuzzChallenge"), "simulator-request", attest.EncodeFile(req))
	att, err := s.tp.WriteAttestation(t.Context(), filepath.Join(t.TempDir(), "att"), []byte("seed nonce"))
	if err != nil {
		t.Fatal(err)
	}
	z, err := att.Zip()
	if err != nil {
		t.Fatal(err)
	}
	fuzzseed.Write(t, fuzzseed.Dir("FuzzReadAttestationZip"), "simulator-attestation", z)
	st, err := os.ReadFile(filepath.Join(s.a.Dir(), authority.StatusFile))
	if err != nil {
		t.Fatal(err)
	}
	fuzzseed.Write(t, fuzzseed.Dir("FuzzReadStatusList"), "status-list", st)
}
