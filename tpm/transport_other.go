//go:build !linux

package tpm

import (
	"errors"
	"fmt"

	"github.com/google/go-tpm/tpm2/transport"
)

// The appliance runs on Linux. Elsewhere the package still builds, so that the offline verifiers (VerifyQuote,
// VerifyCertification) run on a recipient's machine.
var errLinuxOnly = errors.New("TPM devices and swtpm are supported on Linux only")

func openDevice(path string) (transport.TPMCloser, error) {
	return nil, fmt.Errorf("tpm: open device %s: %w", path, errLinuxOnly)
}

func openSwtpm(path string) (transport.TPMCloser, error) {
	return nil, fmt.Errorf("tpm: open swtpm socket %s: %w", path, errLinuxOnly)
}
