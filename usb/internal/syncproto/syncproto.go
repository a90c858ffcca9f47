package syncproto

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Frame ids.
const (
	IDStat  = "STAT"
	IDLstat = "LST2"
	IDStat2 = "STA2"
	IDList  = "LIST"
	IDList2 = "LIS2"
	IDDent  = "DENT"
	IDDent2 = "DNT2"
	IDSend  = "SEND"
	IDSend2 = "SND2"
	IDRecv  = "RECV"
	IDRecv2 = "RCV2"
	IDDone  = "DONE"
	IDData  = "DATA"
	IDOkay  = "OKAY"
	IDFail  = "FAIL"
	IDQuit  = "QUIT"
)

const (
	// DataMax is the largest DATA payload.
	DataMax = 64 * 1024
	// PathMax is the longest path a request may carry.
	PathMax = 1024
	// NameMax bounds a directory entry name (Linux allows 255 bytes).
	NameMax = 4096
	// FailMax bounds a FAIL message.
	FailMax = 64 * 1024

	statV1Size = 16
	statV2Size = 72
	dentV1Size = 20
	dentV2Size = 76
)

// File type bits of Stat.Mode (POSIX st_mode).
const (
	ModeTypeMask = 0o170000
	ModeDir      = 0o040000
	ModeRegular  = 0o100000
	ModeSymlink  = 0o120000
)

var (
	// ErrMalformed reports a frame that breaks the protocol.
	ErrMalformed = errors.New("malformed sync frame")
	// ErrTooLong reports a length field beyond its limit.
	ErrTooLong = errors.New("sync frame length beyond limit")
)

// RemoteError is a FAIL frame: the device refused the request.
type RemoteError struct{ Msg string }

func (e *RemoteError) Error() string { return "device: " + e.Msg }

// Stat is a file's metadata; v1 frames fill Mode, Size and MTime only.
type Stat struct {
	Error            uint32 // errno on the device (v2); 0 means found
	Dev, Ino         uint64
	Mode             uint32
	Nlink, UID, GID  uint32
	Size             uint64
	ATime, MTime, CT int64
}

// IsDir and friends look at the file type bits.
func (s Stat) IsDir() bool     { return s.Mode&ModeTypeMask == ModeDir }
func (s Stat) IsRegular() bool { return s.Mode&ModeTypeMask == ModeRegular }
func (s Stat) IsSymlink() bool { return s.Mode&ModeTypeMask == ModeSymlink }

// Dent is a directory entry from LIST or LIS2.
type Dent struct {
	Stat
	Name string
}

// AppendRequest appends id + len + path.
func AppendRequest(b []byte, id, path string) []byte {
	b = append(b, id...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(path)))
	return append(b, path...)
}

// AppendID appends id + u32, the shape of DONE, QUIT, RCV2 flags and frame headers.
func AppendID(b []byte, id string, v uint32) []byte {
	b = append(b, id...)
	return binary.LittleEndian.AppendUint32(b, v)
}

// AppendData appends one DATA frame; len(p) must be at most DataMax.
func AppendData(b, p []byte) []byte {
	return append(AppendID(b, IDData, uint32(len(p))), p...)
}

// AppendFail appends a FAIL frame carrying msg.
func AppendFail(b []byte, msg string) []byte {
	return append(AppendID(b, IDFail, uint32(len(msg))), msg...)
}

// AppendStatV1 appends a v1 STAT reply; a missing file is all zeros.
func AppendStatV1(b []byte, s Stat) []byte {
	b = append(b, IDStat...)
	b = binary.LittleEndian.AppendUint32(b, s.Mode)
	b = binary.LittleEndian.AppendUint32(b, uint32(s.Size))
	return binary.LittleEndian.AppendUint32(b, uint32(s.MTime))
}

// AppendStatV2 appends a STA2 or LST2 reply.
func AppendStatV2(b []byte, id string, s Stat) []byte {
	b = append(b, id...)
	return appendStatV2Body(b, s)
}

func appendStatV2Body(b []byte, s Stat) []byte {
	b = binary.LittleEndian.AppendUint32(b, s.Error)
	b = binary.LittleEndian.AppendUint64(b, s.Dev)
	b = binary.LittleEndian.AppendUint64(b, s.Ino)
	b = binary.LittleEndian.AppendUint32(b, s.Mode)
	b = binary.LittleEndian.AppendUint32(b, s.Nlink)
	b = binary.LittleEndian.AppendUint32(b, s.UID)
	b = binary.LittleEndian.AppendUint32(b, s.GID)
	b = binary.LittleEndian.AppendUint64(b, s.Size)
	b = binary.LittleEndian.AppendUint64(b, uint64(s.ATime))
	b = binary.LittleEndian.AppendUint64(b, uint64(s.MTime))
	return binary.LittleEndian.AppendUint64(b, uint64(s.CT))
}

