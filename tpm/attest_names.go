package tpm

import (
	"crypto"

	"github.com/attesta/attesta/tpm/attest"
)

// The verification of what the TPM attests lives in package attest, which needs no transport; these names are
// its own, for callers of this package.

// AppPCR is the application PCR: the appliance extends it on tamper events, and every signing-key policy
// includes it (attest.AppPCR).
const AppPCR = attest.AppPCR

// MaxNonce is the largest nonce (qualifying data) accepted (attest.MaxNonce).
const MaxNonce = attest.MaxNonce

type (
	// PCRSelection is attest.PCRSelection: SHA-256 PCR indices, sorted and unique.
	PCRSelection = attest.PCRSelection
	// Quote is attest.Quote: a PCR quote signed by the attestation key.
	Quote = attest.Quote
	// Clock is attest.Clock: the TPM's clock.
	Clock = attest.Clock
)

// DefaultPCRSelection is attest.DefaultPCRSelection: the boot measurements PCR 0-7 and AppPCR.
func DefaultPCRSelection() PCRSelection { return attest.DefaultPCRSelection() }

// ParsePCRSelection is attest.ParsePCRSelection.
func ParsePCRSelection(s string) (PCRSelection, error) { return attest.ParsePCRSelection(s) }

// VerifyQuote is attest.VerifyQuote.
func VerifyQuote(akPub crypto.PublicKey, q *Quote, nonce []byte, expectedPCRs [][]byte) error {
	return attest.VerifyQuote(akPub, q, nonce, expectedPCRs)
}

// VerifyCertification is attest.VerifyCertification.
func VerifyCertification(akPub crypto.PublicKey, msg, sig, signingPub []byte) error {
	return attest.VerifyCertification(akPub, msg, sig, signingPub)
}

// AttestExtraData is attest.AttestExtraData.
func AttestExtraData(msg []byte) ([]byte, error) { return attest.AttestExtraData(msg) }
