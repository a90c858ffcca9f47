package ios

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
	"io"
	"sync"
)

// chunk is how much ciphertext is decrypted at a time: memory stays constant whatever the file's size.
const chunk = 1 << 20

// buffers holds the chunk buffers of the files being copied, reused from one file to the next so that a backup
// of thousands of files does not leave a megabyte of garbage per file.
var buffers = sync.Pool{New: func() any { b := make([]byte, chunk+aes.BlockSize); return &b }}

// decryptCBC streams AES-256-CBC (zero IV) from r to w, removes PKCS#7 padding and returns the plaintext length.
// With padded false (Manifest.db, which some backups write unpadded) padding is removed only when valid.
func decryptCBC(ctx context.Context, w io.Writer, r io.Reader, key []byte, padded bool) (int64, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return 0, fmt.Errorf("%w: file key: %v", ErrCorrupt, err)
	}
	dec := cipher.NewCBCDecrypter(block, make([]byte, aes.BlockSize))
	pb := buffers.Get().(*[]byte)
	defer buffers.Put(pb)
	buf := *pb
	held := 0 // plaintext bytes at buf[:held] not yet written: the last block, which may be padding
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n, rerr := io.ReadFull(r, buf[held:held+chunk])
		if n%aes.BlockSize != 0 {
			return total, fmt.Errorf("%w: ciphertext length is not a multiple of %d bytes (truncated?)", ErrCorrupt, aes.BlockSize)
		}
		dec.CryptBlocks(buf[held:held+n], buf[held:held+n])
		avail := held + n
		if rerr != nil && !errors.Is(rerr, io.ErrUnexpectedEOF) && !errors.Is(rerr, io.EOF) {
			return total, rerr
		}
		if rerr != nil { // the end: avail holds the last block
			if avail == 0 {
				if padded {
					return 0, fmt.Errorf("%w: empty ciphertext has no padding", ErrCorrupt)
				}
				return total, nil
			}
			end, ok := unpad(buf[:avail])
			if !ok && padded {
				return total, fmt.Errorf("%w: bad PKCS#7 padding (wrong key or damaged file)", ErrCorrupt)
			}
			if !ok {
				end = avail
			}
			m, err := w.Write(buf[:end])
			return total + int64(m), err
		}
		keep := aes.BlockSize
		m, err := w.Write(buf[:avail-keep])
		total += int64(m)
		if err != nil {
			return total, err
		}
		copy(buf, buf[avail-keep:avail])
		held = keep
	}
}

// unpad returns the length of b without its PKCS#7 padding.
func unpad(b []byte) (int, bool) {
	if len(b) < aes.BlockSize {
		return 0, false
	}
	p := int(b[len(b)-1])
	if p == 0 || p > aes.BlockSize {
		return 0, false
	}
	for _, c := range b[len(b)-p:] {
		if int(c) != p {
			return 0, false
		}
	}
	return len(b) - p, true
}

// EncryptCBC is the inverse of what Extract undoes: AES-256-CBC with a zero IV and PKCS#7 padding (for writing
// test backups).
func EncryptCBC(key, plain []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	p := aes.BlockSize - len(plain)%aes.BlockSize
	out := append(clone(plain), make([]byte, p)...)
	for i := len(plain); i < len(out); i++ {
		out[i] = byte(p)
	}
	cipher.NewCBCEncrypter(block, make([]byte, aes.BlockSize)).CryptBlocks(out, out)
	return out, nil
}

// copyChunks copies r to w a chunk at a time, stopping when ctx ends.
func copyChunks(ctx context.Context, w io.Writer, r io.Reader) (int64, error) {
	pb := buffers.Get().(*[]byte)
	defer buffers.Put(pb)
	buf := (*pb)[:chunk]
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n, err := io.ReadFull(r, buf)
		m, werr := w.Write(buf[:n])
		total += int64(m)
		switch {
		case werr != nil:
			return total, werr
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return total, nil
		case err != nil:
			return total, err
		}
	}
}
