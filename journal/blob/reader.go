package blob

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
)

// Open returns a reader of the plaintext of a case's blob. Before it returns, the blob file's header has been
// authenticated and matched against the digest and the file's length. The reader returns a chunk only once it is
// authenticated and the last one only once the whole plaintext's digest matches, so a reader that reaches io.EOF
// has delivered exactly the stored content; a damaged blob makes it fail with a *CorruptError instead. The reader
// stops with ctx's error once ctx is done. The caller must close it.
func (s *Store) Open(ctx context.Context, caseID, sha256hex string) (io.ReadCloser, error) {
	r, err := s.open(ctx, caseID, sha256hex)
	if err != nil {
		return nil, fmt.Errorf("blob: open %s/%s: %w", caseID, sha256hex, err)
	}
	return r, nil
}

// CheckBlob verifies a blob end to end: it decrypts and authenticates every chunk and compares the plaintext's
// digest and size with sha256hex and size. The error names what is wrong and where.
func (s *Store) CheckBlob(ctx context.Context, caseID, sha256hex string, size int64) error {
	r, err := s.open(ctx, caseID, sha256hex)
	if err == nil {
		err = r.check(size)
	}
	if err != nil {
		return fmt.Errorf("blob: check %s/%s: %w", caseID, sha256hex, err)
	}
	return nil
}

func (s *Store) open(ctx context.Context, caseID, sum string) (*reader, error) {
	if err := ValidCaseID(caseID); err != nil {
		return nil, err
	}
	if !isDigest(sum) {
		return nil, fmt.Errorf("%q: %w", sum, ErrBadDigest)
	}
	cs := s.state(caseID)
	cs.rw.RLock()
	defer cs.rw.RUnlock()
	path := s.blobPath(caseID, sum)
	k, err := s.key(ctx, caseID, cs, false)
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := os.Stat(path); serr == nil {
			return nil, fmt.Errorf("blob file %s exists but the case key file is missing: %w", path, ErrKeyUnavailable)
		}
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return openFile(ctx, path, sum, k)
}

// checkFile verifies a blob file without going through the store's locks (the caller holds them).
func checkFile(ctx context.Context, path, sum string, size int64, k *caseKey) error {
	r, err := openFile(ctx, path, sum, k)
	if err != nil {
		return err
	}
	return r.check(size)
}

// reader decrypts and authenticates a blob file chunk by chunk.
type reader struct {
	ctx   context.Context
	f     *os.File
	path  string
	h     header
	keys  blobKeys
	sum   hash.Hash
	i     uint64 // next chunk
	buf   []byte // ciphertext of the current chunk
	out   []byte // its plaintext
	plain []byte // the part of out not yet returned
	err   error  // sticky
}

var _ io.ReadCloser = (*reader)(nil)

func openFile(ctx context.Context, path, sum string, k *caseKey) (r *reader, err error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	h, keys, err := readHeader(f, path, sum, k)
	if err != nil {
		return nil, err
	}
	return &reader{ctx: ctx, f: f, path: path, h: h, keys: keys, sum: sha256.New(),
		buf: make([]byte, chunkSize+tagSize), out: make([]byte, 0, chunkSize)}, nil
}

// readHeader reads and authenticates the header of f and checks it against the expected digest and the file's size.
func readHeader(f *os.File, path, sum string, k *caseKey) (header, blobKeys, error) {
	hb := make([]byte, headerSize)
	if n, err := io.ReadFull(f, hb); err == io.EOF || err == io.ErrUnexpectedEOF {
		return header{}, blobKeys{}, corruptf(path, -1, int64(n), "file ends inside the %d-byte header", headerSize)
	} else if err != nil {
		return header{}, blobKeys{}, fmt.Errorf("read header of %s: %w", path, err)
	}
	h, err := parseHeader(hb)
	if err != nil {
		return h, blobKeys{}, corruptf(path, -1, 0, "%v", err)
	}
	if h.keyID != k.id {
		return h, blobKeys{}, corruptf(path, -1, 12, "encrypted under key %x, but the case key is %x", h.keyID, k.id)
	}
	keys, err := deriveBlobKeys(k.key, h.salt[:])
	if err != nil {
		return h, keys, err
	}
	if !h.macOK(hb, keys.macKey) {
		return h, keys, corruptf(path, -1, macOffset, "header authentication failed")
	}
	if got := hex.EncodeToString(h.sum[:]); got != sum {
		return h, keys, corruptf(path, -1, 68, "file holds blob %s, not %s", got, sum)
	}
	fi, err := f.Stat()
	if err != nil {
		return h, keys, fmt.Errorf("stat %s: %w", path, err)
	}
	if got, want := fi.Size(), h.fileSize(); got < want {
		chunk := (got - headerSize) / (chunkSize + tagSize)
		return h, keys, corruptf(path, chunk, got, "file is truncated: %d bytes, a %d-byte blob needs %d", got, h.size, want)
	} else if got > want {
		return h, keys, corruptf(path, int64(h.chunks()), want, "%d unexpected bytes after the last chunk", got-want)
	}
	return h, keys, nil
}

func (r *reader) Read(p []byte) (int, error) {
	for len(r.plain) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		r.err = r.next()
	}
	n := copy(p, r.plain)
	r.plain = r.plain[n:]
	return n, nil
}

// next decrypts the next chunk into r.plain, or returns io.EOF after the last.
func (r *reader) next() error {
	if r.i == r.h.chunks() {
		return io.EOF
	}
	if err := r.ctx.Err(); err != nil {
		return err
	}
	i, off := r.i, chunkOffset(r.i)
	last := i+1 == r.h.chunks()
	ct := r.buf[:r.h.plainLen(i)+tagSize]
	if n, err := io.ReadFull(r.f, ct); err == io.EOF || err == io.ErrUnexpectedEOF {
		return corruptf(r.path, int64(i), off+int64(n), "file is truncated")
	} else if err != nil {
		return fmt.Errorf("read %s chunk %d at offset %d: %w", r.path, i, off, err)
	}
	var nb [12]byte
	out, err := r.keys.aead.Open(r.out[:0], nonce(&nb, i, last), ct, nil)
	if err != nil {
		return corruptf(r.path, int64(i), off, "chunk authentication failed (altered, moved or from another blob)")
	}
	r.sum.Write(out)
	if last {
		var got [sha256.Size]byte
		r.sum.Sum(got[:0])
		if subtle.ConstantTimeCompare(got[:], r.h.sum[:]) != 1 {
			return corruptf(r.path, int64(i), off, "plaintext digest is %x, header says %x", got, r.h.sum)
		}
	}
	r.plain, r.i = out, i+1
	return nil
}

// check drains the reader, verifying every chunk, and compares the plaintext size with want.
func (r *reader) check(want int64) error {
	defer r.Close()
	if want != int64(r.h.size) {
		return corruptf(r.path, -1, 60, "blob is %d bytes, expected %d", r.h.size, want)
	}
	for {
		err := r.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (r *reader) Close() error {
	r.plain, r.err = nil, fs.ErrClosed
	return r.f.Close()
}
