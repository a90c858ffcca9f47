// Package usbmux speaks usbmuxd's socket protocol: the daemon that owns the USB link to iPhones and multiplexes TCP
// connections to the phone's services (lockdownd on port 62078 first) over it.
//
// # Wire format
//
// Every packet is a 16-byte little-endian header — total length (header included), protocol version (1: plist),
// message type (8: plist) and a tag the reply repeats — followed by an XML property list whose MessageType says what
// it is: ListDevices, Listen, Connect, ReadPairRecord, ReadBUID from the client; Result, Attached, Detached and plain
// replies (DeviceList, PairRecordData, BUID) from the daemon. After a Connect whose Result is 0 the same socket
// carries the phone service's own bytes.
//
// # Strictness
//
// Packets come from outside the appliance: [ReadPacket] refuses a header whose length is below 16 or above
// [MaxPacket], a version or message type other than the plist ones, a short body and a body that is not one
// dictionary with a string MessageType (or, for replies, a known reply key). Errors wrap [ErrFormat] and name the
// field and the tag.
//
// # Addresses
//
// The daemon listens on /var/run/usbmuxd; the environment variable USBMUXD_SOCKET_ADDRESS (the one libusbmuxd
// honours) may name "UNIX:/path" or "host:port" instead, which is how the tests put a fake iPhone on loopback TCP
// under both this client and Debian's libimobiledevice tools.
package usbmux
