// Package archtest holds, as a test, the package map of ARCHITECTURE.md: which layer each package is in, that a
// package imports only from its own layer or the layers below, that the capture, USB and UI packages never import
// one another, and that test helpers (the fakes, simulators and suites) are imported only by tests, by other test
// helpers and by the development build's demo; and that no non-test Go file of the module is longer than 500 lines.
// It has no code of its own.
package archtest
