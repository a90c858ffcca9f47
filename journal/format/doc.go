// Package format holds the journal's formats, apart from any store: leaves (canonical JSON, version 1, and the
// typed leaves that verifiers read), checkpoints (C2SP tlog-checkpoint signed notes with ECDSA P-256 keys), and
// proofs (RFC 6962 inclusion, carried as c2sp.org/tlog-proof@v1). It imports only the standard library and
// golang.org/x/mod's sumdb/note and sumdb/tlog, as those two import only the standard library.
//
// Why a package of its own, and why one: a delivery's recipient verifies leaves, checkpoints and proofs offline,
// on any operating system, with a binary that must not carry the bbolt store, the TPM transports or cgo (package
// journal carries all three through its store). sumdb splits its formats by concern (tlog, note) because each is
// used alone; ours are used together — a leaf is only believed through a proof to a signed checkpoint — and every
// one of them is versioned by the same rule, so one package documents them as one specification. Package journal
// stores and serves these formats and re-exports their names for its callers.
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
// # Typed leaves
//
// Verifiers read the leaf types they rely on through typed decoders instead of maps: [ArtifactOf] (type
// "artifact": "sha256", "size"; other fields allowed) and [DeliveryOf] (type "delivery", whose "format" field,
// "attesta.manifest/v1", versions its fields: exactly "format", "acquisition", "manifest_sha256",
// "manifest_size" and "sums_sha256"). [Delivery.Entry] writes the same leaf, so the bytes of a delivery leaf are
// those that package bundle has always written. A change to a typed leaf's fields is a new "format" (delivery) or
// a new type.
//
// # Key rotation leaves
//
// Type "key-rotation", format "attesta.rotation/v1" ([Rotation]), no "case", exactly the string fields "format",
// "prev_root" (base64 of the root of the tree of the leaf's "seq" leaves before it), "old_key" and "new_key"
// (verifier key texts of the same origin), "certification" (the new key's TPM certification, or empty) and
// "old_sig"/"new_sig" (base64 of ASN.1 DER ECDSA P-256 signatures over SHA-256 of [Rotation.Statement]: the
// lines "attesta.rotation/v1", origin, seq, prev_root, time, old key, new key and the hex SHA-256 of
// "certification"). A checkpoint of size s is signed by the key in force at s: the first key, or the new key
// of the last rotation leaf with index < s. A verifier follows the chain from the first key it pinned; a
// rotation counts only when "old_key" is the key in force and both signatures verify ([Rotation.Check]).
//
// # Key epoch leaves
//
// Type "key-epoch", format "attesta.epoch/v1" ([Epoch]), no "case", exactly the string fields "format",
// "prev_root", "old_key", "new_key" (as in a rotation leaf), "new_sig" (the new key's signature over SHA-256 of
// [Epoch.Statement]: the lines "attesta.epoch/v1", origin, seq, prev_root, time, old key, new key),
// "authority_sig" (the authority's issuing CA's signature over the same digest) and "authority_chain" (the base64
// DER certificates of that CA and its issuers, separated by single spaces; at most 4). The old key is lost with its
// TPM and does not sign: the countersignature is the link. A verifier accepts the hand-over only when the old key
// is the key in force, the new key's signature verifies, and the countersigning certificate is a CA's whose key
// signed the statement and which chains to an authority root the verifier trusts ([Epoch.Check]); the journal
// checks its own epochs without the root ([Epoch.CheckSignatures]). Before the authority countersigns, the same
// leaf with "authority_sig" and "authority_chain" empty is the appliance's request ([Epoch.Marshal], [ParseEpoch]).
// A key chain carries epoch leaves on its "rotation" lines like rotation leaves ([KeyChain.FollowEpochs]).
//
// # Inclusion proofs, c2sp.org/tlog-proof@v1
//
// A [Proof] is the text
//
//	c2sp.org/tlog-proof@v1
//	[extra <base64>]
//	index <leaf index, decimal>
//	<base64 of each audit-path hash, from the leaf's sibling up>
//	<empty line>
//	<the signed checkpoint note, verbatim>
//
// [ParseProof] accepts only what [Proof.Marshal] writes back identically; [CheckInclusion] checks the audit path
// against a parsed checkpoint.
//
// # Errors
//
// Errors name the offset, field or line at fault and wrap [ErrInvalidLeaf], [ErrInvalidCheckpoint],
// [ErrBadSignature] or [ErrProof].
package format
