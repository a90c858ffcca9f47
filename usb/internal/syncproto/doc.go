// Package syncproto is the ADB file sync protocol spoken on a "sync:" stream,
// on both sides: requests from the host, replies from adbd.
//
// # Encoding
//
// Every frame starts with a 4-byte ASCII id and a little-endian u32. Requests are
// id + path length + path (STAT, LST2, STA2, LIST, LIS2, RECV, SEND, SND2, RCV2, QUIT).
// Replies have fixed layouts:
//
//	STAT  mode u32, size u32, mtime u32                              (v1, 16 bytes with id)
//	STA2/LST2  error u32, dev u64, ino u64, mode u32, nlink u32,
//	      uid u32, gid u32, size u64, atime i64, mtime i64, ctime i64 (v2, 72 bytes with id)
//	DENT  mode u32, size u32, mtime u32, namelen u32, name            (v1, 20 bytes + name)
//	DNT2  the STA2 body, namelen u32, name                            (v2, 76 bytes + name)
//	DATA  len u32, bytes (len <= DataMax)
//	DONE  u32 (mtime after SEND, 0 otherwise; after LIST/LIS2 a whole zeroed entry)
//	FAIL  len u32, message
//
// # Versions
//
// v1 sizes and times are 32-bit. The v2 frames are used only when the device
// advertises stat_v2, ls_v2 and sendrecv_v2 features; RCV2 and SND2 follow the
// request with id + flags (compression), and this package speaks them without
// compression.
package syncproto
