package adbtest

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/attesta/attesta/internal/testwait"
	"github.com/attesta/attesta/usb/internal/aproto"
	"github.com/attesta/attesta/usb/internal/shellproto"
	"github.com/attesta/attesta/usb/internal/syncproto"
)

// host is a minimal ADB host speaking aproto to the phone, for tests that need
// to see individual packets.
type host struct {
	t        *testing.T
	nc       net.Conn
	r        *aproto.Reader
	checksum bool
}

func dialHost(t *testing.T, p *Phone) *host {
	t.Helper()
	nc, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	end, _ := testwait.Deadline(t) // none: the zero time, no deadline
	nc.SetDeadline(end)
	return &host{t: t, nc: nc, r: aproto.NewReader(nc), checksum: true}
}

func (h *host) send(p aproto.Packet) {
	h.t.Helper()
	if err := aproto.WritePacket(h.nc, p, h.checksum); err != nil {
		h.t.Fatal(err)
	}
}

func (h *host) read() aproto.Packet {
	h.t.Helper()
	p, err := h.r.ReadPacket()
	if err != nil {
		h.t.Fatal(err)
	}
	return p
}

// rawHeader reads the next packet's header bytes without checks.
func (h *host) rawPacket() ([]byte, []byte) {
	h.t.Helper()
	hdr := make([]byte, aproto.HeaderSize)
	if _, err := io.ReadFull(h.nc, hdr); err != nil {
		h.t.Fatal(err)
	}
	payload := make([]byte, binary.LittleEndian.Uint32(hdr[12:]))
	if _, err := io.ReadFull(h.nc, payload); err != nil {
		h.t.Fatal(err)
	}
	return hdr, payload
}

func (h *host) cnxn(version, maxdata uint32) {
	h.send(aproto.Packet{Command: aproto.CmdCNXN, Arg0: version, Arg1: maxdata, Payload: []byte("host::features=shell_v2,stat_v2\x00")})
}

func startPhone(t *testing.T, cfg Config) *Phone {
	t.Helper()
	if cfg.Root == "" {
		cfg.Root = t.TempDir()
	}
	return Start(t, cfg)
}

func TestHandshakeVersionChecksumPayload(t *testing.T) {
	root := t.TempDir()
	big := make([]byte, 10000)
	rand.Read(big)
	os.WriteFile(filepath.Join(root, "big"), big, 0o644)
	p := startPhone(t, Config{Root: root, Model: "Pixel 8"})

	for _, tc := range []struct {
		name     string
		version  uint32
		checksum bool
	}{{"v1.0.0 checksums", aproto.VersionMin, true}, {"v1.0.1 no checksums", aproto.VersionSkipChecksum, false}} {
		t.Run(tc.name, func(t *testing.T) {
			h := dialHost(t, p)
			h.cnxn(tc.version, aproto.MaxPayloadV1)
			hdr, payload := h.rawPacket()
			if cmd := binary.LittleEndian.Uint32(hdr); cmd != aproto.CmdCNXN {
				t.Fatalf("got %s, want CNXN", aproto.CommandName(cmd))
			}
			if b := aproto.ParseBanner(string(payload)); b.Type != "device" || b.Properties["ro.product.model"] != "Pixel 8" || !b.HasFeature("shell_v2") {
				t.Errorf("banner %q", payload)
			}
			h.checksum = tc.checksum
			h.send(aproto.Packet{Command: aproto.CmdOPEN, Arg0: 5, Payload: []byte("exec:cat /big\x00")})
			hdr, _ = h.rawPacket()
			local := binary.LittleEndian.Uint32(hdr[4:])
			if cmd := binary.LittleEndian.Uint32(hdr); cmd != aproto.CmdOKAY || binary.LittleEndian.Uint32(hdr[8:]) != 5 {
				t.Fatalf("OPEN answered with %s", aproto.CommandName(cmd))
			}
			var got []byte
			for len(got) < len(big) {
				hdr, payload := h.rawPacket()
				if cmd := binary.LittleEndian.Uint32(hdr); cmd != aproto.CmdWRTE {
					t.Fatalf("got %s, want WRTE", aproto.CommandName(cmd))
				}
				if len(payload) > int(aproto.MaxPayloadV1) {
					t.Fatalf("WRTE of %d bytes exceeds the negotiated %d", len(payload), aproto.MaxPayloadV1)
				}
				check := binary.LittleEndian.Uint32(hdr[16:])
				if want := map[bool]uint32{true: aproto.Checksum(payload), false: 0}[tc.checksum]; check != want {
					t.Errorf("data_check %#x, want %#x", check, want)
				}
				got = append(got, payload...)
				if len(got) < len(big) {
					expectSilence(t, h) // one WRTE in flight until OKAY
				}
				h.send(aproto.Packet{Command: aproto.CmdOKAY, Arg0: 5, Arg1: local})
			}
			if !bytes.Equal(got, big) {
				t.Error("stream content differs from the file")
			}
			if p := h.read(); p.Command != aproto.CmdCLSE {
				t.Errorf("after the data: %v, want CLSE", p)
			}
		})
	}
}

