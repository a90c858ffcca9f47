package report

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/attesta/attesta/evidence"
)

// Why the duration of an audio file is not shown; the report prints the reason in its language.
var (
	errNotOgg     = errors.New("not an Ogg stream")
	errOggCorrupt = errors.New("ogg stream damaged or truncated")
	errOggCodec   = errors.New("ogg stream holds neither Opus nor Vorbis")
)

// maxAudioSeconds bounds a plausible duration (a week): a granule position beyond it is damage, not audio.
const maxAudioSeconds = 7 * 24 * 3600

// oggDuration returns the playing time of an Ogg Opus or Ogg Vorbis stream (RFC 3533; RFC 7845 for Opus): the
// granule position of the last page, less Opus's pre-skip, over the sample rate (48 kHz for Opus, the identification
// header's for Vorbis). Every page's CRC is checked, so a damaged file is said to be damaged, not given a wrong time.
func oggDuration(data []byte) (time.Duration, error) {
	if !bytes.HasPrefix(data, []byte("OggS")) {
		return 0, errNotOgg
	}
	var (
		rate, preskip uint64
		last          int64 = -1
		first         []byte
	)
	for off := 0; off < len(data); {
		page, body, granule, err := oggPage(data[off:])
		if err != nil {
			return 0, fmt.Errorf("%w: page at offset %d: %w", errOggCorrupt, off, err)
		}
		if first == nil {
			first = body
		}
		if granule >= 0 {
			last = granule
		}
		off += page
	}
	switch {
	case bytes.HasPrefix(first, []byte("OpusHead")) && len(first) >= 19:
		rate, preskip = 48000, uint64(binary.LittleEndian.Uint16(first[10:12]))
	case bytes.HasPrefix(first, []byte("\x01vorbis")) && len(first) >= 16:
		rate = uint64(binary.LittleEndian.Uint32(first[12:16]))
	default:
		return 0, errOggCodec
	}
	if rate == 0 || last < 0 || uint64(last) < preskip {
		return 0, fmt.Errorf("%w: no audio after the headers", errOggCorrupt)
	}
	samples := uint64(last) - preskip
	if samples/rate > maxAudioSeconds {
		return 0, fmt.Errorf("%w: %d samples at %d Hz", errOggCorrupt, samples, rate)
	}
	return time.Duration(samples/rate)*time.Second + time.Duration(samples%rate)*time.Second/time.Duration(rate), nil
}

// oggPage reads the page at the start of b: its whole length, its body and its granule position (-1 when no
// packet ends on it).
func oggPage(b []byte) (n int, body []byte, granule int64, err error) {
	const head = 27
	if len(b) < head || !bytes.HasPrefix(b, []byte("OggS")) {
		return 0, nil, 0, errors.New("no page header")
	}
	if b[4] != 0 {
		return 0, nil, 0, fmt.Errorf("version %d", b[4])
	}
	segments := int(b[26])
	if len(b) < head+segments {
		return 0, nil, 0, errors.New("truncated segment table")
	}
	size := 0
	for _, s := range b[head : head+segments] {
		size += int(s)
	}
	n = head + segments + size
	if len(b) < n {
		return 0, nil, 0, errors.New("truncated page")
	}
	page := bytes.Clone(b[:n])
	want := binary.LittleEndian.Uint32(page[22:26])
	clear(page[22:26])
	if got := oggCRC(page); got != want {
		return 0, nil, 0, fmt.Errorf("CRC %08x, the page says %08x", got, want)
	}
	return n, b[head+segments : n], int64(binary.LittleEndian.Uint64(b[6:14])), nil
}

// oggCRCTable is Ogg's CRC-32: polynomial 0x04c11db7, not reflected, initial value 0, no final xor.
var oggCRCTable = func() (t [256]uint32) {
	for i := range t {
		r := uint32(i) << 24
		for range 8 {
			if r&0x80000000 != 0 {
				r = r<<1 ^ 0x04c11db7
			} else {
				r <<= 1
			}
		}
		t[i] = r
	}
	return t
}()

func oggCRC(b []byte) uint32 {
	var crc uint32
	for _, c := range b {
		crc = crc<<8 ^ oggCRCTable[byte(crc>>24)^c]
	}
	return crc
}

// isOggAudio says whether an attachment is audio the report times: a voice note or an audio file in Ogg.
func isOggAudio(msg *evidence.Message, a evidence.Attachment) bool {
	return strings.HasPrefix(a.MIME, "audio/ogg") || strings.HasSuffix(a.Path, ".opus") ||
		(a.MIME == "" && msg.Type == evidence.TypeVoice)
}

// audioDuration reads an attachment (checked against its digest) and returns its duration.
func audioDuration(ctx context.Context, files Opener, sha string) (time.Duration, error) {
	data, err := readChecked(ctx, files, sha)
	if err != nil {
		return 0, err
	}
	return oggDuration(data)
}

// clock prints a duration as m:ss, or h:mm:ss from an hour.
func clock(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// duration prints how long an audio attachment plays, or why that cannot be said (listed with the anomalies too).
func (r *renderer) duration(a evidence.Attachment) {
	d, err := audioDuration(r.ctx, r.in.Files, a.SHA256)
	if err == nil {
		r.labelled(r.t("Duration"), clock(d))
		return
	}
	why := r.t(durationReason(err))
	r.problems = append(r.problems, a.Path+": "+why)
	r.font("I", 8.5)
	r.pdf.SetX(margin + 4)
	r.multiCell(bodyW-4, lineH, r.s(r.t("NoDuration", why)))
}

// durationReason maps an audioDuration error to the catalog key of its reason.
func durationReason(err error) string {
	switch {
	case errors.Is(err, errNotOgg):
		return "DurationWhy.not-ogg"
	case errors.Is(err, errOggCodec):
		return "DurationWhy.codec"
	case errors.Is(err, errOggCorrupt):
		return "DurationWhy.corrupt"
	}
	return "PictureWhy." + pictureReason(err)
}
