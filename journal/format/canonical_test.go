package format

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestDecodeCanonical(t *testing.T) {
	tests := []struct {
		name, in string
		wantErr  string // empty: accepted
	}{
		{"object", `{"a":1,"b":[true,false],"c":{"d":"e"}}`, ""},
		{"empty containers", `{"a":[],"b":{}}`, ""},
		{"negative", `{"a":-5}`, ""},
		{"max uint64", `{"a":18446744073709551615}`, ""},
		{"min int64", `{"a":-9223372036854775808}`, ""},
		{"escapes", `{"a":"q\"b\\c\nd\te\u0001f\u001fg"}`, ""},
		{"literal unicode", `{"a":"città € 😀 <&> \u2028"}`, "non-canonical escape"},
		{"literal U+2028", "{\"a\":\"\u2028\"}", ""},
		{"float", `{"a":1.5}`, "offset 5: floats are not allowed"},
		{"exponent", `{"a":1e3}`, "floats are not allowed"},
		{"integral float", `{"a":2.0}`, "floats are not allowed"},
		{"duplicate key", `{"a":1,"a":2}`, `offset 7: duplicate key "a"`},
		{"unsorted", `{"b":1,"a":2}`, `offset 7: key "a" is not sorted (it follows "b")`},
		{"unsorted bytewise", `{"a":1,"B":2}`, `key "B" is not sorted`},
		{"space after colon", `{"a": 1}`, "offset 5: whitespace is not allowed"},
		{"space after comma", `{"a":1, "b":2}`, "offset 7: whitespace is not allowed"},
		{"leading space", ` {"a":1}`, "offset 0: whitespace is not allowed"},
		{"trailing newline", "{\"a\":1}\n", "trailing data"},
		{"null", `{"a":null}`, "null is not allowed"},
		{"leading zero", `{"a":01}`, "leading zeros"},
		{"minus zero", `{"a":-0}`, "-0 is not allowed"},
		{"plus sign", `{"a":+1}`, "unexpected character"},
		{"too big", `{"a":18446744073709551616}`, "out of range"},
		{"too small", `{"a":-9223372036854775809}`, "out of range"},
		{"escaped slash", `{"a":"\/"}`, `non-canonical escape \/`},
		{"unicode escape of letter", `{"a":"\u0041"}`, "non-canonical escape"},
		{"upper-case hex escape", `{"a":"\u001F"}`, "non-canonical escape"},
		{"long form of newline", `{"a":"\u000a"}`, "non-canonical escape"},
		{"raw control", "{\"a\":\"\x01\"}", "must be escaped"},
		{"invalid utf8", "{\"a\":\"\xff\"}", "invalid UTF-8"},
		{"surrogate in utf8", "{\"a\":\"\xed\xa0\x80\"}", "invalid UTF-8"},
		{"unterminated", `{"a":"b`, "unterminated string"},
		{"truncated", `{"a":1`, "unexpected end"},
		{"empty", ``, "unexpected end"},
		{"deep", strings.Repeat("[", 40) + strings.Repeat("]", 40), "nested deeper"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := decodeCanonical([]byte(tt.in))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("decode %q: %v", tt.in, err)
				}
				// The canonical form is also plain JSON with the same meaning.
				var std any
				dec := json.NewDecoder(strings.NewReader(tt.in))
				dec.UseNumber()
				if err := dec.Decode(&std); err != nil {
					t.Fatalf("encoding/json rejects accepted input %q: %v", tt.in, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("decode %q = %v, want error containing %q", tt.in, v, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("decode %q: error %q, want it to contain %q", tt.in, err, tt.wantErr)
			}
		})
	}
}

func TestEncodeCanonical(t *testing.T) {
	type myString string
	tests := []struct {
		name    string
		in      any
		want    string
		wantErr string
	}{
		{"sorted keys", map[string]any{"b": 1, "a": 2, "B": 3}, `{"B":3,"a":2,"b":1}`, ""},
		{"nested", map[string]any{"x": []any{map[string]any{"z": true, "y": "s"}}}, `{"x":[{"y":"s","z":true}]}`, ""},
		{"typed slices and maps", map[string]any{"s": []string{"a"}, "m": map[string]int{"k": 1}}, `{"m":{"k":1},"s":["a"]}`, ""},
		{"integer kinds", []any{int8(-1), uint16(2), int32(3), uint64(math.MaxUint64), int64(math.MinInt64)}, `[-1,2,3,18446744073709551615,-9223372036854775808]`, ""},
		{"named string", myString("x"), `"x"`, ""},
		{"no html escaping", "<a&b>", `"<a&b>"`, ""},
		{"control escapes", "\b\f\n\r\t\x00\x1f\"\\", `"\b\f\n\r\t\u0000\u001f\"\\"`, ""},
		{"nil slice", map[string]any{"a": []string(nil)}, `{"a":[]}`, ""},
		{"float refused", map[string]any{"f": 1.0}, "", "$.f: floats are not allowed"},
		{"nil refused", map[string]any{"n": nil}, "", "$.n: null is not allowed"},
		{"bytes refused", map[string]any{"b": []byte("x")}, "", "byte slices are not allowed"},
		{"struct refused", map[string]any{"s": struct{}{}}, "", "not allowed"},
		{"pointer refused", map[string]any{"p": new(int)}, "", "not allowed"},
		{"bad utf8 refused", map[string]any{"s": "\xff"}, "", "not valid UTF-8"},
		{"bad key refused", map[string]any{"\xff": 1}, "", "not valid UTF-8"},
		{"int keys refused", map[int]string{1: "a"}, "", "map keys must be strings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := appendCanonical(nil, tt.in, 0)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("encode %#v: err %v, want %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("encode %#v = %s, want %s", tt.in, got, tt.want)
			}
			if _, err := decodeCanonical(got); err != nil {
				t.Fatalf("decoder rejects encoder output %s: %v", got, err)
			}
		})
	}
}

func TestCanonicalRoundTrip(t *testing.T) {
	in := map[string]any{"a": "x\u2028y", "b": []any{int64(1), int64(-2), true}, "c": map[string]any{}, "d": uint64(math.MaxUint64)}
	enc, err := appendCanonical(nil, in, 0)
	if err != nil {
		t.Fatal(err)
	}
	out, err := decodeCanonical(enc)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip: got %#v, want %#v", out, in)
	}
}
