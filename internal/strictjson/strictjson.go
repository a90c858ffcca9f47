// Package strictjson reads the JSON files Attesta writes for itself (registers, job records, configuration, queue
// state) and refuses anything it did not write: exactly one JSON value, no member that the Go type does not declare,
// nothing after the value but white space, and, for versioned files, a top-level "format" member equal to the
// version string the reader understands.
//
// # Versions
//
// A versioned file is a JSON object whose "format" member names its format and version, for example
// "attesta.cases/v1". A reader accepts exactly one version; a file of another version fails with an error matching
// [ErrFormat] before its other members are looked at, so a newer file is reported as newer rather than as having
// unknown fields. The Go type decoded into must declare the format member itself.
//
// # Trailing data
//
// json.Decoder.More reports false for a stray "}" or "]" after the value, so checking it accepts `{...}}`. This
// package checks instead that only white space follows the value.
//
// Every error names the file (the name the caller passes) and, where the decoder knows it, the byte offset.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// ErrFormat is matched by the error for a file whose "format" member is missing or not the expected one.
var ErrFormat = errors.New("unexpected format")

// ErrTrailingData is matched by the error for a value followed by anything but white space.
var ErrTrailingData = errors.New("data after the JSON value")

// Decode decodes data, the content of the file called name, into v: exactly one JSON value, no unknown members and
// nothing but white space after it.
func Decode(name string, data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: offset %d: %w", name, dec.InputOffset(), err)
	}
	off := dec.InputOffset()
	if rest := bytes.TrimLeft(data[off:], " \t\r\n"); len(rest) > 0 {
		return fmt.Errorf("%s: offset %d: %w", name, len(data)-len(rest), ErrTrailingData)
	}
	return nil
}

// DecodeFormat is [Decode] for a versioned file: data must be an object whose "format" member equals format.
func DecodeFormat(name string, data []byte, format string, v any) error {
	var head struct {
		Format *string `json:"format"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		// Not one well-formed object: let Decode say where.
		if derr := Decode(name, data, v); derr != nil {
			return derr
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	switch {
	case head.Format == nil:
		return fmt.Errorf("%s: no format member, want %q: %w", name, format, ErrFormat)
	case *head.Format != format:
		return fmt.Errorf("%s: format %q, want %q: %w", name, *head.Format, format, ErrFormat)
	}
	return Decode(name, data, v)
}

// ReadFile reads the versioned file at path into v with [DecodeFormat].
func ReadFile(path, format string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return DecodeFormat(path, data, format, v)
}
