package msgstore

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/attesta/attesta/internal/testvectors"
)

// FuzzRawValue: every text or blob value encodes to JSON that reads back to the same bytes.
func FuzzRawValue(f *testing.F) {
	for _, s := range []string{"", "ciao", "\x00\"\\\n\u2028", "\xff\xfe", "<script>&", "é€😀"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, blob bool) {
		var v any = s
		if blob {
			v = []byte(s)
		}
		out := appendValue(nil, v)
		var back any
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("%q encodes to invalid JSON %s: %v", s, out, err)
		}
		got := ""
		switch b := back.(type) {
		case string:
			if blob || !utf8.ValidString(s) {
				t.Fatalf("%q (blob=%t) encoded as plain text", s, blob)
			}
			got = b
		case map[string]any:
			enc, _ := b["blob_base64"].(string)
			if !blob {
				enc, _ = b["text_base64"].(string)
			}
			raw, err := base64.StdEncoding.DecodeString(enc)
			if err != nil {
				t.Fatalf("%s: %v", out, err)
			}
			got = string(raw)
		default:
			t.Fatalf("%q encodes to %s", s, out)
		}
		if got != s {
			t.Fatalf("round trip %q → %s → %q", s, out, got)
		}
	})
}

// FuzzJID: any JID string from a database splits without panicking, and a phone number is only ever E.164.
func FuzzJID(f *testing.F) {
	for _, s := range []string{"393771151946@s.whatsapp.net", "393771151946.0:12@s.whatsapp.net", "123@lid",
		"120363000000000001@g.us", "393331234567-1600000000@g.us", "status@broadcast", "", "@", "+39@s.whatsapp.net",
		"0@s.whatsapp.net", "1234567890123456789@s.whatsapp.net"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := personOfJID(s)
		if p.phone != "" && (!strings.HasPrefix(p.phone, "+") || strings.Trim(p.phone[1:], "0123456789") != "") {
			t.Fatalf("%q gives phone %q", s, p.phone)
		}
		_ = kindOf(splitJID(s).server)
	})
}

// vectorThumbs returns the thumb_image blobs of the real legacy vector, as seeds.
func vectorThumbs(f *testing.F) [][]byte {
	path := testvectors.Path(f, "wa-crypt-tools", "msgstore.db")
	db, err := openReadOnly(context.Background(), path)
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT thumb_image FROM messages WHERE thumb_image IS NOT NULL")
	if err != nil {
		f.Fatal(err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// FuzzJavaPath: the legacy media path comes out of a serialized Java object without deserializing it; any blob
// gives a clean path or nothing.
func FuzzJavaPath(f *testing.F) {
	thumbs := vectorThumbs(f)
	if len(thumbs) == 0 {
		f.Fatal("the vector has no thumb_image blobs")
	}
	found := 0
	for _, b := range thumbs {
		// Only the status updates the phone downloaded carry a File.
		if p := javaSerializedPath(b); p != "" {
			found++
			if !strings.HasPrefix(p, "Media/.Statuses/") {
				f.Fatalf("vector blob gives path %q, want Media/.Statuses/…", p)
			}
		}
		f.Add(b)
	}
	if found != 2 {
		f.Fatalf("%d vector blobs give a path, want 2", found)
	}
	f.Add([]byte("\x00\x0cjava.io.File\x04-\xa4E\x0e\r\xe4\xff\x03\x00\x01L\x00\x04patht\x00\x12Ljava/lang/String;xpt\x00\x05a/b.c"))
	f.Add([]byte("\x00\x0cjava.io.File\x04-\xa4E\x0e\r\xe4\xff\x03\x00\x01L\x00\x04pathq\x00~\x00\x02xpt\xff\xff"))
	f.Fuzz(func(t *testing.T, blob []byte) {
		p := javaSerializedPath(blob)
		if p != "" && (!utf8.ValidString(p) || strings.ContainsAny(p, "\x00\\")) {
			t.Fatalf("path %q", p)
		}
	})
}
