// Package authority is the registration authority of a fleet of Attesta appliances, run by the studio or the
// provider on its own machine (`attesta authority`): it keeps a root and an issuing CA (their keys sealed under a
// passphrase), enrolls appliances, issues the certificates their reports carry, revokes them, and publishes a
// signed status list that verifiers read offline.
//
// # Enrollment
//
// An appliance writes an enrollment request (tpm.TPM.Enroll): its EK certificate (or, flagged, only its EK public
// key), its attestation key (AK), the AK's TPM2_Certify and TPM2_CertifyCreation of the signing key, the PCR policy
// the signing key is bound to, and a PKCS #10 request signed by the signing key inside the TPM. [Authority.Challenge]
// checks all of it — the EK certificate chains to a TPM manufacturer root the authority trusts and its key is a
// genuine EK; the AK is a restricted key made in the TPM; the AK certified the signing key (fixedTPM, fixedParent,
// sensitiveDataOrigin, created in the TPM); the signing key's policy is a registered image policy; the CSR is the
// signing key's — and encrypts a random secret to the EK bound to the AK's Name (TPM2_MakeCredential). Only the TPM
// that holds both the EK and the AK can recover it (TPM2_ActivateCredential). The appliance answers with the secret
// and a quote of its PCRs whose nonce is derived from it; [Authority.Issue] checks the answer against the single-use
// challenge, the quote against the registered policy, and issues an X.509 certificate for the signing key:
// subject serialNumber = the appliance id, key usage digitalSignature and contentCommitment, extended key usage
// documentSigning (RFC 9336) and emailProtection (what S/MIME and PDF validators ask of a CMS signer), and the
// enrollment extension ([OIDEnrollment]: appliance id, SHA-256 of the enrollment request, whether the EK was
// certified). With it, [Authority.Issue] issues the attestation key's certificate (extended key usage
// tcg-kp-AIKCertificate, [OIDAttestationKey], the same subject and extension): the AK is restricted and cannot
// sign a CSR, but the activation proved that it lives in the enrolled TPM. A delivery carries both chains
// (proofs/chain.pem, proofs/ak-chain.pem), so that its checkpoint, which commits to its manifest, and the TPM's
// certification of the checkpoint key are judged against the root ([CheckSigner], [CheckAK]) as its report is.
//
// # Key lifecycle
//
// A box that rotated its signing key or its AK enrolls again (same EK; the activation proves the new AK is in that
// TPM): the old enrollment is retired, its certificate stays in the status list with its own history, and polls
// refuse the retired AK. A box whose TPM was replaced is revoked by an operator, enrolls its new TPM under the same
// appliance id, and asks for a new key epoch: [Authority.Epoch] countersigns the record that links its new key to
// the journal its old key signed. A revocation covers every certificate of the appliance.
//
// # Files (the authority's directory, version 1)
//
//	root.pem, ca.pem          the root and issuing CA certificates
//	root.key, ca.key          their keys, "attesta.authority-key/v1" (scrypt + AES-256-GCM under the passphrase)
//	ek-roots.pem              TPM manufacturer roots that EK certificates must chain to
//	policies.json             "attesta.pcr-policies/v1": the image PCR policies a signing key may be bound to, and
//	                          (image_keys, optional) the image keys: a request with image_policy_key enrolls only
//	                          when that key is registered (Init, RegisterImageKey) and the signing key's authPolicy is
//	                          attest.AuthorizedKeyPolicy of it; any other image key is refused as unknown
//	registry.json             "attesta.authority-registry/v1": appliances, certificates, challenges, state history
//	events.jsonl              one line per operator decision and attestation result, appended, never rewritten
//	status.json               the signed status list ("attesta.status-list/v1"), rewritten on every change
//
// Every file the authority reads back is versioned and read strictly.
package authority
