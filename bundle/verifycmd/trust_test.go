package verifycmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attesta/attesta/bundle"
)

func TestTrustFilesRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage")
	os.WriteFile(garbage, []byte("not PEM, not JSON"), 0o644)
	for _, tc := range []struct {
		root, status, want string
	}{
		{"", garbage, "--status needs --root"},
		{filepath.Join(dir, "missing.pem"), "", "--root"},
		{garbage, "", "no PEM certificate"},
	} {
		var opts bundle.VerifyOptions
		err := TrustFiles(&opts, tc.root, tc.status)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("TrustFiles(%q, %q) = %v, want %q", tc.root, tc.status, err, tc.want)
		}
		if opts.Trust != nil {
			t.Error("a refused root set a trust check")
		}
	}
	var opts bundle.VerifyOptions
	if err := TrustFiles(&opts, "", ""); err != nil || opts.Trust != nil {
		t.Errorf("no --root: %v, trust set %v", err, opts.Trust != nil)
	}
}

func TestMainRootFlags(t *testing.T) {
	dir := t.TempDir()
	delivery := filepath.Join(dir, "d")
	os.Mkdir(delivery, 0o700)
	os.WriteFile(filepath.Join(delivery, "manifest.json"), []byte("{}"), 0o644)
	var out, errb strings.Builder
	if code := Main(t.Context(), []string{"--status", filepath.Join(dir, "s.json"), delivery}, &out, &errb); code != ExitUsage ||
		!strings.Contains(errb.String(), "--status needs --root") {
		t.Errorf("exit %d, %s", code, errb.String())
	}
}