// expectSilence checks that the phone sends nothing more for a moment. It is
// the one bounded wait in these tests: absence cannot be waited on otherwise.
func expectSilence(t *testing.T, h *host) {
	t.Helper()
	h.nc.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	var b [1]byte
	if n, err := h.nc.Read(b[:]); n > 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("phone sent more before OKAY (n=%d, err=%v)", n, err)
	}
	end, _ := testwait.Deadline(t)
	h.nc.SetReadDeadline(end)
}

func TestAuth(t *testing.T) {
	trusted, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	sign := func(h *host, key *rsa.PrivateKey) aproto.Packet {
		tok := h.read()
		if tok.Command != aproto.CmdAUTH || tok.Arg0 != aproto.AuthToken || len(tok.Payload) != aproto.TokenSize {
			t.Fatalf("got %v, want AUTH TOKEN", tok)
		}
		sig, err := aproto.SignToken(key, tok.Payload)
		if err != nil {
			t.Fatal(err)
		}
		h.send(aproto.Packet{Command: aproto.CmdAUTH, Arg0: aproto.AuthSignature, Payload: sig})
		return h.read()
	}
	offer := func(h *host, key *rsa.PrivateKey) {
		enc, err := aproto.EncodePublicKey(&key.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		h.send(aproto.Packet{Command: aproto.CmdAUTH, Arg0: aproto.AuthRSAPublicKey, Payload: []byte(enc + " tech@studio\x00")})
	}

	t.Run("key list: trusted signature", func(t *testing.T) {
		p := startPhone(t, Config{Auth: AuthKeyList, Keys: []*rsa.PublicKey{&trusted.PublicKey}})
		h := dialHost(t, p)
		h.cnxn(aproto.Version, aproto.MaxPayload)
		if got := sign(h, trusted); got.Command != aproto.CmdCNXN {
			t.Fatalf("got %v, want CNXN", got)
		}
	})
	t.Run("key list: stranger stays unauthorized", func(t *testing.T) {
		p := startPhone(t, Config{Auth: AuthKeyList, Keys: []*rsa.PublicKey{&trusted.PublicKey}})
		h := dialHost(t, p)
		h.cnxn(aproto.Version, aproto.MaxPayload)
		again := sign(h, stranger)
		if again.Command != aproto.CmdAUTH || again.Arg0 != aproto.AuthToken {
			t.Fatalf("bad signature answered with %v, want a new TOKEN", again)
		}
		offer(h, stranger)
		expectSilence(t, h)
		if p.AuthPrompts() != 1 {
			t.Errorf("prompts = %d, want 1", p.AuthPrompts())
		}
	})
	t.Run("accept any: key offered, then remembered", func(t *testing.T) {
		p := startPhone(t, Config{Auth: AuthAcceptAny})
		h := dialHost(t, p)
		h.cnxn(aproto.Version, aproto.MaxPayload)
		if got := sign(h, stranger); got.Arg0 != aproto.AuthToken {
			t.Fatalf("got %v, want a new TOKEN", got)
		}
		offer(h, stranger)
		if got := h.read(); got.Command != aproto.CmdCNXN {
			t.Fatalf("got %v, want CNXN", got)
		}
		h2 := dialHost(t, p)
		h2.cnxn(aproto.Version, aproto.MaxPayload)
		if got := sign(h2, stranger); got.Command != aproto.CmdCNXN {
			t.Fatalf("remembered key: got %v, want CNXN", got)
		}
		if p.AuthPrompts() != 1 {
			t.Errorf("prompts = %d, want 1", p.AuthPrompts())
		}
	})
}

func TestBadPacketsDropConnection(t *testing.T) {
	p := startPhone(t, Config{})
	tests := map[string]func(b []byte){
		"bad magic":    func(b []byte) { b[20] ^= 0xff },
		"bad checksum": func(b []byte) { b[16] ^= 0xff },
		"too large":    func(b []byte) { binary.LittleEndian.PutUint32(b[12:], 1<<30) },
	}
	for name, corrupt := range tests {
		t.Run(name, func(t *testing.T) {
			h := dialHost(t, p)
			b := aproto.AppendPacket(nil, aproto.Packet{Command: aproto.CmdCNXN, Arg0: aproto.VersionMin, Arg1: 4096, Payload: []byte("host::\x00")}, true)
			corrupt(b)
			h.nc.Write(b)
			// The phone hangs up: EOF, or a reset when our bytes were left unread.
			if n, err := io.Copy(io.Discard, h.nc); n != 0 || (err != nil && !errors.Is(err, syscall.ECONNRESET)) {
				t.Errorf("phone answered a corrupt packet: %d bytes, %v", n, err)
			}
		})
	}
}

// connected returns a host past CNXN.
func connected(t *testing.T, p *Phone) *host {
	h := dialHost(t, p)
	h.cnxn(aproto.Version, aproto.MaxPayload)
	if got := h.read(); got.Command != aproto.CmdCNXN {
		t.Fatalf("got %v, want CNXN", got)
	}
	h.checksum = false
	h.r.Version = aproto.Version
	return h
}

// service opens a service and returns everything it writes until CLSE.
func (h *host) service(name string, input []byte) []byte {
	h.t.Helper()
	h.send(aproto.Packet{Command: aproto.CmdOPEN, Arg0: 9, Payload: []byte(name + "\x00")})
	ok := h.read()
	if ok.Command != aproto.CmdOKAY {
		h.t.Fatalf("OPEN %s: %v", name, ok)
	}
	if input != nil {
		h.send(aproto.Packet{Command: aproto.CmdWRTE, Arg0: 9, Arg1: ok.Arg0, Payload: input})
	}
	var out []byte
	for {
		p := h.read()
		switch p.Command {
		case aproto.CmdWRTE:
			out = append(out, p.Payload...)
			h.send(aproto.Packet{Command: aproto.CmdOKAY, Arg0: 9, Arg1: ok.Arg0})
		case aproto.CmdCLSE:
			return out
		}
	}
}

func TestRootConfinement(t *testing.T) {
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret"), []byte("host file"), 0o644)
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "sdcard"), 0o755)
	os.WriteFile(filepath.Join(root, "sdcard", "ok"), []byte("phone file"), 0o644)
	os.Symlink(outside, filepath.Join(root, "sdcard", "escape"))
	os.Symlink("ok", filepath.Join(root, "sdcard", "inside"))
	p := startPhone(t, Config{Root: root})

	for _, tc := range []struct{ path, want string }{
		{"/sdcard/ok", "phone file"},
		{"/sdcard/inside", "phone file"},
		{"/../../../" + strings.TrimPrefix(filepath.Join(outside, "secret"), "/"), "FAIL"},
		{"/sdcard/escape/secret", "FAIL"},
		{"/sdcard/../../sdcard/ok", "phone file"},
	} {
		h := connected(t, p)
		req := syncproto.AppendRequest(nil, syncproto.IDRecv, tc.path)
		req = syncproto.AppendID(req, syncproto.IDQuit, 0)
		out := h.service("sync:", req)
		if !bytes.Contains(out, []byte(tc.want)) || bytes.Contains(out, []byte("host file")) {
			t.Errorf("RECV %s = %q, want %q", tc.path, out, tc.want)
		}
	}
}

