package tpm

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/google/go-tpm/tpm2"
	"github.com/google/go-tpm/tpm2/transport"
)

// Spec forms accepted by Open, for error messages and flag help.
const SpecForms = `"sim", "/dev/tpmrm0" (any path under /dev/), "swtpm:PATH" (swtpm unixio socket)`

// TPM is an open TPM with its state directory. Its methods are safe for
// concurrent use: commands are serialised.
type TPM struct {
	mu       sync.Mutex
	tr       transport.TPMCloser
	spec     string
	stateDir string
	closed   bool

	// Set by Provision.
	id    *Identity
	sig   *loadedKey
	akGen uint32 // the AK's generation (id.AKGeneration), kept for the functions that recreate it

	// imageKey is the image key new signing keys are bound to (ProvisionOptions.ImageKey); nil: the literal PCR
	// policy. policy is the signed policy in force for a key under an image key.
	imageKey  *ecdsa.PublicKey
	policy    *SignedPolicy
	ownerAuth []byte
}

// loadedKey is the signing key while it is loaded in the TPM.
type loadedKey struct {
	handle tpm2.TPMHandle
	name   tpm2.TPM2BName
	pub    tpm2.TPMTPublic
	sel    tpm2.TPMLPCRSelection
	// imageKey is set for a key under an authorized policy: the image key as the TPM loads it.
	imageKey *tpm2.TPMTPublic
}

// Open opens the TPM named by spec (see SpecForms) and uses stateDir for the
// persisted key blobs and, for the simulator, its seed. stateDir is created
// (0700) when missing.
func Open(ctx context.Context, spec, stateDir string) (*TPM, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if stateDir == "" {
		return nil, errors.New("tpm: open: empty state directory")
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return nil, fmt.Errorf("tpm: open: create state directory: %w", err)
	}
	tr, err := openTransport(spec, stateDir)
	if err != nil {
		return nil, err
	}
	t := &TPM{tr: tr, spec: spec, stateDir: stateDir}
	if err := t.flushStale(); err != nil {
		tr.Close()
		return nil, fmt.Errorf("tpm: open %s: %w", spec, err)
	}
	return t, nil
}

func openTransport(spec, stateDir string) (transport.TPMCloser, error) {
	switch {
	case spec == "sim":
		return openSimulator(stateDir)
	case strings.HasPrefix(spec, "/dev/"):
		return openDevice(spec)
	case strings.HasPrefix(spec, "swtpm:") && len(spec) > len("swtpm:"):
		return openSwtpm(strings.TrimPrefix(spec, "swtpm:"))
	default:
		return nil, fmt.Errorf("tpm: open: %w %q: accepted forms are %s", ErrBadSpec, spec, SpecForms)
	}
}

// Spec returns the spec the TPM was opened with.
func (t *TPM) Spec() string { return t.spec }

// Close flushes what this TPM loaded and closes the transport. Closing the
// simulator releases it for the next Open("sim").
func (t *TPM) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil
	}
	t.closed = true
	var errs []error
	if t.sig != nil {
		errs = append(errs, flush(t.tr, t.sig.handle))
		t.sig = nil
	}
	errs = append(errs, t.tr.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("tpm: close %s: %w", t.spec, err)
	}
	return nil
}

// lock takes the command lock and checks that the TPM is usable.
func (t *TPM) lock(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return fmt.Errorf("tpm: %s: %w", t.spec, ErrClosed)
	}
	return nil
}

// flushStale flushes transient objects and sessions left behind by an earlier
// process: a socket TPM without a resource manager keeps them across
// connections, and swtpm has only three object slots.
func (t *TPM) flushStale() error {
	for _, first := range []tpm2.TPMHandle{0x80000000, 0x02000000, 0x03000000} {
		rsp, err := tpm2.GetCapability{
			Capability: tpm2.TPMCapHandles, Property: uint32(first), PropertyCount: 64,
		}.Execute(t.tr)
		if err != nil {
			return fmt.Errorf("list handles from %#x: %w", uint32(first), err)
		}
		handles, err := rsp.CapabilityData.Data.Handles()
		if err != nil {
			return fmt.Errorf("list handles from %#x: %w", uint32(first), err)
		}
		for _, h := range handles.Handle {
			if h>>24 != first>>24 {
				continue
			}
			if err := flush(t.tr, h); err != nil {
				return err
			}
		}
	}
	return nil
}

func flush(tr transport.TPM, h tpm2.TPMHandle) error {
	if tpm2.TPMHT(h>>24) == tpm2.TPMHTPersistent {
		return nil // a persistent object (the SRK at SRKHandle) stays
	}
	if _, err := (tpm2.FlushContext{FlushHandle: h}).Execute(tr); err != nil {
		return fmt.Errorf("flush handle %#x: %w", uint32(h), err)
	}
	return nil
}
