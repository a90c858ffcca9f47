package aproto

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	pkts := []Packet{
		{Command: CmdCNXN, Arg0: Version, Arg1: MaxPayload, Payload: []byte("host::features=shell_v2,cmd\x00")},
		{Command: CmdOPEN, Arg0: 7, Payload: []byte("sync:\x00")},
		{Command: CmdOKAY, Arg0: 1, Arg1: 7},
		{Command: CmdWRTE, Arg0: 1, Arg1: 7, Payload: bytes.Repeat([]byte{0xff}, 4096)},
		{Command: CmdCLSE, Arg0: 1, Arg1: 7},
	}
	for _, checksum := range []bool{true, false} {
		var b []byte
		for _, p := range pkts {
			b = AppendPacket(b, p, checksum)
		}
		r := NewReader(bytes.NewReader(b))
		if !checksum {
			r.Version = VersionSkipChecksum
		}
		for i, want := range pkts {
			got, err := r.ReadPacket()
			if err != nil {
				t.Fatalf("checksum=%v packet %d: %v", checksum, i, err)
			}
			if got.Command != want.Command || got.Arg0 != want.Arg0 || got.Arg1 != want.Arg1 || !bytes.Equal(got.Payload, want.Payload) {
				t.Errorf("packet %d = %v, want %v", i, got, want)
			}
		}
		if _, err := r.ReadPacket(); err != io.EOF {
			t.Errorf("after the last packet: %v, want io.EOF", err)
		}
	}
}

func TestReadPacketErrors(t *testing.T) {
	good := AppendPacket(nil, Packet{Command: CmdWRTE, Arg0: 1, Arg1: 2, Payload: []byte("hello")}, true)
	corrupt := func(f func(b []byte)) []byte {
		b := bytes.Clone(good)
		f(b)
		return b
	}
	tests := []struct {
		name    string
		in      []byte
		version uint32
		max     uint32
		want    error
		where   string
	}{
		{"bad magic", corrupt(func(b []byte) { b[20] ^= 1 }), VersionMin, 0, ErrBadMagic, "offset 0"},
		{"bad checksum", corrupt(func(b []byte) { b[HeaderSize] = 'j' }), VersionMin, 0, ErrBadChecksum, "WRTE at offset 0"},
		{"checksum ignored when skipped", corrupt(func(b []byte) { b[HeaderSize] = 'j' }), VersionSkipChecksum, 0, nil, ""},
		{"too large", good, VersionMin, 4, ErrPayloadTooLarge, "5 bytes"},
		{"truncated header", good[:10], VersionMin, 0, io.ErrUnexpectedEOF, "header at offset 0"},
		{"truncated payload", good[:HeaderSize+2], VersionMin, 0, io.ErrUnexpectedEOF, "payload at offset 24"},
		{"unknown command", AppendPacket(nil, Packet{Command: 0x41414141}, true), VersionMin, 0, ErrUnknownCommand, "0x41414141"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(bytes.NewReader(tt.in))
			r.Version = tt.version
			if tt.max != 0 {
				r.MaxPayload = tt.max
			}
			_, err := r.ReadPacket()
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.where) {
				t.Errorf("err = %v, want %v mentioning %q", err, tt.want, tt.where)
			}
		})
	}
}

// A reconnecting host keeps its negotiated version and sends CNXN without a
// checksum; the device must accept it before version negotiation.
func TestZeroChecksumCNXN(t *testing.T) {
	b := AppendPacket(nil, Packet{Command: CmdCNXN, Arg0: Version, Arg1: MaxPayload, Payload: []byte("host::\x00")}, false)
	if _, err := NewReader(bytes.NewReader(b)).ReadPacket(); err != nil {
		t.Fatal(err)
	}
	b = AppendPacket(nil, Packet{Command: CmdOPEN, Payload: []byte("shell:\x00")}, false)
	if _, err := NewReader(bytes.NewReader(b)).ReadPacket(); !errors.Is(err, ErrBadChecksum) {
		t.Errorf("OPEN without checksum at version 1.0.0: %v, want ErrBadChecksum", err)
	}
}

