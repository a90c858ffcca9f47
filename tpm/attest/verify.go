package attest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/asn1"
	"fmt"
	"math/big"
	"slices"

	"github.com/google/go-tpm/tpm2"
)

// SignatureDER converts a TPM ECDSA signature to ASN.1 DER.
func SignatureDER(sig *tpm2.TPMTSignature) ([]byte, error) {
	if sig.SigAlg != tpm2.TPMAlgECDSA {
		return nil, fmt.Errorf("signature algorithm %#x, want ECDSA", uint16(sig.SigAlg))
	}
	e, err := sig.Signature.ECDSA()
	if err != nil {
		return nil, fmt.Errorf("decode ECDSA signature: %w", err)
	}
	if e.Hash != tpm2.TPMAlgSHA256 {
		return nil, fmt.Errorf("signature hash %#x, want SHA-256", uint16(e.Hash))
	}
	return asn1.Marshal(struct{ R, S *big.Int }{
		new(big.Int).SetBytes(e.SignatureR.Buffer),
		new(big.Int).SetBytes(e.SignatureS.Buffer),
	})
}

// parseSignatureDER accepts a signature as ASN.1 DER (first byte 0x30) or
// as a marshalled TPMT_SIGNATURE (first bytes 0x00 0x18, TPM_ALG_ECDSA).
func parseSignatureDER(sig []byte) ([]byte, error) {
	if len(sig) > 0 && sig[0] == 0x30 {
		return sig, nil
	}
	t, err := tpm2.Unmarshal[tpm2.TPMTSignature](sig)
	if err != nil {
		return nil, fmt.Errorf("decode TPMT_SIGNATURE: %w", err)
	}
	if !bytes.Equal(tpm2.Marshal(t), sig) {
		return nil, fmt.Errorf("decode TPMT_SIGNATURE: %d trailing bytes", len(sig)-len(tpm2.Marshal(t)))
	}
	return SignatureDER(t)
}

func verifyAttestSig(akPub crypto.PublicKey, msg, sig []byte) error {
	ak, ok := akPub.(*ecdsa.PublicKey)
	if !ok {
		return fmt.Errorf("%w: attestation key is %T, want *ecdsa.PublicKey", ErrAttestationInvalid, akPub)
	}
	der, err := parseSignatureDER(sig)
	if err != nil {
		return fmt.Errorf("%w: %w: %w", ErrAttestationInvalid, ErrBadSignature, err)
	}
	sum := sha256.Sum256(msg)
	if !ecdsa.VerifyASN1(ak, sum[:], der) {
		return fmt.Errorf("%w: %w: signature does not verify under the attestation key", ErrAttestationInvalid, ErrBadSignature)
	}
	return nil
}

// ParseAttest decodes a TPMS_ATTEST, checks it is TPM-generated and of one of
// the types want, and rejects trailing bytes. Errors wrap ErrAttestationInvalid.
func ParseAttest(msg []byte, want ...tpm2.TPMST) (*tpm2.TPMSAttest, error) {
	if len(msg) < 4 || !bytes.Equal(msg[:4], []byte{0xff, 0x54, 0x43, 0x47}) {
		return nil, fmt.Errorf("%w: magic is not TPM_GENERATED_VALUE", ErrAttestationInvalid)
	}
	a, err := tpm2.Unmarshal[tpm2.TPMSAttest](msg)
	if err != nil {
		return nil, fmt.Errorf("%w: decode TPMS_ATTEST: %w", ErrAttestationInvalid, err)
	}
	if n := len(tpm2.Marshal(a)); n != len(msg) {
		return nil, fmt.Errorf("%w: TPMS_ATTEST has %d trailing bytes", ErrAttestationInvalid, len(msg)-n)
	}
	for _, w := range want {
		if a.Type == w {
			return a, nil
		}
	}
	return nil, fmt.Errorf("%w: attestation type %#x, want %#x", ErrAttestationInvalid, uint16(a.Type), want)
}

// VerifyQuote checks a quote made by the attestation key akPub: that it is
// TPM-generated, a quote, signed by akPub (q.Sig), carries nonce, covers
// q.Selection, and that its PCR digest is the digest of expectedPCRs (in
// selection order). With expectedPCRs nil it checks q.PCRs instead; when
// both are given they must agree. Failures wrap ErrAttestationInvalid and,
// where one applies, ErrNonceMismatch, ErrPCRMismatch or ErrBadSignature.
func VerifyQuote(akPub crypto.PublicKey, q *Quote, nonce []byte, expectedPCRs [][]byte) error {
	if q == nil {
		return fmt.Errorf("%w: nil quote", ErrAttestationInvalid)
	}
	if err := verifyAttestSig(akPub, q.Msg, q.Sig); err != nil {
		return err
	}
	a, err := ParseAttest(q.Msg, tpm2.TPMSTAttestQuote)
	if err != nil {
		return err
	}
	if !bytes.Equal(a.ExtraData.Buffer, nonce) {
		return fmt.Errorf("%w: %w: quote carries %x, want %x", ErrAttestationInvalid, ErrNonceMismatch, a.ExtraData.Buffer, nonce)
	}
	info, err := a.Attested.Quote()
	if err != nil {
		return fmt.Errorf("%w: decode quote info: %w", ErrAttestationInvalid, err)
	}
	sel, err := ParsePCRSelection(q.Selection)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrAttestationInvalid, err)
	}
	quoted, err := FromTPML(info.PCRSelect)
	if err != nil || quoted.String() != sel.String() {
		return fmt.Errorf("%w: %w: quote covers %v, want %s", ErrAttestationInvalid, ErrPCRMismatch, quoted, sel)
	}
	pcrs := expectedPCRs
	if pcrs == nil {
		pcrs = q.PCRs
	} else if q.PCRs != nil && !slices.EqualFunc(q.PCRs, expectedPCRs, bytes.Equal) {
		return fmt.Errorf("%w: %w: reported PCR values differ from the expected ones", ErrAttestationInvalid, ErrPCRMismatch)
	}
	if len(pcrs) != len(sel) {
		return fmt.Errorf("%w: %w: %d PCR values for %d selected PCRs", ErrAttestationInvalid, ErrPCRMismatch, len(pcrs), len(sel))
	}
	if !bytes.Equal(info.PCRDigest.Buffer, PCRDigest(pcrs)) {
		return fmt.Errorf("%w: %w: quoted PCR digest %x is not the digest of the expected values", ErrAttestationInvalid, ErrPCRMismatch, info.PCRDigest.Buffer)
	}
	return nil
}

