package journal

import (
	"flag"
	"path/filepath"
	"testing"

	"github.com/attesta/attesta/internal/testpki"
)

// verifyLeaves sizes BenchmarkVerify: go test -bench Verify -verify.leaves=1000000
var verifyLeaves = flag.Int("verify.leaves", 100_000, "leaves in the journal BenchmarkVerify checks")

func benchJournal(b *testing.B, signer *countingSigner) *Journal {
	b.Helper()
	j, err := Open(b.Context(), filepath.Join(b.TempDir(), "bench.db"), Options{Origin: testOrigin, Signer: signer})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { j.Close() })
	return j
}

// BenchmarkAppend appends one leaf per durable commit.
func BenchmarkAppend(b *testing.B) {
	cs := &countingSigner{PrivateKey: testpki.Key(b)}
	j := benchJournal(b, cs)
	n := 0
	for b.Loop() {
		if _, err := j.Append(b.Context(), sampleEntry(n)); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "leaves/s")
	b.ReportMetric(float64(cs.n.Load())*10_000/float64(n), "sigs/10k-leaves")
}

// BenchmarkAppendBatch appends 100 leaves per durable commit.
func BenchmarkAppendBatch(b *testing.B) {
	const per = 100
	cs := &countingSigner{PrivateKey: testpki.Key(b)}
	j := benchJournal(b, cs)
	n := 0
	for b.Loop() {
		if _, err := j.AppendBatch(b.Context(), sampleBatch(n, per)); err != nil {
			b.Fatal(err)
		}
		n += per
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "leaves/s")
	b.ReportMetric(float64(cs.n.Load())*10_000/float64(n), "sigs/10k-leaves")
}

// BenchmarkCheckpoint measures signing a checkpoint (software key; a TPM is slower).
func BenchmarkCheckpoint(b *testing.B) {
	j := benchJournal(b, &countingSigner{PrivateKey: testpki.Key(b)})
	n := 0
	for b.Loop() {
		if _, err := j.Append(b.Context(), sampleEntry(n)); err != nil {
			b.Fatal(err)
		}
		if _, err := j.Checkpoint(b.Context()); err != nil {
			b.Fatal(err)
		}
		n++
	}
}

// BenchmarkVerify runs the full verification of a journal of -verify.leaves leaves.
func BenchmarkVerify(b *testing.B) {
	key := testpki.Key(b)
	j := benchJournal(b, &countingSigner{PrivateKey: key})
	const per = 1000
	for n := 0; n < *verifyLeaves; n += per {
		if _, err := j.AppendBatch(b.Context(), sampleBatch(n, min(per, *verifyLeaves-n))); err != nil {
			b.Fatal(err)
		}
	}
	v := testVerifier(b, key)
	runs := 0
	for b.Loop() {
		rep, err := j.Verify(b.Context(), VerifyOptions{Verifier: v})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Size != uint64(*verifyLeaves) {
			b.Fatalf("verified %d leaves, want %d", rep.Size, *verifyLeaves)
		}
		runs++
	}
	b.ReportMetric(float64(runs**verifyLeaves)/b.Elapsed().Seconds(), "leaves/s")
}