// AppendDent appends a DENT (v1) or DNT2 (v2) entry.
func AppendDent(b []byte, v2 bool, d Dent) []byte {
	if v2 {
		b = append(b, IDDent2...)
		b = appendStatV2Body(b, d.Stat)
	} else {
		b = append(b, IDDent...)
		b = binary.LittleEndian.AppendUint32(b, d.Mode)
		b = binary.LittleEndian.AppendUint32(b, uint32(d.Size))
		b = binary.LittleEndian.AppendUint32(b, uint32(d.MTime))
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(d.Name)))
	return append(b, d.Name...)
}

// AppendListDone appends the DONE entry that ends a LIST (v1) or LIS2 (v2).
func AppendListDone(b []byte, v2 bool) []byte {
	size := dentV1Size
	if v2 {
		size = dentV2Size
	}
	b = append(b, IDDone...)
	return append(b, make([]byte, size-4)...)
}

// Reader decodes frames and keeps the byte offset for error messages.
type Reader struct {
	r      io.Reader
	offset int64
	buf    [dentV2Size]byte
}

// NewReader wraps r.
func NewReader(r io.Reader) *Reader { return &Reader{r: r} }

// Offset is the number of bytes consumed so far.
func (r *Reader) Offset() int64 { return r.offset }

func (r *Reader) full(p []byte) error {
	n, err := io.ReadFull(r.r, p)
	r.offset += int64(n)
	if errors.Is(err, io.EOF) && n == 0 {
		return io.ErrUnexpectedEOF // every caller expects a frame here
	}
	return err
}

// header reads id + u32.
func (r *Reader) header() (string, uint32, error) {
	if err := r.full(r.buf[:8]); err != nil {
		return "", 0, fmt.Errorf("syncproto: read frame at offset %d: %w", r.offset, err)
	}
	return string(r.buf[:4]), binary.LittleEndian.Uint32(r.buf[4:8]), nil
}

// ReadRequest reads id + path (the device side). QUIT and flag frames carry no
// path; their u32 is returned as arg.
func (r *Reader) ReadRequest() (id, path string, arg uint32, err error) {
	start := r.offset
	id, n, err := r.header()
	if err != nil {
		return "", "", 0, err
	}
	switch id {
	case IDQuit, IDDone, IDData:
		return id, "", n, nil
	case IDStat, IDLstat, IDStat2, IDList, IDList2, IDSend, IDSend2, IDRecv, IDRecv2:
	default:
		return "", "", 0, fmt.Errorf("syncproto: request at offset %d: %w: unknown id %q", start, ErrMalformed, id)
	}
	if n > PathMax {
		return "", "", 0, fmt.Errorf("syncproto: %s request at offset %d: path of %d bytes: %w (%d)", id, start, n, ErrTooLong, PathMax)
	}
	p := make([]byte, n)
	if err := r.full(p); err != nil {
		return "", "", 0, fmt.Errorf("syncproto: %s request at offset %d: read path: %w", id, start, err)
	}
	return id, string(p), 0, nil
}

// ReadU32 reads id + u32 where id is fixed (RCV2/SND2 flags, SEND's DONE).
func (r *Reader) ReadU32(want string) (uint32, error) {
	start := r.offset
	id, v, err := r.header()
	if err != nil {
		return 0, err
	}
	if id != want {
		return 0, fmt.Errorf("syncproto: frame at offset %d: %w: got %q, want %q", start, ErrMalformed, id, want)
	}
	return v, nil
}

// fail reads a FAIL body after its header.
func (r *Reader) fail(start int64, n uint32) error {
	if n > FailMax {
		return fmt.Errorf("syncproto: FAIL at offset %d: message of %d bytes: %w", start, n, ErrTooLong)
	}
	msg := make([]byte, n)
	if err := r.full(msg); err != nil {
		return fmt.Errorf("syncproto: FAIL at offset %d: read message: %w", start, err)
	}
	return &RemoteError{Msg: string(msg)}
}

// ReadStatV1 reads a v1 STAT reply. A missing file reads as a zero Stat.
func (r *Reader) ReadStatV1() (Stat, error) {
	mode, err := r.statReply(IDStat, statV1Size)
	if err != nil {
		return Stat{}, err
	}
	return Stat{
		Mode:  mode,
		Size:  uint64(binary.LittleEndian.Uint32(r.buf[8:])),
		MTime: int64(binary.LittleEndian.Uint32(r.buf[12:])),
	}, nil
}

