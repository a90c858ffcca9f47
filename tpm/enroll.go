package tpm

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"time"

	"github.com/google/go-tpm/tpm2"
	"github.com/google/go-tpm/tpm2/transport"

	"github.com/attesta/attesta/tpm/attest"
)

// ErrNoEKCert reports that the TPM holds no RSA-2048 EK certificate that matches its endorsement key.
var ErrNoEKCert = errors.New("no EK certificate for the RSA-2048 endorsement key")

// Enroll writes what a registration authority needs to enroll this TPM's signing key for the appliance applianceID
// (see attest.Request): the endorsement key (TCG RSA-2048 template) and its certificate when the TPM's NV holds
// one, the attestation key, the AK's certifications of the signing key, the signing key's PCR policy, and a
// PKCS #10 request with the given subject, signed by the signing key inside the TPM. It needs Provision.
func (t *TPM) Enroll(ctx context.Context, applianceID string, subject pkix.Name) (*attest.Request, error) {
	if err := t.lock(ctx); err != nil {
		return nil, err
	}
	id := t.id
	if id == nil {
		t.mu.Unlock()
		return nil, fmt.Errorf("tpm: enroll: %w", ErrNotProvisioned)
	}
	ek, err := createPrimary(t.tr, tpm2.TPMRHEndorsement, tpm2.RSAEKTemplate)
	if err != nil {
		t.mu.Unlock()
		return nil, fmt.Errorf("tpm: enroll: create endorsement key: %w", err)
	}
	flush(t.tr, ek.handle)
	r := &attest.Request{
		Format: attest.RequestFormat, ApplianceID: applianceID, CreatedAt: time.Now().UTC().Truncate(time.Second),
		EKPublic: tpm2.Marshal(ek.pub), AKPublic: id.AKTPMT, SigningKeyPublic: id.SigningKeyTPMT,
		Certify:         attest.CertifyResult{Msg: id.Certify.Msg, Sig: id.Certify.Sig},
		CertifyCreation: attest.CertifyResult{Msg: id.CertifyCreation.Msg, Sig: id.CertifyCreation.Sig},
		CreationData:    id.CreationData, PCRSelection: id.PCRSelection.String(), PCRValues: id.PCRValues,
	}
	if id.ImagePolicyKey != nil {
		if r.ImagePolicyKey, err = marshalImageKey(id.ImagePolicyKey); err != nil {
			t.mu.Unlock()
			return nil, fmt.Errorf("tpm: enroll: %w", err)
		}
	}
	cert, err := ekCertFor(t.tr, &ek.pub)
	t.mu.Unlock()
	switch {
	case err == nil:
		r.EKCert, r.EKCertified = cert, true
	case !errors.Is(err, ErrNoEKCert):
		return nil, fmt.Errorf("tpm: enroll: %w", err)
	}
	signer, err := t.Signer(ctx)
	if err != nil {
		return nil, err
	}
	if r.CSR, err = x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: subject}, signer); err != nil {
		return nil, fmt.Errorf("tpm: enroll: certificate request signed by the signing key: %w", err)
	}
	return r, nil
}

// ekCertFor returns the DER EK certificate whose public key is the RSA EK ek.
func ekCertFor(tr transport.TPM, ek *tpm2.TPMTPublic) ([]byte, error) {
	pub, err := tpm2.Pub(*ek)
	if err != nil {
		return nil, fmt.Errorf("endorsement key: %w", err)
	}
	for _, c := range readEKCerts(tr) {
		if c.Cert == nil {
			continue
		}
		if k, ok := c.Cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); ok && k.Equal(pub) {
			return c.DER, nil
		}
	}
	return nil, ErrNoEKCert
}

// ActivateCredential answers an authority's challenge: the TPM releases the challenge's secret only if the object
// it names is this TPM's attestation key and the challenge was made for this TPM's endorsement key. It then quotes
// the provisioned PCRs with attest.ActivationNonce(secret) as the nonce, so that the authority sees the PCRs now,
// fresh, under the activated AK.
func (t *TPM) ActivateCredential(ctx context.Context, ch *attest.Challenge) (*attest.Answer, error) {
	if err := t.lock(ctx); err != nil {
		return nil, err
	}
	defer t.mu.Unlock()
	if t.id == nil {
		return nil, fmt.Errorf("tpm: activate credential: %w", ErrNotProvisioned)
	}
	secret, err := activate(t.tr, t.akGen, ch.CredentialBlob, ch.EncryptedSecret)
	if err != nil {
		return nil, fmt.Errorf("tpm: activate credential: %w", err)
	}
	q, err := t.quote(ctx, attest.ActivationNonce(secret), t.id.PCRSelection)
	if err != nil {
		return nil, fmt.Errorf("tpm: activate credential: quote: %w", err)
	}
	return &attest.Answer{Format: attest.AnswerFormat, ChallengeID: ch.ID, ApplianceID: ch.ApplianceID, Secret: secret,
		Quote: attest.AnswerQuote{Msg: q.Msg, Sig: q.Sig, Selection: q.Selection, PCRs: q.PCRs}}, nil
}

func activate(tr transport.TPM, akGen uint32, credBlob, encSecret []byte) ([]byte, error) {
	ek, err := createPrimary(tr, tpm2.TPMRHEndorsement, tpm2.RSAEKTemplate)
	if err != nil {
		return nil, fmt.Errorf("create endorsement key: %w", err)
	}
	defer flush(tr, ek.handle)
	ak, err := createAK(tr, akGen)
	if err != nil {
		return nil, err
	}
	defer flush(tr, ak.handle)
	rsp, err := tpm2.ActivateCredential{
		ActivateHandle: ak.authHandle(tpm2.PasswordAuth(nil)),
		KeyHandle: tpm2.AuthHandle{Handle: ek.handle, Name: ek.name,
			Auth: tpm2.Policy(tpm2.TPMAlgSHA256, 16, func(tr transport.TPM, h tpm2.TPMISHPolicy, nonce tpm2.TPM2BNonce) error {
				_, err := tpm2.PolicySecret{AuthHandle: tpm2.TPMRHEndorsement, PolicySession: h, NonceTPM: nonce}.Execute(tr)
				return err
			})},
		CredentialBlob: tpm2.TPM2BIDObject{Buffer: credBlob},
		Secret:         tpm2.TPM2BEncryptedSecret{Buffer: encSecret},
	}.Execute(tr)
	if err != nil {
		return nil, fmt.Errorf("the TPM refused the credential (made for another TPM or another attestation key): %w", err)
	}
	return bytes.Clone(rsp.CertInfo.Buffer), nil
}
