package authority

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"slices"
	"time"
)

// ErrUntrusted is wrapped by every failure of CheckSigner.
var ErrUntrusted = errors.New("signer not trusted")

// Trust is what CheckSigner established about a delivery's signer.
type Trust struct {
	ApplianceID string
	Serial      string // hex
	EKCertified bool
	Issuer      string
	// State is the appliance's state at the delivery's time, from the status list ("" without one), and Since when.
	State string
	Since time.Time
}

// CheckSigner checks a signer's certificate chain (leaf first, then intermediates, as a CMS carries them) against
// the authority roots: the leaf chains to a root, is a document-signing certificate issued at enrollment
// (OIDEnrollment) for applianceID (when not empty). With a status list, the appliance must be listed with this
// certificate and, at time at (the delivery's time), neither revoked nor failing attestation.
func CheckSigner(chain []*x509.Certificate, roots *x509.CertPool, applianceID string, at time.Time, status *StatusBody) (*Trust, error) {
	leaf, ext, err := checkApplianceCert(chain, roots, applianceID, at, OIDDocumentSigning, "document-signing")
	if err != nil {
		return nil, err
	}
	tr := &Trust{ApplianceID: ext.ApplianceID, Serial: leaf.SerialNumber.Text(16), EKCertified: ext.EKCertified, Issuer: leaf.Issuer.CommonName}
	if status == nil {
		return tr, nil
	}
	e := status.Find(ext.ApplianceID, tr.Serial)
	if e == nil {
		return nil, fmt.Errorf("%w: appliance %s with certificate %s is not in the status list of %s", ErrUntrusted, ext.ApplianceID, tr.Serial, status.IssuedAt.Format(time.RFC3339))
	}
	ch, ok := e.StateAt(at)
	if !ok {
		return nil, fmt.Errorf("%w: appliance %s was not yet enrolled at %s", ErrUntrusted, ext.ApplianceID, at.UTC().Format(time.RFC3339))
	}
	tr.State, tr.Since = ch.State, ch.At
	if ch.State != StateGood {
		return tr, fmt.Errorf("%w: at %s appliance %s was %s since %s (%s)", ErrUntrusted, at.UTC().Format(time.RFC3339),
			ext.ApplianceID, ch.State, ch.At.Format(time.RFC3339), ch.Reason)
	}
	return tr, nil
}

// CheckAK checks the certificate chain of an appliance's attestation key (leaf first, then intermediates) against
// the authority roots at time at: the leaf chains to a root, is an AK certificate (tcg-kp-AIKCertificate) issued
// at enrollment (OIDEnrollment) for applianceID (when not empty). The appliance's state is judged on its signing
// key's certificate (CheckSigner), not here.
func CheckAK(chain []*x509.Certificate, roots *x509.CertPool, applianceID string, at time.Time) (*Trust, error) {
	leaf, ext, err := checkApplianceCert(chain, roots, applianceID, at, OIDAttestationKey, "attestation-key")
	if err != nil {
		return nil, err
	}
	return &Trust{ApplianceID: ext.ApplianceID, Serial: leaf.SerialNumber.Text(16), EKCertified: ext.EKCertified, Issuer: leaf.Issuer.CommonName}, nil
}

// checkApplianceCert checks that chain[0] chains to roots at time at, has the extended key usage eku (named what
// in errors) and carries the enrollment extension of applianceID (any when empty).
func checkApplianceCert(chain []*x509.Certificate, roots *x509.CertPool, applianceID string, at time.Time, eku asn1.ObjectIdentifier, what string) (*x509.Certificate, *EnrollmentExtension, error) {
	if len(chain) == 0 {
		return nil, nil, fmt.Errorf("%w: no certificate", ErrUntrusted)
	}
	leaf := chain[0]
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return nil, nil, fmt.Errorf("%w: the certificate %q does not chain to the authority's root (an appliance not enrolled with it?): %w",
			ErrUntrusted, leaf.Subject.CommonName, err)
	}
	if !slices.ContainsFunc(leaf.UnknownExtKeyUsage, func(o asn1.ObjectIdentifier) bool { return o.Equal(eku) }) {
		return nil, nil, fmt.Errorf("%w: %q is not an appliance %s certificate", ErrUntrusted, leaf.Subject.CommonName, what)
	}
	var ext EnrollmentExtension
	found := false
	for _, e := range leaf.Extensions {
		if e.Id.Equal(OIDEnrollment) {
			if rest, err := asn1.Unmarshal(e.Value, &ext); err != nil || len(rest) > 0 {
				return nil, nil, fmt.Errorf("%w: enrollment extension unreadable", ErrUntrusted)
			}
			found = true
		}
	}
	if !found {
		return nil, nil, fmt.Errorf("%w: %q carries no enrollment extension: not an appliance certificate", ErrUntrusted, leaf.Subject.CommonName)
	}
	if applianceID != "" && ext.ApplianceID != applianceID {
		return nil, nil, fmt.Errorf("%w: the certificate is appliance %s's, the delivery names appliance %s", ErrUntrusted, ext.ApplianceID, applianceID)
	}
	return leaf, &ext, nil
}
