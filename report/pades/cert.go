package pades

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"time"
)

// SelfSignedCert makes a certificate for signer's key, signed by that same
// key (the appliance's TPM key certifies itself; a recipient trusts it by
// its fingerprint, published with the delivery, or through the TPM's own
// certification of the key). Key usage is digitalSignature and
// nonRepudiation (contentCommitment), which document signatures need; the
// subject key identifier is the SHA-256 of the public key, truncated to
// 20 bytes; the serial number is 128 random bits.
func SelfSignedCert(signer crypto.Signer, subject pkix.Name, notBefore, notAfter time.Time) (*x509.Certificate, error) {
	if signer == nil {
		return nil, fmt.Errorf("pades: self-signed certificate: no signer")
	}
	if !notAfter.After(notBefore) {
		return nil, fmt.Errorf("pades: self-signed certificate: notAfter %v is not after notBefore %v", notAfter, notBefore)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(signer.Public())
	if err != nil {
		return nil, fmt.Errorf("pades: self-signed certificate: %w", err)
	}
	ski := sha256.Sum256(pubDER)
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("pades: self-signed certificate: serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial.Add(serial, big.NewInt(1)),
		Subject:               subject,
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		BasicConstraintsValid: true,
		SubjectKeyId:          ski[:20],
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, signer.Public(), signer)
	if err != nil {
		return nil, fmt.Errorf("pades: self-signed certificate: %w", err)
	}
	return x509.ParseCertificate(der)
}
