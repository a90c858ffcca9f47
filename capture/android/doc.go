// Package android opens what comes off an Android phone for WhatsApp
// evidence: WhatsApp's encrypted database backups (crypt12, crypt14,
// crypt15) and Android "adb backup" files (.ab). It turns them into the
// plaintext SQLite databases (msgstore.db, wa.db) that later stages parse,
// and reports the hashes and header facts an evidence record needs.
//
// # Keys
//
// A crypt15 backup opens with the end-to-end backup root key: the 64 hex
// digits WhatsApp shows its user ([ParseHexKey]) or the 59-byte
// encrypted_backup.key file ([ParseKeyFile]: a Java-serialised byte[] of
// 32 bytes). The AES-256 key is HKDF-SHA256(root, no salt,
// info "backup encryption"). crypt12 and crypt14 open with the app's
// 158-byte files/key (a Java-serialised 131-byte key whose last 32 bytes are
// the AES key and whose server salt names the backups it belongs to).
// A [Key] never prints its secret; [Key.Fingerprint] identifies it.
//
// # Backup format
//
// crypt14/15: a length byte N, an optional 0x01 byte (feature table
// present), N bytes of protobuf BackupPrefix (key type, IV or crypt14
// cipher info, WhatsApp version, the phone number's last two digits,
// feature flags), then AES-256-GCM ciphertext with the 16-byte IV as nonce
// and no additional data, the 16-byte GCM tag, and, in single-database
// backups, MD5 of every preceding byte. Multi-file backups (a ZIP archive
// instead of a database) have no MD5: their last 16 bytes are the tag.
// crypt12: a fixed 67-byte header (cipher version 00 01, key version,
// server salt, Google ID, IV), ciphertext, tag, MD5, and "--" with the
// phone number's last two digits. Inside the encryption a single database
// is a zlib stream; a multi-file backup is a raw ZIP ([OpenPayload]).
// [ParseHeader] reads the header; unknown protobuf fields are skipped, so
// newer app versions parse as long as the fields above keep their numbers.
//
// # Streaming decryption
//
// Backups reach gigabytes, and the standard library's GCM is one-shot: it
// needs the whole ciphertext in memory. [Decrypt] instead makes one pass
// with memory bounded by a few 256 KiB chunks: GCM's keystream comes from
// crypto/cipher's CTR mode (restarted where GCM's 32-bit counter wraps,
// since CTR would carry into the upper bits), and GHASH is folded in
// incrementally, using the standard library's accelerated GCM as a GHASH
// engine over each chunk and a few GF(2^128) multiplications to join
// chunks. The last 32 (crypt12: 36) bytes are held back until the end of
// the input tells whether they are tag and MD5 or the end of a multi-file
// backup. The decrypted stream is inflated on a second goroutine, hashed
// on a third and checked (adler-32) and written to a temporary file on a
// fourth, so that decrypting, inflating and the rest share two cores; only
// when the tag (and the MD5, where
// present) verify is the plaintext released — copied to the caller's
// writer by [Decrypt], or linked into place by [DecryptFile], which never
// overwrites and fsyncs file and directory. Unauthenticated plaintext is
// never the result: on any error nothing is written and the temporary file
// is removed. It holds personal data while it exists, so point
// [Decrypter.TempDir] at storage as protected as the output.
//
// # Errors
//
// Failures wrap sentinels callers branch on. A wrong key and a damaged
// file are told apart by the MD5 trailer, which covers the header too: if
// the file matches its MD5 but the GCM tag fails, the key is wrong
// ([ErrWrongKey]); if the MD5 fails, the file was altered or cut, and the
// inflated stream tells which: a valid prefix that stops early is
// [ErrTruncated] (naming the offset where the file ends), damage is
// [ErrCorrupt] (naming an offset when the deflate stream pinpoints one).
// When neither the MD5 nor the first bytes help (a multi-file backup with a
// wrong key, or a crypt15 file whose IV was altered), the error says
// "wrong key or corrupted file" and wraps both. An authenticated payload
// that is neither SQLite nor ZIP is [ErrNotDatabase].
//
// # Android backups
//
// [OpenAB] reads an .ab file: the text header "ANDROID BACKUP", version
// (1..5), compression flag, encryption ("none" or "AES-256" with user
// salt, checksum salt, PBKDF2 rounds, user IV and the encrypted master key
// blob), then the payload: a tar stream, AES-256-CBC encrypted with the
// master key and zlib-compressed when flagged. The password is checked
// through the master key checksum, reproducing Java's conversion of the key
// bytes to chars ([ErrWrongPassword] when it does not match). The format has
// no MAC: damage is caught only by the zlib checksum, the final CBC padding
// and tar's header checksums. [ExtractWhatsApp] pulls WhatsApp's databases
// and key out of the tar stream; [ExtractZip] unpacks multi-file backups
// with limits against path traversal and decompression bombs.
//
// # Generating backups
//
// [EncryptCrypt15] writes crypt15 backups, streaming, for demonstrations,
// tests and benchmarks.
package android
