//go:build !cgo || nosim

package tpm

import (
	"fmt"

	"github.com/google/go-tpm/tpm2/transport"
)

func openSimulator(string) (transport.TPMCloser, error) {
	return nil, fmt.Errorf("tpm: open sim: %w", ErrSimulatorUnavailable)
}
