package attest

import (
	"encoding/json"
	"time"

	"github.com/attesta/attesta/internal/strictjson"
)

// The files of enrollment, exchanged between an appliance (package tpm writes them) and its registration
// authority (package authority checks them).
const (
	RequestFormat   = "attesta.enrollment-request/v1"
	ChallengeFormat = "attesta.enrollment-challenge/v1"
	AnswerFormat    = "attesta.enrollment-answer/v1"
)

// CertifyResult is a TPM2_Certify or TPM2_CertifyCreation: the TPMS_ATTEST and its signature by the AK.
type CertifyResult struct {
	Msg []byte `json:"msg"`
	Sig []byte `json:"sig"`
}

// Request is an appliance's enrollment request ("attesta enroll --out FILE"). Binary fields are base64.
type Request struct {
	Format      string    `json:"format"`
	ApplianceID string    `json:"appliance_id"`
	CreatedAt   time.Time `json:"created_at"`
	// EKPublic is the endorsement key's TPMT_PUBLIC; EKCert its DER certificate from the TPM's NV, absent when the
	// TPM has none (then EKCertified is false and only an authority that accepts uncertified EKs enrolls it);
	// EKChain optional intermediate certificates (DER).
	EKPublic    []byte   `json:"ek_tpmt_public"`
	EKCert      []byte   `json:"ek_certificate,omitempty"`
	EKChain     [][]byte `json:"ek_chain,omitempty"`
	EKCertified bool     `json:"ek_certified"`
	// AKPublic and SigningKeyPublic are TPMT_PUBLIC areas.
	AKPublic         []byte `json:"ak_tpmt_public"`
	SigningKeyPublic []byte `json:"signing_key_tpmt_public"`
	// Certify and CertifyCreation of the signing key by the AK; CreationData what CertifyCreation commits to.
	Certify         CertifyResult `json:"certify"`
	CertifyCreation CertifyResult `json:"certify_creation"`
	CreationData    []byte        `json:"creation_data"`
	// PCRSelection and PCRValues are the signing key's PCR policy: for a key under the literal PCR policy, the
	// values its authPolicy binds; for a key under an image key, the PCRs at provisioning (for the record).
	PCRSelection string   `json:"pcr_selection"`
	PCRValues    [][]byte `json:"pcr_values"`
	// ImagePolicyKey, present for a key under the authorized policy, is the image key's SubjectPublicKeyInfo (DER):
	// the key's authPolicy is then AuthorizedKeyPolicy of it, and the authority checks that it knows that image key.
	ImagePolicyKey []byte `json:"image_policy_key,omitempty"`
	// CSR is a DER PKCS #10 request for the signing key, signed by it inside the TPM.
	CSR []byte `json:"csr"`
}

// Challenge is the authority's answer to a request: a secret encrypted to the EK, bound to the AK's Name.
type Challenge struct {
	Format          string    `json:"format"`
	ID              string    `json:"id"`
	ApplianceID     string    `json:"appliance_id"`
	RequestSHA256   string    `json:"request_sha256"`
	CredentialBlob  []byte    `json:"credential_blob"`
	EncryptedSecret []byte    `json:"encrypted_secret"`
	ExpiresAt       time.Time `json:"expires_at"`
}

// AnswerQuote is a PCR quote as an answer carries it.
type AnswerQuote struct {
	Msg       []byte   `json:"msg"`
	Sig       []byte   `json:"sig"`
	Selection string   `json:"selection"`
	PCRs      [][]byte `json:"pcrs"`
}

// Answer is the appliance's response to a challenge ("attesta enroll --activate FILE"): the secret the TPM released
// and a quote whose nonce derives from it (attest.ActivationNonce).
type Answer struct {
	Format      string      `json:"format"`
	ChallengeID string      `json:"challenge_id"`
	ApplianceID string      `json:"appliance_id"`
	Secret      []byte      `json:"secret"`
	Quote       AnswerQuote `json:"quote"`
}

// DecodeRequest, DecodeChallenge and DecodeAnswer read the exchanged files strictly; name is for errors.
func DecodeRequest(name string, data []byte) (*Request, error) {
	var r Request
	if err := strictjson.DecodeFormat(name, data, RequestFormat, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

func DecodeChallenge(name string, data []byte) (*Challenge, error) {
	var c Challenge
	if err := strictjson.DecodeFormat(name, data, ChallengeFormat, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

func DecodeAnswer(name string, data []byte) (*Answer, error) {
	var a Answer
	if err := strictjson.DecodeFormat(name, data, AnswerFormat, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// EncodeFile returns the JSON file form of a request, challenge or answer.
func EncodeFile(v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}
