package tpm

import (
	"errors"

	"github.com/attesta/attesta/tpm/attest"
)

var (
	// ErrBadSpec reports a transport spec that Open does not understand.
	ErrBadSpec = errors.New("bad transport spec")
	// ErrSimulatorInUse reports that the in-process simulator is already open.
	ErrSimulatorInUse = errors.New("simulator already open in this process")
	// ErrSimulatorUnavailable reports a binary built without the simulator.
	ErrSimulatorUnavailable = errors.New("simulator not compiled in (needs cgo and no nosim tag)")
	// ErrNotProvisioned reports use of the signing key before Provision.
	ErrNotProvisioned = errors.New("not provisioned")
	// ErrKeyUnusable reports that the signing key's PCR policy is not
	// satisfied: a measured PCR, such as the application PCR after a tamper
	// event, differs from its value at provisioning.
	ErrKeyUnusable = errors.New("signing key unusable: PCR policy not satisfied")
	// ErrStateMismatch reports persisted state that does not belong to this
	// TPM (another TPM, a cleared TPM, or a changed simulator seed).
	ErrStateMismatch = errors.New("stored state does not match this TPM")
	// ErrCorruptState reports a state file that cannot be decoded.
	ErrCorruptState = errors.New("corrupt state file")
	// ErrBadBlob reports a key or sealed-data blob that cannot be decoded.
	ErrBadBlob = errors.New("bad blob")
	// ErrClosed reports use of a closed TPM.
	ErrClosed = errors.New("closed")

	// ErrAttestationInvalid is attest.ErrAttestationInvalid: every
	// verification failure of VerifyQuote and VerifyCertification wraps it.
	ErrAttestationInvalid = attest.ErrAttestationInvalid
	// ErrNonceMismatch is attest.ErrNonceMismatch.
	ErrNonceMismatch = attest.ErrNonceMismatch
	// ErrPCRMismatch is attest.ErrPCRMismatch.
	ErrPCRMismatch = attest.ErrPCRMismatch
	// ErrBadSignature is attest.ErrBadSignature.
	ErrBadSignature = attest.ErrBadSignature
)
