package shellproto

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

func TestReadWrite(t *testing.T) {
	var b []byte
	b = Append(b, IDStdout, []byte("out"))
	b = Append(b, IDStderr, []byte("err"))
	b = Append(b, IDExit, []byte{3})
	r := bytes.NewReader(b)
	for _, want := range []struct {
		id   byte
		data string
	}{{IDStdout, "out"}, {IDStderr, "err"}, {IDExit, "\x03"}} {
		id, data, err := Read(r)
		if err != nil || id != want.id || string(data) != want.data {
			t.Errorf("Read = %d %q %v, want %d %q", id, data, err, want.id, want.data)
		}
	}
	if _, _, err := Read(r); err != io.EOF {
		t.Errorf("at end: %v", err)
	}
	if _, _, err := Read(bytes.NewReader(b[:7])); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated: %v", err)
	}
	if _, _, err := Read(bytes.NewReader([]byte{9, 0, 0, 0, 0})); !errors.Is(err, ErrMalformed) {
		t.Errorf("unknown id: %v", err)
	}
	if _, _, err := Read(bytes.NewReader([]byte{1, 0xff, 0xff, 0xff, 0xff})); !errors.Is(err, ErrMalformed) {
		t.Errorf("huge packet: %v", err)
	}
}

func FuzzRead(f *testing.F) {
	f.Add(Append(Append(nil, IDStdout, []byte("Pixel 7\n")), IDExit, []byte{0}))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		for {
			id, p, err := Read(r)
			if err != nil {
				return
			}
			if id > IDWindowSize || len(p) > MaxPacketData {
				t.Fatalf("accepted id %d with %d bytes", id, len(p))
			}
		}
	})
}
