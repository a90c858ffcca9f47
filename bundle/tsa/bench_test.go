package tsa

import (
	"testing"

	"github.com/attesta/attesta/internal/fuzzseed"
)

// readSeed returns the []byte values of a saved fuzz corpus file.
func readSeed(tb testing.TB, target, name string) [][]byte {
	tb.Helper()
	return fuzzseed.Read(tb, fuzzseed.Dir(target), name)
}

func BenchmarkParseToken(b *testing.B) {
	der := readSeed(b, "FuzzParseToken", "ecdsa-ess-v2")[0]
	for b.Loop() {
		if _, err := ParseToken(der); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifySignature: the CMS checks without the chain (the saved
// token's CA is gone).
func BenchmarkVerifySignature(b *testing.B) {
	for _, name := range []string{"ecdsa-ess-v2", "rsa-ess-v1"} {
		der := readSeed(b, "FuzzParseToken", name)[0]
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				tok, err := ParseToken(der)
				if err != nil {
					b.Fatal(err)
				}
				if err := tok.verifySignature(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