func TestPublicKey(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := EncodePublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ParsePublicKey([]byte(enc + " tech@attesta\x00"))
	if err != nil {
		t.Fatal(err)
	}
	if !pub.Equal(&key.PublicKey) {
		t.Fatal("parsed key differs")
	}
	token := make([]byte, TokenSize)
	rand.Read(token)
	sig, err := SignToken(key, token)
	if err != nil {
		t.Fatal(err)
	}
	if !VerifyToken(pub, token, sig) {
		t.Error("signature does not verify")
	}
	token[0] ^= 1
	if VerifyToken(pub, token, sig) {
		t.Error("signature verifies over another token")
	}

	for name, in := range map[string][]byte{
		"not base64": []byte("!!!"),
		"short":      []byte("AAAA"),
		"bad n0inv":  []byte(flipByte(enc, 4)),
		"bad words":  []byte(flipByte(enc, 0)),
	} {
		if _, err := ParsePublicKey(in); !errors.Is(err, ErrBadKey) {
			t.Errorf("%s: %v, want ErrBadKey", name, err)
		}
	}
}

func flipByte(b64 string, i int) string {
	k, _ := ParsePublicKeyRaw(b64)
	k[i] ^= 1
	return encodeRaw(k)
}

func TestBanner(t *testing.T) {
	b := ParseBanner("device::ro.product.name=panther;ro.product.model=Pixel 7;ro.product.device=panther;features=shell_v2,cmd,stat_v2\x00")
	if b.Type != "device" || b.Properties["ro.product.model"] != "Pixel 7" || !b.HasFeature("stat_v2") || b.HasFeature("ls_v2") {
		t.Errorf("ParseBanner = %+v", b)
	}
	if again := ParseBanner(b.String()); again.String() != b.String() {
		t.Errorf("banner does not round-trip: %q vs %q", again.String(), b.String())
	}
	if h := ParseBanner("host::features=shell_v2"); h.Type != "host" || len(h.Features) != 1 {
		t.Errorf("host banner = %+v", h)
	}
}

func FuzzReadPacket(f *testing.F) {
	f.Add(AppendPacket(nil, Packet{Command: CmdOPEN, Arg0: 1, Payload: []byte("shell:id\x00")}, true))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, version := range []uint32{VersionMin, VersionSkipChecksum} {
			r := NewReader(bytes.NewReader(data))
			r.Version = version
			for range 64 {
				p, err := r.ReadPacket()
				if err != nil {
					break
				}
				// What decodes must encode to bytes that decode the same.
				again, err := NewReader(bytes.NewReader(AppendPacket(nil, p, true))).ReadPacket()
				if err != nil || again.Command != p.Command || again.Arg0 != p.Arg0 || again.Arg1 != p.Arg1 || !bytes.Equal(again.Payload, p.Payload) {
					t.Fatalf("re-encoding %v: %v, %v", p, again, err)
				}
				if binary.LittleEndian.Uint32(AppendPacket(nil, p, false)[16:]) != 0 {
					t.Fatal("checksum written when skipped")
				}
			}
		}
	})
}

func FuzzParsePublicKey(f *testing.F) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		f.Fatal(err)
	}
	enc, _ := EncodePublicKey(&key.PublicKey)
	f.Add([]byte(enc + " user@host\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pub, err := ParsePublicKey(data)
		if err != nil {
			return
		}
		enc, err := EncodePublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		if again, err := ParsePublicKey([]byte(enc)); err != nil || !again.Equal(pub) {
			t.Fatalf("re-encoded key: %v", err)
		}
	})
}

func BenchmarkReadPacket(b *testing.B) {
	pkt := AppendPacket(nil, Packet{Command: CmdWRTE, Arg0: 1, Arg1: 2, Payload: make([]byte, 64*1024)}, false)
	r := bytes.NewReader(pkt)
	rd := NewReader(r)
	rd.Version = VersionSkipChecksum
	b.SetBytes(int64(len(pkt)))
	for b.Loop() {
		r.Reset(pkt)
		if _, err := rd.ReadPacket(); err != nil {
			b.Fatal(err)
		}
	}
}
