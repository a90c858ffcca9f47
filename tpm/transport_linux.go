package tpm

import (
	"fmt"

	"github.com/google/go-tpm/tpm2/transport"
	"github.com/google/go-tpm/tpm2/transport/linuxtpm"
	"github.com/google/go-tpm/tpm2/transport/linuxudstpm"
)

// openDevice opens a kernel TPM device; /dev/tpmrm0 goes through the kernel's resource manager.
func openDevice(path string) (transport.TPMCloser, error) {
	tr, err := linuxtpm.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tpm: open device %s: %w", path, err)
	}
	return tr, nil
}

// openSwtpm opens swtpm's Unix socket (its "unixio" server).
func openSwtpm(path string) (transport.TPMCloser, error) {
	tr, err := linuxudstpm.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tpm: open swtpm socket %s: %w", path, err)
	}
	return tr, nil
}
