package tpm

import (
	"crypto/sha256"
	"testing"
)

// BenchmarkSign measures signatures per second with the policy-bound
// signing key on the simulator (each includes a PolicyPCR session).
func BenchmarkSign(b *testing.B) {
	tp, err := Open(b.Context(), "sim", b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer tp.Close()
	if _, err := tp.Provision(b.Context(), ProvisionOptions{}); err != nil {
		b.Fatal(err)
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
