// Package iphonetest is a fake iPhone for tests: a usbmuxd that listens on loopback TCP (reach it with
// USBMUXD_SOCKET_ADDRESS=127.0.0.1:PORT, as Debian's libimobiledevice tools and package usb/usbmux do), announces
// one phone, hands out the appliance's pair record, and carries Connect to the phone's lockdownd.
//
// # What the phone does
//
//   - usbmuxd: ListDevices, Listen (Attached at once, Detached on [Phone.Unplug]), ReadBUID, ReadPairRecord,
//     Connect to port 62078 (lockdownd); any other port is refused (Result 3), as a phone refuses a closed port.
//   - The pair record (root, host and device certificates and keys) is made at run time by [Start]; none is committed.
//
// Everything the phone is asked is counted in [Phone.Requests], so tests can assert what a client did and did not
// ask (the phone is evidence: nothing in it is written).
package iphonetest
