package authority

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"time"

	"github.com/google/go-tpm/tpm2"

	"github.com/attesta/attesta/tpm/attest"
)

// ErrRefused is wrapped by every refusal of an enrollment: the error's text is the reason.
var ErrRefused = errors.New("enrollment refused")

// ChallengeLifetime bounds how long a challenge may be answered.
const ChallengeLifetime = 24 * time.Hour

// Object identifiers of the issued certificates.
var (
	// OIDEnrollment is the enrollment extension: SEQUENCE { applianceID UTF8String, enrollmentSHA256 OCTET STRING,
	// ekCertified BOOLEAN }. It sits under an arc of the Attesta project (private enterprise number placeholder).
	OIDEnrollment = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1, 1}
	// OIDDocumentSigning is id-kp-documentSigning (RFC 9336).
	OIDDocumentSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36}
	// OIDAttestationKey is tcg-kp-AIKCertificate (TCG EK Credential Profile, 2.23.133.8.3): the extended key
	// usage of the attestation key's certificate, which the authority issues once credential activation proved
	// that the AK lives in the TPM of the enrolled EK.
	OIDAttestationKey = asn1.ObjectIdentifier{2, 23, 133, 8, 3}
	oidSerialNumber   = asn1.ObjectIdentifier{2, 5, 4, 5}
)

// EnrollmentExtension is the content of OIDEnrollment.
type EnrollmentExtension struct {
	ApplianceID      string `asn1:"utf8"`
	EnrollmentSHA256 []byte
	EKCertified      bool
}

var validApplianceID = regexp.MustCompile(`^[0-9a-f]{16}$`)

func refuse(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrRefused, fmt.Sprintf(format, args...))
}

// checked is what checkRequest established.
type checked struct {
	req    *attest.Request
	ek     *tpm2.TPMTPublic
	akName []byte
	policy string
	csr    *x509.CertificateRequest
}

// checkRequest checks everything in a request that needs no TPM: the EK and its certificate chain, the AK, the AK's
// certification of the signing key, the signing key's PCR policy and the CSR.
func (a *Authority) checkRequest(req *attest.Request) (*checked, error) {
	if !validApplianceID.MatchString(req.ApplianceID) {
		return nil, refuse("appliance id %q is not 16 lower-case hex digits", req.ApplianceID)
	}
	c := &checked{req: req}
	var err error
	if c.ek, err = a.checkEK(req); err != nil {
		return nil, err
	}
	ak, akName, err := attest.CheckAK(req.AKPublic)
	if err != nil {
		return nil, refuse("%v", err)
	}
	c.akName = akName
	akKey, _ := attest.PublicKey(ak)
	for _, cert := range []struct {
		name string
		c    attest.CertifyResult
	}{{"TPM2_Certify", req.Certify}, {"TPM2_CertifyCreation", req.CertifyCreation}} {
		if err := attest.VerifyCertification(akKey, cert.c.Msg, cert.c.Sig, req.SigningKeyPublic); err != nil {
			return nil, refuse("the attestation key's %s of the signing key: %v", cert.name, err)
		}
	}
	if err := checkCreation(req); err != nil {
		return nil, err
	}
	if c.policy, err = a.matchPolicy(req); err != nil {
		return nil, err
	}
	if c.csr, err = checkCSR(req); err != nil {
		return nil, err
	}
	return c, nil
}

func (a *Authority) checkEK(req *attest.Request) (*tpm2.TPMTPublic, error) {
	claimed, err := attest.CheckEKPublic(req.EKPublic)
	if err != nil {
		return nil, refuse("%v", err)
	}
	if len(req.EKCert) == 0 {
		if req.EKCertified {
			return nil, refuse("the request says its EK is certified but carries no EK certificate")
		}
		if !a.policy.AcceptUncertifiedEK {
			return nil, refuse("the TPM has no EK certificate, and this authority accepts only certified endorsement keys")
		}
		return claimed, nil
	}
	cert, err := x509.ParseCertificate(req.EKCert)
	if err != nil {
		return nil, refuse("EK certificate: %v", err)
	}
	inter := a.ekInter.Clone()
	for i, der := range req.EKChain {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, refuse("EK chain certificate %d: %v", i+1, err)
		}
		inter.AddCert(c)
	}
	// EK certificates carry the TCG's own extended key usage and often unhandled critical extensions (subject
	// alternative names in directory form): the chain's signatures and validity are what count here.
	cert.UnhandledCriticalExtensions = nil
	if _, err := cert.Verify(x509.VerifyOptions{Roots: a.ekRoots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}, CurrentTime: a.now()}); err != nil {
		return nil, refuse("EK certificate (issuer %q) does not chain to a TPM manufacturer root this authority trusts: %v", cert.Issuer.String(), err)
	}
	fromCert, err := attest.EKFromCertificate(cert)
	if err != nil {
		return nil, refuse("%v", err)
	}
	if !bytes.Equal(tpm2.Marshal(fromCert), req.EKPublic) {
		return nil, refuse("the EK public key in the request is not the key of its EK certificate")
	}
	return fromCert, nil
}

