package attest

import "github.com/google/go-tpm/tpm2"

// MaxNonce is the largest nonce (qualifying data) accepted: the size of a
// TPMT_HA for SHA-512, the bound TPMs enforce.
const MaxNonce = 64

// Clock is the TPM's clock. Clock counts milliseconds while the TPM is
// powered and never goes back; ResetCount and RestartCount count TPM resets
// and restarts; Safe is false when the TPM may have reported a larger Clock
// before (after an unorderly shutdown). Time counts milliseconds since the
// TPM's timer was last reset; it is zero in a quote's ClockInfo, which does
// not carry it.
type Clock struct {
	Time         uint64 `json:"time_ms"`
	Clock        uint64 `json:"clock_ms"`
	ResetCount   uint32 `json:"reset_count"`
	RestartCount uint32 `json:"restart_count"`
	Safe         bool   `json:"safe"`
}

// ClockFrom converts the clock information of a TPMS_ATTEST or a ReadClock.
func ClockFrom(ci tpm2.TPMSClockInfo) Clock {
	return Clock{Clock: ci.Clock, ResetCount: ci.ResetCount, RestartCount: ci.RestartCount, Safe: bool(ci.Safe)}
}

// Quote is a PCR quote signed by the attestation key.
type Quote struct {
	Msg       []byte   // marshalled TPMS_ATTEST, no size prefix (tpm2_checkquote -m)
	Sig       []byte   // marshalled TPMT_SIGNATURE, tpm2-tools "tss" format (-s)
	SigDER    []byte   // the same signature as ASN.1 DER
	PCRs      [][]byte // SHA-256 PCR values in selection order (-f pcrs.bin, concatenated)
	Selection string   // tpm2-tools syntax, e.g. "sha256:0,1,2,3,4,5,6,7,23" (-l)
	// ClockInfo is the signed clock (Time is zero); signed in clear because
	// the AK lives in the endorsement hierarchy.
	ClockInfo       Clock
	FirmwareVersion uint64
}
