package tpm

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"testing"

	"github.com/attesta/attesta/tpm/attest"
)

// BenchmarkSign measures signatures per second with the policy-bound
// signing key on the simulator: under the literal policy (a PolicyPCR
// session) and under the image key's authorized policy (LoadExternal,
// VerifySignature, then PolicyPCR, PolicyNV, PolicyAuthorize, PolicyNV).
func BenchmarkSign(b *testing.B) {
	b.Run("literal", func(b *testing.B) { benchSign(b, false) })
	b.Run("authorized", func(b *testing.B) { benchSign(b, true) })
}

func benchSign(b *testing.B, authorized bool) {
	tp, err := Open(b.Context(), "sim", b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer tp.Close()
	var opts ProvisionOptions
	var key *ecdsa.PrivateKey
	if authorized {
		key, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		opts.ImageKey = &key.PublicKey
	}
	if _, err := tp.Provision(b.Context(), opts); err != nil {
		b.Fatal(err)
	}
	if authorized {
		sel := PCRSelection{0, 7}
		vals, _ := tp.ReadPCRs(b.Context(), sel)
		p, err := attest.SignPolicy(key, 1, "bench", sel, vals)
		if err == nil {
			err = tp.SetPolicy(b.Context(), p)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	s, err := tp.Signer(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	digest := sha256.Sum256([]byte("checkpoint"))
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.SignDigest(b.Context(), digest[:]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sig/s")
}

// BenchmarkQuote measures a quote of the default selection, AK creation
// included (the AK is recreated per quote to spare transient slots).
func BenchmarkQuote(b *testing.B) {
	tp, err := Open(b.Context(), "sim", b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer tp.Close()
	for b.Loop() {
		if _, err := tp.Quote(b.Context(), []byte("nonce"), nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSealUnseal measures wrapping and unwrapping a 32-byte data key.
func BenchmarkSealUnseal(b *testing.B) {
	tp, err := Open(b.Context(), "sim", b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer tp.Close()
	key := make([]byte, 32)
	for b.Loop() {
		blob, err := tp.Seal(b.Context(), key)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tp.Unseal(b.Context(), blob); err != nil {
			b.Fatal(err)
		}
	}
}
