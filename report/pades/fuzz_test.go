package pades_test

import (
	"bytes"
	"flag"
	"fmt"
	"testing"

	"github.com/attesta/attesta/internal/fuzzseed"
	"github.com/attesta/attesta/report/pades"
)

var update = flag.Bool("update", false, "rewrite the fuzz seed corpus in testdata/fuzz")

// TestUpdateFuzzSeeds writes signed samples (B-B, B-T, signed twice, B-LTA) as
// seeds of FuzzVerify when run with -update. They hold certificates and
// signatures only; the keys existed only during the run.
func TestUpdateFuzzSeeds(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite the seed corpus")
	}
	p := newPKI(t)
	signed := signSample(t, p)
	opts := p.options()
	ts := newTSA(t)
	opts.Timestamp = ts.stamp
	stamped, err := pades.Sign(t.Context(), samplePDF(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	archived, err := pades.Archive(t.Context(), stamped, pades.ArchiveOptions{Timestamp: ts.stampDigest})
	if err != nil {
		t.Fatal(err)
	}
	twice, err := pades.Sign(t.Context(), signed, p.options())
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"signed": signed, "timestamped": stamped, "signed-twice": twice, "archived": archived} {
		fuzzseed.Write(t, fuzzseed.Dir("FuzzVerify"), name, data)
	}
}

// FuzzVerify feeds arbitrary bytes to Verify: it must never panic, and
// whatever it accepts must be self-consistent.
func FuzzVerify(f *testing.F) {
	f.Add([]byte("%PDF-1.3\n"))
	f.Add([]byte("%PDF-1.3\nxref\n0 1\n0000000000 65535 f\r\ntrailer\n<</Size 1 /Prev 9>>\nstartxref\n9\n%%EOF\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		infos, err := pades.Verify(data)
		if err != nil {
			return
		}
		for _, info := range infos {
			br := info.ByteRange
			if br[0] != 0 || br[1] > br[2] || br[2]+br[3] > int64(len(data)) {
				t.Fatalf("accepted an impossible byte range %v for %d bytes", br, len(data))
			}
			if info.WholeDocument != (br[2]+br[3] == int64(len(data))) {
				t.Fatalf("WholeDocument %v with byte range %v and %d bytes", info.WholeDocument, br, len(data))
			}
			if info.Signer == nil || len(info.CMS) == 0 || !bytes.Contains(data, []byte(fmt.Sprintf("%x", info.CMS[:min(len(info.CMS), 16)]))) {
				t.Fatal("accepted signature without signer or CMS")
			}
		}
	})
}

// FuzzPDFA3 feeds arbitrary bytes to PDFA3: it must never panic, and what
// it accepts is a single revision that PDFA3 accepts again.
func FuzzPDFA3(f *testing.F) {
	f.Add(samplePDF(f))
	f.Add([]byte("%PDF-1.3\nxref\n0 1\n0000000000 65535 f\r\ntrailer\n<</Size 1>>\nstartxref\n9\n%%EOF\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := pades.PDFA3(data, pades.PDFAOptions{})
		if err != nil {
			return
		}
		if _, err := pades.PDFA3(out, pades.PDFAOptions{}); err != nil {
			t.Fatalf("PDFA3 refuses its own output: %v", err)
		}
	})
}
