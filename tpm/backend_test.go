package tpm

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/attesta/attesta/tpm/tpmtest"
)

// backend is a TPM the conformance suite runs against.
type backend struct {
	name string
	spec string
	// reset power-cycles the TPM (PCRs back to their boot values) while
	// keeping its persistent state, as a reboot of the appliance would.
	// For the simulator, closing and reopening already does that.
	reset func(t *testing.T)
	// hasEKCert says whether the TPM was manufactured with EK certificates.
	hasEKCert bool
}

func simBackend() backend {
	return backend{name: "sim", spec: "sim", reset: func(*testing.T) {}}
}

func requireTools(t testing.TB, tools ...string) { t.Helper(); tpmtest.RequireTools(t, tools...) }

// swtpmBackend is a freshly manufactured swtpm with EK certificates, served until the test ends.
func swtpmBackend(t *testing.T) backend {
	t.Helper()
	sw := tpmtest.Start(t)
	return backend{name: "swtpm", spec: sw.Spec, hasEKCert: true, reset: func(t *testing.T) { sw.PowerCycle(t) }}
}

// runShell runs a command line as VERIFY.txt gives it, in dir.
func runShell(t *testing.T, dir, line string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "sh", "-c", line)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}