// checkCreation checks that CertifyCreation commits to the creation data given, and that the key was created under
// the PCR selection of its policy.
func checkCreation(req *attest.Request) error {
	a, err := attest.ParseAttest(req.CertifyCreation.Msg, tpm2.TPMSTAttestCreation)
	if err != nil {
		return refuse("TPM2_CertifyCreation: %v", err)
	}
	ci, err := a.Attested.Creation()
	if err != nil {
		return refuse("TPM2_CertifyCreation: %v", err)
	}
	sum := sha256.Sum256(req.CreationData)
	if !bytes.Equal(ci.CreationHash.Buffer, sum[:]) {
		return refuse("TPM2_CertifyCreation does not commit to the creation data in the request")
	}
	return nil
}

// matchPolicy finds what the signing key is bound to. Under an image key (the request carries image_policy_key):
// a registered image key, whose authorized policy the key's authPolicy must be (matchImageKey). Else a registered
// image policy: its selection and values must be one of the authority's, and the key's authPolicy must be PolicyPCR
// over exactly them.
func (a *Authority) matchPolicy(req *attest.Request) (string, error) {
	sel, err := attest.ParsePCRSelection(req.PCRSelection)
	if err != nil {
		return "", refuse("PCR selection: %v", err)
	}
	keyPolicy, err := attest.KeyPolicy(req.SigningKeyPublic)
	if err != nil {
		return "", refuse("signing key: %v", err)
	}
	if len(req.ImagePolicyKey) > 0 {
		return a.matchImageKey(req, keyPolicy)
	}
	want, err := attest.PolicyPCRDigest(sel, req.PCRValues)
	if err != nil || !bytes.Equal(keyPolicy, want) {
		return "", refuse("the signing key's policy is not PolicyPCR over the PCR values the request declares")
	}
	for _, p := range a.policy.Policies {
		if p.Selection == sel.String() && slices.EqualFunc(p.Values, req.PCRValues, bytes.Equal) {
			return p.Name, nil
		}
	}
	return "", refuse("wrong PCR policy: the signing key is bound to %s = %s, which is no image policy registered with this authority",
		sel, shortValues(req.PCRValues))
}

func shortValues(vals [][]byte) string {
	var b bytes.Buffer
	for i, v := range vals {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%x…", v[:min(4, len(v))])
	}
	return b.String()
}

