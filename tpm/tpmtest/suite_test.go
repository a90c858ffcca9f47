package tpmtest_test

import (
	"os"
	"testing"

	"github.com/attesta/attesta/tpm/tpmtest"
)

// Every TPM transport runs the same suite.

func TestSimulator(t *testing.T) {
	tpmtest.TestTPM(t, tpmtest.Backend{Name: "sim", Spec: "sim", Reset: func(*testing.T) {}})
}

func TestSwtpm(t *testing.T) {
	sw := tpmtest.Start(t)
	tpmtest.TestTPM(t, tpmtest.Backend{Name: "swtpm", Spec: sw.Spec, HasEKCert: true, Reset: func(t *testing.T) { sw.PowerCycle(t) }})
}

// TestDevice runs the suite on the machine's TPM through the kernel's resource manager. It is skipped only when
// the machine has none; it never extends PCRs (no tamper subtest: a device cannot be power-cycled by a test).
func TestDevice(t *testing.T) {
	const dev = "/dev/tpmrm0"
	if _, err := os.Stat(dev); err != nil {
		t.Skipf("no TPM device: %v", err)
	}
	tpmtest.TestTPM(t, tpmtest.Backend{Name: dev, Spec: dev})
}
