package plist

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/xml"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf16"
)

// MarshalBinary writes v (of the types Parse returns; int and uint64 are accepted too) as a binary property list.
// Dictionary keys are written in byte order, so the same value gives the same bytes.
func MarshalBinary(v any) ([]byte, error) {
	w := &bwriter{}
	if _, err := w.add(v); err != nil {
		return nil, err
	}
	body := bytes.Buffer{}
	body.WriteString(binaryMagic)
	offsets := make([]uint64, len(w.objs))
	for i, o := range w.objs {
		offsets[i] = uint64(body.Len())
		body.Write(o)
	}
	table := uint64(body.Len())
	for _, off := range offsets {
		body.Write(binary.BigEndian.AppendUint64(nil, off))
	}
	var t [32]byte
	t[6], t[7] = 8, 4
	binary.BigEndian.PutUint64(t[8:], uint64(len(w.objs)))
	binary.BigEndian.PutUint64(t[24:], table)
	body.Write(t[:])
	return body.Bytes(), nil
}

type bwriter struct{ objs [][]byte }

func (w *bwriter) add(v any) (uint32, error) {
	i := uint32(len(w.objs))
	w.objs = append(w.objs, nil)
	var b []byte
	switch x := v.(type) {
	case bool:
		b = []byte{0x08}
		if x {
			b[0] = 0x09
		}
	case int:
		b = appendInt(nil, int64(x))
	case int64:
		b = appendInt(nil, x)
	case uint64:
		b = appendInt(nil, int64(x))
	case float64:
		b = binary.BigEndian.AppendUint64([]byte{0x23}, math.Float64bits(x))
	case time.Time:
		f := float64(x.Sub(appleEpoch)) / float64(time.Second)
		b = binary.BigEndian.AppendUint64([]byte{0x33}, math.Float64bits(f))
	case []byte:
		b = append(header(0x4, len(x)), x...)
	case string:
		b = appendString(x)
	case UID:
		b = binary.BigEndian.AppendUint64([]byte{0x87}, uint64(x))
	case []any:
		refs := make([]uint32, len(x))
		for k, e := range x {
			r, err := w.add(e)
			if err != nil {
				return 0, err
			}
			refs[k] = r
		}
		b = appendRefs(header(0xA, len(x)), refs)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		refs := make([]uint32, 2*len(keys))
		for k, key := range keys {
			kr, err := w.add(key)
			if err != nil {
				return 0, err
			}
			vr, err := w.add(x[key])
			if err != nil {
				return 0, err
			}
			refs[k], refs[len(keys)+k] = kr, vr
		}
		b = appendRefs(header(0xD, len(keys)), refs)
	default:
		return 0, fmt.Errorf("plist: cannot write %T", v)
	}
	w.objs[i] = b
	return i, nil
}

func appendInt(b []byte, n int64) []byte {
	if n >= 0 && n < 1<<31 {
		return binary.BigEndian.AppendUint32(append(b, 0x12), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, 0x13), uint64(n))
}

func header(kind byte, n int) []byte {
	if n < 0xF {
		return []byte{kind<<4 | byte(n)}
	}
	return appendInt([]byte{kind<<4 | 0xF}, int64(n))
}

func appendString(s string) []byte {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return append(header(0x5, len(s)), s...)
	}
	u := utf16.Encode([]rune(s))
	b := header(0x6, len(u))
	for _, c := range u {
		b = binary.BigEndian.AppendUint16(b, c)
	}
	return b
}

func appendRefs(b []byte, refs []uint32) []byte {
	for _, r := range refs {
		b = binary.BigEndian.AppendUint32(b, r)
	}
	return b
}

// MarshalXML writes v as an XML property list (UIDs cannot be written in XML).
func MarshalXML(v any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(xml.Header + `<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">` + "\n<plist version=\"1.0\">\n")
	if err := writeXML(&b, v); err != nil {
		return nil, err
	}
	b.WriteString("</plist>\n")
	return b.Bytes(), nil
}

func writeXML(b *bytes.Buffer, v any) error {
	leaf := func(tag, text string) {
		b.WriteString("<" + tag + ">")
		xml.EscapeText(b, []byte(text))
		b.WriteString("</" + tag + ">\n")
	}
	switch x := v.(type) {
	case bool:
		b.WriteString("<" + strconv.FormatBool(x) + "/>\n")
	case int:
		leaf("integer", strconv.Itoa(x))
	case int64:
		leaf("integer", strconv.FormatInt(x, 10))
	case float64:
		leaf("real", strconv.FormatFloat(x, 'g', -1, 64))
	case time.Time:
		leaf("date", x.UTC().Format(time.RFC3339))
	case []byte:
		leaf("data", base64.StdEncoding.EncodeToString(x))
	case string:
		leaf("string", x)
	case []any:
		b.WriteString("<array>\n")
		for _, e := range x {
			if err := writeXML(b, e); err != nil {
				return err
			}
		}
		b.WriteString("</array>\n")
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b.WriteString("<dict>\n")
		for _, k := range keys {
			leaf("key", k)
			if err := writeXML(b, x[k]); err != nil {
				return err
			}
		}
		b.WriteString("</dict>\n")
	default:
		return fmt.Errorf("plist: cannot write %T as XML", v)
	}
	return nil
}
