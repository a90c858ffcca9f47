// Package attest verifies what a TPM 2.0 attests — quotes of PCRs and certifications of keys — with no TPM at
// hand: it decodes go-tpm's tpm2 structures (TPMS_ATTEST, TPMT_PUBLIC, TPMT_SIGNATURE) and checks them with the
// standard library's crypto. It opens no transport, links no simulator and needs no cgo, so that the recipient's
// verifier (package bundle, cmd/attesta-verify) checks a delivery's attestation on any operating system. Package
// tpm, which talks to TPMs, produces these structures and re-exports the names below.
//
// # What is checked
//
// [VerifyCertification] checks a TPM2_Certify or TPM2_CertifyCreation: TPM_GENERATED magic, attestation type,
// the attested Name equal to the Name of the certified key's TPMT_PUBLIC, that key fixedTPM, fixedParent and
// sensitiveDataOrigin (made in the TPM and never leaving it), and the attestation key's ECDSA P-256 signature.
// [VerifyQuote] checks a PCR quote: signature, type, qualifying data (the nonce), PCR selection and PCR digest.
// [ParseAttest] and [AttestExtraData] expose the signed fields (nonce, clock) for freshness and binding checks.
//
// # Enrollment
//
// The enrollment files ([Request], [Challenge], [Answer]) and what an authority needs to check them without a TPM:
// [CheckEKPublic] and [EKFromCertificate] (only the TCG RSA-2048 EK template), [CheckAK], [MakeCredential]
// (TPM2_MakeCredential in software, to the EK, bound to the AK's Name), [ActivationNonce], [PolicyPCRDigest].
//
// # Signed image policies
//
// The image build's side of the authorized policy (package tpm's doc, "Authorized policy"), which needs no TPM:
// [SignPolicy] approves an image's PCR values under a policy version with the image key, [ParsePolicy] reads the
// signed policy file ("attesta.tpm.policy/v1") and recomputes its approved digest, [SignedPolicy.Verify] checks the
// image key's signature, [SignedPolicy.Diff] names each PCR whose value differs from the policy's, and
// [ApprovedPolicyDigest] and [AuthorizedKeyPolicy] compute the policy digests (an authority compares the latter with
// the authPolicy of a signing key it enrolls).
//
// # Encodings
//
// A [Quote] is kept as tpm2-tools writes it: Msg the marshalled TPMS_ATTEST (tpm2_checkquote -m), Sig the
// marshalled TPMT_SIGNATURE (-s), PCR values in selection order; signatures are also accepted as ASN.1 DER.
// A [PCRSelection]'s text form is tpm2-tools' "sha256:0,1,2,3,4,5,6,7,23"; only the SHA-256 bank is supported.
//
// # Errors
//
// Every verification failure wraps [ErrAttestationInvalid], and where one applies [ErrNonceMismatch],
// [ErrPCRMismatch] or [ErrBadSignature].
package attest
