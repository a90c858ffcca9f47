package tpm

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/google/go-tpm/tpm2"
	"github.com/google/go-tpm/tpm2/transport"

	"github.com/attesta/attesta/tpm/attest"
)

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
	sel, err := sel.Normalize()
	if err != nil {
		return nil, err
	}
	ak, err := createAK(t.tr, t.akGen)
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
			PCRSelect:      sel.TPML(),
		}.Execute(t.tr)
		if err != nil {
			return nil, err
		}
		msg := rsp.Quoted.Bytes()
		a, err := attest.ParseAttest(msg, tpm2.TPMSTAttestQuote)
		if err != nil {
			return nil, err
		}
		info, err := a.Attested.Quote()
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(info.PCRDigest.Buffer, attest.PCRDigest(vals)) {
			continue // a PCR moved between read and quote
		}
		der, err := attest.SignatureDER(&rsp.Signature)
		if err != nil {
			return nil, err
		}
		return &Quote{
			Msg: msg, Sig: tpm2.Marshal(&rsp.Signature), SigDER: der, PCRs: vals,
			Selection: sel.String(), ClockInfo: attest.ClockFrom(a.ClockInfo), FirmwareVersion: a.FirmwareVersion,
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
	c := attest.ClockFrom(rsp.CurrentTime.ClockInfo)
	c.Time = rsp.CurrentTime.Time
	return c, nil
}
