package verifycmd

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/bundle/bundletest"
	"golang.org/x/mod/sumdb/note"
)

// TestManyExtraEntriesPrintAPage verifies a delivery ZIP carrying 200,000 stray entries: the verdict is INVALID,
// and the printed report stays a page long, naming the first failures and counting the rest.
func TestManyExtraEntriesPrintAPage(t *testing.T) {
	ctx := t.Context()
	mk, folder := bundletest.Delivered(t, 7)
	var good bytes.Buffer
	if err := bundle.WriteZip(ctx, &good, folder); err != nil {
		t.Fatal(err)
	}
	const extra = 200_000
	path := filepath.Join(t.TempDir(), "consegna.zip")
	writeZipWithExtras(t, path, good.Bytes(), filepath.Base(folder), extra)

	var out bytes.Buffer
	err := Run(ctx, &out, path, bundle.VerifyOptions{Key: mk.VKey()}, "en")
	if !errors.Is(err, bundle.ErrInvalid) {
		t.Fatalf("Run: %v, want ErrInvalid", err)
	}
	if out.Len() > 16<<10 {
		t.Fatalf("printed %d bytes for %d stray entries, want at most 16 KiB", out.Len(), extra)
	}
	if n := strings.Count(out.String(), "\nFAIL extra-file"); n != MaxPrintedFailures-1 && n != MaxPrintedFailures {
		t.Errorf("%d extra-file lines printed, want about %d:\n%s", n, MaxPrintedFailures, out.String())
	}
	want := fmt.Sprintf("… and %d more failed checks (%d in all)", extra-MaxPrintedFailures, extra)
	if !strings.Contains(out.String(), want) || strings.Contains(out.String(), "VALID") {
		t.Errorf("output lacks %q or claims VALID:\n%s", want, out.String())
	}
	out.Reset()
	if err := Run(ctx, &out, folder, bundle.VerifyOptions{Key: mk.VKey()}, "it"); err != nil || strings.Contains(out.String(), "…") {
		t.Errorf("the good folder: %v\n%s", err, out.String())
	}
}

// writeZipWithExtras copies the ZIP good and adds n stray files under folder/extra/.
func writeZipWithExtras(t *testing.T, path string, good []byte, folder string, n int) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(good), int64(len(good)))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	for _, e := range zr.File {
		if err := zw.Copy(e); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("%s/extra/%06d", folder, i), Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, "x"); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestCatalogComplete(t *testing.T) {
	if err := catalog.Check(); err != nil {
		t.Error(err)
	}
	for _, k := range []string{"note.unpinned", "more-failed"} {
		if !catalog.Has(k) {
			t.Errorf("catalog lacks %q", k)
		}
	}
}

// TestWitnessFlags: --witness takes keys or files of keys; a bad key, a file without one, or more required than
// given is a usage error (exit 2) before anything is verified.
func TestWitnessFlags(t *testing.T) {
	ctx := t.Context()
	mk, err := bundletest.NewMaker(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer mk.Close()
	man, src := bundletest.Manifest(3)
	folder, err := mk.Deliver(ctx, man, src, bundle.Delivery{}, bundle.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, vkey, err := note.GenerateKey(rand.Reader, "witness.test/w")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "witness.vkey")
	if err := os.WriteFile(file, []byte("# the studio's witness\n"+vkey+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"--witness", "nonsense"}, ExitUsage},
		{[]string{"--witness", "a+b+c"}, ExitUsage},
		{[]string{"--witness", empty}, ExitUsage},
		{[]string{"--min-witnesses", "1"}, ExitUsage},
		{[]string{"--witness", file, "--min-witnesses", "2"}, ExitUsage},
		{[]string{"--witness", file, "--min-witnesses", "-1"}, ExitUsage},
		// Well-formed: the delivery has no proofs/witness, so it is invalid.
		{[]string{"--witness", file}, ExitInvalid},
		{[]string{"--witness", vkey, "--min-witnesses", "1"}, ExitInvalid},
		{nil, ExitValid},
	} {
		var out, errb bytes.Buffer
		if got := Main(ctx, append(tc.args, folder), &out, &errb); got != tc.want {
			t.Errorf("%q: exit %d, want %d\n%s%s", tc.args, got, tc.want, out.String(), errb.String())
		}
	}
}
