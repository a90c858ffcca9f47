package android

import (
	"bufio"
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

// consumePayload inflates the decrypted stream into out, hashing it. It
// always drains r so that the decrypting side never blocks.
func consumePayload(r io.Reader, out io.Writer, max int64) (res payloadResult) {
	defer func() {
		n, _ := io.Copy(io.Discard, r)
		if res.err == nil {
			res.trailing = n
		}
	}()
	kind, pl, err := OpenPayload(r)
	if err != nil {
		res.err = err
		return res
	}
	res.kind = kind
	h := newAsyncHash()
	bw := &errWriter{w: bufio.NewWriterSize(out, chunkSize)}
	tw := &tailWriter{}
	sink := io.MultiWriter(bw, h)
	if kind == PayloadZIP {
		sink = io.MultiWriter(bw, h, tw)
	}
	n, err := io.CopyBuffer(sink, io.LimitReader(pl, max+1), make([]byte, chunkSize))
	res.size = n
	res.sum = h.Sum()
	switch {
	case bw.err != nil:
		res.writeErr = bw.err
	case err != nil:
		res.err = fmt.Errorf("decompress payload at byte %d: %w", n, err)
	case n > max:
		res.err = fmt.Errorf("decompressed payload exceeds %d bytes: %w", max, ErrTooLarge)
	default:
		res.writeErr = bw.w.Flush()
	}
	res.zipEnd = kind == PayloadZIP && tw.hasEOCD()
	return res
}

// asyncHash computes SHA-256 on its own goroutine over what is written to
// it, so that hashing the plaintext overlaps inflating it. Sum must be
// called once, and ends the goroutine.
type asyncHash struct {
	full, free chan []byte
	sum        chan [sha256.Size]byte
}

func newAsyncHash() *asyncHash {
	const depth = 4
	a := &asyncHash{full: make(chan []byte, depth), free: make(chan []byte, depth), sum: make(chan [sha256.Size]byte, 1)}
	for range depth {
		a.free <- make([]byte, 0, chunkSize)
	}
	go func() {
		h := sha256.New()
		for b := range a.full {
			h.Write(b)
			a.free <- b[:0]
		}
		var s [sha256.Size]byte
		h.Sum(s[:0])
		a.sum <- s
	}()
	return a
}

func (a *asyncHash) Write(p []byte) (int, error) {
	total := len(p)
	for len(p) > 0 {
		b := <-a.free
		n := min(len(p), cap(b))
		a.full <- append(b, p[:n]...)
		p = p[n:]
	}
	return total, nil
}

func (a *asyncHash) Sum() [sha256.Size]byte {
	close(a.full)
	return <-a.sum
}

// errWriter remembers a write error, so that a full disk is not taken for
// a damaged backup.
type errWriter struct {
	w   *bufio.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	n, err := e.w.Write(p)
	if err != nil {
		e.err = err
	}
	return n, err
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
