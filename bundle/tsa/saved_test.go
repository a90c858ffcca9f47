package tsa

import (
	"errors"
	"testing"
)

// TestSavedOpenSSLTokens: the OpenSSL replies kept as fuzz seeds stay
// readable and their signatures (ESS v1 and v2, ECDSA and RSA) check
// offline.
func TestSavedOpenSSLTokens(t *testing.T) {
	for _, tc := range []struct {
		name string
		ess  string // the signing-certificate attribute OpenSSL wrote
	}{
		{"ecdsa-ess-v2", oidAttrSigningCertV2.String()},
		{"rsa-ess-v1", oidAttrSigningCert.String()},
		{"sha384", oidAttrSigningCertV2.String()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok, attrs := mustTokenAttrs(t, readSeed(t, "FuzzParseToken", tc.name)[0])
			if _, ok := attrs[tc.ess]; !ok {
				t.Errorf("no %s attribute", tc.ess)
			}
			if err := tok.verifySignature(); err != nil {
				t.Error(err)
			}
			v := readSeed(t, "FuzzParseResponse", tc.name)
			if _, err := ParseResponse(v[0], v[1]); err != nil {
				t.Error(err)
			}
		})
	}
	v := readSeed(t, "FuzzParseResponse", "rejected-sha1")
	if _, err := ParseResponse(v[0], v[1]); !errors.Is(err, ErrRejected) {
		t.Errorf("saved rejection: %v", err)
	}
}