func TestSendRefused(t *testing.T) {
	root := t.TempDir()
	p := startPhone(t, Config{Root: root})
	h := connected(t, p)
	req := syncproto.AppendRequest(nil, syncproto.IDSend, "/sdcard/new,33188")
	req = syncproto.AppendData(req, []byte("x"))
	req = syncproto.AppendID(req, syncproto.IDDone, 0)
	out := h.service("sync:", req)
	if !bytes.HasPrefix(out, []byte("FAIL")) {
		t.Errorf("SEND answered %q, want FAIL", out)
	}
	if p.WriteAttempts() != 1 {
		t.Errorf("write attempts = %d, want 1", p.WriteAttempts())
	}
	if ents, _ := os.ReadDir(root); len(ents) != 0 {
		t.Errorf("SEND wrote %v", ents)
	}
}

func TestShellV2Framing(t *testing.T) {
	p := startPhone(t, Config{})
	h := connected(t, p)
	out := h.service("shell,v2,TERM=xterm,raw:getprop ro.build.version.sdk; ls /nope", nil)
	r := bytes.NewReader(out)
	var stdout, stderr []byte
	code := -1
	for {
		id, data, err := shellproto.Read(r)
		if err != nil {
			break
		}
		switch id {
		case shellproto.IDStdout:
			stdout = append(stdout, data...)
		case shellproto.IDStderr:
			stderr = append(stderr, data...)
		case shellproto.IDExit:
			code = int(data[0])
		}
	}
	if string(stdout) != "34\n" || !strings.Contains(string(stderr), "No such file") || code != 1 {
		t.Errorf("stdout %q stderr %q exit %d", stdout, stderr, code)
	}
}

