package msgstore

import (
	"bytes"
	"encoding/binary"
	"strings"
	"unicode/utf8"
)

// The legacy layout keeps a media file's location inside thumb_image: a Java-serialized com.whatsapp.MediaData
// whose "file" field is a java.io.File. The File's class descriptor is its name, an 8-byte serialVersionUID, a
// flags byte and one field, "path" of type L (the type's class name a TC_STRING or a TC_REFERENCE to an earlier
// one); then TC_ENDBLOCKDATA 'x', TC_NULL 'p' (no superclass) and the value, a TC_STRING 't' with a big-endian
// 16-bit length.
var javaFileClass = []byte("\x00\x0cjava.io.File")

// javaSerializedPath extracts the path of the first java.io.File serialized in blob, or "" when the bytes do not
// have exactly that shape. The blob is never deserialized.
func javaSerializedPath(blob []byte) string {
	i := bytes.Index(blob, javaFileClass)
	if i < 0 {
		return ""
	}
	r := javaReader{b: blob[i+len(javaFileClass):]}
	r.skip(8 + 1) // serialVersionUID, flags
	if r.u16() != 1 || r.byte() != 'L' || r.str() != "path" {
		return ""
	}
	switch r.byte() {
	case 't':
		r.str()
	case 'q':
		r.skip(4)
	default:
		return ""
	}
	if r.byte() != 'x' || r.byte() != 'p' || r.byte() != 't' {
		return ""
	}
	p := r.str()
	if r.bad || !utf8.ValidString(p) || strings.ContainsAny(p, "\x00\\") {
		return ""
	}
	return p
}

// javaReader reads big-endian fields; reading past the end sets bad and returns zero values.
type javaReader struct {
	b   []byte
	bad bool
}

func (r *javaReader) skip(n int) {
	if len(r.b) < n {
		r.bad, r.b = true, nil
		return
	}
	r.b = r.b[n:]
}

func (r *javaReader) byte() byte {
	if len(r.b) < 1 {
		r.bad = true
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *javaReader) u16() int {
	if len(r.b) < 2 {
		r.bad = true
		return -1
	}
	n := int(binary.BigEndian.Uint16(r.b))
	r.b = r.b[2:]
	return n
}

// str reads a modified-UTF-8 string with a 16-bit length (its bytes as they are; paths are plain UTF-8).
func (r *javaReader) str() string {
	n := r.u16()
	if n < 0 || len(r.b) < n {
		r.bad = true
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}
