// Package lockdown reads and writes the messages of lockdownd, the iPhone's service on port 62078 that answers
// identity queries (QueryType, GetValue), opens a TLS session with the pairing record (StartSession) and starts the
// phone's other services (StartService): a 4-byte big-endian length and then one property list. The same framing
// carries the services that speak plists: notification_proxy, and mobilebackup2's DeviceLink messages (binary
// plists there).
//
// # Strictness
//
// Messages come from outside the appliance: [ReadMessage] refuses a length of zero or above [MaxMessage], a body
// cut short and a body that is not a property list; [ReadRequest] and [ReadReply] also want a dictionary.
// Errors wrap [ErrFormat] and say what and where.
package lockdown

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/attesta/attesta/capture/ios/plist"
)

// ErrFormat reports a lockdown-framed message that breaks the protocol.
var ErrFormat = errors.New("lockdown: malformed message")

// MaxMessage bounds one message. DeviceLink file lists and lockdown's full GetValue are well under it; file contents
// travel outside plists.
const MaxMessage = 8 << 20

// Port is lockdownd's port on the phone.
const Port = 62078

// ReadMessage reads one length-prefixed property list.
func ReadMessage(r io.Reader) (any, error) {
	var h [4]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%w: length cut short", ErrFormat)
		}
		return nil, fmt.Errorf("lockdown: reading length: %w", err)
	}
	n := binary.BigEndian.Uint32(h[:])
	if n == 0 || n > MaxMessage {
		return nil, fmt.Errorf("%w: length %d outside 1..%d", ErrFormat, n, MaxMessage)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, fmt.Errorf("%w: body cut short (%d bytes announced): %v", ErrFormat, n, err)
	}
	v, err := plist.Parse(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	return v, nil
}

// ReadDict reads one message that must be a dictionary.
func ReadDict(r io.Reader) (map[string]any, error) {
	v, err := ReadMessage(r)
	if err != nil {
		return nil, err
	}
	d, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: message is not a dictionary", ErrFormat)
	}
	return d, nil
}

// ReadRequest reads a lockdown request: a dictionary whose Request is a string.
func ReadRequest(r io.Reader) (string, map[string]any, error) {
	d, err := ReadDict(r)
	if err != nil {
		return "", nil, err
	}
	req, ok := d["Request"].(string)
	if !ok || req == "" {
		return "", nil, fmt.Errorf("%w: request without a string Request", ErrFormat)
	}
	return req, d, nil
}

// Write writes v as one XML property list message.
func Write(w io.Writer, v any) error {
	body, err := plist.MarshalXML(v)
	if err != nil {
		return fmt.Errorf("lockdown: encoding: %w", err)
	}
	return writeFramed(w, body)
}

// WriteBinary writes v as one binary property list message (DeviceLink's encoding).
func WriteBinary(w io.Writer, v any) error {
	body, err := plist.MarshalBinary(v)
	if err != nil {
		return fmt.Errorf("lockdown: encoding: %w", err)
	}
	return writeFramed(w, body)
}

func writeFramed(w io.Writer, body []byte) error {
	if len(body) > MaxMessage {
		return fmt.Errorf("lockdown: message of %d bytes exceeds %d", len(body), MaxMessage)
	}
	b := binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(body)), uint32(len(body)))
	if _, err := w.Write(append(b, body...)); err != nil {
		return fmt.Errorf("lockdown: writing: %w", err)
	}
	return nil
}
