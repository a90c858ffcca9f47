package syncproto

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestReplies(t *testing.T) {
	st := Stat{Error: 0, Dev: 1, Ino: 2, Mode: ModeRegular | 0o644, Nlink: 1, UID: 10, GID: 20, Size: 5 << 32, ATime: 1, MTime: 1700000000, CT: 3}
	var b []byte
	b = AppendStatV1(b, st)
	b = AppendStatV2(b, IDStat2, st)
	b = AppendDent(b, false, Dent{Stat: st, Name: "a"})
	b = AppendListDone(b, false)
	b = AppendDent(b, true, Dent{Stat: st, Name: "bb"})
	b = AppendListDone(b, true)
	b = AppendData(b, []byte("xyz"))
	b = AppendID(b, IDDone, 0)
	b = AppendFail(b, "No such file or directory")
	r := NewReader(bytes.NewReader(b))

	v1, err := r.ReadStatV1()
	if err != nil || v1.Mode != st.Mode || v1.Size != 0 || v1.MTime != st.MTime { // v1 sizes are 32-bit
		t.Errorf("v1 stat = %+v, %v", v1, err)
	}
	if v2, err := r.ReadStatV2(IDStat2); err != nil || v2 != st {
		t.Errorf("v2 stat = %+v, %v", v2, err)
	}
	for _, v2 := range []bool{false, true} {
		d, done, err := r.ReadDent(v2)
		if err != nil || done || d.Mode != st.Mode || (v2 && d.Stat != st) {
			t.Errorf("dent v2=%v = %+v %v %v", v2, d, done, err)
		}
		if _, done, err := r.ReadDent(v2); !done || err != nil {
			t.Errorf("list end v2=%v: done=%v %v", v2, done, err)
		}
	}
	buf := make([]byte, DataMax)
	if p, done, err := r.ReadData(buf); string(p) != "xyz" || done || err != nil {
		t.Errorf("data = %q %v %v", p, done, err)
	}
	if _, done, err := r.ReadData(buf); !done || err != nil {
		t.Errorf("DONE: %v %v", done, err)
	}
	var re *RemoteError
	if _, _, err := r.ReadData(buf); !errors.As(err, &re) || re.Msg != "No such file or directory" {
		t.Errorf("FAIL: %v", err)
	}
}

func TestRequests(t *testing.T) {
	var b []byte
	b = AppendRequest(b, IDRecv2, "/sdcard/a")
	b = AppendID(b, IDRecv2, 0)
	b = AppendID(b, IDQuit, 0)
	r := NewReader(bytes.NewReader(b))
	if id, p, _, err := r.ReadRequest(); id != IDRecv2 || p != "/sdcard/a" || err != nil {
		t.Errorf("request = %q %q %v", id, p, err)
	}
	if flags, err := r.ReadU32(IDRecv2); flags != 0 || err != nil {
		t.Errorf("flags = %d %v", flags, err)
	}
	if id, _, _, err := r.ReadRequest(); id != IDQuit || err != nil {
		t.Errorf("quit = %q %v", id, err)
	}
}

func TestMalformed(t *testing.T) {
	buf := make([]byte, DataMax)
	tests := []struct {
		name  string
		in    []byte
		read  func(r *Reader) error
		want  error
		where string
	}{
		{"data too long", AppendID(nil, IDData, DataMax+1), func(r *Reader) error { _, _, err := r.ReadData(buf); return err }, ErrTooLong, "offset 0"},
		{"truncated data", AppendData(nil, []byte("abcdef"))[:10], func(r *Reader) error { _, _, err := r.ReadData(buf); return err }, io.ErrUnexpectedEOF, "DATA at offset 0"},
		{"stream ends before DONE", nil, func(r *Reader) error { _, _, err := r.ReadData(buf); return err }, io.ErrUnexpectedEOF, "offset 0"},
		{"unknown reply", AppendID(nil, "JUNK", 0), func(r *Reader) error { _, _, err := r.ReadData(buf); return err }, ErrMalformed, `"JUNK"`},
		{"name too long", AppendDent(nil, false, Dent{Name: strings.Repeat("n", NameMax+1)}), func(r *Reader) error { _, _, err := r.ReadDent(false); return err }, ErrTooLong, "name of 4097 bytes"},
		{"path too long", AppendRequest(nil, IDRecv, strings.Repeat("p", PathMax+1)), func(r *Reader) error { _, _, _, err := r.ReadRequest(); return err }, ErrTooLong, "RECV request"},
		{"unknown request", AppendRequest(nil, "EVIL", "x"), func(r *Reader) error { _, _, _, err := r.ReadRequest(); return err }, ErrMalformed, `"EVIL"`},
		{"huge FAIL", AppendID(nil, IDFail, FailMax+1), func(r *Reader) error { _, err := r.ReadStatV1(); return err }, ErrTooLong, "FAIL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.read(NewReader(bytes.NewReader(tt.in)))
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.where) {
				t.Errorf("err = %v, want %v mentioning %q", err, tt.want, tt.where)
			}
		})
	}
}

// FuzzReader feeds device replies and host requests (seeded from a captured
// session) to every decoder.
func FuzzReader(f *testing.F) {
	f.Add(AppendListDone(AppendDent(nil, true, Dent{Name: "x"}), true))
	f.Fuzz(func(t *testing.T, data []byte) {
		buf := make([]byte, DataMax)
		steps := []func(r *Reader) error{
			func(r *Reader) error { _, err := r.ReadStatV1(); return err },
			func(r *Reader) error { _, err := r.ReadStatV2(IDStat2); return err },
			func(r *Reader) error { _, _, err := r.ReadDent(false); return err },
			func(r *Reader) error { _, _, err := r.ReadDent(true); return err },
			func(r *Reader) error {
				p, _, err := r.ReadData(buf)
				if len(p) > DataMax {
					t.Fatalf("DATA of %d bytes accepted", len(p))
				}
				return err
			},
			func(r *Reader) error {
				_, p, _, err := r.ReadRequest()
				if len(p) > PathMax {
					t.Fatalf("path of %d bytes accepted", len(p))
				}
				return err
			},
		}
		for _, step := range steps {
			r := NewReader(bytes.NewReader(data))
			for range 256 {
				if err := step(r); err != nil {
					break
				}
			}
			if r.Offset() > int64(len(data)) {
				t.Fatalf("offset %d beyond %d bytes", r.Offset(), len(data))
			}
		}
	})
}
