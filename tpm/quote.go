package tpm

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/google/go-tpm/tpm2"
	"github.com/google/go-tpm/tpm2/transport"
)

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

func clockFrom(ci tpm2.TPMSClockInfo) Clock {
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

// quoteAttempts bounds retries when a PCR changes between reading it and
// quoting it.
const quoteAttempts = 3

// Quote has the attestation key quote the PCRs in sel (nil: the provisioned
// selection, or DefaultPCRSelection before provisioning) with nonce as
// qualifying data, and returns the quote with the PCR values it covers.
func (t *TPM) Quote(ctx context.Context, nonce []byte, sel PCRSelection) (*Quote, error) {
	if len(nonce) > MaxNonce {
		return nil, fmt.Errorf("tpm: quote: nonce of %d bytes exceeds %d", len(nonce), MaxNonce)
	}
	if err := t.lock(ctx); err != nil {
		return nil, err
	}
	defer t.mu.Unlock()
	q, err := t.quote(ctx, nonce, sel)
	if err != nil {
		return nil, fmt.Errorf("tpm: quote: %w", err)
	}
	return q, nil
}

func (t *TPM) quote(ctx context.Context, nonce []byte, sel PCRSelection) (*Quote, error) {
	if sel == nil {
		sel = DefaultPCRSelection()
		if t.id != nil {
			sel = t.id.PCRSelection
		}
	}
	sel, err := sel.normalize()
	if err != nil {
		return nil, err
	}
	ak, err := createAK(t.tr)
	if err != nil {
		return nil, err
	}
	defer flush(t.tr, ak.handle)
	for range quoteAttempts {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		vals, err := readPCRs(t.tr, sel)
		if err != nil {
			return nil, fmt.Errorf("read PCRs %s: %w", sel, err)
		}
		rsp, err := tpm2.Quote{
			SignHandle:     ak.authHandle(tpm2.PasswordAuth(nil)),
			QualifyingData: tpm2.TPM2BData{Buffer: nonce},
			InScheme:       tpm2.TPMTSigScheme{Scheme: tpm2.TPMAlgNull},
			PCRSelect:      sel.tpml(),
		}.Execute(t.tr)
		if err != nil {
			return nil, err
		}
		msg := rsp.Quoted.Bytes()
		a, err := parseAttest(msg, tpm2.TPMSTAttestQuote)
		if err != nil {
			return nil, err
		}
		info, err := a.Attested.Quote()
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(info.PCRDigest.Buffer, pcrDigest(vals)) {
			continue // a PCR moved between read and quote
		}
		der, err := signatureDER(&rsp.Signature)
		if err != nil {
			return nil, err
		}
		return &Quote{
			Msg: msg, Sig: tpm2.Marshal(&rsp.Signature), SigDER: der, PCRs: vals,
			Selection: sel.String(), ClockInfo: clockFrom(a.ClockInfo), FirmwareVersion: a.FirmwareVersion,
		}, nil
	}
	return nil, errors.New("PCRs kept changing while quoting")
}

// ReadClock reads the TPM clock. The reading is not signed; a quote's
// ClockInfo is the signed equivalent.
func (t *TPM) ReadClock(ctx context.Context) (Clock, error) {
	if err := t.lock(ctx); err != nil {
		return Clock{}, err
	}
	defer t.mu.Unlock()
	c, err := readClock(t.tr)
	if err != nil {
		return Clock{}, fmt.Errorf("tpm: %w", err)
	}
	return c, nil
}

func readClock(tr transport.TPM) (Clock, error) {
	rsp, err := tpm2.ReadClock{}.Execute(tr)
	if err != nil {
		return Clock{}, fmt.Errorf("read clock: %w", err)
	}
	c := clockFrom(rsp.CurrentTime.ClockInfo)
	c.Time = rsp.CurrentTime.Time
	return c, nil
}
