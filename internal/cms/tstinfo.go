package cms

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// TSTInfo is a decoded RFC 3161 TSTInfo.
type TSTInfo struct {
	Policy        asn1.ObjectIdentifier
	Hash          crypto.Hash // the message imprint's algorithm
	HashedMessage []byte      // the message imprint: what was stamped
	Serial        *big.Int
	GenTime       time.Time     // UTC
	Accuracy      time.Duration // 0 when absent
	Ordering      bool
	Nonce         *big.Int // nil when absent
	TSA           []byte   // the DER GeneralName inside tsa [0] EXPLICIT; nil when absent
	Extensions    []pkix.Extension
}

// Timestamp is a verified RFC 3161 TimeStampToken.
type Timestamp struct {
	TSTInfo
	SignedData *SignedData
	Signer     *x509.Certificate // the certificate whose key signed the token (trust is the caller's to judge)
	Attrs      Attributes        // the signed attributes
}

// ParseTimestampToken parses a TimeStampToken: a ContentInfo with nothing after it, whose SignedData encapsulates a
// TSTInfo. It checks structure, not signatures: see [VerifyTimestampToken].
func ParseTimestampToken(der []byte) (*SignedData, *TSTInfo, error) {
	sd, rest, err := ParseContentInfo(der)
	if err != nil {
		return nil, nil, err
	}
	if len(rest) != 0 {
		return nil, nil, fmt.Errorf("%w: %d bytes after the token at offset %d", ErrMalformed, len(rest), len(der)-len(rest))
	}
	if !sd.ContentType.Equal(OIDTSTInfo) || len(sd.Content) == 0 {
		return nil, nil, fmt.Errorf("%w: the token does not encapsulate a TSTInfo (content type %v)", ErrMalformed, sd.ContentType)
	}
	ti, err := ParseTSTInfo(sd.Content)
	if err != nil {
		return nil, nil, fmt.Errorf("TSTInfo: %w", err)
	}
	return sd, ti, nil
}

// VerifyTimestampToken parses a TimeStampToken and checks it with [SignedData.VerifyTimestamp]. The caller checks
// what it stamps and whether the signer is trusted.
func VerifyTimestampToken(der []byte) (*Timestamp, error) {
	sd, ti, err := ParseTimestampToken(der)
	if err != nil {
		return nil, err
	}
	cert, attrs, err := sd.VerifyTimestamp()
	if err != nil {
		return nil, err
	}
	return &Timestamp{TSTInfo: *ti, SignedData: sd, Signer: cert, Attrs: attrs}, nil
}

