package usbmux

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/attesta/attesta/capture/ios/plist"
)

// ErrFormat reports a usbmux packet that breaks the protocol.
var ErrFormat = errors.New("usbmux: malformed packet")

// HeaderSize is the length of a packet's header.
const HeaderSize = 16

// MaxPacket bounds a packet (a device list of many phones is a few kilobytes; a pair record about 10 KB).
const MaxPacket = 1 << 20

// Protocol constants of the plist flavour of the protocol (libusbmuxd's version 1, message 8).
const (
	VersionPlist = 1
	MessagePlist = 8
)

// Packet is one header and its property list.
type Packet struct {
	Tag  uint32
	Body map[string]any
}

// Type is the packet's MessageType ("" for replies that carry none, such as a device list).
func (p Packet) Type() string {
	s, _ := p.Body["MessageType"].(string)
	return s
}

// replyKeys are the keys that identify a reply without a MessageType.
var replyKeys = []string{"DeviceList", "PairRecordData", "BUID"}

// ReadPacket reads one packet strictly.
func ReadPacket(r io.Reader) (Packet, error) {
	var h [HeaderSize]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return Packet{}, fmt.Errorf("%w: header cut short", ErrFormat)
		}
		return Packet{}, fmt.Errorf("usbmux: reading header: %w", err)
	}
	return parseBody(h, r)
}

func parseBody(h [HeaderSize]byte, r io.Reader) (Packet, error) {
	n := binary.LittleEndian.Uint32(h[0:])
	version := binary.LittleEndian.Uint32(h[4:])
	msg := binary.LittleEndian.Uint32(h[8:])
	tag := binary.LittleEndian.Uint32(h[12:])
	switch {
	case n < HeaderSize || n > MaxPacket:
		return Packet{}, fmt.Errorf("%w: tag %d: length %d outside %d..%d", ErrFormat, tag, n, HeaderSize, MaxPacket)
	case version != VersionPlist:
		return Packet{}, fmt.Errorf("%w: tag %d: version %d, want %d (plist)", ErrFormat, tag, version, VersionPlist)
	case msg != MessagePlist:
		return Packet{}, fmt.Errorf("%w: tag %d: message type %d, want %d (plist)", ErrFormat, tag, msg, MessagePlist)
	}
	body := make([]byte, n-HeaderSize)
	if _, err := io.ReadFull(r, body); err != nil {
		return Packet{}, fmt.Errorf("%w: tag %d: body cut short (%d bytes announced): %v", ErrFormat, tag, len(body), err)
	}
	v, err := plist.Parse(body)
	if err != nil {
		return Packet{}, fmt.Errorf("%w: tag %d: %v", ErrFormat, tag, err)
	}
	d, ok := v.(map[string]any)
	if !ok {
		return Packet{}, fmt.Errorf("%w: tag %d: body is not a dictionary", ErrFormat, tag)
	}
	p := Packet{Tag: tag, Body: d}
	if t, present := d["MessageType"]; present {
		if _, ok := t.(string); !ok {
			return Packet{}, fmt.Errorf("%w: tag %d: MessageType is not a string", ErrFormat, tag)
		}
		return p, nil
	}
	for _, k := range replyKeys {
		if _, ok := d[k]; ok {
			return p, nil
		}
	}
	return Packet{}, fmt.Errorf("%w: tag %d: no MessageType and no known reply key", ErrFormat, tag)
}

// Encode returns the packet's wire bytes.
func (p Packet) Encode() ([]byte, error) {
	body, err := plist.MarshalXML(p.Body)
	if err != nil {
		return nil, fmt.Errorf("usbmux: encoding tag %d: %w", p.Tag, err)
	}
	if len(body)+HeaderSize > MaxPacket {
		return nil, fmt.Errorf("usbmux: tag %d: packet of %d bytes exceeds %d", p.Tag, len(body)+HeaderSize, MaxPacket)
	}
	b := make([]byte, HeaderSize, HeaderSize+len(body))
	binary.LittleEndian.PutUint32(b[0:], uint32(HeaderSize+len(body)))
	binary.LittleEndian.PutUint32(b[4:], VersionPlist)
	binary.LittleEndian.PutUint32(b[8:], MessagePlist)
	binary.LittleEndian.PutUint32(b[12:], p.Tag)
	return append(b, body...), nil
}

// WritePacket writes p to w in one write.
func WritePacket(w io.Writer, p Packet) error {
	b, err := p.Encode()
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("usbmux: writing tag %d: %w", p.Tag, err)
	}
	return nil
}

// Device is one attached phone as usbmuxd describes it.
type Device struct {
	ID             int64  // usbmuxd's handle, valid while the phone stays attached
	UDID           string // Properties.SerialNumber: the phone's UniqueDeviceID
	ConnectionType string // "USB" or "Network"
	ProductID      int64
	LocationID     int64
}

// ParseDevice reads an Attached message (or a DeviceList entry).
func ParseDevice(d map[string]any) (Device, error) {
	id, ok, err := plist.Int(d, "DeviceID")
	if err != nil || !ok {
		return Device{}, fmt.Errorf("%w: device without an integer DeviceID", ErrFormat)
	}
	props, err := plist.Dict(d["Properties"], "Properties")
	if err != nil {
		return Device{}, fmt.Errorf("%w: device %d: %v", ErrFormat, id, err)
	}
	dev := Device{ID: id}
	if dev.UDID, ok, err = plist.String(props, "SerialNumber"); err != nil || !ok || dev.UDID == "" {
		return Device{}, fmt.Errorf("%w: device %d: no SerialNumber", ErrFormat, id)
	}
	if dev.ConnectionType, _, err = plist.String(props, "ConnectionType"); err != nil {
		return Device{}, fmt.Errorf("%w: device %d: %v", ErrFormat, id, err)
	}
	if dev.ProductID, _, err = plist.Int(props, "ProductID"); err != nil {
		return Device{}, fmt.Errorf("%w: device %d: %v", ErrFormat, id, err)
	}
	if dev.LocationID, _, err = plist.Int(props, "LocationID"); err != nil {
		return Device{}, fmt.Errorf("%w: device %d: %v", ErrFormat, id, err)
	}
	return dev, nil
}

// Props is the Properties dictionary usbmuxd sends for d.
func (d Device) Props() map[string]any {
	return map[string]any{"DeviceID": d.ID, "SerialNumber": d.UDID, "ConnectionType": d.ConnectionType,
		"ProductID": d.ProductID, "LocationID": d.LocationID, "ConnectionSpeed": int64(480000000)}
}
