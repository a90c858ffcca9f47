// Package usb finds phones and gets evidence off them. Its ADB side is a
// client of the adb server's host protocol ("smart sockets", TCP 127.0.0.1:5037
// by default): the server owns the USB and TCP links to the phones, and this
// package asks it for devices, hot-plug events, shell commands and file sync.
//
// # What it reads and never writes
//
// The phone is evidence. This package only issues read requests: host:version,
// host:devices-l, host:track-devices, host:connect/disconnect, shell commands
// that read (getprop, dumpsys package) and sync STAT/LIST/RECV (or their v2
// forms STA2/LIS2/RCV2 when the device advertises stat_v2, ls_v2, sendrecv_v2).
// It never sends SEND/SND2.
//
// # Wire formats
//
// Host requests are 4 ASCII hex digits of length + the request; replies are OKAY,
// or FAIL + 4 hex digits + message. After host:transport:<serial> the same socket
// carries a device service: raw bytes for shell:, shell v2 packets
// (see internal/shellproto) for shell,v2,raw:, and sync frames
// (see internal/syncproto) for sync:. The device transport between the server
// and the phone is internal/aproto; usb/adbtest implements a phone speaking it.
//
// # Integrity of pulled files
//
// [Client.Pull] streams a file and computes its SHA-256 while it streams. A pull
// that ends early, or whose length disagrees with the size STAT reported, fails
// with [ErrIncomplete]; it never reports a short file as complete.
// [Client.PullTree] writes each file to a temporary name in the destination
// directory, fsyncs it, links it to its final name (never overwriting) and
// fsyncs the directory, so a file that exists under its final name is whole.
// Names from the device containing "/", NUL, or equal to "." or ".." are refused
// with [ErrHostileName].
//
// # The seam
//
// [PhoneSource] is what the rest of the product needs of phones: list them, follow hot-plug, run read-only
// shell commands, pull files and folders. Its documentation states the contract, errors included;
// usb/usbtest.TestPhoneSource checks it on every implementation, against the fake phones of usb/adbtest, and
// only tests import usbtest. [*Client] is the implementation, through the adb server; [Identify] works over
// any source.
//
// # Cancellation
//
// Every call takes a context; when it ends, the socket to the server is closed,
// so a blocked read returns at once and the error wraps the context's error.
package usb
