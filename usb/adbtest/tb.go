package adbtest

// TB is the part of testing.TB that [Start] and [StartServer] use. It is declared here so that the package does
// not import testing: the demo links the fake phone through the error-returning [Listen] and [NewServer], and a
// *testing.T or *testing.B satisfies TB for tests.
type TB interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
	TempDir() string
	Cleanup(func())
}
