package iphonetest

import "os/exec"

// TB is the part of testing.TB that [Start] uses, declared here so that the package does not import testing.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
	Cleanup(func())
}

// Skipper is the part of testing.TB that [SkipWithoutTools] uses.
type Skipper interface {
	Helper()
	Skip(args ...any)
}

// SkipWithoutTools skips t when Debian's libimobiledevice-utils, the real tools that talk to the fake iPhone
// (idevicebackup2 and the others), are not installed.
func SkipWithoutTools(t Skipper) {
	t.Helper()
	if _, err := exec.LookPath("idevicebackup2"); err != nil {
		t.Skip("Debian libimobiledevice-utils not installed")
	}
}
