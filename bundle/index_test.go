package bundle

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/evidence"
)

func TestWriteIndex(t *testing.T) {
	dir := t.TempDir()
	day := evidence.Date{Year: 2026, Month: time.January, Day: 15}
	entries := []IndexEntry{
		{Folder: "3771151946-15-gennaio-2026", Phone: "+393771151946", Name: "Emanuel <script>alert(1)</script>", Day: day,
			ShareURL: "https://studio.example/s/abc?x=1&y=2"},
		{Folder: "3331234567-15-gennaio-2026", Phone: "+393331234567", Name: "Maria Rossi", Day: day},
	}
	if err := WriteIndex(dir, entries); err != nil {
		t.Fatal(err)
	}
	var got indexFile
	if err := json.Unmarshal(mustRead(t, filepath.Join(dir, "index.json")), &got); err != nil {
		t.Fatal(err)
	}
	if got.Format != IndexFormat || len(got.Entries) != 2 || got.Entries[0] != entries[0] || got.Entries[1] != entries[1] {
		t.Errorf("index.json = %+v", got)
	}
	html := string(mustRead(t, filepath.Join(dir, "index.html")))
	for _, want := range []string{`href="3771151946-15-gennaio-2026/"`, "&lt;script&gt;", "2026-01-15", `https://studio.example/s/abc?x=1&amp;y=2`} {
		if !strings.Contains(html, want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
	if strings.Contains(html, "<script>") {
		t.Error("index.html carries a name unescaped")
	}
	// Rewriting replaces both files.
	if err := WriteIndex(dir, entries[:1]); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(mustRead(t, filepath.Join(dir, "index.html"))), "Maria Rossi") {
		t.Error("index.html was not replaced")
	}

	for _, bad := range []IndexEntry{
		{Folder: "../x", Day: day},
		{Folder: "a/b", Day: day},
		{Folder: "ok", ShareURL: "javascript:alert(1)"},
	} {
		if err := WriteIndex(dir, []IndexEntry{bad}); err == nil {
			t.Errorf("WriteIndex(%+v) succeeded", bad)
		} else if bad.ShareURL == "" && !errors.Is(err, ErrUnsafePath) {
			t.Errorf("WriteIndex(%+v): %v, want ErrUnsafePath", bad, err)
		}
	}
}

// TestReadIndexKeepsDriveLinks: an index written with Drive links reads back with them; a missing one is empty and
// a damaged one an error naming it.
func TestReadIndexKeepsDriveLinks(t *testing.T) {
	dir := t.TempDir()
	if got, err := ReadIndex(dir); err != nil || got != nil {
		t.Fatalf("missing index: %v, %v", got, err)
	}
	entries := []IndexEntry{{Folder: "3771151946-15-gennaio-2026", Phone: "+393771151946", Name: "Mario",
		Day: evidence.Date{Year: 2026, Month: time.January, Day: 15}, DriveURL: "https://drive.google.com/drive/folders/1D2x"}}
	if err := WriteIndex(dir, entries); err != nil {
		t.Fatal(err)
	}
	got, err := ReadIndex(dir)
	if err != nil || len(got) != 1 || got[0] != entries[0] {
		t.Fatalf("read back %+v, %v", got, err)
	}
	if err := WriteIndex(dir, []IndexEntry{{Folder: "x", DriveURL: "javascript:alert(1)"}}); err == nil {
		t.Error("a Drive link that is not http(s) was written")
	}
	if err := os.WriteFile(filepath.Join(dir, "index.json"), []byte(`{"format":"attesta.index/v1","entries":[],"x":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadIndex(dir); err == nil || !strings.Contains(err.Error(), "index.json") {
		t.Errorf("damaged index: %v", err)
	}
}
