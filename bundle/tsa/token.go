package tsa

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"

	"github.com/attesta/attesta/internal/cms"
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

	signed *cms.SignedData // the TSTInfo is its content
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
	sd, info, err := cms.ParseTimestampToken(der)
	if err != nil {
		return nil, cms.Mark(err, ErrMalformed)
	}
	return &Token{
		DER:           der,
		GenTime:       info.GenTime.UTC(),
		Serial:        info.Serial,
		Policy:        info.Policy,
		TSAName:       tsaName(info.TSA),
		Accuracy:      info.Accuracy,
		Ordering:      info.Ordering,
		Nonce:         info.Nonce,
		Hash:          info.Hash,
		Digest:        info.HashedMessage,
		QTSTStatement: hasQTSTStatement(info.Extensions),
		Certs:         sd.Certificates,
		signed:        sd,
	}, nil
}

// tsaName renders the DER GeneralName of TSTInfo's tsa member; nil gives "".
func tsaName(der []byte) string {
	var gn asn1.RawValue
	if rest, err := asn1.Unmarshal(der, &gn); err != nil || len(rest) != 0 {
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
