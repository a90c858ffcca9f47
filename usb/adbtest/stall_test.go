package adbtest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/attesta/attesta/usb/internal/aproto"
	"github.com/attesta/attesta/usb/internal/syncproto"
)

// TestStallAfter checks the hung-phone fault at the packet level: exactly n bytes of file data, then nothing
// until the host closes the stream, after which the connection still serves.
func TestStallAfter(t *testing.T) {
	root := t.TempDir()
	data := bytes.Repeat([]byte("0123456789abcdef"), 20000) // 320000 bytes, several DATA frames
	if err := os.WriteFile(filepath.Join(root, "f"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	p := startPhone(t, Config{Root: root})
	const n = 100000
	stalled := p.StallAfter(n)
	h := connected(t, p)
	h.send(aproto.Packet{Command: aproto.CmdOPEN, Arg0: 9, Payload: []byte("sync:\x00")})
	ok := h.read()
	if ok.Command != aproto.CmdOKAY {
		t.Fatalf("OPEN sync: %v", ok)
	}
	h.send(aproto.Packet{Command: aproto.CmdWRTE, Arg0: 9, Arg1: ok.Arg0, Payload: syncproto.AppendRequest(nil, syncproto.IDRecv, "/f")})
	var got, file []byte
	for len(file) < n {
		pkt := h.read()
		if pkt.Command == aproto.CmdOKAY {
			continue // the phone took our request
		}
		if pkt.Command != aproto.CmdWRTE {
			t.Fatalf("got %v after %d file bytes, want WRTE", pkt, len(file))
		}
		got = append(got, pkt.Payload...)
		h.send(aproto.Packet{Command: aproto.CmdOKAY, Arg0: 9, Arg1: ok.Arg0})
		file = fileData(t, got)
	}
	select {
	case <-stalled:
	case <-time.After(20 * time.Second):
		t.Fatal("StallAfter's channel was not closed")
	}
	expectSilence(t, h)
	if !bytes.Equal(file, data[:n]) {
		t.Errorf("stalled after %d file bytes, want the first %d of the file", len(file), n)
	}
	h.send(aproto.Packet{Command: aproto.CmdCLSE, Arg0: 9, Arg1: ok.Arg0})
	if out := h.service("shell:getprop ro.product.model", nil); string(out) != "Pixel 7\n" {
		t.Errorf("after the stall, shell = %q", out)
	}
}

// fileData decodes the whole DATA frames in b; it fails t if the transfer ended.
func fileData(t *testing.T, b []byte) []byte {
	t.Helper()
	r := syncproto.NewReader(bytes.NewReader(b))
	buf := make([]byte, syncproto.DataMax)
	var file []byte
	for r.Offset() < int64(len(b)) {
		chunk, done, err := r.ReadData(buf)
		if err != nil {
			return file // a frame not yet whole
		}
		if done {
			t.Fatalf("the transfer ended after %d bytes", len(file))
		}
		file = append(file, chunk...)
	}
	return file
}