func checkCSR(req *attest.Request) (*x509.CertificateRequest, error) {
	csr, err := x509.ParseCertificateRequest(req.CSR)
	if err != nil {
		return nil, refuse("certificate request: %v", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, refuse("certificate request signature: %v", err)
	}
	sk, err := attest.CertifiedKey(req.SigningKeyPublic)
	if err != nil {
		return nil, refuse("signing key: %v", err)
	}
	if k, ok := csr.PublicKey.(*ecdsa.PublicKey); !ok || !k.Equal(sk) {
		return nil, refuse("the certificate request is not for the signing key the attestation key certified")
	}
	return csr, nil
}

// Challenge checks a request and returns the challenge for the appliance to answer with TPM2_ActivateCredential.
// The challenge is recorded, single-use, and expires after ChallengeLifetime.
func (a *Authority) Challenge(requestFile []byte) (*attest.Challenge, error) {
	req, err := attest.DecodeRequest("enrollment request", requestFile)
	if err != nil {
		return nil, refuse("%v", err)
	}
	c, err := a.checkRequest(req)
	if err != nil {
		a.event("enrollment-refused", map[string]any{"appliance_id": req.ApplianceID, "reason": err.Error()})
		return nil, err
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	blob, enc, err := attest.MakeCredential(rand.Reader, c.ek, c.akName, secret)
	if err != nil {
		return nil, fmt.Errorf("authority: make credential: %w", err)
	}
	idb := make([]byte, 16)
	rand.Read(idb)
	now := a.now().UTC().Truncate(time.Second)
	sum := sha256.Sum256(requestFile)
	ssum := sha256.Sum256(secret)
	ch := &attest.Challenge{Format: attest.ChallengeFormat, ID: hex.EncodeToString(idb), ApplianceID: req.ApplianceID,
		RequestSHA256: hex.EncodeToString(sum[:]), CredentialBlob: blob, EncryptedSecret: enc, ExpiresAt: now.Add(ChallengeLifetime)}
	a.mu.Lock()
	defer a.mu.Unlock()
	r, err := a.loadRegistry()
	if err != nil {
		return nil, err
	}
	r.Challenges[ch.ID] = &challengeRecord{ApplianceID: req.ApplianceID, Request: requestFile,
		SecretSHA256: hex.EncodeToString(ssum[:]), CreatedAt: now, ExpiresAt: ch.ExpiresAt}
	if err := a.saveRegistry(r); err != nil {
		return nil, err
	}
	a.event("challenge", map[string]any{"appliance_id": req.ApplianceID, "challenge": ch.ID, "request_sha256": ch.RequestSHA256})
	return ch, nil
}

// Issue checks an answer to a challenge — the challenge exists, is unused and unexpired; the secret is the one the
// TPM could release only with the EK and the AK together; the quote, under that AK with the secret's nonce, shows
// the PCR values of the registered policy — re-checks the request, and issues the signing key's certificate. It
// returns the signing key's certificate, then the issuing CA, then the attestation key's certificate (see
// [Authority.certificate]): PEM-encoded in this order ([PEMChain]) they are the file an appliance installs.
func (a *Authority) Issue(answerFile []byte) ([]*x509.Certificate, error) {
	ans, err := attest.DecodeAnswer("enrollment answer", answerFile)
	if err != nil {
		return nil, refuse("%v", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	r, err := a.loadRegistry()
	if err != nil {
		return nil, err
	}
	cert, akCert, err := a.issue(r, ans)
	if err != nil {
		a.event("enrollment-refused", map[string]any{"appliance_id": ans.ApplianceID, "challenge": ans.ChallengeID, "reason": err.Error()})
		return nil, err
	}
	if err := a.saveRegistry(r); err != nil {
		return nil, err
	}
	a.event("issued", map[string]any{"appliance_id": ans.ApplianceID, "challenge": ans.ChallengeID, "serial": cert.SerialNumber.Text(16),
		"ak_serial": akCert.SerialNumber.Text(16)})
	if err := a.publishLocked(r); err != nil {
		return nil, err
	}
	return []*x509.Certificate{cert, a.ca, akCert}, nil
}

func (a *Authority) issue(r *registry, ans *attest.Answer) (*x509.Certificate, *x509.Certificate, error) {
	rec, ok := r.Challenges[ans.ChallengeID]
	now := a.now().UTC().Truncate(time.Second)
	switch {
	case !ok:
		return nil, nil, refuse("challenge %q was never issued by this authority", ans.ChallengeID)
	case rec.UsedAt != nil:
		return nil, nil, refuse("replayed challenge: challenge %s was already answered at %s", ans.ChallengeID, rec.UsedAt.Format(time.RFC3339))
	case now.After(rec.ExpiresAt):
		return nil, nil, refuse("challenge %s expired at %s", ans.ChallengeID, rec.ExpiresAt.Format(time.RFC3339))
	case rec.ApplianceID != ans.ApplianceID:
		return nil, nil, refuse("challenge %s was made for appliance %s, the answer names %s", ans.ChallengeID, rec.ApplianceID, ans.ApplianceID)
	}
	// The challenge is spent whatever happens next: a wrong answer cannot be retried with another guess.
	rec.UsedAt = &now
	if err := a.saveRegistry(r); err != nil {
		return nil, nil, err
	}
	ssum := sha256.Sum256(ans.Secret)
	if subtle.ConstantTimeCompare([]byte(hex.EncodeToString(ssum[:])), []byte(rec.SecretSHA256)) != 1 {
		return nil, nil, refuse("credential activation failed: the secret returned is not the one encrypted to the EK for this AK " +
			"(the attestation key does not live in the TPM of that endorsement key)")
	}
	req, err := attest.DecodeRequest("enrollment request", rec.Request)
	if err != nil {
		return nil, nil, err
	}
	c, err := a.checkRequest(req)
	if err != nil {
		return nil, nil, err
	}
	ak, _ := attest.CertifiedKey(req.AKPublic)
	q := &attest.Quote{Msg: ans.Quote.Msg, Sig: ans.Quote.Sig, Selection: ans.Quote.Selection, PCRs: ans.Quote.PCRs}
	if q.Selection != req.PCRSelection {
		return nil, nil, refuse("the activation quote covers %s, the policy %s", q.Selection, req.PCRSelection)
	}
	if err := attest.VerifyQuote(ak, q, attest.ActivationNonce(ans.Secret), req.PCRValues); err != nil {
		return nil, nil, refuse("activation quote: the PCRs now are not those of the policy, or the quote is not fresh: %v", err)
	}
	reason := "enrolled"
	if old, ok := r.Appliances[req.ApplianceID]; ok && rotatedKey(old, req) {
		reason = "re-enrolled after a rotation of the signing key"
	} else if ok && rotatedAK(old, req) {
		reason = "re-enrolled after a rotation of the attestation key"
	} else if ok && old.State() != StateRevoked && !bytes.Equal(old.SigningKeyPublic, req.SigningKeyPublic) {
		return nil, nil, refuse("appliance %s is already enrolled with another signing key: revoke it first", req.ApplianceID)
	}
	sum := sha256.Sum256(rec.Request)
	cert, err := a.certificate(c, sum[:], now)
	if err != nil {
		return nil, nil, err
	}
	akCert, err := a.akCertificate(c, sum[:], now)
	if err != nil {
		return nil, nil, err
	}
	clk, _ := attest.AttestClock(q.Msg)
	if old, ok := r.Appliances[req.ApplianceID]; ok {
		r.Retired = append(r.Retired, old)
	}
	r.Appliances[req.ApplianceID] = &Appliance{
		ID: req.ApplianceID, EnrolledAt: now, CertSerial: cert.SerialNumber.Text(16), Certificate: cert.Raw,
		EKCertified: len(req.EKCert) > 0, EKPublic: req.EKPublic, AKPublic: req.AKPublic, SigningKeyPublic: req.SigningKeyPublic,
		AKCertSerial: akCert.SerialNumber.Text(16), AKCertificate: akCert.Raw,
		Policy: c.policy, EnrollmentSHA256: hex.EncodeToString(sum[:]), LastGood: &now,
		LastClock: &ClockSeen{Clock: clk.Clock, ResetCount: clk.ResetCount, RestartCount: clk.RestartCount},
		History:   []StateChange{{At: now, State: StateGood, Reason: reason}},
	}
	return cert, akCert, nil
}

// certificate issues the signing key's certificate: subject serialNumber = the appliance id, key usage
// digitalSignature and contentCommitment, extended key usage documentSigning and emailProtection, the enrollment
// extension.
func (a *Authority) certificate(c *checked, enrollmentSum []byte, now time.Time) (*x509.Certificate, error) {
	tmpl := a.applianceTemplate(c, enrollmentSum, now, "Attesta appliance ")
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}
	tmpl.UnknownExtKeyUsage = []asn1.ObjectIdentifier{OIDDocumentSigning}
	cert, err := issueCert(tmpl, a.ca, c.csr.PublicKey, a.caKey)
	if err != nil {
		return nil, fmt.Errorf("authority: issue certificate: %w", err)
	}
	return cert, nil
}

// akCertificate issues the attestation key's certificate (what the TCG calls an AK certificate, and a privacy CA
// issues after credential activation): the same subject and enrollment extension as the signing key's, key usage
// digitalSignature, extended key usage tcg-kp-AIKCertificate only. The AK is a restricted key and cannot sign a
// CSR; the activation proved that it lives in the enrolled TPM. With it, a verifier that trusts the root also
// trusts the AK's TPM2_Certify of the signing key and its quotes, which a delivery carries.
func (a *Authority) akCertificate(c *checked, enrollmentSum []byte, now time.Time) (*x509.Certificate, error) {
	ak, err := attest.CertifiedKey(c.req.AKPublic)
	if err != nil {
		return nil, refuse("attestation key: %v", err)
	}
	tmpl := a.applianceTemplate(c, enrollmentSum, now, "Attesta attestation key ")
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.UnknownExtKeyUsage = []asn1.ObjectIdentifier{OIDAttestationKey}
	cert, err := issueCert(tmpl, a.ca, ak, a.caKey)
	if err != nil {
		return nil, fmt.Errorf("authority: issue the attestation key's certificate: %w", err)
	}
	return cert, nil
}

func (a *Authority) applianceTemplate(c *checked, enrollmentSum []byte, now time.Time, cn string) *x509.Certificate {
	ext, err := asn1.Marshal(EnrollmentExtension{ApplianceID: c.req.ApplianceID, EnrollmentSHA256: enrollmentSum, EKCertified: len(c.req.EKCert) > 0})
	if err != nil {
		panic(err) // a struct of a string, bytes and a bool always marshals
	}
	return &x509.Certificate{
		Subject: pkix.Name{CommonName: cn + c.req.ApplianceID, Organization: a.ca.Subject.Organization,
			ExtraNames: []pkix.AttributeTypeAndValue{{Type: oidSerialNumber, Value: c.req.ApplianceID}}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(5, 0, 0),
		BasicConstraintsValid: true,
		ExtraExtensions:       []pkix.Extension{{Id: OIDEnrollment, Value: ext}},
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
