package main

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// devOnly are the packages the appliance image must not link: the cgo runtime (the TPM simulator), testing, and the
// demo with the fakes it drives.
var devOnly = []string{
	"runtime/cgo",
	"testing",
	"github.com/attesta/attesta/internal/demo",
	"github.com/attesta/attesta/usb/adbtest",
	"github.com/attesta/attesta/capture/web/webtest",
	"github.com/attesta/attesta/capture/android/msgstore/msgstoretest",
}

// listDeps returns the packages `go list -deps` finds for ./cmd/attesta with tags and cgo as given.
func listDeps(t *testing.T, cgo, tags string) []string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list the binary's packages: %v", err)
	}
	cmd := exec.CommandContext(t.Context(), gobin, "list", "-tags", tags, "-deps", ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED="+cgo)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -tags %s -deps (CGO_ENABLED=%s): %v\n%s", tags, cgo, err, stderrOf(err))
	}
	return strings.Fields(string(out))
}

func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}

// The appliance image is built with the nosim tag. With cgo enabled, the standard library's net and os/user still
// link runtime/cgo for the system resolver; netgo and osusergo leave it out, so that what remains would be ours: the
// TPM simulator, or a dependency that needs cgo.
func TestApplianceBuildLinksNoDevelopmentCode(t *testing.T) {
	deps := listDeps(t, "1", "nosim,netgo,osusergo")
	for _, pkg := range devOnly {
		if slices.Contains(deps, pkg) {
			t.Errorf("the appliance build (-tags nosim) links %s", pkg)
		}
	}
	// Built without cgo at all, the binary still has every command but the demo.
	deps = listDeps(t, "0", "nosim")
	for _, pkg := range devOnly {
		if slices.Contains(deps, pkg) {
			t.Errorf("the appliance build (CGO_ENABLED=0 -tags nosim) links %s", pkg)
		}
	}
}

// The development build keeps the demo, so the check above is not passing because the demo is gone.
func TestDevelopmentBuildHasTheDemo(t *testing.T) {
	if deps := listDeps(t, "1", ""); !slices.Contains(deps, "github.com/attesta/attesta/internal/demo") {
		t.Error("the development build does not link internal/demo: attesta demo is gone")
	}
	if _, ok := commands["demo"]; !ok {
		t.Error("the development build has no demo command")
	}
}
