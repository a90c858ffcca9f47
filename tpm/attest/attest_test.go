package attest

import (
	"errors"
	"testing"

	"github.com/attesta/attesta/internal/testpki"
)

func TestParsePCRSelection(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"sha256:0,1,2,3,4,5,6,7,23", "sha256:0,1,2,3,4,5,6,7,23", true},
		{"sha256:23, 7,0", "sha256:0,7,23", true},
		{"sha1:0", "", false},
		{"sha256:", "", false},
		{"sha256:24", "", false},
		{"sha256:7,7", "", false},
		{"sha256:x", "", false},
		{"0,1", "", false},
	}
	for _, tt := range tests {
		sel, err := ParsePCRSelection(tt.in)
		if (err == nil) != tt.ok || tt.ok && sel.String() != tt.want {
			t.Errorf("ParsePCRSelection(%q) = %v, %v; want %q ok=%v", tt.in, sel, err, tt.want, tt.ok)
		}
	}
	if got, err := FromTPML(DefaultPCRSelection().TPML()); err != nil || got.String() != DefaultPCRSelection().String() {
		t.Errorf("FromTPML(TPML()) = %v, %v", got, err)
	}
}

// TestRefusesGarbage feeds the verifiers what is not a TPM attestation: every failure wraps ErrAttestationInvalid.
func TestRefusesGarbage(t *testing.T) {
	k := testpki.Key(t)
	generated := []byte{0xff, 0x54, 0x43, 0x47, 0x80, 0x18, 0, 0}
	for name, msg := range map[string][]byte{"empty": nil, "not TPM_GENERATED": []byte("hello, world"), "truncated": generated} {
		if _, err := ParseAttest(msg, 0x8018); !errors.Is(err, ErrAttestationInvalid) {
			t.Errorf("ParseAttest(%s): %v", name, err)
		}
		if _, err := AttestExtraData(msg); !errors.Is(err, ErrAttestationInvalid) {
			t.Errorf("AttestExtraData(%s): %v", name, err)
		}
		if _, err := AttestClock(msg); !errors.Is(err, ErrAttestationInvalid) {
			t.Errorf("AttestClock(%s): %v", name, err)
		}
		if err := VerifyCertification(&k.PublicKey, msg, []byte{0x30, 0}, nil); !errors.Is(err, ErrAttestationInvalid) {
			t.Errorf("VerifyCertification(%s): %v", name, err)
		}
		if err := VerifyQuote(&k.PublicKey, &Quote{Msg: msg, Sig: []byte{0x30, 0}}, nil, nil); !errors.Is(err, ErrAttestationInvalid) {
			t.Errorf("VerifyQuote(%s): %v", name, err)
		}
	}
	if err := VerifyQuote(&k.PublicKey, nil, nil, nil); !errors.Is(err, ErrAttestationInvalid) {
		t.Errorf("VerifyQuote(nil): %v", err)
	}
	if err := VerifyCertification("not a key", generated, nil, nil); !errors.Is(err, ErrAttestationInvalid) {
		t.Errorf("VerifyCertification with a non-ECDSA key: %v", err)
	}
	if _, err := CertifiedKey([]byte{1, 2, 3}); err == nil {
		t.Error("CertifiedKey accepted garbage")
	}
}
