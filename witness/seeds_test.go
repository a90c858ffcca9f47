package witness

import (
	"flag"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/attesta/attesta/internal/fuzzseed"
	"github.com/attesta/attesta/witness/cosig"
)

var recordSeeds = flag.Bool("witness.seeds", false, "record real requests and answers of both witnesses as witness/cosig's fuzz seeds")

// TestRecordSeeds writes, with -witness.seeds, what both witnesses really exchange (requests with and without a
// proof, cosignature answers, a 409 answer, a delivery's proofs/witness) into witness/cosig/testdata/fuzz.
func TestRecordSeeds(t *testing.T) {
	if !*recordSeeds {
		t.Skip("records fuzz seeds with -witness.seeds")
	}
	dir := func(target string) string { return filepath.Join("cosig", fuzzseed.Dir(target)) }
	for _, im := range impls {
		b, p := im.witnessed(t)
		cp1 := b.grow(t, 3, "a")
		first := (&cosig.Request{Checkpoint: cp1.Note}).Marshal()
		status, answer := post(t, p, first)
		if status != http.StatusOK {
			t.Fatalf("%s: HTTP %d", im.name, status)
		}
		cp2 := b.grow(t, 40, "b")
		proof, err := b.j.ConsistencyProof(t.Context(), cp1.Size, cp2.Size)
		if err != nil {
			t.Fatal(err)
		}
		second := (&cosig.Request{OldSize: cp1.Size, Proof: proof, Checkpoint: cp2.Note}).Marshal()
		_, conflict := post(t, p, (&cosig.Request{Checkpoint: cp2.Note}).Marshal())
		fuzzseed.Write(t, dir("FuzzParseRequest"), im.name+"-first", first)
		fuzzseed.Write(t, dir("FuzzParseRequest"), im.name+"-with-proof", second)
		fuzzseed.Write(t, dir("FuzzParseSignatures"), im.name+"-cosignature", []byte(answer))
		fuzzseed.Write(t, dir("FuzzParseSignatures"), im.name+"-conflict", []byte(conflict))
		c := b.client(t, p)
		if _, err := c.Submit(t.Context(), cp2); err != nil {
			t.Fatal(err)
		}
		file, err := c.Proof(t.Context(), cp1)
		if err != nil {
			t.Fatal(err)
		}
		fuzzseed.Write(t, dir("FuzzParseRequest"), im.name+"-proofs-witness", file)
	}
}
