package ui

// Reading an acquisition list from the session form: typed, or uploaded as a file in UTF-8 or Windows-1252.

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"
)

// readList reads the list from the session form: the uploaded file when one was chosen, else the text typed.
// It returns what it read so far and, when the form is unusable, the problem to show.
func readList(w http.ResponseWriter, r *http.Request) (list, problem string) {
	r.Body = http.MaxBytesReader(w, r.Body, maxSessionBody)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		if err := r.ParseForm(); err != nil {
			return "", tr(r, "case.invalid-or-too-large")
		}
		typed := strings.ToValidUTF8(r.PostFormValue("list"), "\uFFFD")
		if len(typed) > maxListBytes {
			return "", tr(r, "case.the-list-is-larger")
		}
		return typed, ""
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return "", tr(r, "case.invalid-or-too-large")
	}
	var typed, file string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return pick(file, typed), tr(r, "case.invalid-or-too-large")
		}
		data, err := io.ReadAll(io.LimitReader(p, maxListBytes+1))
		if err != nil {
			return pick(file, typed), tr(r, "case.invalid-or-too-large")
		}
		if len(data) > maxListBytes {
			if p.FormName() == "file" {
				return typed, tr(r, "case.the-file-is-larger")
			}
			return "", tr(r, "case.the-list-is-larger")
		}
		switch p.FormName() {
		case "list":
			typed = string(bytes.ToValidUTF8(data, []byte("\uFFFD")))
		case "file":
			if bytes.IndexByte(data, 0) >= 0 {
				return typed, tr(r, "case.the-file-is-not")
			}
			file = decodeUpload(data)
		}
	}
	return pick(file, typed), ""
}

func pick(file, typed string) string {
	if strings.TrimSpace(file) != "" {
		return file
	}
	return typed
}

// decodeUpload returns a list file as text: without a UTF-8 byte order mark and, when it is not UTF-8, read as
// Windows-1252, the encoding Italian spreadsheet programs save CSV in. The text goes back into the page's text
// area when the list has errors, so it must be valid UTF-8 there.
func decodeUpload(data []byte) string {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if utf8.Valid(data) {
		return string(data)
	}
	var b strings.Builder
	b.Grow(len(data) + len(data)/4)
	for _, c := range data {
		switch {
		case c < 0x80:
			b.WriteByte(c)
		case c < 0xa0:
			b.WriteRune(cp1252[c-0x80])
		default: // Latin-1: Unicode's first 256 code points
			b.WriteRune(rune(c))
		}
	}
	return b.String()
}

// cp1252 maps Windows-1252's bytes 0x80..0x9F; its undefined bytes become U+FFFD.
var cp1252 = [32]rune{
	'€', '\uFFFD', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\uFFFD', 'Ž', '\uFFFD',
	'\uFFFD', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\uFFFD', 'ž', 'Ÿ',
}
