package tsa

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"
)

// Token is a decoded RFC 3161 TimeStampToken.
type Token struct {
	// DER is the TimeStampToken: a CMS ContentInfo of type SignedData over
	// the TSTInfo, exactly as the TSA sent it.
	DER []byte

	GenTime  time.Time             // when the TSA stamped, UTC
	Serial   *big.Int              // the TSA's serial number for this token
	Policy   asn1.ObjectIdentifier // the TSA policy under which it was issued
	TSAName  string                // the TSA's GeneralName, "" when absent
	Accuracy time.Duration         // 0 when the token states none
	Ordering bool
	Nonce    *big.Int // nil when the token carries none

	Hash   crypto.Hash // the message imprint: what was stamped
	Digest []byte

	// QTSTStatement reports that the token carries the ETSI EN 319 422
	// esi4-qtstStatement-1 statement, i.e. that the TSA claims the token is
	// a qualified electronic time stamp. Whether the TSA is indeed a
	// qualified trust service is for the EU Trusted List to say.
	QTSTStatement bool

	Certs  []*x509.Certificate // certificates carried in the token
	Signer *x509.Certificate   // the verified signer; set by [VerifyToken]

	signed signedData
	tst    []byte // TSTInfo DER, the signed content
}

// ParseToken decodes a TimeStampToken (a CMS ContentInfo). It checks the
// structure, not the signature: see [VerifyToken].
func ParseToken(der []byte) (*Token, error) {
	t, err := parseToken(der)
	if err != nil {
		return nil, fmt.Errorf("tsa: parse token: %w", err)
	}
	return t, nil
}

func parseToken(der []byte) (*Token, error) {
	var ci contentInfo
	rest, err := asn1.Unmarshal(der, &ci)
	if err != nil {
		return nil, fmt.Errorf("%w: ContentInfo: %w", ErrMalformed, err)
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: ContentInfo: %d trailing bytes at offset %d", ErrMalformed, len(rest), len(der)-len(rest))
	}
	if !ci.ContentType.Equal(oidSignedData) {
		return nil, fmt.Errorf("%w: ContentInfo: content type %v, want signedData", ErrMalformed, ci.ContentType)
	}
	t := &Token{DER: der}
	if err := t.parseSignedData(ci.Content.Bytes); err != nil {
		return nil, err
	}
	if err := t.parseTSTInfo(); err != nil {
		return nil, fmt.Errorf("TSTInfo: %w", err)
	}
	return t, nil
}

func (t *Token) parseSignedData(der []byte) error {
	sd := &t.signed
	rest, err := asn1.Unmarshal(der, sd)
	if err != nil {
		return fmt.Errorf("%w: SignedData: %w", ErrMalformed, err)
	}
	if len(rest) != 0 {
		return fmt.Errorf("%w: SignedData: %d trailing bytes", ErrMalformed, len(rest))
	}
	if !sd.EncapContentInfo.EContentType.Equal(oidTSTInfo) {
		return fmt.Errorf("%w: SignedData: content type %v, want id-ct-TSTInfo", ErrMalformed, sd.EncapContentInfo.EContentType)
	}
	if len(sd.EncapContentInfo.EContent) == 0 {
		return fmt.Errorf("%w: SignedData: no encapsulated TSTInfo", ErrMalformed)
	}
	// RFC 3161 §2.4.2: the TSA's is the only signature.
	if n := len(sd.SignerInfos); n != 1 {
		return fmt.Errorf("%w: SignedData: %d signers, want exactly 1", ErrMalformed, n)
	}
	if len(sd.Certificates.Bytes) > 0 {
		certs, err := x509.ParseCertificates(sd.Certificates.Bytes)
		if err != nil {
			return fmt.Errorf("%w: SignedData certificates: %w", ErrMalformed, err)
		}
		t.Certs = certs
	}
	t.tst = sd.EncapContentInfo.EContent
	return nil
}

func (t *Token) parseTSTInfo() error {
	var info tstInfo
	rest, err := asn1.Unmarshal(t.tst, &info)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if len(rest) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", ErrMalformed, len(rest))
	}
	if info.Version != 1 {
		return fmt.Errorf("%w: version %d, want 1", ErrMalformed, info.Version)
	}
	if t.Hash, err = imprintHash(info.MessageImprint); err != nil {
		return err
	}
	if info.SerialNumber == nil {
		return fmt.Errorf("%w: no serial number", ErrMalformed)
	}
	acc, err := info.Accuracy.duration()
	if err != nil {
		return err
	}
	t.Digest = info.MessageImprint.HashedMessage
	t.GenTime = info.GenTime.UTC()
	t.Serial = info.SerialNumber
	t.Policy = info.Policy
	t.Accuracy = acc
	t.Ordering = info.Ordering
	t.Nonce = info.Nonce
	t.TSAName = tsaName(info.TSA)
	t.QTSTStatement = hasQTSTStatement(info.Extensions)
	return nil
}

func (a accuracy) duration() (time.Duration, error) {
	if a.Seconds < 0 || a.Seconds > 1<<30 || a.Millis < 0 || a.Millis > 999 || a.Micros < 0 || a.Micros > 999 {
		return 0, fmt.Errorf("%w: accuracy out of range: %ds %dms %dµs", ErrMalformed, a.Seconds, a.Millis, a.Micros)
	}
	return time.Duration(a.Seconds)*time.Second + time.Duration(a.Millis)*time.Millisecond +
		time.Duration(a.Micros)*time.Microsecond, nil
}

// tsaName unwraps TSTInfo's tsa [0] EXPLICIT GeneralName.
func tsaName(tagged asn1.RawValue) string {
	var gn asn1.RawValue
	if rest, err := asn1.Unmarshal(tagged.Bytes, &gn); err != nil || len(rest) != 0 {
		return ""
	}
	return generalName(gn)
}

// generalName renders the GeneralName forms a TSA uses; others give "".
func generalName(gn asn1.RawValue) string {
	if gn.Class != asn1.ClassContextSpecific {
		return ""
	}
	switch gn.Tag {
	case 1, 2, 6: // rfc822Name, dNSName, uniformResourceIdentifier
		return string(gn.Bytes)
	case 4: // directoryName
		var rdn pkix.RDNSequence
		if rest, err := asn1.Unmarshal(gn.Bytes, &rdn); err != nil || len(rest) != 0 {
			return ""
		}
		var n pkix.Name
		n.FillFromRDNSequence(&rdn)
		return n.String()
	}
	return ""
}

func hasQTSTStatement(exts []pkix.Extension) bool {
	for _, e := range exts {
		if !e.Id.Equal(oidQCStatements) {
			continue
		}
		var stmts []qcStatement
		if _, err := asn1.Unmarshal(e.Value, &stmts); err != nil {
			return false
		}
		for _, s := range stmts {
			if s.StatementID.Equal(oidQTSTStatement1) {
				return true
			}
		}
	}
	return false
}
