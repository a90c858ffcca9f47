package demo

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/attesta/attesta/mirror/localstore"
)

func TestDemoRunsTwice(t *testing.T) {
	dir := t.TempDir()
	for run := 1; run <= 2; run++ {
		var out bytes.Buffer
		if err := Run(t.Context(), dir, "test", &out); err != nil {
			t.Fatalf("run %d: %v\n%s", run, err, out.String())
		}
		for _, want := range []string{"ok: quote verified", "blobs verified", "ok: iPhone backup", filepath.Join(dir, "out"), "signer-trust: signed with certificate", "witness: 1 valid cosignatures", "folders on Drive", "downloaded back from Drive verifies",
			"attesta verify --witness " + filepath.Join(dir, "out", "witness.vkey") + " --min-witnesses 1 ",
			"attesta verify --root " + filepath.Join(dir, "out", "authority-root.pem") + " --status " + filepath.Join(dir, "out", "status.json")} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("run %d output lacks %q:\n%s", run, want, out.String())
			}
		}
		// With the object store that scripts/setup builds (always in CI), the demo mirrors and restores.
		if _, err := localstore.Binary(); err == nil || os.Getenv("CI") == "true" {
			for _, want := range []string{"ok: s3://attesta-demo/box: tree size", "re-sealed to the new TPM", "extends the mirrored one", "cosigned by the local witness",
				"attesta restore --from s3://attesta-demo/box --recovery-key " + filepath.Join(dir, "recovery.key")} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("run %d output lacks %q:\n%s", run, want, out.String())
				}
			}
		}
		links, err := os.ReadFile(filepath.Join(dir, "out", "links.txt"))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(string(links), "\n"), "\n")
		if len(lines) < 2 {
			t.Fatalf("run %d: links.txt:\n%s", run, links)
		}
		for _, l := range lines {
			name, link, ok := strings.Cut(l, "\t")
			if !ok || !deliveryName.MatchString(name) || !strings.HasPrefix(link, "http://127.0.0.1:") || !strings.Contains(out.String(), l) {
				t.Errorf("run %d: links.txt line %q: want folder name, tab, link, as printed", run, l)
			}
		}
	}
}

var deliveryName = regexp.MustCompile(`^[0-9]+-[0-9]{1,2}-(gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|dicembre)-[0-9]{4}(-[0-9]+)?$`)