// VerifyTimestamp checks the signature of a SignedData from [ParseTimestampToken]: signed attributes over its
// TSTInfo, signature, and the ESS signing-certificate attribute, which RFC 3161 §2.4.1 requires.
func (sd *SignedData) VerifyTimestamp() (*x509.Certificate, Attributes, error) {
	cert, attrs, err := sd.Verify(OIDTSTInfo, func(h crypto.Hash) []byte {
		d := h.New()
		d.Write(sd.Content)
		return d.Sum(nil)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("token signature: %w", err)
	}
	if err := CheckSigningCertificate(attrs, cert, true); err != nil {
		return nil, nil, fmt.Errorf("token: %w", err)
	}
	return cert, attrs, nil
}

// ParseTSTInfo parses the DER of a TSTInfo:
//
//	TSTInfo ::= SEQUENCE { version INTEGER { v1(1) }, policy TSAPolicyId, messageImprint MessageImprint,
//	    serialNumber INTEGER, genTime GeneralizedTime, accuracy Accuracy OPTIONAL, ordering BOOLEAN DEFAULT FALSE,
//	    nonce INTEGER OPTIONAL, tsa [0] GeneralName OPTIONAL, extensions [1] IMPLICIT Extensions OPTIONAL }
func ParseTSTInfo(der []byte) (*TSTInfo, error) {
	s := cryptobyte.String(der)
	var body, imprint, hashed, gen cryptobyte.String
	var version int64
	ti := &TSTInfo{Serial: new(big.Int)}
	if !s.ReadASN1(&body, cbasn1.SEQUENCE) || !s.Empty() || !body.ReadASN1Integer(&version) ||
		!body.ReadASN1ObjectIdentifier(&ti.Policy) || !body.ReadASN1(&imprint, cbasn1.SEQUENCE) {
		return nil, fmt.Errorf("%w: bad TSTInfo", ErrMalformed)
	}
	if version != 1 {
		return nil, fmt.Errorf("%w: TSTInfo version %d, want 1", ErrMalformed, version)
	}
	alg, err := readAlgorithm(&imprint)
	if err != nil {
		return nil, err
	}
	if ti.Hash, err = HashFor(alg); err != nil {
		return nil, fmt.Errorf("message imprint: %w", err)
	}
	if !imprint.ReadASN1(&hashed, cbasn1.OCTET_STRING) || !imprint.Empty() || len(hashed) != ti.Hash.Size() {
		return nil, fmt.Errorf("%w: message imprint is not %d bytes of %v", ErrMalformed, ti.Hash.Size(), ti.Hash)
	}
	ti.HashedMessage = hashed
	if !body.ReadASN1Integer(ti.Serial) || !body.ReadASN1(&gen, cbasn1.GeneralizedTime) {
		return nil, fmt.Errorf("%w: bad TSTInfo serial number or genTime", ErrMalformed)
	}
	if ti.GenTime, err = parseGeneralizedTime(gen); err != nil {
		return nil, err
	}
	if err := ti.readOptional(body); err != nil {
		return nil, err
	}
	return ti, nil
}

// parseGeneralizedTime reads a DER GeneralizedTime: UTC ("Z"), fractional seconds without trailing zeros.
func parseGeneralizedTime(gen []byte) (time.Time, error) {
	const layout = "20060102150405.999999999Z"
	t, err := time.Parse(layout, string(gen))
	if err != nil || t.Format(layout) != string(gen) {
		return time.Time{}, fmt.Errorf("%w: genTime %q is not a DER GeneralizedTime", ErrMalformed, truncate(gen))
	}
	return t, nil
}

func truncate(b []byte) []byte {
	if len(b) > 40 {
		return b[:40]
	}
	return b
}

// readOptional reads the members after genTime, in their order.
func (ti *TSTInfo) readOptional(body cryptobyte.String) error {
	var acc cryptobyte.String
	var hasAcc bool
	if !body.ReadOptionalASN1(&acc, &hasAcc, cbasn1.SEQUENCE) {
		return fmt.Errorf("%w: bad TSTInfo accuracy", ErrMalformed)
	}
	if hasAcc {
		if err := ti.readAccuracy(acc); err != nil {
			return err
		}
	}
	if body.PeekASN1Tag(cbasn1.BOOLEAN) && !body.ReadASN1Boolean(&ti.Ordering) {
		return fmt.Errorf("%w: bad TSTInfo ordering", ErrMalformed)
	}
	if body.PeekASN1Tag(cbasn1.INTEGER) {
		ti.Nonce = new(big.Int)
		if !body.ReadASN1Integer(ti.Nonce) {
			return fmt.Errorf("%w: bad TSTInfo nonce", ErrMalformed)
		}
	}
	var tsa, exts cryptobyte.String
	var hasTSA, hasExts bool
	if !body.ReadOptionalASN1(&tsa, &hasTSA, tagCtx0) || !body.ReadOptionalASN1(&exts, &hasExts, tagCtx1) || !body.Empty() {
		return fmt.Errorf("%w: bad or trailing TSTInfo members", ErrMalformed)
	}
	if hasTSA {
		var tag cbasn1.Tag
		var gn cryptobyte.String
		if !tsa.ReadAnyASN1Element(&gn, &tag) || !tsa.Empty() {
			return fmt.Errorf("%w: bad TSTInfo tsa name", ErrMalformed)
		}
		ti.TSA = gn
	}
	if hasExts {
		return ti.readExtensions(exts)
	}
	return nil
}

// readAccuracy reads Accuracy ::= SEQUENCE { seconds INTEGER OPTIONAL, millis [0] INTEGER (1..999) OPTIONAL,
// micros [1] INTEGER (1..999) OPTIONAL } (0 is tolerated for millis and micros).
func (ti *TSTInfo) readAccuracy(acc cryptobyte.String) error {
	var sec int64
	ok := !acc.PeekASN1Tag(cbasn1.INTEGER) || acc.ReadASN1Integer(&sec)
	ms, ok1 := readImplicitInt(&acc, cbasn1.Tag(0).ContextSpecific())
	us, ok2 := readImplicitInt(&acc, cbasn1.Tag(1).ContextSpecific())
	ok = ok && ok1 && ok2
	if !ok || !acc.Empty() {
		return fmt.Errorf("%w: bad TSTInfo accuracy", ErrMalformed)
	}
	if sec < 0 || sec > 1<<30 || ms < 0 || ms > 999 || us < 0 || us > 999 {
		return fmt.Errorf("%w: accuracy out of range: %ds %dms %dµs", ErrMalformed, sec, ms, us)
	}
	ti.Accuracy = time.Duration(sec)*time.Second + time.Duration(ms)*time.Millisecond + time.Duration(us)*time.Microsecond
	return nil
}

// readImplicitInt reads an optional [n] IMPLICIT INTEGER, with INTEGER's DER rules; absent is 0.
func readImplicitInt(s *cryptobyte.String, tag cbasn1.Tag) (int64, bool) {
	var v cryptobyte.String
	var present bool
	if !s.ReadOptionalASN1(&v, &present, tag) {
		return 0, false
	}
	if !present {
		return 0, true
	}
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.INTEGER, func(b *cryptobyte.Builder) { b.AddBytes(v) })
	der, err := b.Bytes()
	var n int64
	as := cryptobyte.String(der)
	return n, err == nil && as.ReadASN1Integer(&n)
}

// readExtensions reads Extensions ::= SEQUENCE OF Extension (the [1] IMPLICIT tag already removed).
func (ti *TSTInfo) readExtensions(exts cryptobyte.String) error {
	for !exts.Empty() {
		var ext, value cryptobyte.String
		var e pkix.Extension
		if !exts.ReadASN1(&ext, cbasn1.SEQUENCE) || !ext.ReadASN1ObjectIdentifier(&e.Id) ||
			!ext.ReadOptionalASN1Boolean(&e.Critical, cbasn1.BOOLEAN, false) ||
			!ext.ReadASN1(&value, cbasn1.OCTET_STRING) || !ext.Empty() {
			return fmt.Errorf("%w: bad TSTInfo extension", ErrMalformed)
		}
		e.Value = bytes.Clone(value)
		ti.Extensions = append(ti.Extensions, e)
	}
	return nil
}
