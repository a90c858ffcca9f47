package aproto

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Commands, as they appear on the wire (little-endian ASCII).
const (
	CmdSYNC uint32 = 0x434e5953
	CmdCNXN uint32 = 0x4e584e43
	CmdAUTH uint32 = 0x48545541
	CmdOPEN uint32 = 0x4e45504f
	CmdOKAY uint32 = 0x59414b4f
	CmdCLSE uint32 = 0x45534c43
	CmdWRTE uint32 = 0x45545257
	CmdSTLS uint32 = 0x534c5453
)

// Protocol versions and payload limits.
const (
	VersionMin          uint32 = 0x01000000
	VersionSkipChecksum uint32 = 0x01000001
	Version             uint32 = VersionSkipChecksum

	MaxPayloadV1 uint32 = 4 * 1024
	MaxPayload   uint32 = 1024 * 1024

	// HeaderSize is the size of a packet header on the wire.
	HeaderSize = 24
)

// AUTH packet types (arg0).
const (
	AuthToken        uint32 = 1
	AuthSignature    uint32 = 2
	AuthRSAPublicKey uint32 = 3
)

// TokenSize is the size of the random challenge in an AUTH TOKEN packet.
const TokenSize = 20

// Errors a decoder reports; callers branch on them with errors.Is.
var (
	ErrBadMagic        = errors.New("bad packet magic")
	ErrBadChecksum     = errors.New("bad payload checksum")
	ErrPayloadTooLarge = errors.New("payload larger than negotiated maximum")
	ErrUnknownCommand  = errors.New("unknown command")
)

// Packet is one aproto message.
type Packet struct {
	Command uint32
	Arg0    uint32
	Arg1    uint32
	Payload []byte
}

// String names the command for logs and error messages.
func (p Packet) String() string {
	return fmt.Sprintf("%s(%#x, %#x, %d bytes)", CommandName(p.Command), p.Arg0, p.Arg1, len(p.Payload))
}

func knownCommand(cmd uint32) bool {
	switch cmd {
	case CmdSYNC, CmdCNXN, CmdAUTH, CmdOPEN, CmdOKAY, CmdCLSE, CmdWRTE, CmdSTLS:
		return true
	}
	return false
}

// CommandName returns the four-letter name of a command, or its hex value.
func CommandName(cmd uint32) string {
	if knownCommand(cmd) {
		var b [4]byte
		binary.LittleEndian.PutUint32(b[:], cmd)
		return string(b[:])
	}
	return fmt.Sprintf("%#08x", cmd)
}

// Checksum is the byte sum that version-1.0.0 peers put in data_check.
func Checksum(b []byte) uint32 {
	var s uint32
	for _, c := range b {
		s += uint32(c)
	}
	return s
}

// Reader decodes packets from a stream. It tracks the negotiated limits: set
// MaxPayload and Version once CNXN has been exchanged.
type Reader struct {
	r      io.Reader
	offset int64

	// MaxPayload bounds data_length; packets announcing more are rejected before
	// the payload is read. Zero means MaxPayload.
	MaxPayload uint32
	// Version is the negotiated protocol version; below VersionSkipChecksum the
	// payload checksum is verified.
	Version uint32
}

// NewReader returns a Reader that checks checksums (VersionMin) and accepts
// payloads up to MaxPayload until told otherwise.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: r, MaxPayload: MaxPayload, Version: VersionMin}
}

// Offset is the number of bytes consumed so far; errors name it.
func (r *Reader) Offset() int64 { return r.offset }

// ReadPacket reads one packet. Errors name the byte offset of the packet and
// wrap ErrBadMagic, ErrBadChecksum, ErrPayloadTooLarge, ErrUnknownCommand,
// io.EOF (clean end before a header) or io.ErrUnexpectedEOF (truncated packet).
func (r *Reader) ReadPacket() (Packet, error) {
	start := r.offset
	var h [HeaderSize]byte
	n, err := io.ReadFull(r.r, h[:])
	r.offset += int64(n)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return Packet{}, err
		}
		return Packet{}, fmt.Errorf("aproto: read header at offset %d: %w", start, err)
	}
	p, length, check, err := parseHeader(h[:])
	if err != nil {
		return Packet{}, fmt.Errorf("aproto: packet at offset %d: %w", start, err)
	}
	limit := r.MaxPayload
	if limit == 0 {
		limit = MaxPayload
	}
	if length > limit {
		return Packet{}, fmt.Errorf("aproto: %s at offset %d: %d bytes: %w (%d)", CommandName(p.Command), start, length, ErrPayloadTooLarge, limit)
	}
	if length > 0 {
		p.Payload = make([]byte, length)
		n, err := io.ReadFull(r.r, p.Payload)
		r.offset += int64(n)
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return Packet{}, fmt.Errorf("aproto: read %s payload at offset %d: %w", CommandName(p.Command), start+HeaderSize, err)
		}
	}
	// A host that reconnects keeps the version it negotiated before and sends
	// CNXN without a checksum, so a zero checksum is accepted on CNXN.
	if r.Version < VersionSkipChecksum && (p.Command != CmdCNXN || check != 0) {
		if sum := Checksum(p.Payload); sum != check {
			return Packet{}, fmt.Errorf("aproto: %s at offset %d: %w: header says %#x, payload sums to %#x", CommandName(p.Command), start, ErrBadChecksum, check, sum)
		}
	}
	return p, nil
}

func parseHeader(h []byte) (p Packet, length, check uint32, err error) {
	p.Command = binary.LittleEndian.Uint32(h[0:])
	p.Arg0 = binary.LittleEndian.Uint32(h[4:])
	p.Arg1 = binary.LittleEndian.Uint32(h[8:])
	length = binary.LittleEndian.Uint32(h[12:])
	check = binary.LittleEndian.Uint32(h[16:])
	magic := binary.LittleEndian.Uint32(h[20:])
	if magic != p.Command^0xffffffff {
		return p, 0, 0, fmt.Errorf("%w: command %#08x, magic %#08x", ErrBadMagic, p.Command, magic)
	}
	if !knownCommand(p.Command) {
		return p, 0, 0, fmt.Errorf("%w %#08x", ErrUnknownCommand, p.Command)
	}
	return p, length, check, nil
}

// AppendPacket appends the wire form of p. With checksum false the data_check
// field is 0, as peers at VersionSkipChecksum or later write it.
func AppendPacket(b []byte, p Packet, checksum bool) []byte {
	var check uint32
	if checksum {
		check = Checksum(p.Payload)
	}
	b = binary.LittleEndian.AppendUint32(b, p.Command)
	b = binary.LittleEndian.AppendUint32(b, p.Arg0)
	b = binary.LittleEndian.AppendUint32(b, p.Arg1)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(p.Payload)))
	b = binary.LittleEndian.AppendUint32(b, check)
	b = binary.LittleEndian.AppendUint32(b, p.Command^0xffffffff)
	return append(b, p.Payload...)
}

// WritePacket writes p in one Write call.
func WritePacket(w io.Writer, p Packet, checksum bool) error {
	if _, err := w.Write(AppendPacket(make([]byte, 0, HeaderSize+len(p.Payload)), p, checksum)); err != nil {
		return fmt.Errorf("aproto: write %s: %w", CommandName(p.Command), err)
	}
	return nil
}
