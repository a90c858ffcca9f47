package msgstore

import (
	"encoding/base64"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// RawRowVersion is the version of the RawRow encoding (see the package documentation).
const RawRowVersion = 1

// table is one table's part of a SELECT t.* result: its columns, and the order its keys are written in RawRow.
type table struct {
	name   string
	cols   []string
	pos    []int    // the position of each col, -1 when the table lacks it
	sorted []int    // column positions in key order
	keys   [][]byte // `"name":` per column, pre-encoded
}

func newTable(name string, cols []string) *table {
	t := &table{name: name, cols: cols, keys: make([][]byte, len(cols))}
	for i, c := range cols {
		t.keys[i] = append(appendString(nil, c), ':')
		t.sorted = append(t.sorted, i)
	}
	slices.SortFunc(t.sorted, func(a, b int) int { return strings.Compare(cols[a], cols[b]) })
	t.pos = make([]int, len(colNames))
	for c, name := range colNames {
		t.pos[c] = slices.Index(cols, name)
	}
	return t
}

// A col is a column the reader looks up in rows. Each table knows where each col is, so that a lookup (about
// fifteen per message) is an index rather than a map access.
type col int

// colNames are the cols' names, by col.
var colNames []string

func newCol(name string) col {
	colNames = append(colNames, name)
	return col(len(colNames) - 1)
}

// The columns looked up, of both layouts.
var (
	colID                     = newCol("_id")
	colKeyID                  = newCol("key_id")
	colTimestamp              = newCol("timestamp")
	colStatus                 = newCol("status")
	colFromMe                 = newCol("from_me")
	colMessageType            = newCol("message_type")
	colTextData               = newCol("text_data")
	colMediaCaption           = newCol("media_caption")
	colSenderJIDRowID         = newCol("sender_jid_row_id")
	colReceiptUserJIDRowID    = newCol("receipt_user_jid_row_id")
	colReceiptTimestamp       = newCol("receipt_timestamp")
	colReadTimestamp          = newCol("read_timestamp")
	colPlayedTimestamp        = newCol("played_timestamp")
	colReceiptDeviceJIDRowID  = newCol("receipt_device_jid_row_id")
	colReceiptDeviceTimestamp = newCol("receipt_device_timestamp")
	colFileSize               = newCol("file_size")
	colFileLength             = newCol("file_length")
	colFilePath               = newCol("file_path")
	colMediaName              = newCol("media_name")
	colMIMEType               = newCol("mime_type")
	colFileHash               = newCol("file_hash")
	// legacy
	colKeyFromMe             = newCol("key_from_me")
	colMediaWAType           = newCol("media_wa_type")
	colData                  = newCol("data")
	colRemoteResource        = newCol("remote_resource")
	colMediaSize             = newCol("media_size")
	colThumbImage            = newCol("thumb_image")
	colMediaMIMEType         = newCol("media_mime_type")
	colMediaHash             = newCol("media_hash")
	colReadDeviceTimestamp   = newCol("read_device_timestamp")
	colPlayedDeviceTimestamp = newCol("played_device_timestamp")
)

// row is one row of a table, as SQLite returned it: nil, int64, float64, string or []byte per column.
type row struct {
	t    *table
	vals []any
}

// value returns the column's value, nil when the column does not exist or is NULL.
func (r row) value(c col) any {
	if r.t == nil || r.vals == nil {
		return nil
	}
	i := r.t.pos[c]
	if i < 0 {
		return nil
	}
	return r.vals[i]
}

// int reads an integer column; TEXT holding digits (media_wa_type is TEXT) and REAL are accepted.
func (r row) int(c col) (int64, bool) { return asInt(r.value(c)) }

func asInt(v any) (int64, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case float64:
		if v >= math.MinInt64 && v <= math.MaxInt64 {
			return int64(v), true
		}
	case string:
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	case []byte:
		n, err := strconv.ParseInt(string(v), 10, 64)
		return n, err == nil
	}
	return 0, false
}

// str reads a text column; numbers are formatted, NULL is "" and false.
func (r row) str(c col) (string, bool) {
	switch v := r.value(c).(type) {
	case string:
		return v, true
	case []byte:
		return string(v), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), true
	}
	return "", false
}

// appendObject writes the row as a JSON object with keys in byte order.
func (r row) appendObject(b []byte) []byte {
	b = append(b, '{')
	for n, i := range r.t.sorted {
		if n > 0 {
			b = append(b, ',')
		}
		b = append(b, r.t.keys[i]...)
		b = appendValue(b, r.vals[i])
	}
	return append(b, '}')
}

// appendValue writes one SQLite value. Text that is not UTF-8 and blobs are written as objects carrying base64, so
// that no byte is lost or confused with text.
func appendValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return appendString(append(b, `{"real":`...), strconv.FormatFloat(v, 'g', -1, 64))
		}
		return strconv.AppendFloat(b, v, 'g', -1, 64)
	case string:
		if !utf8.ValidString(v) {
			b = append(b, `{"text_base64":`...)
			return append(appendString(b, base64.StdEncoding.EncodeToString([]byte(v))), '}')
		}
		return appendString(b, v)
	case []byte:
		b = append(b, `{"blob_base64":`...)
		return append(appendString(b, base64.StdEncoding.EncodeToString(v)), '}')
	case bool:
		return strconv.AppendBool(b, v)
	}
	return append(b, "null"...)
}

const hexDigits = "0123456789abcdef"

// appendString writes s (valid UTF-8) as a JSON string, escaping only what JSON requires.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// rawRow accumulates the RawRow of one message: {"layout":…,"rows":{table: object or [objects]},"v":1}.
type rawRow struct {
	layout Layout
	single []row      // one row per table (message, message_media, …)
	multi  []rowGroup // receipt tables: several rows per message
}

// rowGroup is the rows of one table that several rows of may belong to a message.
type rowGroup struct {
	name string
	rows []row
}

func (r *rawRow) appendTo(b []byte) []byte {
	type part struct {
		name string
		one  *row
		many []row
	}
	var buf [16]part
	parts := buf[:0]
	for i := range r.single {
		if r.single[i].vals != nil {
			parts = append(parts, part{name: r.single[i].t.name, one: &r.single[i]})
		}
	}
	for _, g := range r.multi {
		if len(g.rows) > 0 {
			parts = append(parts, part{name: g.name, many: g.rows})
		}
	}
	slices.SortFunc(parts, func(a, b part) int { return strings.Compare(a.name, b.name) })
	b = append(b, `{"layout":`...)
	b = appendString(b, string(r.layout))
	b = append(b, `,"rows":{`...)
	for n, p := range parts {
		if n > 0 {
			b = append(b, ',')
		}
		b = append(appendString(b, p.name), ':')
		if p.one != nil {
			b = p.one.appendObject(b)
			continue
		}
		b = append(b, '[')
		for k, rw := range p.many {
			if k > 0 {
				b = append(b, ',')
			}
			b = rw.appendObject(b)
		}
		b = append(b, ']')
	}
	b = append(b, `},"v":`...)
	b = strconv.AppendInt(b, RawRowVersion, 10)
	return append(b, '}')
}
