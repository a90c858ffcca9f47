package ffmpeg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// errNotMP4 says that a file is not one ProbeMP4 reads; Probe then asks ffprobe.
var errNotMP4 = errors.New("not an MP4 file ProbeMP4 reads")

// mp4 limits: how deep boxes nest on the way to a track's sample description, and how many boxes a level may hold.
const (
	mp4MaxDepth = 8
	mp4MaxBoxes = 4096
)

// mp4Codecs maps the sample entries phones write to ffprobe's codec names.
var mp4Codecs = map[string]string{"avc1": "h264", "avc3": "h264", "hvc1": "hevc", "hev1": "hevc", "mp4v": "mpeg4",
	"av01": "av1", "vp09": "vp9", "s263": "h263"}

// ProbeMP4 reads what Probe reports from an MP4 (ISO/IEC 14496-12) file's boxes alone, as phones write them: the
// duration from moov/mvhd, and the size and codec of the first video track (tkhd, mdia/hdlr "vide",
// mdia/minf/stbl/stsd). It saves an ffprobe run, which costs a tenth of a second of CPU, most of it starting up.
// It fails for anything else (then ask ffprobe) and for damaged boxes, saying where.
func ProbeMP4(r io.ReaderAt, size int64) (Info, error) {
	var head [8]byte
	if _, err := r.ReadAt(head[:], 0); err != nil || string(head[4:8]) != "ftyp" {
		return Info{}, errNotMP4
	}
	moov, ok, err := findBox(r, 0, size, "moov")
	if err != nil || !ok {
		return Info{}, fmt.Errorf("%w: no moov box (%v)", errNotMP4, err)
	}
	var info Info
	mvhd, ok, err := findBox(r, moov.body, moov.end, "mvhd")
	if err != nil || !ok {
		return Info{}, fmt.Errorf("%w: no mvhd box (%v)", errNotMP4, err)
	}
	if info.Duration, err = mvhdDuration(r, mvhd); err != nil {
		return Info{}, err
	}
	found := false
	err = eachBox(r, moov.body, moov.end, func(b box) (bool, error) {
		if b.typ != "trak" {
			return true, nil
		}
		w, h, codec, video, err := trak(r, b)
		if err != nil || !video {
			return err == nil, err
		}
		info.Width, info.Height, info.Codec, found = w, h, codec, true
		return false, nil
	})
	if err != nil {
		return Info{}, err
	}
	if !found {
		return Info{}, ErrNoVideo
	}
	return info, nil
}

// box is one box: its type, where its body starts and where it ends.
type box struct {
	typ       string
	at        int64
	body, end int64
}

// eachBox calls fn for each box between from and to, until fn returns false or an error.
func eachBox(r io.ReaderAt, from, to int64, fn func(box) (bool, error)) error {
	for n, at := 0, from; at+8 <= to; n++ {
		if n == mp4MaxBoxes {
			return fmt.Errorf("%w: more than %d boxes at offset %d", ErrDecode, mp4MaxBoxes, from)
		}
		var h [16]byte
		if _, err := r.ReadAt(h[:8], at); err != nil {
			return fmt.Errorf("%w: box header at offset %d: %w", ErrDecode, at, err)
		}
		size, body := int64(binary.BigEndian.Uint32(h[:4])), at+8
		switch size {
		case 0:
			size = to - at
		case 1:
			if _, err := r.ReadAt(h[8:16], at+8); err != nil {
				return fmt.Errorf("%w: box size at offset %d: %w", ErrDecode, at+8, err)
			}
			size, body = int64(binary.BigEndian.Uint64(h[8:16])), at+16
		}
		if size < body-at || size > to-at {
			return fmt.Errorf("%w: box %q at offset %d: size %d outside its parent (ends at %d)", ErrDecode,
				printable(h[4:8]), at, size, to)
		}
		more, err := fn(box{typ: string(h[4:8]), at: at, body: body, end: at + size})
		if err != nil || !more {
			return err
		}
		at += size
	}
	return nil
}

// findBox finds the first box of type typ between from and to.
func findBox(r io.ReaderAt, from, to int64, typ string) (box, bool, error) {
	var found box
	ok := false
	err := eachBox(r, from, to, func(b box) (bool, error) {
		if b.typ == typ {
			found, ok = b, true
			return false, nil
		}
		return true, nil
	})
	return found, ok, err
}

