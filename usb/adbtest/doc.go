// Package adbtest is a fake Android phone that speaks the real ADB device
// protocol over TCP — what adbd speaks on port 5555 — so that the official adb
// server (`adb connect 127.0.0.1:PORT`) and this product's host client can be
// tested end to end without hardware.
//
// # What the phone does
//
//   - CNXN with a "device::ro.product.name=…;ro.product.model=…;ro.product.device=…;features=…"
//     banner, version and max-payload negotiation, checksums below version 0x01000001.
//   - AUTH: none, accept any key (as if the user tapped "Allow USB debugging?"), or
//     only signatures made by a configured key list (unknown hosts stay "unauthorized").
//   - Streams (OPEN/OKAY/WRTE/CLSE) with one WRTE in flight per direction until OKAY.
//   - "shell:", "shell,v2,…:" and "exec:" with a small read-only command set
//     (getprop, echo, id, ls, cat, dumpsys package, pm list/path, grep in pipelines).
//   - "sync:" STAT/LST2/STA2, LIST/LIS2, RECV/RCV2 over a directory served as the
//     phone's file system. Paths are resolved inside the root with [os.Root], so
//     neither ".." nor symlinks escape it. SEND/SND2 and writing shell commands
//     are refused and counted: the phone is evidence and is never written.
//   - Fault injection: [Phone.SetDisconnectAfter] drops the TCP connection after
//     N bytes of file data, as a pulled cable would; [Phone.StallAfter] stops sending file data after N bytes
//     but keeps the stream open, as a hung phone does.
//
// [StartServer] runs the real adb server on a private port with a throw-away
// HOME, so its RSA key is made at run time.
package adbtest