func TestShellCommands(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "sdcard", "Download"), 0o755)
	p, err := New(Config{Root: root, Packages: map[string]string{"com.whatsapp": "2.25.3.1", "com.whatsapp.w4b": "2.25.2.9"}, Properties: map[string]string{"ro.product.brand": "motorola"}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	tests := []struct {
		cmd, out string
		code     int
	}{
		{"getprop ro.product.brand", "motorola\n", 0},
		{"getprop ro.build.version.release", "14\n", 0},
		{"dumpsys package com.whatsapp | grep versionName", "    versionName=2.25.3.1\n", 0},
		{"pm list packages | grep w4b", "package:com.whatsapp.w4b\n", 0},
		{"pm path com.whatsapp.w4b", "package:/data/app/~~Zx1/com.whatsapp.w4b-Q2/base.apk\n", 0},
		{"echo 'a  b' c", "a  b c\n", 0},
		{"ls /sdcard", "Download\n", 0},
		{"id | grep -i SHELL", "uid=2000(shell)", 0},
		{"getprop | grep nothing-matches", "", 1},
		{"whoami", "", 127},
		{"ls /sdcard && echo yes", "Download\nyes\n", 0},
		{"ls /nope && echo yes", "", 1},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		code := p.run(tt.cmd, &out, &errOut)
		if code != tt.code || !strings.HasPrefix(out.String(), tt.out) || (tt.out == "" && out.Len() > 0) {
			t.Errorf("%q = %q (stderr %q) exit %d, want %q exit %d", tt.cmd, out.String(), errOut.String(), code, tt.out, tt.code)
		}
	}
	for _, cmd := range []string{"rm -rf /sdcard", "echo x > /sdcard/f", "pm uninstall -k com.whatsapp", "am force-stop com.whatsapp"} {
		if code := p.run(cmd, io.Discard, io.Discard); code == 0 {
			t.Errorf("%q succeeded on a read-only phone", cmd)
		}
	}
	if p.WriteAttempts() != 4 {
		t.Errorf("write attempts = %d, want 4", p.WriteAttempts())
	}
}
