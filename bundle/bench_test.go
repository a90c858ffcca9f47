package bundle

import (
	"path/filepath"
	"testing"
)

// BenchmarkVerifySession verifies a whole remote session: 50 delivery folders of 20 messages each, with three
// artifacts and the voice notes' media, all sealed in one journal.
func BenchmarkVerifySession(b *testing.B) {
	f := newFixture(b)
	var folders []string
	for i := range 50 {
		m := f.chatManifest(b, 100+i, 20)
		folders = append(folders, f.deliver(b, m, Delivery{}, WriteOptions{}))
	}
	for b.Loop() {
		for _, dir := range folders {
			if _, err := Verify(b.Context(), dir, VerifyOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000/50, "ms/folder")
}

// BenchmarkVerifyZip verifies one delivery from its ZIP.
func BenchmarkVerifyZip(b *testing.B) {
	f := newFixture(b)
	m := f.chatManifest(b, 1, 20)
	dir := f.deliver(b, m, Delivery{}, WriteOptions{})
	zp := filepath.Join(b.TempDir(), "d.zip")
	if err := WriteZipFile(b.Context(), zp, dir); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Verify(b.Context(), zp, VerifyOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
