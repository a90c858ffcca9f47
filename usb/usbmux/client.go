package usbmux

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/attesta/attesta/capture/ios/plist"
)

// DefaultSocket is usbmuxd's socket on Linux.
const DefaultSocket = "/var/run/usbmuxd"

// LockdownPort is lockdownd's port on the phone.
const LockdownPort = 62078

// ErrRefused reports a request usbmuxd answered with a non-zero Result.
var ErrRefused = errors.New("usbmux: request refused")

// Result numbers usbmuxd answers with.
const (
	ResultOK         = 0
	ResultBadCommand = 1
	ResultBadDevice  = 2
	ResultRefused    = 3 // connection refused by the phone
	ResultBadVersion = 6
)

// Address is where the daemon listens: USBMUXD_SOCKET_ADDRESS when set ("UNIX:/path" or "host:port"), the
// default socket otherwise. The result is a network and an address for net.Dial.
func Address() (network, addr string) {
	return ParseAddress(os.Getenv("USBMUXD_SOCKET_ADDRESS"))
}

// ParseAddress reads a USBMUXD_SOCKET_ADDRESS value.
func ParseAddress(v string) (network, addr string) {
	switch {
	case v == "":
		return "unix", DefaultSocket
	case strings.HasPrefix(v, "UNIX:"):
		return "unix", strings.TrimPrefix(v, "UNIX:")
	default:
		return "tcp", v
	}
}

// Conn is one connection to usbmuxd. A connection serves one request at a time; Listen and Connect consume it.
type Conn struct {
	c   net.Conn
	tag uint32
}

// Dial connects to usbmuxd at the address [Address] names.
func Dial(ctx context.Context) (*Conn, error) {
	network, addr := Address()
	return DialAddr(ctx, network, addr)
}

// DialAddr connects to usbmuxd at network/addr.
func DialAddr(ctx context.Context, network, addr string) (*Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("usbmux: connecting to usbmuxd at %s: %w", addr, err)
	}
	return &Conn{c: c}, nil
}

// Close closes the connection.
func (c *Conn) Close() error { return c.c.Close() }

func (c *Conn) request(ctx context.Context, msg string, fields map[string]any) (Packet, error) {
	c.tag++
	body := map[string]any{"MessageType": msg, "ClientVersionString": "attesta", "ProgName": "attesta",
		"kLibUSBMuxVersion": int64(3)}
	for k, v := range fields {
		body[k] = v
	}
	stop := context.AfterFunc(ctx, func() { c.c.Close() })
	defer stop()
	if err := WritePacket(c.c, Packet{Tag: c.tag, Body: body}); err != nil {
		return Packet{}, err
	}
	p, err := ReadPacket(c.c)
	if err != nil {
		if ctx.Err() != nil {
			return Packet{}, fmt.Errorf("usbmux: %s: %w", msg, ctx.Err())
		}
		return Packet{}, fmt.Errorf("usbmux: %s: %w", msg, err)
	}
	if p.Tag != c.tag {
		return Packet{}, fmt.Errorf("%w: %s: reply tag %d, want %d", ErrFormat, msg, p.Tag, c.tag)
	}
	if p.Type() == "Result" {
		n, _, err := plist.Int(p.Body, "Number")
		if err != nil {
			return Packet{}, fmt.Errorf("%w: %s: %v", ErrFormat, msg, err)
		}
		if n != ResultOK {
			return Packet{}, fmt.Errorf("%w: %s: result %d", ErrRefused, msg, n)
		}
	}
	return p, nil
}

// ListDevices returns the attached phones.
func (c *Conn) ListDevices(ctx context.Context) ([]Device, error) {
	p, err := c.request(ctx, "ListDevices", nil)
	if err != nil {
		return nil, err
	}
	list, ok := p.Body["DeviceList"].([]any)
	if !ok {
		return nil, fmt.Errorf("%w: ListDevices: reply without a DeviceList array", ErrFormat)
	}
	devs := make([]Device, 0, len(list))
	for i, e := range list {
		d, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: ListDevices: entry %d is not a dictionary", ErrFormat, i)
		}
		dev, err := ParseDevice(d)
		if err != nil {
			return nil, fmt.Errorf("ListDevices: entry %d: %w", i, err)
		}
		devs = append(devs, dev)
	}
	return devs, nil
}

// ReadPairRecord returns the pair record usbmuxd keeps for udid (a property list: HostID, SystemBUID, the host,
// root and device certificates, the host's private key, the escrow bag). It never leaves the appliance.
func (c *Conn) ReadPairRecord(ctx context.Context, udid string) ([]byte, error) {
	p, err := c.request(ctx, "ReadPairRecord", map[string]any{"PairRecordID": udid})
	if err != nil {
		return nil, err
	}
	b, ok := p.Body["PairRecordData"].([]byte)
	if !ok || len(b) == 0 {
		return nil, fmt.Errorf("%w: ReadPairRecord: reply without PairRecordData", ErrFormat)
	}
	return b, nil
}

// ReadBUID returns the host's system BUID.
func (c *Conn) ReadBUID(ctx context.Context) (string, error) {
	p, err := c.request(ctx, "ReadBUID", nil)
	if err != nil {
		return "", err
	}
	s, ok := p.Body["BUID"].(string)
	if !ok {
		return "", fmt.Errorf("%w: ReadBUID: reply without BUID", ErrFormat)
	}
	return s, nil
}

// Event is an Attached or Detached notice.
type Event struct {
	Attached bool
	Device   Device // for a detach only ID is set
}

// Listen asks for hot-plug notices and calls fn for each (the phones already attached come first) until ctx ends,
// fn returns an error or the daemon closes the connection. The connection is consumed.
func (c *Conn) Listen(ctx context.Context, fn func(Event) error) error {
	if _, err := c.request(ctx, "Listen", nil); err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { c.c.Close() })
	defer stop()
	for {
		p, err := ReadPacket(c.c)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("usbmux: Listen: %w", err)
		}
		var ev Event
		switch p.Type() {
		case "Attached":
			ev.Attached = true
			if ev.Device, err = ParseDevice(p.Body); err != nil {
				return fmt.Errorf("usbmux: Listen: %w", err)
			}
		case "Detached":
			id, ok, err := plist.Int(p.Body, "DeviceID")
			if err != nil || !ok {
				return fmt.Errorf("%w: Detached without an integer DeviceID", ErrFormat)
			}
			ev.Device.ID = id
		case "Paired":
			continue
		default:
			return fmt.Errorf("%w: Listen: unexpected %q", ErrFormat, p.Type())
		}
		if err := fn(ev); err != nil {
			return err
		}
	}
}

// SwapPort is the PortNumber usbmuxd wants: the port in network byte order read as a little-endian integer.
func SwapPort(port uint16) int64 { return int64(port>>8 | port<<8) }

// Connect opens a TCP connection to port on the phone; the returned connection carries the service's bytes. The
// usbmux connection is consumed.
func (c *Conn) Connect(ctx context.Context, deviceID int64, port uint16) (net.Conn, error) {
	if _, err := c.request(ctx, "Connect", map[string]any{"DeviceID": deviceID, "PortNumber": SwapPort(port)}); err != nil {
		return nil, err
	}
	return c.c, nil
}
