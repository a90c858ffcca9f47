package report

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
	"time"
)

// oggStream builds an Ogg stream (RFC 3533) of one logical bitstream: one page per packet, with the granule
// positions given (-1: no packet ends on the page).
func oggStream(packets [][]byte, granules []int64) []byte {
	var out bytes.Buffer
	for i, p := range packets {
		var lacing []byte
		for n := len(p); ; n -= 255 {
			if n < 255 {
				lacing = append(lacing, byte(n))
				break
			}
			lacing = append(lacing, 255)
		}
		page := make([]byte, 27, 27+len(lacing)+len(p))
		copy(page, "OggS")
		switch i {
		case 0:
			page[5] = 2 // beginning of stream
		case len(packets) - 1:
			page[5] = 4 // end of stream
		}
		binary.LittleEndian.PutUint64(page[6:], uint64(granules[i]))
		binary.LittleEndian.PutUint32(page[14:], 0x1234)
		binary.LittleEndian.PutUint32(page[18:], uint32(i))
		page[26] = byte(len(lacing))
		page = append(append(page, lacing...), p...)
		binary.LittleEndian.PutUint32(page[22:], oggCRC(page))
		out.Write(page)
	}
	return out.Bytes()
}

func opusStream(preskip uint16, samples int64) []byte {
	head := []byte("OpusHead\x01\x01\x00\x00\x80\xbb\x00\x00\x00\x00\x00")
	binary.LittleEndian.PutUint16(head[10:], preskip)
	audio := bytes.Repeat([]byte{0xfc, 0xff, 0xfe}, 200) // 600 bytes: a packet over several lacing values
	return oggStream([][]byte{head, []byte("OpusTags\x00\x00\x00\x00\x00\x00\x00\x00"), audio, audio},
		[]int64{0, 0, int64(preskip) + samples/2, int64(preskip) + samples})
}

func TestOggCRC(t *testing.T) {
	// CRC-32/POSIX's check value is 0x765e7680 with its final xor; Ogg's CRC has none.
	if got := oggCRC([]byte("123456789")); got != 0x765e7680^0xffffffff {
		t.Errorf("oggCRC = %08x, want %08x", got, uint32(0x765e7680^0xffffffff))
	}
}

func TestOggDuration(t *testing.T) {
	vorbis := []byte("\x01vorbis\x00\x00\x00\x00\x02\x44\xac\x00\x00" + "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xb8\x01")
	good := opusStream(312, 48000*7+19200) // 7.4 s
	bad := bytes.Clone(good)
	bad[len(bad)-10] ^= 1
	tests := []struct {
		name string
		data []byte
		want time.Duration
		err  error
	}{
		{"opus", good, 7400 * time.Millisecond, nil},
		{"vorbis", oggStream([][]byte{vorbis, []byte("\x03vorbis"), {1, 2, 3}}, []int64{0, 0, 44100 * 65}), 65 * time.Second, nil},
		{"not ogg", []byte("RIFF....WAVEfmt "), 0, errNotOgg},
		{"random bytes", bytes.Repeat([]byte{0x9e, 0x31}, 3000), 0, errNotOgg},
		{"altered byte", bad, 0, errOggCorrupt},
		{"truncated", good[:len(good)-100], 0, errOggCorrupt},
		{"speex", oggStream([][]byte{[]byte("Speex   1.2"), {1}}, []int64{0, 16000}), 0, errOggCodec},
		{"headers only", opusStream(312, 0)[:len(opusStream(312, 0))-2*(27+3+600)], 0, errOggCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := oggDuration(tt.data)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Errorf("oggDuration = %v, %v; want %v", got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("oggDuration = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	if c := clock(7400 * time.Millisecond); c != "0:07" {
		t.Errorf("clock(7.4s) = %q", c)
	}
	if c := clock(3723 * time.Second); c != "1:02:03" {
		t.Errorf("clock(3723s) = %q", c)
	}
}

func FuzzOggDuration(f *testing.F) {
	f.Add(opusStream(312, 48000*3))
	f.Add(opusStream(0, 0))
	f.Add([]byte("OggS\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := oggDuration(data)
		if err == nil && d < 0 {
			t.Fatalf("negative duration %v", d)
		}
		if err != nil && !errors.Is(err, errNotOgg) && !errors.Is(err, errOggCorrupt) && !errors.Is(err, errOggCodec) {
			t.Fatalf("error without a reason: %v", err)
		}
	})
}
