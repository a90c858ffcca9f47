package ios_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/attesta/attesta/capture/ios"
	"github.com/attesta/attesta/capture/ios/iostest"
	"github.com/attesta/attesta/capture/ios/plist"
)

// seedBackup writes a small encrypted backup and returns its keybag and one MBFile entry.
func seedBackup(f *testing.F) (keybag, mbfile []byte) {
	dir := filepath.Join(f.TempDir(), "b")
	if err := iostest.WriteBackup(f.Context(), dir, files()[:1], iostest.BackupOptions{Password: "pw"}); err != nil {
		f.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "Manifest.plist"))
	if err != nil {
		f.Fatal(err)
	}
	v, err := plist.Parse(b)
	if err != nil {
		f.Fatal(err)
	}
	keybag = v.(map[string]any)["BackupKeyBag"].([]byte)
	mbfile, err = ios.MarshalMBFile(ios.FileInfo{Size: 9, ProtectionClass: 3, WrappedKey: make([]byte, 40)}, "Media/Test.txt")
	if err != nil {
		f.Fatal(err)
	}
	return keybag, mbfile
}

func addSeeds(f *testing.F, dir string) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", dir, "*"))
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
}

// FuzzParseKeybag: any keybag parses or fails with ErrKeybag; a parsed one unlocks or fails cleanly.
func FuzzParseKeybag(f *testing.F) {
	kb, _ := seedBackup(f)
	f.Add(kb)
	addSeeds(f, "keybags")
	kek := make([]byte, 32)
	f.Fuzz(func(t *testing.T, b []byte) {
		bag, err := ios.ParseKeybag(b)
		if err != nil {
			return
		}
		if bag.Iter > ios.MaxIter || bag.DPIter > ios.MaxDPIC || len(bag.Classes) == 0 {
			t.Fatalf("accepted out-of-bounds keybag %+v", bag)
		}
		bag.UnlockWithKey(kek)
	})
}

// FuzzParseMBFile: Manifest.db's file entries parse or fail, never panic.
func FuzzParseMBFile(f *testing.F) {
	_, mb := seedBackup(f)
	f.Add(mb)
	addSeeds(f, "mbfiles")
	f.Fuzz(func(t *testing.T, b []byte) {
		fi, err := ios.ParseMBFile(b)
		if err == nil && (fi.Size < 0 || (fi.WrappedKey != nil && len(fi.WrappedKey) != 40)) {
			t.Fatalf("accepted %+v", fi)
		}
	})
}
