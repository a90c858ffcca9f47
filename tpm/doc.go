// Package tpm is the appliance's TPM 2.0: it opens a TPM (hardware, the
// reference simulator or swtpm), provisions the keys the trust chain rests
// on, signs with a key that never leaves the TPM, quotes PCRs, reads the TPM
// clock, and wraps per-case data keys.
//
// # Keys
//
// Every key is ECC NIST P-256 (signatures: ECDSA with SHA-256) and is
// created inside the TPM (fixedTPM, fixedParent, sensitiveDataOrigin): no
// private key ever exists outside it. Stored keys exist only as blobs the
// TPM wrapped under the storage root key.
//
//   - Storage root key (SRK): the standard ECC SRK template in the owner
//     hierarchy. It is a primary key, recreated deterministically whenever it
//     is needed and flushed right after, or, once the owner is locked, kept
//     persistent at [SRKHandle] (see "Owner lock").
//   - Attestation key (AK): a restricted signing primary key in the
//     endorsement hierarchy, so the clock fields of quotes and certifications
//     are not obfuscated. Being a primary it is deterministic and is recreated
//     on demand; its public area is recorded at provisioning and any later
//     difference is reported as [ErrStateMismatch]. A restricted key refuses
//     to sign outside data that looks like a TPM attestation, which is what
//     makes its quotes and certifications worth anything.
//   - Signing key: an unrestricted signing key, child of the SRK. Its ADMIN
//     role keeps the empty auth value so that the AK can certify it; its USER
//     role (Sign) needs a policy session, and the policy is one of two:
//     the authorized policy when [ProvisionOptions].ImageKey is set (see
//     "Authorized policy" below), or, on boxes provisioned before it, the
//     literal policy: PolicyPCR over a PCR selection that always contains
//     the application PCR [AppPCR] (default sha256:0,1,2,3,4,5,6,7,23), which
//     the intrusion switch extends ([TPM.Tamper]) so that every signature
//     fails with [ErrKeyUnusable] until the next reset.
//
// # Authorized policy
//
// The image key is the project's ECDSA P-256 key that the image build holds
// (never the TPM). For each released image it signs that image's approved
// policy, and the signed policy ships beside the image ([attest.SignedPolicy],
// "attesta.tpm.policy/v1"). Two NV indices with fixed public areas, hence the
// same Names on every box, take part ([attest.CounterNVPublic],
// [attest.TamperNVPublic]):
//
//   - the counter C (TPM_NT_COUNTER at 0x0100a770): the lowest policy
//     version the box accepts. It only goes up (TPM2_NV_Increment); its
//     first increment sets it to one more than any counter of this TPM ever
//     held, 1 on a new TPM, and deleting and defining it again cannot lower
//     it.
//   - the tamper index T (TPM_NT_BITS at 0x0100a771): bits are only set
//     (TPM2_NV_SetBits, open to anyone); 0 means not tampered. Only deleting
//     it, which needs the owner hierarchy's authorization (the administrator's
//     unlock secret once the owner is locked: "Owner lock"), and defining it
//     again clears it ([TPM.ClearTamper]).
//
// The policies, in the order the TPM extends the session digest:
//
//	approved(image, v) = PolicyPCR(selection, PCR values of a genuine boot of the image)
//	                     ∧ PolicyNV(C ≤ v)                  [TPM_EO_UNSIGNED_LE, operand v as 8 bytes]
//	key authPolicy     = PolicyAuthorize(Name(image key), policyRef "attesta image policy v1")
//	                     ∧ PolicyNV(T == 0)                 [TPM_EO_EQ, operand 8 zero bytes]
//
// The image key signs SHA-256(approved || policyRef). To sign, the box loads
// the image key's public part in the owner hierarchy, has the TPM verify the
// signature (TPM2_VerifySignature: a ticket), and in one policy session runs
// PolicyPCR (current values) and PolicyNV(C ≤ v), so that the session digest
// equals approved only when both hold; PolicyAuthorize with the ticket then
// replaces it by the key's PolicyAuthorize term; PolicyNV(T == 0) ends it.
//
// Hence: an update to an image with new PCR values and a new signed policy
// re-enables the key without re-provisioning ([TPM.SetPolicy]). The version
// sits inside the signed, approved digest, so a signed policy cannot be
// replayed past the counter: once the new image booted well the box moves C
// up to its version ([TPM.AdvancePolicyCounter]), and from then on every
// older signed policy fails PolicyNV(C ≤ v), an old image with its genuine
// policy included (no rollback to a vulnerable image). Until then the old
// slot still boots and signs (an A/B fall-back). The comparison is C ≤ v, not
// C ≥ v: with C ≥ v an old policy would hold forever. The tamper assertion
// sits outside the approved part, in the key's own policy, so not even the
// image key can approve a policy that ignores an opened case; T lives in NV,
// so unlike PCR 23 a restart does not clear it.
//
// A failing signature is diagnosed ([PolicyError]): the tamper index, the
// counter against the policy's version, and each PCR of the signed policy
// against its current value (index, expected, actual).
//
// Migration: a key under the literal policy keeps working (and keeps
// verifying its journal) when an image key is configured; the next rotation
// ([TPM.NewSigningKey], `attesta keys rotate`, while its PCRs still hold)
// creates the successor under the authorized policy, and the rotation leaf
// carries both keys' signatures. A box whose PCRs already moved has lost
// the old key and starts a new key epoch (`attesta keys epoch`).
//
// Trust in the clear: see "Owner lock". The simulator starts every Open with empty NV (see Transports), so its
// counter starts at 1 and its owner lock is gone each time: the anti-rollback and the owner lock are for real TPMs
// and swtpm.
//
// # Owner lock
//
// T is cleared by deleting it, and whoever holds the owner hierarchy's authorization can delete it and define it
// again: its Name depends on its public area only, so the new, zero index satisfies the key's PolicyNV(T == 0) as
// the old one did. On a box whose owner authorization is empty (every TPM until [TPM.LockOwner]) that is any root
// process. [TPM.LockOwner] therefore sets the owner authorization to [OwnerAuth] of the administrator's unlock
// secret (SHA-256 of a domain string and the secret; `attesta keys owner-lock` makes 32 random bytes and writes them
// to a file the administrator takes away; the box keeps neither). Before it changes the authorization it defines C
// and T if missing and makes the SRK persistent at [SRKHandle] (TPM2_EvictControl), the two things of the owner
// hierarchy the box does without the administrator: every later use of the SRK (loading the signing key,
// rotations, Seal/Unseal) goes through the persistent handle and needs only the SRK's own, empty, authorization;
// the NV indices keep their own empty authorizations for reads, NV_Increment and NV_SetBits; TPM2_LoadExternal
// and TPM2_VerifySignature in the owner hierarchy need no authorization. What then needs the secret: deleting or
// defining NV indices ([TPM.ClearTamper]), EvictControl, and changing the secret. [TPM.CheckOwnerAuth] tests a
// secret with TPM2_PolicySecret in a throw-away session, which changes nothing, so that the appliance journals an
// unlock before the clear and a refused one instead of it.
//
// Why this and not the tamper index's own policy: TPMA_NV_POLICY_DELETE (deletion only through
// TPM2_NV_UndefineSpaceSpecial with the index's authPolicy, e.g. PolicySigned by an administrator key) may only be
// set on an index the platform hierarchy defines (TPMA_NV_PLATFORMCREATE), and TPM2_NV_UndefineSpaceSpecial itself
// needs the platform authorization; so does any index only the platform can delete. The platform hierarchy
// belongs to the firmware, which on real boxes (and OVMF with a TPM) disables it or sets a random authorization
// before the OS runs: it works on the simulator and a bare swtpm and nowhere else. An index with an authPolicy that
// limits writes (PolicyCpHash on NV_Write) does not help either, since the owner deletes any index that is not
// platform-created. So the owner hierarchy's authorization is the one lever the OS has, on hardware, swtpm and the
// simulator alike.
//
// Limits: hierarchy authorizations have no dictionary-attack protection, so the secret must be long and random
// (the appliance refuses fewer than 16 bytes; the command makes 32). The lockout hierarchy keeps its empty
// authorization: TPM2_Clear through it wipes the owner hierarchy, T and C with it, but also the owner's seed, so
// the SRK and the signing key are lost for good: the box needs a new key epoch and a new enrollment, which the
// authority sees; nothing signs in between. Migration: a box provisioned before the lock has an empty owner
// authorization and keeps working unchanged (ClearTamper with an empty authorization, as before); `attesta keys
// owner-lock` locks it at any time, without re-provisioning, and the SRK it persists is the same key (a primary
// from the same template and seed), so stored blobs load as before.
//
// The AK certifies the signing key twice at provisioning (TPM2_Certify and
// TPM2_CertifyCreation) and again, with the auditor's nonce, in
// [TPM.WriteAttestation]. [VerifyCertification] and [VerifyQuote] check
// those artefacts in pure Go; they live in package
// [github.com/attesta/attesta/tpm/attest], which needs no transport, so that
// offline verifiers link no TPM access. tpm2_checkquote and openssl check
// them too.
//
// # Enrollment
//
// [TPM.Enroll] gathers what a registration authority (package authority) needs: the endorsement key, recreated from
// the TCG RSA-2048 EK template, and its certificate from NV when it matches (else the EK is flagged uncertified),
// the AK and its provisioning-time certifications of the signing key, the PCR policy, and a PKCS #10 request signed
// by the signing key. [TPM.ActivateCredential] answers the authority's challenge: the EK (policy session
// PolicySecret(endorsement)) releases the secret only for this TPM's AK, and a quote whose nonce derives from the
// secret shows the PCRs at that moment. The exchanged files are defined in package attest.
//
// # Transports
//
// [Open] takes a spec:
//
//   - "sim": the Microsoft reference TPM simulator, compiled in with cgo.
//     FOR DEVELOPMENT AND DEMONSTRATIONS ONLY: its hierarchy seeds come from a
//     64-bit seed stored in clear in stateDir/sim-seed, so anyone who reads
//     that file can recreate every key. Each Open manufactures a fresh
//     simulator from that seed: primary keys come back identical and stored
//     blobs load again, while NV, PCRs and the clock start over (the clock's
//     ResetCount says so). The simulator is a process-wide
//     singleton: a second Open("sim") while one is open fails with
//     [ErrSimulatorInUse] rather than sharing or blocking. Build with the
//     "nosim" tag (or without cgo) to leave it out of the appliance image.
//   - any path beginning with "/dev/": a kernel TPM character device;
//     use /dev/tpmrm0 so the kernel resource manager virtualises handles.
//   - "swtpm:PATH": swtpm's unixio server socket. swtpm has no resource
//     manager and only three transient object slots, so this package keeps at
//     most three objects loaded at any moment (normally one: the signing key)
//     and flushes stale transient objects and sessions when it opens (as it
//     does on any transport; behind /dev/tpmrm0 there are none to flush).
//
// A [TPM] serialises its commands; it is safe for concurrent use.
//
// # State directory (on disk, version 1)
//
// All files are written 0600 and durably (temporary file, fsync, rename,
// fsync of the directory).
//
//   - sim-seed: the simulator seed, a decimal int64 and a newline.
//   - signing-key.blob: the signing key as the TPM wrapped it, in the
//     key-blob encoding below. Useless without this TPM.
//   - provision.json: JSON object with "format": "attesta.tpm.provision/v1",
//     the PCR selection and the PCR values at provisioning, the public areas
//     of the signing key and the AK, the creation data, hash and ticket, and
//     the Certify and CertifyCreation results (binary values in hex). It is
//     written last, so its presence means provisioning completed. A key
//     under the authorized policy has "format": "attesta.tpm.provision/v2",
//     the same members and "image_policy_key", the image key's
//     SubjectPublicKeyInfo (DER, hex). A reader accepts v1 (which must not
//     have image_policy_key) and v2 (which must) and rejects any other format
//     string.
//
// # Key-blob encoding (version 1)
//
// Signing-key blobs and sealed data blobs ([TPM.Seal]) share one encoding:
//
//	magic   4 bytes  "ATK1" (signing key) or "ATS1" (sealed data)
//	public  TPM2B_PUBLIC  (uint16 big-endian size, then TPMT_PUBLIC)
//	private TPM2B_PRIVATE (uint16 big-endian size, then the wrapped private)
//
// with nothing after it. The digit in the magic is the version; a decoder
// rejects versions it does not know, trailing bytes, and public areas of the
// wrong type ([ErrBadBlob]).
//
// # Sealing and PCRs
//
// Sealed data objects are deliberately NOT bound to the PCR policy: they wrap
// the per-case data keys that protect evidence already captured, and a
// firmware update or a tamper event must lock new certification, not destroy
// the evidence. A sealed blob is fixedTPM/fixedParent under the SRK, so it
// opens on this TPM only, and crypto-shredding a case means deleting its
// blob. Seal and Unseal run in salted, AES-encrypted sessions so the secret
// never crosses the bus in clear.
//
// # Attestation folder
//
// [TPM.WriteAttestation] writes files that standard tools read: quote.msg
// (TPMS_ATTEST), quote.sig (TPMT_SIGNATURE, the tpm2-tools "tss" format),
// pcrs.bin (raw SHA-256 PCR digests in selection order), pcrs.tpm2 (the same
// values in the layout tpm2_quote -o writes, which tpm2_checkquote reads
// without -l: tpm2-tools 5.4 mis-reads eight or more raw digests per bank),
// DER ECDSA signatures and PEM public keys for openssl, TPMT_PUBLIC areas,
// clock.json, attestation.json ("format": "attesta.tpm.attestation/v1")
// describing every file, VERIFY.txt with the exact commands to run (every
// line starting with "$ " is one), and SHA256SUMS.
package tpm
