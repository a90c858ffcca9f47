// Package usbtest holds [TestPhoneSource], the conformance test of [usb.PhoneSource], in the manner of
// golang.org/x/mod/sumdb/storage.TestStorage: every implementation of the seam through which the appliance
// reaches Android phones runs the same suite, against fake phones (usb/adbtest) that speak the real ADB device
// protocol. It imports testing, so only tests may import it; production code uses package usb alone.
//
// # The contract checked
//
//   - Listing: phones plugged at once are each listed once, under the serial their [Rig] returned; a usable
//     one in [usb.StateDevice], with its model and device name; a phone that has not accepted this host is listed [usb.StateUnauthorized] and every call on it
//     wraps [usb.ErrUnauthorized]; a phone unplugged leaves [usb.StateDevice] (listed [usb.StateOffline], or
//     gone) and calls on it wrap [usb.ErrOffline] or [usb.ErrDeviceNotFound]; an unknown serial wraps
//     [usb.ErrDeviceNotFound].
//   - Hot-plug: TrackDevices reports the phones present when it starts (OldState ""), a phone plugged in
//     later reaching [usb.StateDevice] and the same phone leaving it when unplugged ([usb.StateOffline] or
//     gone), and ends promptly with an error wrapping context.Canceled when its context is canceled.
//   - Shell: output and exit status of read-only commands (exit status -1 allowed where the phone's protocol
//     cannot report it, with stderr then merged into stdout); [usb.Identify] over the source.
//   - Pull: bytes, size, SHA-256, permission bits and modification time of files of 0 bytes, less than one
//     sync chunk, several chunks and several transport payloads; a directory is [usb.ErrNotRegular].
//   - PullTree: every regular file of a folder and its subfolder copied whole with the phone's modification
//     time, a symbolic link reported as [usb.ErrNotRegular] and not copied, no temporary file left.
//   - A missing file or folder: an error wrapping [io/fs.ErrNotExist] whose message names the remote path.
//   - A phone unplugged mid-pull: [usb.ErrIncomplete]; PullTree leaves no partial file, under its final name
//     or a temporary one.
//   - Cancellation: a pull from a phone that has stopped answering returns promptly once its context is
//     canceled, wrapping context.Canceled (and, for Pull, [usb.ErrIncomplete]); nothing partial is left.
//   - None of these calls writes to the phone (adbtest counts sync SEND and writing shell commands).
//
// [ServerRig] is the real path: Debian's adb server, started on a private port, connected to each fake phone
// over TCP (`adb connect`).
package usbtest