// ReadStatV2 reads a STA2 or LST2 reply (want names which).
func (r *Reader) ReadStatV2(want string) (Stat, error) {
	if _, err := r.statReply(want, statV2Size); err != nil {
		return Stat{}, err
	}
	return parseStatV2(r.buf[4:statV2Size]), nil
}

// statReply reads a stat reply frame of the given id and size into r.buf and returns its u32; a FAIL frame is
// returned as its *RemoteError.
func (r *Reader) statReply(want string, size int) (uint32, error) {
	start := r.offset
	id, v, err := r.header()
	if err != nil {
		return 0, err
	}
	if id == IDFail {
		return 0, r.fail(start, v)
	}
	if id != want {
		return 0, fmt.Errorf("syncproto: %s reply at offset %d: %w: id %q", want, start, ErrMalformed, id)
	}
	if err := r.full(r.buf[8:size]); err != nil {
		return 0, fmt.Errorf("syncproto: %s reply at offset %d: %w", want, start, err)
	}
	return v, nil
}

func parseStatV2(b []byte) Stat {
	le := binary.LittleEndian
	return Stat{
		Error: le.Uint32(b[0:]),
		Dev:   le.Uint64(b[4:]),
		Ino:   le.Uint64(b[12:]),
		Mode:  le.Uint32(b[20:]),
		Nlink: le.Uint32(b[24:]),
		UID:   le.Uint32(b[28:]),
		GID:   le.Uint32(b[32:]),
		Size:  le.Uint64(b[36:]),
		ATime: int64(le.Uint64(b[44:])),
		MTime: int64(le.Uint64(b[52:])),
		CT:    int64(le.Uint64(b[60:])),
	}
}

// ReadDent reads one LIST (v1) or LIS2 (v2) entry; done is true at the DONE
// entry that ends the listing.
func (r *Reader) ReadDent(v2 bool) (d Dent, done bool, err error) {
	start := r.offset
	id, v, err := r.header()
	if err != nil {
		return Dent{}, false, err
	}
	want, size := IDDent, dentV1Size
	if v2 {
		want, size = IDDent2, dentV2Size
	}
	switch id {
	case IDFail:
		return Dent{}, false, r.fail(start, v)
	case IDDone, want:
	default:
		return Dent{}, false, fmt.Errorf("syncproto: directory entry at offset %d: %w: id %q", start, ErrMalformed, id)
	}
	if err := r.full(r.buf[8:size]); err != nil {
		return Dent{}, false, fmt.Errorf("syncproto: directory entry at offset %d: %w", start, err)
	}
	if id == IDDone {
		return Dent{}, true, nil
	}
	if v2 {
		d.Stat = parseStatV2(r.buf[4:statV2Size])
	} else {
		d.Mode = v
		d.Size = uint64(binary.LittleEndian.Uint32(r.buf[8:]))
		d.MTime = int64(binary.LittleEndian.Uint32(r.buf[12:]))
	}
	n := binary.LittleEndian.Uint32(r.buf[size-4 : size])
	if n > NameMax {
		return Dent{}, false, fmt.Errorf("syncproto: directory entry at offset %d: name of %d bytes: %w", start, n, ErrTooLong)
	}
	name := make([]byte, n)
	if err := r.full(name); err != nil {
		return Dent{}, false, fmt.Errorf("syncproto: directory entry at offset %d: read name: %w", start, err)
	}
	d.Name = string(name)
	return d, false, nil
}

// ReadData reads one DATA frame into buf (which must hold DataMax bytes) and
// returns its payload; done is true at DONE, which ends a RECV.
func (r *Reader) ReadData(buf []byte) (p []byte, done bool, err error) {
	start := r.offset
	id, n, err := r.header()
	if err != nil {
		return nil, false, err
	}
	switch id {
	case IDFail:
		return nil, false, r.fail(start, n)
	case IDDone:
		return nil, true, nil
	case IDData:
	default:
		return nil, false, fmt.Errorf("syncproto: data frame at offset %d: %w: id %q", start, ErrMalformed, id)
	}
	if n > DataMax || int(n) > len(buf) {
		return nil, false, fmt.Errorf("syncproto: DATA at offset %d: %d bytes: %w (%d)", start, n, ErrTooLong, DataMax)
	}
	if err := r.full(buf[:n]); err != nil {
		return nil, false, fmt.Errorf("syncproto: DATA at offset %d: %w", start, err)
	}
	return buf[:n], false, nil
}
