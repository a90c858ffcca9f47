// Package journal is the append-only, tamper-evident evidence journal of the
// appliance. Every piece of evidence, every access and every change of state
// is appended as a leaf; leaves form an RFC 6962 Merkle tree; signed
// checkpoints commit to the tree; inclusion and consistency proofs let anyone
// check, offline, that a leaf is in the journal and that the journal only
// ever grew.
//
// A bbolt file is the source of truth. A leaf, its stored hashes and the new
// tree size are written in one transaction, and [Journal.Append] returns only
// after bbolt has committed and synced it. Checkpoints are signed outside the
// write transaction, by an ECDSA P-256 key that in production lives in the TPM
// (the journal sees only a [crypto.Signer]); one signature covers many leaves
// ([Options.CheckpointEvery]).
//
// The formats below are contracts: other packages, delivery bundles and
// third-party verifiers rely on them. A change to any of them is a new
// version.
//
// # Leaf format, version 1
//
// A leaf is a JSON object in canonical form:
//
//   - UTF-8, no insignificant whitespace, object keys sorted bytewise, no
//     duplicate keys;
//   - strings escape only '"', '\' and control characters: \b \f \n \r \t,
//     and \u00xx with lower-case hex for the other control characters;
//     everything else, including '<', '>', '&', U+2028 and U+2029, is literal;
//   - numbers are integers only, in -2^63 … 2^64-1, without sign '+', leading
//     zeros or "-0"; no fractions or exponents;
//   - no null; values are strings, integers, true/false, arrays and objects,
//     nested at most 32 levels;
//   - at most [MaxLeafSize] (65535) bytes, so that a leaf fits a tlog-tiles
//     entry bundle.
//
// Required members: "v" (1, the leaf version), "seq" (the leaf index),
// "type" (lower-case letters, digits and '-', starting with a letter, at most
// 64 bytes) and "time" (RFC 3339 in UTC with exactly nine fractional digits,
// [TimeLayout]). Optional: "case" (a non-empty string). Other members are the
// type's fields. Type "artifact" requires "sha256" (64 lower-case hex digits,
// the SHA-256 of the blob's plaintext) and "size" (bytes, ≥ 0); type
// "erasure" requires "case", and means that the case's blobs may be gone from
// then on. Leaves carry digests and identifiers, never personal data in clear,
// so that erasing a case's blobs leaves the journal verifiable.
//
// [DecodeLeaf] rejects anything that is not canonical (it decodes, re-encodes
// and compares) and names the offset or field at fault. A leaf with a "v"
// other than 1 is rejected; a new leaf version gets a new "v".
//
// # Tree
//
// RFC 6962 (RFC 9162) hashing: leaf hash SHA-256(0x00 || leaf bytes), node
// hash SHA-256(0x01 || left || right). Stored hashes are indexed as in
// golang.org/x/mod/sumdb/tlog ([tlog.StoredHashIndex]): about two per leaf,
// from which every tree head and proof is computed.
//
// # Checkpoints
//
// A checkpoint is a C2SP tlog-checkpoint signed note. Body:
//
//	<origin>\n<tree size, decimal>\n<base64 of the 32-byte root>\n
//
// with no extension lines, then a blank line and the signature line
// "— <origin> <base64(key hash || signature)>". The origin is
// "attesta/<appliance-id>" and is also the key name. The signature type is
// 0x02, ECDSA: the signature is ASN.1 DER ECDSA P-256 over SHA-256 of the
// body, and the 4-byte key hash is the first 4 bytes of SHA-256 of the
// key's DER SubjectPublicKeyInfo. The verifier key text is
//
//	<origin>+<key hash, 8 hex digits>+<base64(0x02 || DER SPKI)>
//
// which transparency-dev/formats' note.NewVerifier also accepts. Every
// checkpoint is stored; before signing, the journal proves the new tree
// consistent with the previous checkpoint and refuses otherwise.
//
// # Database layout, format "attesta.journal/v1"
//
// One bbolt file (never opened with NoSync), four buckets:
//
//	meta         "format" = "attesta.journal/v1", "origin", "vkey" (verifier
//	             key text), "size" (tree size, 8-byte big-endian)
//	leaves       8-byte big-endian leaf index → leaf bytes
//	hashes       8-byte big-endian stored-hash index → 32-byte hash
//	checkpoints  8-byte big-endian tree size → signed checkpoint note
//
// [Open] refuses any other "format". A new layout gets a new format string
// and a migration. The file records origin and verifier key so that a journal
// can be verified from the file alone; a verifier that does not trust the file
// pins the key and the last checkpoint it saw ([VerifyOptions]) instead.
// A new file is initialized under a temporary name and linked into place.
// Before bbolt maps a file, Open checks that it is not truncated and walks
// its page graph from the file itself, so that a damaged or hostile file is
// reported as [ErrCorrupt] instead of crashing or hanging the reader.
//
// # Durability and concurrency
//
// An append acknowledged is on disk: bbolt syncs the data pages and then the
// meta page of every commit. A crash at any point leaves a journal that opens
// and verifies; a checkpoint that was due but not yet signed is signed by the
// next append. A [Journal] is safe for concurrent use; the bbolt file is
// locked against other processes.
//
// # Export
//
// [Journal.Export] writes the C2SP tlog-tiles layout (tile height 8,
// "tile/<L>/<N>[.p/<W>]", entry bundles "tile/entries/<N>[.p/<W>]" of
// uint16-length-prefixed leaves), the "checkpoint" note and the "vkey" file,
// so that the journal can be audited with standard tlog tooling.
//
// # Errors
//
// Errors name the first bad thing ("journal: leaf 41: hash mismatch (stored
// …, computed …)", "journal: checkpoint at size 2048: signature invalid") and
// wrap the sentinels [ErrCorrupt], [ErrRollback], [ErrBadSignature] and the
// others in errors.go for callers to branch on.
package journal
