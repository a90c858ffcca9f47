// Package aproto is the ADB device transport protocol ("aproto"): the packets a
// host and adbd exchange over USB bulk endpoints or TCP port 5555.
//
// # Encoding
//
// Every packet is a 24-byte little-endian header followed by a payload:
//
//	command     u32   CNXN, AUTH, OPEN, OKAY, CLSE, WRTE, STLS (SYNC is obsolete)
//	arg0, arg1  u32   command arguments (stream ids, version, max payload, auth type)
//	data_length u32   payload length
//	data_check  u32   byte sum of the payload, or 0 once both sides speak VersionSkipChecksum
//	magic       u32   command ^ 0xffffffff
//
// # Versions
//
// The version is negotiated by CNXN: each side announces its own and the lower one
// wins. Below [VersionSkipChecksum] the payload checksum is written and checked; from
// it on the sender writes 0 and the receiver ignores the field. A host that
// reconnects keeps the version it had and sends CNXN with a zero checksum, so
// a zero checksum is always accepted on CNXN. The largest payload is
// the smaller of the two announced maxima; CNXN and AUTH payloads never exceed
// [MaxPayloadV1].
//
// This package also encodes the Android RSA public key format used by AUTH and the
// "system identity" banner carried by CNXN.
package aproto
