package testvectors

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPathFindsAVectorInTheRepository(t *testing.T) {
	p := Path(t, "wa-crypt-tools", "msgstore.db")
	if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
		t.Fatalf("Path = %s: %v", p, err)
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "testdata", "wa-crypt-tools", "msgstore.db"); p != want {
		t.Fatalf("Path = %s, want %s (inside the repository)", p, want)
	}
}

func TestFindRefusesMissingAndEscapingNames(t *testing.T) {
	for _, parts := range [][]string{
		{"wa-crypt-tools", "no-such-file"},
		{"..", "shared", "testvectors", "README.md"},
		{"..", "go.mod"},
		{"/etc/passwd"},
		{},
	} {
		if p, err := find(parts...); err == nil {
			t.Errorf("find(%q) = %s, want an error", parts, p)
		}
	}
}

// TestEveryVectorIsListedWithItsDigest checks each file of a source folder (one with a LICENSE) against the row of
// testdata/README.md that names it: a vector without its source, licence and digest cannot slip in, and a copy that
// changed is caught.
func TestEveryVectorIsListedWithItsDigest(t *testing.T) {
	readme, err := os.ReadFile(Path(t, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{} // "folder/file" → its README row
	for line := range strings.Lines(string(readme)) {
		if cells := strings.Split(line, "|"); len(cells) > 2 && strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			rows[strings.Trim(strings.TrimSpace(cells[1]), "`")] = line
		}
	}
	dir := filepath.Dir(Path(t, "README.md"))
	sources, err := filepath.Glob(filepath.Join(dir, "*", "LICENSE"))
	if err != nil || len(sources) < 2 {
		t.Fatalf("source folders with a LICENSE: %v %v", sources, err)
	}
	checked := 0
	for _, lic := range sources {
		err := filepath.WalkDir(filepath.Dir(lic), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			row, ok := rows[filepath.ToSlash(rel)]
			switch {
			case !ok:
				t.Errorf("%s has no row in testdata/README.md", rel)
			case !strings.Contains(row, hex.EncodeToString(sum[:])):
				t.Errorf("%s: SHA-256 %x is not the one in testdata/README.md: %s", rel, sum, row)
			}
			checked++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if checked < len(rows) {
		t.Errorf("checked %d files, README lists %d: a listed vector is missing", checked, len(rows))
	}
}
