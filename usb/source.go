package usb

import (
	"context"
	"io"
	"iter"
)

// PhoneSource is the seam through which the appliance reaches Android phones: it lists them and follows
// hot-plug, runs read-only shell commands (getprop, dumpsys package: see [Identify]), and pulls single files
// (media) and whole folders (WhatsApp's local backups). [*Client] implements it over the adb server's host
// protocol. usb/usbtest.TestPhoneSource is the contract; every implementation passes it against the fake phones
// of usb/adbtest.
//
// The contract, method by method:
//   - Devices lists every phone the source knows with its state: [StateDevice] when usable,
//     [StateUnauthorized] before the phone accepts this host, [StateOffline] while it is known but unreachable.
//   - TrackDevices yields one [DeviceEvent] per phone present, then one per change: a phone plugged in reaches
//     [StateDevice]; one unplugged leaves it ([StateOffline], or gone). It ends after yielding an error, the
//     context's when ctx ends.
//   - Shell runs one command and reports what it printed and its exit status (-1 when the phone's protocol
//     cannot report it); a command that fails on the phone is a result, not an error.
//   - Pull streams a regular file into w and reports its size, SHA-256, mode and modification time as the
//     phone has them. w may hold a partial copy after an error.
//   - PullTree copies a folder's regular files into a local directory with the phone's modification times;
//     a file exists under its final name only when it is whole. Links and special files are reported with
//     [ErrNotRegular] and are not failures.
//
// Errors, for every method that names a phone: an unknown serial wraps [ErrDeviceNotFound], a phone that has
// not accepted this host [ErrUnauthorized], a known but unreachable one [ErrOffline] (or [ErrDeviceNotFound]
// once it is gone). A missing remote path wraps [io/fs.ErrNotExist] and the message names the path; a
// transfer cut short (a cable pulled) wraps [ErrIncomplete]; a call stopped by its context returns promptly,
// even when the phone has stopped answering, with an error that wraps the context's. No method writes to the
// phone of its own accord (no sync SEND); Shell runs the command it is given, and callers give only reading
// ones.
type PhoneSource interface {
	Devices(ctx context.Context) ([]DeviceInfo, error)
	TrackDevices(ctx context.Context) iter.Seq2[DeviceEvent, error]
	Shell(ctx context.Context, serial, cmd string) (ShellResult, error)
	Pull(ctx context.Context, serial, remotePath string, w io.Writer) (PullResult, error)
	PullTree(ctx context.Context, serial, remoteDir, localDir string) ([]FileResult, error)
}

var _ PhoneSource = (*Client)(nil)
