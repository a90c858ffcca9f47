// Package ios reads iTunes/Finder backups of iPhones, plain and encrypted, without ever writing into them: the
// backup's property lists, its file index (Manifest.db) and the files it holds, decrypted and checked as they are
// copied out. package chatstorage reads WhatsApp's database from such a backup.
//
// # Layout
//
// A backup folder holds Info.plist (the device: XML), Manifest.plist (binary: IsEncrypted, BackupKeyBag,
// ManifestKey, Lockdown), Status.plist (binary: SnapshotState "finished" for a complete backup), Manifest.db
// (SQLite: Files(fileID, domain, relativePath, flags, file) and Properties) and every file at
// <fileID[0:2]>/<fileID>, where fileID is the lower-case hex SHA-1 of domain + "-" + relativePath ([FileID]).
// Files.file is an NSKeyedArchiver binary plist (MBFile) with Size, ProtectionClass and, in an encrypted backup,
// EncryptionKey.
//
// # Encryption
//
// BackupKeyBag is TLV (4-byte tag, 4-byte big-endian length). The key-encryption key is
// PBKDF2-HMAC-SHA1(PBKDF2-HMAC-SHA256(password, DPSL, DPIC, 32), SALT, ITER, 32) (iOS ≥ 10.2; without DPSL, the
// SHA-1 round alone). Each class key whose WRAP has bit 2 is the RFC 3394 unwrap of its WPKY under that key: a
// failed integrity check of the first unwrap is [ErrWrongPassword], found after one derivation. ManifestKey is a
// 4-byte little-endian protection class and a 40-byte wrapped key, which decrypts Manifest.db (AES-256-CBC, zero
// IV); each file's EncryptionKey is a 4-byte prefix and a 40-byte key wrapped under its ProtectionClass's key, and
// the file is AES-256-CBC with a zero IV and PKCS#7 padding, whose plaintext length must equal Size. Iteration
// counts come from the keybag and are bounded ([MaxDPIC], [MaxIter]) so that a hostile keybag cannot hang the
// appliance.
//
// # Reading without writing
//
// Manifest.db is opened read-only and immutable (an encrypted one is decrypted into the caller's private
// temporary directory first); files are copied out with [Backup.Extract], which streams (memory does not grow
// with the file) and checks the length against the index. Nothing in the backup folder is ever opened for
// writing.
package ios
