package blob

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"

	"github.com/attesta/attesta/internal/durable"
)

// Sealing runs as a two-stage pipeline so that hashing and encryption use two cores: a reader goroutine reads
// and hashes the plaintext, the calling goroutine encrypts and writes it. A fixed pool of chunk buffers bounds
// memory whatever the blob's size.
const (
	sealBuffers = 4
	// writebackStep is how much sealed data accumulates before Put asks the kernel to start writing it out.
	writebackStep = 8 << 20
)

// plainChunk is a chunk of plaintext on its way from the reader stage to the writer stage.
type plainChunk struct {
	buf  []byte // from the pool; returned to it by the writer
	n    int
	last bool
}

// readResult is what the reader stage reports once it is done.
type readResult struct {
	size uint64
	sum  [sha256.Size]byte
	err  error
}

var errStopped = errors.New("sealing stopped")

// seal writes r to f as a blob file encrypted under k and returns its header. f must be empty.
func seal(ctx context.Context, f *durable.File, r io.Reader, k *caseKey) (header, error) {
	h := header{keyID: k.id}
	rand.Read(h.salt[:])
	keys, err := deriveBlobKeys(k.key, h.salt[:])
	if err != nil {
		return h, err
	}
	// The header's size and digest are known only at the end; reserve its place.
	if _, err := f.Write(make([]byte, headerSize)); err != nil {
		return h, err
	}
	chunks := make(chan plainChunk, sealBuffers-2)
	free := make(chan []byte, sealBuffers)
	for range sealBuffers {
		free <- make([]byte, chunkSize)
	}
	stop := make(chan struct{})
	var res readResult
	go func() {
		res = readAndHash(r, chunks, free, stop)
		close(chunks) // after res is set: the writer reads res once chunks is drained
	}()
	werr := encryptAndWrite(ctx, f, keys, chunks, free)
	if werr != nil {
		close(stop)
		for range chunks {
		}
		return h, werr
	}
	if res.err != nil {
		return h, res.err
	}
	h.size, h.sum = res.size, res.sum
	_, err = f.WriteAt(h.marshal(keys.macKey), 0)
	return h, err
}

// readAndHash is the reader stage. It reads one chunk ahead, to know which chunk is the last.
func readAndHash(r io.Reader, out chan<- plainChunk, free chan []byte, stop <-chan struct{}) readResult {
	var res readResult
	take := func() []byte {
		select {
		case b := <-free:
			return b
		case <-stop:
			return nil
		}
	}
	sum := sha256.New()
	cur := take()
	if cur == nil {
		return readResult{err: errStopped}
	}
	n, err := readChunk(r, cur, 0)
	if err != nil {
		return readResult{err: err}
	}
	for {
		var next []byte
		last, m := n < chunkSize, 0
		if !last {
			if next = take(); next == nil {
				return readResult{err: errStopped}
			}
			if m, err = readChunk(r, next, res.size+chunkSize); err != nil {
				return readResult{err: err}
			}
			last = m == 0
		}
		sum.Write(cur[:n])
		if res.size += uint64(n); res.size > maxBlobSize {
			return readResult{err: fmt.Errorf("content exceeds the limit of %d bytes", uint64(maxBlobSize))}
		}
		select {
		case out <- plainChunk{buf: cur, n: n, last: last}:
		case <-stop:
			return readResult{err: errStopped}
		}
		if last {
			sum.Sum(res.sum[:0])
			return res
		}
		cur, n = next, m
	}
}

// encryptAndWrite is the writer stage: it seals each chunk and appends it to f until the reader stage closes chunks.
func encryptAndWrite(ctx context.Context, f *durable.File, keys blobKeys, chunks <-chan plainChunk, free chan<- []byte) error {
	out := make([]byte, 0, chunkSize+tagSize)
	var nb [12]byte
	flushed := int64(headerSize) // the header is rewritten at the end
	i := uint64(0)
	for c := range chunks {
		if err := ctx.Err(); err != nil {
			return err
		}
		out = keys.aead.Seal(out[:0], nonce(&nb, i, c.last), c.buf[:c.n], nil)
		free <- c.buf
		if _, err := f.Write(out); err != nil {
			return err
		}
		i++
		if written := chunkOffset(i); written-flushed >= writebackStep {
			f.StartWriteback(flushed, written-flushed)
			flushed = written
		}
	}
	return nil
}

// readChunk fills buf from r as far as r goes; off is the input offset, for the error.
func readChunk(r io.Reader, buf []byte, off uint64) (int, error) {
	n, err := io.ReadFull(r, buf)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return n, nil
	}
	if err != nil {
		return n, fmt.Errorf("read content at offset %d: %w", off+uint64(n), err)
	}
	return n, nil
}
