package usb

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/attesta/attesta/internal/fuzzseed"
	"github.com/attesta/attesta/usb/adbtest"
	"github.com/attesta/attesta/usb/internal/aproto"
)

var capture = flag.Bool("capture", false, "regenerate the fuzz seed corpora of internal/aproto, internal/syncproto and internal/shellproto from a real adb session")

// TestCaptureSeeds records a session between the real adb server and the fake
// phone through a TCP proxy and stores its packets as fuzz seeds. Run it with
// -capture after changing the protocol code; it does nothing otherwise.
func TestCaptureSeeds(t *testing.T) {
	if !*capture {
		t.Skip("seed generator: run with -capture")
	}
	server := adbtest.StartServer(t)
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "sdcard", "d"), 0o755)
	os.WriteFile(filepath.Join(root, "sdcard", "d", "a.txt"), []byte("hello from the phone\n"), 0o644)
	os.WriteFile(filepath.Join(root, "sdcard", "d", "empty"), nil, 0o644)
	phone := adbtest.Start(t, adbtest.Config{Root: root, Auth: adbtest.AuthAcceptAny})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var mu sync.Mutex
	var up, down bytes.Buffer // host→phone, phone→host
	var wg sync.WaitGroup
	go func() {
		hc, err := ln.Accept()
		if err != nil {
			return
		}
		pc, err := net.Dial("tcp", phone.Addr())
		if err != nil {
			hc.Close()
			return
		}
		tee := func(dst, src net.Conn, buf *bytes.Buffer) {
			defer wg.Done()
			b := make([]byte, 32*1024)
			for {
				n, err := src.Read(b)
				if n > 0 {
					mu.Lock()
					buf.Write(b[:n])
					mu.Unlock()
					dst.Write(b[:n])
				}
				if err != nil {
					dst.Close()
					return
				}
			}
		}
		wg.Add(2)
		go tee(pc, hc, &up)
		go tee(hc, pc, &down)
	}()

	serial := ln.Addr().String()
	c := New(Options{Addr: server.Addr})
	ctx := ctxFor(t)
	if err := c.Connect(ctx, serial); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitForState(ctx, serial, StateDevice); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"shell", "getprop", "ro.product.model"}, {"pull", "/sdcard/d", t.TempDir()}} {
		if out, err := server.Run(ctx, append([]string{"-s", serial}, args...)...); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
	}
	c.features = []string{"stat_v2", "ls_v2", "sendrecv_v2"}
	if _, err := c.Pull(ctx, serial, "/sdcard/d/a.txt", io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := c.Disconnect(ctx, serial); err != nil {
		t.Fatal(err)
	}
	wg.Wait()

	hostPkts, devPkts := splitPackets(t, up.Bytes()), splitPackets(t, down.Bytes())
	writePacketSeeds(t, "host", hostPkts)
	writePacketSeeds(t, "device", devPkts)
	writeStreamSeeds(t, hostPkts, devPkts)
}

func splitPackets(t *testing.T, b []byte) [][]byte {
	r := aproto.NewReader(bytes.NewReader(b))
	r.Version = aproto.VersionSkipChecksum // both checksum styles occur in one capture
	var out [][]byte
	for off := int64(0); ; {
		if _, err := r.ReadPacket(); err != nil {
			if err != io.EOF {
				t.Fatalf("captured stream at %d: %v", off, err)
			}
			return out
		}
		out = append(out, b[off:r.Offset()])
		off = r.Offset()
	}
}

// writePacketSeeds keeps the first two packets of each command and AUTH type,
// and the whole session as one seed.
func writePacketSeeds(t *testing.T, side string, pkts [][]byte) {
	dir := filepath.Join("internal", "aproto", "testdata", "fuzz", "FuzzReadPacket")
	seen := map[string]int{}
	var all []byte
	for _, p := range pkts {
		all = append(all, p...)
		pr := aproto.NewReader(bytes.NewReader(p))
		pr.Version = aproto.VersionSkipChecksum
		pkt, _ := pr.ReadPacket()
		kind := strings.ToLower(aproto.CommandName(pkt.Command))
		if pkt.Command == aproto.CmdAUTH {
			kind += fmt.Sprint(pkt.Arg0)
		}
		if seen[kind] >= 2 {
			continue
		}
		seen[kind]++
		fuzzseed.Write(t, dir, fmt.Sprintf("%s-%s-%d", side, kind, seen[kind]), p)
	}
	fuzzseed.Write(t, dir, side+"-session", all)
}

// writeStreamSeeds reassembles the sync and shell v2 streams from WRTE payloads.
func writeStreamSeeds(t *testing.T, hostPkts, devPkts [][]byte) {
	decode := func(b []byte) aproto.Packet {
		r := aproto.NewReader(bytes.NewReader(b))
		r.Version = aproto.VersionSkipChecksum
		p, _ := r.ReadPacket()
		return p
	}
	services := map[uint32]string{} // host stream id → service
	for _, b := range hostPkts {
		if p := decode(b); p.Command == aproto.CmdOPEN {
			services[p.Arg0] = strings.TrimRight(string(p.Payload), "\x00")
		}
	}
	req, rep := map[uint32][]byte{}, map[uint32][]byte{}
	for _, b := range hostPkts {
		if p := decode(b); p.Command == aproto.CmdWRTE {
			req[p.Arg0] = append(req[p.Arg0], p.Payload...)
		}
	}
	for _, b := range devPkts {
		if p := decode(b); p.Command == aproto.CmdWRTE {
			rep[p.Arg1] = append(rep[p.Arg1], p.Payload...)
		}
	}
	for n, id := range slices.Sorted(maps.Keys(services)) {
		svc := services[id]
		switch {
		case svc == "sync:":
			dir := filepath.Join("internal", "syncproto", "testdata", "fuzz", "FuzzReader")
			fuzzseed.Write(t, dir, fmt.Sprintf("requests-%d", n), req[id])
			fuzzseed.Write(t, dir, fmt.Sprintf("replies-%d", n), rep[id])
		case strings.HasPrefix(svc, "shell,v2"):
			fuzzseed.Write(t, filepath.Join("internal", "shellproto", "testdata", "fuzz", "FuzzRead"), fmt.Sprintf("shell-%d", n), rep[id])
		}
	}
}
