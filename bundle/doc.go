// Package bundle is the delivery format and its offline verifier: the folder (or its ZIP) that a client's lawyer
// files and an opposing expert examines, one per chat and acquisition day. [Seal] records a delivery in the
// evidence journal, [Write] creates its folder, [WriteZip] packs it, [Verify] checks it with no access to the
// appliance, and [WriteIndex] lists the deliveries of a session. The package knows the evidence domain, the
// journal's formats (journal/format) and the TPM's attestation structures (tpm/attest) only, nothing stateful: no
// journal store, no TPM transport, no cgo, so that the recipient's verifier (cmd/attesta-verify) builds for any
// operating system; a test checks it with go list -deps. The PDF report and RFC 3161 time-stamps reach it through
// function fields ([WriteOptions], [VerifyOptions]).
//
// # Delivery folder, format attesta.manifest/v1
//
// The folder is named <digits>-<d>-<mese>-<yyyy> ([Manifest.FolderName]: the chat's number and the Europe/Rome day
// the acquisition started); a later delivery of the same chat on the same day gets -2, -3, … ([WriteUnique]). It
// holds:
//
//	manifest.json               the manifest (below)
//	SHA256SUMS                  "<sha256>  <path>" for case.jsonld, every file under artifacts/ and relazione.pdf,
//	                            sorted by path
//	case.jsonld                 the acquisition as CASE/UCO JSON-LD (below)
//	artifacts/…                 artifacts and message attachments, at the paths the manifest gives
//	artifacts/custody.jsonl     optional (deliveries since attesta.custody/v1): the chain of custody as data, one
//	                            action per line ([CustodyFormat]); an artifact of the manifest like the others
//	proofs/delivery-leaf.json   the delivery leaf, byte for byte as in the journal
//	proofs/delivery.tlog-proof  its inclusion proof, c2sp.org/tlog-proof@v1 ([Proof])
//	proofs/checkpoint           the signed checkpoint the proof leads to (the same note as in the proof)
//	proofs/vkey                 the checkpoint verifier key, one line: <origin>+<key hash>+<base64(0x02 || SPKI)>
//	proofs/keychain             only after a rotation of the journal's key: the rotation leaves from the journal's
//	                            first key to proofs/vkey, each with its inclusion proof in proofs/checkpoint
//	                            ([format.KeyChain]); a verifier pinned on an earlier key follows it
//	proofs/attestation/…        optional: the TPM attestation folder (quote, Certify of the signing key, keys)
//	proofs/chain.pem            optional (appliances enrolled with an authority): the PEM certificate of the
//	                            checkpoint key issued by the authority, then its issuers ([ParseChain])
//	proofs/ak-chain.pem         optional, with proofs/attestation: the authority's certificate of the attestation
//	                            key (extended key usage tcg-kp-AIKCertificate), then its issuers
//	proofs/checkpoint.tsr       optional: an RFC 3161 time-stamp token over proofs/checkpoint
//	proofs/witness              optional: the checkpoint, or a later one with the proof of their consistency, cosigned
//	                            by witnesses (c2sp.org/tlog-witness body, witness/cosig); checked with --witness
//	relazione.pdf               optional: the report, signed (PAdES) by the checkpoint key; the manifest records it
//	VERIFICA.txt                how to verify with standard tools, in Italian, step by step
//
// Nothing else may be in the folder: Verify reports any other file.
//
// # Manifest
//
// manifest.json is a JSON object with, in this order, "format" ("attesta.manifest/v1"), "acquisition", "chat",
// "range", "messages", "artifacts", optionally "report" ({"path": "relazione.pdf", "sha256", "size"}: the report,
// rendered and signed before sealing, [AttachReport]) (their members are the evidence package's JSON encoding, which is part of
// this contract), and last "journal": {"origin", "leaf_index", "tree_size", "root_hash"}, which locates the
// delivery leaf and the checkpoint (root as 64 lower-case hex digits). Every path is relative to the folder and
// lies under artifacts/; a path names one content only. Readers reject duplicate member names at any depth,
// non-integer numbers and invalid UTF-8, and ignore members they do not know, as v1 allows.
//
// # Binding the manifest to the journal (contract)
//
// The journal block names the leaf, so the leaf cannot record the whole file. It records the manifest body
// instead: the bytes of manifest.json before the top-level member "journal", which must be the last member,
// written once and with its name unescaped. The file is thus body + `"journal": {…}` + "}"; the writer emits the
// body as two-space indented JSON ending in ",\n  " and the journal block in the same style, so that a shell can
// rebuild the tail. The delivery leaf is a journal leaf (journal leaf format v1) of type "delivery" whose fields
// are:
//
//	format           "attesta.manifest/v1"
//	acquisition      the acquisition id
//	manifest_sha256  SHA-256 of the body, lower-case hex
//	manifest_size    length of the body in bytes
//	sums_sha256      SHA-256 of SHA256SUMS
//
// with the case as the leaf's "case". No personal data: digests and ids only. SHA256SUMS and case.jsonld are
// functions of the body, so the leaf also commits to every artifact and to the description. The chain a verifier
// walks is: files → SHA256SUMS and body → delivery leaf → RFC 6962 inclusion proof → signed checkpoint →
// checkpoint key → (optionally) the TPM attestation key's TPM2_Certify of that key, which shows the key was made
// in the TPM and cannot leave it.
//
// # Sealing and writing
//
// [Seal] appends the delivery leaf through the small [Journal] interface, forces a checkpoint, takes and checks the
// inclusion proof, and fills the manifest's journal block; it returns the proof material ([Sealed]). [Write] then
// refuses a manifest whose body differs from the sealed one, streams every artifact from an [ArtifactSource] (the
// case's blob store) while hashing it, and creates the folder under a temporary name that is renamed into place
// only if no folder has the final name; files and directories are synced first. [WriteZip] writes one entry per
// file, <folder>/<path>, sorted, deflated, with a fixed time, so equal folders give equal archives.
//
// # Verification
//
// [Verify] reads a folder through an os.Root (no path or link leads outside it) or a ZIP (one top folder; entries
// with unsafe names, duplicates, links and special files are refused, never extracted). It runs every check and
// reports each as pass, fail or skip ([Check], in Italian and English): the container; the manifest; the pinned
// key, when [VerifyOptions].Key is set; the checkpoint signature; the tlog-proof; the delivery leaf; inclusion;
// the manifest body; the journal block; SHA256SUMS and case.jsonld against the manifest; each artifact's size
// and SHA-256; the custody log, when the manifest lists one, read strictly, of this chat only, recording the storing
// of every file of the manifest (its absence is noted, not failed);
// the legal-value verdicts recomputed with evidence.Judge over the manifest's messages and compared
// with the claimed status and legal_value; the TPM certification of the checkpoint key (attest.VerifyCertification,
// and that the certified key is the checkpoint key); the certificate chains, when present (each certificate signed
// by the next, the first for the checkpoint key or for the AK that certified it), and, through the ChainTrust hook
// (verify --root), that they lead to the authority's root; the attestation's binding to this delivery (its quote and
// certification carry the SHA-256 of proofs/checkpoint as nonce, the quote verifies under the AK over the PCRs it
// reports, its signed TPM clock is the one clock.json gives, and it was made within an hour after the delivery
// leaf's time); the time-stamp through its hook; the report: that it is the
// one the manifest records, and (through the PDF hook, which returns the signer's key) that its signature is valid,
// covers the whole file and is the checkpoint key's — a report without a record in the manifest, or signed by any
// other key, fails; VERIFICA.txt against the text this delivery should carry; and extra files. An invalid delivery returns a
// [*CheckError] wrapping [ErrInvalid] naming the first failed check and its file.
//
// # CASE/UCO
//
// case.jsonld is plain JSON-LD with the CASE 1.x context: a case-investigation:InvestigativeAction (start and
// end time) whose uco-action:ActionReferencesFacet has the operator as performer, the appliance and tool version
// (uco-tool:Tool) as instrument, the chat (uco-observable:MessageThread) as object, and as results a
// case-investigation:ProvenanceRecord and one uco-observable:File per delivered file, with its FileFacet and a
// ContentDataFacet SHA-256 uco-types:Hash. Node ids are urn:attesta:<acquisition>:<name>.
//
// # Session index, format attesta.index/v1
//
// [WriteIndex] writes index.json ({"format": "attesta.index/v1", "entries": [{"folder", "phone", "name", "day",
// "share_url", "drive_url"}]}, drive_url optional: the folder's direct link on Google Drive) and index.html;
// [ReadIndex] reads it back.
//
// # Versions
//
// A change a v1 reader would misread (renaming or removing a member, changing the body rule or the leaf fields)
// is a new format string; adding optional manifest members keeps v1.
package bundle
