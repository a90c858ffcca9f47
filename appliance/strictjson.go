package appliance

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// errTrailingData is returned by decodeStrict for anything but white space after the value.
var errTrailingData = errors.New("data after the value")

// decodeStrict decodes exactly one JSON value from b into v. Unknown fields are an error, and so is anything after
// the value but white space: a second value, or a stray "}" or "]", which json.Decoder.More takes for the end of
// an enclosing value and accepts.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errTrailingData
	}
	return nil
}
