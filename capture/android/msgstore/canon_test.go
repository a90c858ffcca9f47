package msgstore_test

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"
)

// checkJSON checks that raw is one JSON value whose object keys are in byte order, without insignificant space.
func checkJSON(t testing.TB, name string, raw []byte) {
	t.Helper()
	if !json.Valid(raw) {
		t.Errorf("%s: not JSON: %s", name, raw)
		return
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil || !bytes.Equal(compact.Bytes(), raw) {
		t.Errorf("%s: not compact JSON", name)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	type frame struct {
		object  bool
		wantKey bool
		last    string
		started bool
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
			return
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if n := len(stack); n > 0 && stack[n-1].object {
					stack[n-1].wantKey = true
				}
				stack = append(stack, frame{object: d == '{', wantKey: d == '{'})
			default:
				stack = stack[:len(stack)-1]
				if n := len(stack); n > 0 && stack[n-1].object {
					stack[n-1].wantKey = true
				}
			}
			continue
		}
		n := len(stack)
		if n == 0 || !stack[n-1].object {
			continue
		}
		f := &stack[n-1]
		if f.wantKey {
			key := tok.(string)
			if f.started && key <= f.last {
				t.Errorf("%s: key %q after %q: not in byte order", name, key, f.last)
			}
			f.last, f.started, f.wantKey = key, true, false
		} else {
			f.wantKey = true
		}
	}
}
