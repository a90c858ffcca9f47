package bundle

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// verifierPackages are the recipient's verifier: they must build on any operating system without cgo and carry
// nothing stateful.
var verifierPackages = []string{
	"github.com/attesta/attesta/bundle",
	"github.com/attesta/attesta/bundle/verifycmd",
	"github.com/attesta/attesta/cmd/attesta-verify",
}

// forbiddenDeps are packages the verifier must not depend on, each with its subpackages (a path ending in "/":
// only its subpackages): the journal's store, go-tpm's transports (the tpm2 package itself imports
// tpm2/transport, which only declares the transport interface), the simulator, and the test framework.
var forbiddenDeps = []string{
	"go.etcd.io/bbolt",
	"github.com/google/go-tpm/tpm2/transport/",
	"github.com/google/go-tpm-tools/",
	"github.com/attesta/attesta/journal/blob",
	"testing",
	"runtime/cgo",
}

// TestVerifierDependencies runs go list -deps on the verifier's packages. With CGO_ENABLED=0 nothing forbidden
// may appear; with cgo enabled (the toolchain's default) no package outside the standard library may have cgo
// files, so that the verifier does not need cgo when cgo is available either (the standard library's net then
// links its cgo resolver, which is why runtime/cgo is checked with cgo off).
func TestVerifierDependencies(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	deps := goList(t, "CGO_ENABLED=0", "{{.ImportPath}}")
	for _, d := range deps {
		for _, bad := range forbiddenDeps {
			if d == bad || strings.HasPrefix(d, strings.TrimSuffix(bad, "/")+"/") {
				t.Errorf("the verifier depends on %s", d)
			}
		}
	}
	if len(deps) < 10 {
		t.Fatalf("go list -deps listed %d packages: %q", len(deps), deps)
	}
	for _, line := range goList(t, "CGO_ENABLED=1", "{{.ImportPath}} {{.Standard}} {{len .CgoFiles}}") {
		f := strings.Fields(line)
		if len(f) == 3 && f[1] == "false" && f[2] != "0" {
			t.Errorf("the verifier depends on %s, which has cgo files", f[0])
		}
	}
}

func goList(t *testing.T, env, format string) []string {
	t.Helper()
	args := append([]string{"list", "-deps", "-f", format}, verifierPackages...)
	cmd := exec.CommandContext(t.Context(), "go", args...)
	cmd.Env = append(os.Environ(), env)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v", strings.Join(args, " "), err)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}