// VerifyCertification checks a TPM2_Certify (or TPM2_CertifyCreation)
// result: msg is the TPMS_ATTEST, sig its signature by akPub as DER or as a
// TPMT_SIGNATURE, signingPub the certified key's marshalled TPMT_PUBLIC. It
// checks the TPM_GENERATED magic, the attestation type, that the attested
// Name is the Name of signingPub, that signingPub is fixedTPM, fixedParent
// and sensitiveDataOrigin (created in and never leaving the TPM), and the
// signature. It does not check freshness (extraData); read it from msg when
// a nonce was used. Failures wrap ErrAttestationInvalid.
func VerifyCertification(akPub crypto.PublicKey, msg, sig, signingPub []byte) error {
	if err := verifyAttestSig(akPub, msg, sig); err != nil {
		return err
	}
	a, err := ParseAttest(msg, tpm2.TPMSTAttestCertify, tpm2.TPMSTAttestCreation)
	if err != nil {
		return err
	}
	var attested []byte
	if a.Type == tpm2.TPMSTAttestCertify {
		ci, err := a.Attested.Certify()
		if err != nil {
			return fmt.Errorf("%w: decode certify info: %w", ErrAttestationInvalid, err)
		}
		attested = ci.Name.Buffer
	} else {
		ci, err := a.Attested.Creation()
		if err != nil {
			return fmt.Errorf("%w: decode creation info: %w", ErrAttestationInvalid, err)
		}
		attested = ci.ObjectName.Buffer
	}
	pub, err := tpm2.Unmarshal[tpm2.TPMTPublic](signingPub)
	if err != nil {
		return fmt.Errorf("%w: decode signing key TPMT_PUBLIC: %w", ErrAttestationInvalid, err)
	}
	name, err := tpm2.ObjectName(pub)
	if err != nil {
		return fmt.Errorf("%w: name of signing key: %w", ErrAttestationInvalid, err)
	}
	if !bytes.Equal(name.Buffer, attested) || !bytes.Equal(tpm2.Marshal(pub), signingPub) {
		return fmt.Errorf("%w: attested name %x is not the signing key's name %x", ErrAttestationInvalid, attested, name.Buffer)
	}
	attrs := pub.ObjectAttributes
	if !attrs.FixedTPM || !attrs.FixedParent || !attrs.SensitiveDataOrigin {
		return fmt.Errorf("%w: signing key lacks fixedTPM, fixedParent or sensitiveDataOrigin", ErrAttestationInvalid)
	}
	return nil
}

// AttestExtraData returns the qualifying data (nonce) inside a TPMS_ATTEST,
// so that a caller of VerifyCertification can check freshness.
func AttestExtraData(msg []byte) ([]byte, error) {
	a, err := ParseAttest(msg, tpm2.TPMSTAttestCertify, tpm2.TPMSTAttestCreation, tpm2.TPMSTAttestQuote, tpm2.TPMSTAttestTime)
	if err != nil {
		return nil, err
	}
	return a.ExtraData.Buffer, nil
}

// CertifiedKey decodes the ECDSA public key of a marshalled TPMT_PUBLIC, such
// as the signing key that VerifyCertification checked.
func CertifiedKey(tpmtPublic []byte) (*ecdsa.PublicKey, error) {
	pub, err := tpm2.Unmarshal[tpm2.TPMTPublic](tpmtPublic)
	if err != nil {
		return nil, fmt.Errorf("decode TPMT_PUBLIC: %w", err)
	}
	return PublicKey(pub)
}

// PublicKey returns the ECDSA public key of an ECC TPMT_PUBLIC.
func PublicKey(pub *tpm2.TPMTPublic) (*ecdsa.PublicKey, error) {
	k, err := tpm2.Pub(*pub)
	if err != nil {
		return nil, fmt.Errorf("decode public key: %w", err)
	}
	ek, ok := k.(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("decode public key: %T is not ECDSA", k)
	}
	return ek, nil
}

// AttestClock returns the TPM clock signed inside a TPMS_ATTEST (Time is zero:
// the attestation does not carry it).
func AttestClock(msg []byte) (Clock, error) {
	a, err := ParseAttest(msg, tpm2.TPMSTAttestCertify, tpm2.TPMSTAttestCreation, tpm2.TPMSTAttestQuote, tpm2.TPMSTAttestTime)
	if err != nil {
		return Clock{}, err
	}
	return ClockFrom(a.ClockInfo), nil
}
