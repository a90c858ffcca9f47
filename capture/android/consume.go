package android

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
)

// payloadResult is what the inflating goroutine reports.
type payloadResult struct {
	kind     PayloadKind
	size     int64
	sum      [sha256.Size]byte
	trailing int64
	zipEnd   bool // the ZIP ends with an end-of-central-directory record
	err      error
	writeErr error // writing out failed: not the backup's fault
}

// truncated reports a stream that was valid as far as it went.
func (r payloadResult) truncated() bool {
	return errors.Is(r.err, io.ErrUnexpectedEOF) || (r.err == nil && r.kind == PayloadZIP && !r.zipEnd)
}

func (r payloadResult) complete() bool {
	return r.kind == PayloadSQLite || r.zipEnd
}

// consumePayload inflates the decrypted stream into out through a sink that
// hashes, checks the zlib stream's adler-32 and writes on goroutines of its
// own. It always drains r so that the decrypting side never blocks.
func consumePayload(r io.Reader, out io.Writer, max int64) (res payloadResult) {
	rest := r
	defer func() {
		n, _ := io.Copy(io.Discard, rest)
		if res.err == nil {
			res.trailing = n
		}
	}()
	p, err := openPayload(r)
	if err != nil {
		res.err = err
		return res
	}
	rest = p.src
	res.kind = p.kind
	s := newSink(out, p.kind == PayloadZIP, p.zlib)
	lr := io.LimitReader(p.data, max+1)
	var n int64
	for {
		b := s.get()
		m, rerr := fill(lr, b)
		n += int64(m)
		s.put(b[:m])
		if rerr != nil {
			if rerr != io.EOF {
				err = rerr
			}
			break
		}
	}
	sr := s.finish()
	if err == nil && n <= max && p.zlib {
		err = p.checkTrailer(sr.adler)
	}
	res.size, res.sum, res.zipEnd = n, sr.sum, p.kind == PayloadZIP && sr.zipEnd
	switch {
	case sr.writeErr != nil:
		res.writeErr = sr.writeErr
	case err != nil:
		res.err = fmt.Errorf("decompress payload at byte %d: %w", n, err)
	case n > max:
		res.err = fmt.Errorf("decompressed payload exceeds %d bytes: %w", max, ErrTooLarge)
	}
	return res
}

// fill reads into b until it is full or r fails. Unlike io.ReadFull it
// keeps a cut stream (io.ErrUnexpectedEOF from the inflater) apart from a
// clean end (io.EOF).
func fill(r io.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// tailWriter remembers the last bytes written, to find a ZIP's
// end-of-central-directory record (22 bytes plus a comment of at most 64 KiB).
type tailWriter struct{ b []byte }

const maxEOCD = 22 + 65535

func (t *tailWriter) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 2*maxEOCD {
		t.b = append(t.b[:0], t.b[len(t.b)-maxEOCD:]...)
	}
	return len(p), nil
}

func (t *tailWriter) hasEOCD() bool {
	b := t.b
	if len(b) > maxEOCD {
		b = b[len(b)-maxEOCD:]
	}
	i := bytes.LastIndex(b, zipEOCD)
	return i >= 0 && len(b)-i >= 22
}
