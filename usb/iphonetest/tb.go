package iphonetest

// TB is the part of testing.TB that [Start] uses, declared here so that the package does not import testing.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
	Cleanup(func())
}
