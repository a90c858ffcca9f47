package pades

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/attesta/attesta/internal/cms"
)

// The CMS verification rules live in internal/cms, shared with bundle/tsa; this file maps its errors onto this
// package's sentinels and its time-stamp tokens onto TimestampInfo.

// fromCMS returns err, from internal/cms, also matching the sentinel of this package that says the same.
func fromCMS(err error) error {
	for _, m := range []struct{ from, to error }{
		{cms.ErrMalformed, ErrMalformed},
		{cms.ErrUnsupported, ErrUnsupported},
		{cms.ErrDigestMismatch, ErrDigestMismatch},
		{cms.ErrNoCertificate, ErrCertMismatch},
		{cms.ErrCertMismatch, ErrCertMismatch},
		{cms.ErrBadSignature, ErrBadSignature},
	} {
		if errors.Is(err, m.from) {
			return cms.Mark(err, m.to)
		}
	}
	return err
}

func digestOf(h crypto.Hash, data ...[]byte) []byte {
	d := h.New()
	for _, b := range data {
		d.Write(b)
	}
	return d.Sum(nil)
}

// TimestampInfo describes the RFC 3161 signature time-stamp (PAdES B-T).
type TimestampInfo struct {
	// Time is the token's genTime.
	Time time.Time
	// Hash is the imprint's hash algorithm and Imprint the hashed message:
	// Verify has checked that it is the hash of the CMS signature value.
	Hash    crypto.Hash
	Imprint []byte
	// Serial and Policy are the token's serial number and TSA policy.
	Serial *big.Int
	Policy asn1.ObjectIdentifier
	// TSA is the certificate whose key signed the token (its signature and
	// ESS binding checked; its trust is the caller's decision). Certs are
	// all certificates the token carries.
	TSA   *x509.Certificate
	Certs []*x509.Certificate
	// Token is the TimeStampToken (a DER ContentInfo).
	Token []byte
}

// parseTimestampToken parses and checks an RFC 3161 TimeStampToken: its
// imprint must be the hash of signature and its CMS signature must verify
// with the TSA certificate it carries, which its ESS signing-certificate
// attribute must name.
func parseTimestampToken(token, signature []byte) (*TimestampInfo, error) {
	ts, err := cms.VerifyTimestampToken(token)
	if err != nil {
		return nil, cms.Mark(fromCMS(err), ErrTimestamp)
	}
	if !bytes.Equal(ts.HashedMessage, digestOf(ts.Hash, signature)) {
		return nil, fmt.Errorf("%w: the token's message imprint is not the hash of this signature value", ErrTimestamp)
	}
	return timestampInfo(ts, token), nil
}

func timestampInfo(ts *cms.Timestamp, token []byte) *TimestampInfo {
	return &TimestampInfo{
		Time: ts.GenTime, Hash: ts.Hash, Imprint: ts.HashedMessage, Serial: ts.Serial, Policy: ts.Policy,
		TSA: ts.Signer, Certs: ts.SignedData.Certificates, Token: token,
	}
}
