// Package shellproto is the ADB shell v2 protocol ("shell,v2:" services): the
// device multiplexes stdout, stderr and the exit status on one stream.
//
// # Encoding
//
// Each packet is [id u8][length u32 little-endian][data]. Ids: 0 stdin, 1 stdout,
// 2 stderr, 3 exit (one byte, the exit status), 4 close stdin, 5 window size.
// There is one version; a device advertises it with the shell_v2 feature.
package shellproto

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Packet ids.
const (
	IDStdin       byte = 0
	IDStdout      byte = 1
	IDStderr      byte = 2
	IDExit        byte = 3
	IDCloseStdin  byte = 4
	IDWindowSize  byte = 5
	HeaderSize         = 5
	MaxPacketData      = 1 << 20
)

// ErrMalformed reports a packet that breaks the protocol.
var ErrMalformed = errors.New("malformed shell packet")

// Append appends one packet.
func Append(b []byte, id byte, data []byte) []byte {
	b = append(b, id)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
	return append(b, data...)
}

// Read reads one packet. io.EOF means a clean end between packets.
func Read(r io.Reader) (id byte, data []byte, err error) {
	var h [HeaderSize]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return 0, nil, io.EOF
		}
		return 0, nil, fmt.Errorf("shellproto: read header: %w", err)
	}
	n := binary.LittleEndian.Uint32(h[1:])
	if h[0] > IDWindowSize {
		return 0, nil, fmt.Errorf("shellproto: %w: unknown id %d", ErrMalformed, h[0])
	}
	if n > MaxPacketData {
		return 0, nil, fmt.Errorf("shellproto: %w: packet %d of %d bytes", ErrMalformed, h[0], n)
	}
	data = make([]byte, n)
	if _, err := io.ReadFull(r, data); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return 0, nil, fmt.Errorf("shellproto: read packet %d data: %w", h[0], err)
	}
	return h[0], data, nil
}
