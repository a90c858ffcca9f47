// Package blob is the evidence blob store: a content-addressed, encrypted, never-overwrite store for large
// artifacts (screenshots, MHTML, media, database files, up to several GB each).
//
// Every case has its own 256-bit data key, created on the first [Store.Put] for that case and kept on disk only
// in wrapped form (wrapped by a [KeyWrapper], in production the TPM). Blobs are addressed by the SHA-256 of their
// plaintext within a case; two cases never share a file, because their keys differ. Writes are streaming (memory
// use does not depend on blob size) and durable when Put returns. [Store.EraseCase] destroys the case key first and
// then deletes the case's blobs (crypto-shredding), so that the journal, which records only digests and key ids,
// stays verifiable after personal data is gone.
//
// This package does not know the journal; the journal records the [Ref] values it returns.
//
// # Layout on disk
//
//	<dir>/<case>/key                 wrapped case key (mutable, outside the Merkle tree)
//	<dir>/<case>/erased              erasure tombstone, written before the key is destroyed
//	<dir>/<case>/blobs/<sha256>      one blob file per plaintext digest (64 lower-case hex digits)
//	<dir>/<case>/blobs/<sha256>.corrupt-<unix-nanos>
//	                                 a blob file that failed verification and was set aside when the same
//	                                 content was stored again (never deleted, except by erasure)
//	<dir>/<case>/.tmp-*, <dir>/<case>/blobs/.tmp-*
//	                                 temporaries; removed by [Open]
//
// A case id is 1 to 64 characters from [A-Za-z0-9._-], starts with a letter or digit and never contains "..".
//
// Every file is written to a temporary in its final directory, fsynced, hard-linked to its final name (os.Link
// fails if the name exists, so nothing is ever overwritten), then the temporary is removed and the directory is
// fsynced. A crash at any point leaves either no file or a complete one. If a blob's name already exists, Put
// verifies the existing file and returns its Ref.
//
// # Key file, version 1
//
// All integers are big-endian.
//
//	offset size  field
//	0      8     magic "ATSTCKEY"
//	8      1     version = 1
//	9      16    key id
//	25     4     length n of the wrapped key, 1 <= n <= 65536
//	29     n     wrapped key, as returned by KeyWrapper.Wrap
//	29+n   32    SHA-256 of bytes [0, 29+n), a checksum against disk corruption (not a security control)
//
// The key id is the first 16 bytes of HKDF-SHA256(secret = case key, salt = none, info = "attesta blob v1 key id"),
// written as 32 lower-case hex digits. It names the key in journal entries and in blob headers, survives re-wrapping,
// and reveals nothing about the key. After unwrapping, the store recomputes it and refuses a key that does not match.
//
// # Blob file, version 1
//
// A blob file is a 132-byte header followed by the plaintext encrypted in chunks of 65536 bytes with AES-256-GCM.
//
//	offset size  field
//	0      8     magic "ATSTBLOB"
//	8      1     version = 1
//	9      1     log2 of the chunk size = 16
//	10     2     reserved, zero
//	12     16    key id of the case key
//	28     32    salt, random per blob
//	60     8     plaintext size in bytes, at most 2^50
//	68     32    SHA-256 of the plaintext (equal to the file name)
//	100    32    header MAC: HMAC-SHA256(mac key, bytes [0, 100))
//	132          chunks
//
// Per-blob keys come from HKDF-SHA256(secret = case key, salt = the header's salt, info = I) with
// I = "attesta blob v1 chunk key" (32 bytes, the AES-256-GCM key) and I = "attesta blob v1 header mac key"
// (32 bytes). Because each blob has a fresh 256-bit random salt, a (key, nonce) pair is never used twice (but with
// negligible probability), and a chunk moved from one blob into another fails authentication.
//
// The plaintext is split into n = max(1, ceil(size / 65536)) chunks; every chunk but the last is 65536 bytes, the
// last holds the rest (it is empty only when size is 0). Chunk i is sealed with AES-256-GCM, no additional data, and
// the 12-byte nonce i as an 11-byte big-endian counter followed by one flag byte, 0x01 for the last chunk and 0x00
// otherwise. On disk each chunk is its ciphertext followed by the 16-byte tag, so the file is exactly
// 132 + size + 16n bytes.
//
// A reader checks the header structure, the key id, the header MAC, that the header's digest equals the requested
// name and that the file length matches the header, before it returns any byte. It then returns the plaintext of
// each chunk only after the chunk has been authenticated, and withholds the last chunk until the SHA-256 of the
// whole plaintext matches. Truncation, extension, reordering, chunks moved between blobs, swapped blob files and
// flipped bits are therefore all reported as a [*CorruptError] (matching [ErrCorrupt]) naming the file, the chunk
// and the offset.
//
// # Use
//
// A [Store] is safe for concurrent use; only one Store, in one process, may use a directory at a time (Open
// removes temporaries it finds). Put holds about 330 KiB of buffers whatever the blob's size and hashes and
// encrypts on two goroutines; a reader holds about 130 KiB. EraseCase waits for the case's running calls; a reader
// returned by Open before the erasure keeps reading the file it opened.
//
// # Versions
//
// A reader refuses a magic or version it does not know. A new version gets a new version byte; readers keep
// reading every older version. The chunk size is fixed per version.
//
// # Erasure tombstone
//
// The file <dir>/<case>/erased is JSON: {"v":1,"case":"...","key_id":"...","erased_at":"RFC 3339 UTC"}. Once it
// exists the case is erased: reads and writes fail with [ErrErased].
package blob
