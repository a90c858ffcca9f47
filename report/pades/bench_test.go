package pades_test

import (
	"testing"

	"github.com/attesta/attesta/report/pades"
)

// BenchmarkSign signs the sample report with a software P-256 key (the
// TPM's own signing time comes on top on the appliance).
func BenchmarkSign(b *testing.B) {
	p := newPKI(b)
	doc := samplePDF(b)
	opts := p.options()
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, err := pades.Sign(b.Context(), doc, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	signed := signSample(b, newPKI(b))
	b.SetBytes(int64(len(signed)))
	for b.Loop() {
		if _, err := pades.Verify(signed); err != nil {
			b.Fatal(err)
		}
	}
}
