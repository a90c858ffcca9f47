package report

import "errors"

// Errors callers branch on.
var (
	// ErrInput reports an Input the report cannot be made from: no manifest, an invalid manifest, or a manifest
	// not yet sealed in the journal (without its journal block there is nothing for a reader to verify).
	ErrInput = errors.New("report input not usable")
	// ErrOptions reports an unknown language or kind.
	ErrOptions = errors.New("report options not usable")
)
