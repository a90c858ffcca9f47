package update

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzCheck: any update file is either refused with an error or checked, never a panic; what is accepted was
// signed by the key.
func FuzzCheck(f *testing.F) {
	fx := newFixture(f)
	good, err := os.ReadFile(fx.bundle(f, "1.0.1", fx.key, []byte("root")))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:1024])
	pk := newKey(f)
	withPol, err := os.ReadFile(fx.bundleWith(f, "1.0.1", fx.key, []byte("root"), policies(f, pk, 1, "1.0.1")))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(withPol)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := check(bytes.NewReader(data), &fx.key.PublicKey)
		if err == nil && b.Manifest.Version != "1.0.1" {
			t.Fatalf("accepted a manifest the key did not sign: %+v", b.Manifest)
		}
	})
}

// FuzzReadGPT: a partition table read from a disk never panics, and its partitions are within 2^40 sectors.
func FuzzReadGPT(f *testing.F) {
	path := filepath.Join(f.TempDir(), "disk.img")
	writeGPTImage(f, path, []gptPart{{"attesta-root-a", 4096}, {"attesta-root-b", 4096}})
	data, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data[:3*sector+128*128])
	f.Fuzz(func(t *testing.T, data []byte) {
		parts, err := ReadGPT(bytes.NewReader(data))
		for _, p := range parts {
			if err == nil && (p.Offset < 0 || p.Size <= 0) {
				t.Fatalf("partition %+v", p)
			}
		}
	})
}

// FuzzParseEntry: a file name on the ESP is an entry whose name EntryName gives back, or not an entry.
func FuzzParseEntry(f *testing.F) {
	for _, s := range []string{"attesta-1.0.0-a.efi", "attesta-1.0.1-b+3.efi", "attesta-1.0.1-b+0-3.efi", "attesta-x-c.efi"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		e, ok := ParseEntry(name)
		if ok && EntryName(e.Version, e.Slot, e.Counted, e.Left, e.Done) != name {
			t.Fatalf("%q parsed as %+v, which names %q", name, e, EntryName(e.Version, e.Slot, e.Counted, e.Left, e.Done))
		}
	})
}