// findPath follows a path of box types down from parent.
func findPath(r io.ReaderAt, parent box, path ...string) (box, bool, error) {
	if len(path) > mp4MaxDepth {
		return box{}, false, fmt.Errorf("%w: boxes nested too deep", ErrDecode)
	}
	b := parent
	for _, typ := range path {
		next, ok, err := findBox(r, b.body, b.end, typ)
		if err != nil || !ok {
			return box{}, false, err
		}
		b = next
	}
	return b, true, nil
}

// read reads n bytes of b's body from off.
func read(r io.ReaderAt, b box, off, n int64) ([]byte, error) {
	if off < 0 || n < 0 || b.body+off+n > b.end {
		return nil, fmt.Errorf("%w: box %q at offset %d: %d bytes, too short", ErrDecode, printable([]byte(b.typ)), b.at, b.end-b.body)
	}
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, b.body+off); err != nil {
		return nil, fmt.Errorf("%w: box %q at offset %d: %w", ErrDecode, printable([]byte(b.typ)), b.at, err)
	}
	return buf, nil
}

// mvhdDuration is the movie's duration: version 0 has 32-bit times, version 1 64-bit ones.
func mvhdDuration(r io.ReaderAt, b box) (time.Duration, error) {
	v, err := read(r, b, 0, 1)
	if err != nil {
		return 0, err
	}
	var scale, dur uint64
	if v[0] == 1 {
		f, err := read(r, b, 20, 12)
		if err != nil {
			return 0, err
		}
		scale, dur = uint64(binary.BigEndian.Uint32(f[:4])), binary.BigEndian.Uint64(f[4:12])
	} else {
		f, err := read(r, b, 12, 8)
		if err != nil {
			return 0, err
		}
		scale, dur = uint64(binary.BigEndian.Uint32(f[:4])), uint64(binary.BigEndian.Uint32(f[4:8]))
	}
	if scale == 0 || dur/scale > 1e7 {
		return 0, fmt.Errorf("%w: mvhd at offset %d: duration %d at %d per second", ErrDecode, b.at, dur, scale)
	}
	return time.Duration(dur/scale)*time.Second + time.Duration(dur%scale)*time.Second/time.Duration(scale), nil
}

// trak reads a track: whether it is video (hdlr "vide"), its size (tkhd's width and height, 16.16 fixed point,
// its last 8 bytes) and its codec (the first sample entry of stsd).
func trak(r io.ReaderAt, t box) (w, h int, codec string, video bool, err error) {
	hdlr, ok, err := findPath(r, t, "mdia", "hdlr")
	if err != nil || !ok {
		return 0, 0, "", false, err
	}
	handler, err := read(r, hdlr, 8, 4)
	if err != nil || string(handler) != "vide" {
		return 0, 0, "", false, err
	}
	tkhd, ok, err := findPath(r, t, "tkhd")
	if err != nil || !ok {
		return 0, 0, "", false, fmt.Errorf("%w: video track at offset %d has no tkhd (%v)", ErrDecode, t.at, err)
	}
	wh, err := read(r, tkhd, tkhd.end-tkhd.body-8, 8)
	if err != nil {
		return 0, 0, "", false, err
	}
	w, h = int(binary.BigEndian.Uint32(wh[:4])>>16), int(binary.BigEndian.Uint32(wh[4:])>>16)
	if w <= 0 || h <= 0 {
		return 0, 0, "", false, fmt.Errorf("%w: video track at offset %d: %dx%d pixels", ErrDecode, t.at, w, h)
	}
	codec = "?"
	if stsd, ok, err := findPath(r, t, "mdia", "minf", "stbl", "stsd"); err == nil && ok {
		if entry, err := read(r, stsd, 12, 4); err == nil {
			if c, ok := mp4Codecs[string(entry)]; ok {
				codec = c
			}
		}
	}
	return w, h, codec, true, nil
}

// printable shows a box type for an error: its letters, or its bytes in hex.
func printable(b []byte) string {
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return fmt.Sprintf("%x", b)
		}
	}
	return string(b)
}
