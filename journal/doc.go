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
// # Formats
//
// The leaf format (canonical JSON, version 1), the RFC 6962 tree, the
// checkpoint note and the inclusion proof are specified in package
// [github.com/attesta/attesta/journal/format], which imports only the
// standard library and x/mod so that an offline verifier needs no store.
// This package re-exports their names ([Entry], [Leaf], [Checkpoint],
// [DecodeLeaf], [ParseCheckpoint], …).
//
// # Database layout, format "attesta.journal/v1"
//
// One bbolt file (never opened with NoSync), four buckets, and a fifth once
// the key was rotated:
//
//	meta         "format" = "attesta.journal/v1", "origin", "vkey" (verifier
//	             key text of the key in force), "size" (tree size, 8-byte
//	             big-endian)
//	leaves       8-byte big-endian leaf index → leaf bytes
//	hashes       8-byte big-endian stored-hash index → 32-byte hash
//	checkpoints  8-byte big-endian tree size → signed checkpoint note
//	keys         8-byte big-endian first tree size a key signs → verifier
//	             key text: 0 → the first key, r+1 → the new key of the
//	             rotation leaf at index r (created by the first [Journal.Rotate])
//
// # Key rotation
//
// [Journal.Rotate] signs a last checkpoint with the old key, appends the
// "key-rotation" leaf (package format: signed by the old and the new key over
// the origin, the tree size and root before the leaf, its time, both keys and
// the new key's TPM certification) in the same transaction that records the
// new key, and signs the next checkpoint with the new key, under the same
// origin. A checkpoint of size s is signed by the key in force at s. [Journal.Verify]
// trusts the keys bucket for nothing: it follows the rotation leaves from the
// pinned key, rejecting (with the leaf's index) a rotation that the key in
// force did not sign, that the new key did not sign, or that names another
// history. [Journal.KeyChain] gives the rotation leaves with their inclusion
// proofs, which a delivery carries (proofs/keychain).
//
// # Key epochs
//
// When the key in force is lost with its TPM (replaced or cleared), it cannot
// sign a rotation. [Journal.EpochRequest] (on a journal opened read-only)
// makes a "key-epoch" leaf signed by the new key; the registration authority
// countersigns it (package format, [format.Epoch]); [Open] with the new key as
// Signer and the countersigned record as [Options].Epoch appends it, records
// the new key in force and signs a checkpoint with it. The record must name
// the journal as it is (size and root). [Journal.Verify] follows epoch leaves
// like rotation leaves, checking the new key's signature and the
// countersignature (not the authority's root, which recipients pin).
//
// [Open] refuses any other "format". A new layout gets a new format string
// and a migration. The file records origin and verifier key so that a journal
// can be verified from the file alone; a verifier that does not trust the file
// pins the key and the last checkpoint it saw ([VerifyOptions]) instead.
// A new file is initialized under a temporary name and linked into place.
// Before bbolt maps a file, Open checks that it is not truncated and walks
// its page graph from the file itself, so that a damaged or hostile file is
// reported as [ErrCorrupt] instead of crashing or hanging the reader.
// [CheckUnused] (journal verify --deep) also reads what bbolt leaves unused —
// the standby meta page, the zeroed slack of pages, free pages, the space past
// the pages in use — and reports a change there as "unused space altered":
// not a loss of evidence, but a sign that something else wrote the file.
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
