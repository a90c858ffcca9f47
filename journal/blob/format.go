package blob

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// Blob file format, version 1 (see the package doc).
const (
	blobMagic     = "ATSTBLOB"
	blobVersion   = 1
	chunkLog2     = 16
	chunkSize     = 1 << chunkLog2
	tagSize       = 16
	keyIDSize     = 16
	saltSize      = 32
	macOffset     = 100
	headerSize    = macOffset + sha256.Size
	maxBlobSize   = 1 << 50
	caseKeySize   = 32
	infoKeyID     = "attesta blob v1 key id"
	infoChunkKey  = "attesta blob v1 chunk key"
	infoHeaderMAC = "attesta blob v1 header mac key"
)

// header is the decoded fixed-size header of a blob file.
type header struct {
	keyID [keyIDSize]byte
	salt  [saltSize]byte
	size  uint64
	sum   [sha256.Size]byte
}

// blobKeys are the per-blob keys derived from the case key and the blob's salt.
type blobKeys struct {
	aead   cipher.AEAD
	macKey []byte
}

func deriveKeyID(caseKey []byte) ([keyIDSize]byte, error) {
	var id [keyIDSize]byte
	b, err := hkdf.Key(sha256.New, caseKey, nil, infoKeyID, keyIDSize)
	if err != nil {
		return id, fmt.Errorf("derive key id: %w", err)
	}
	copy(id[:], b)
	return id, nil
}

func deriveBlobKeys(caseKey []byte, salt []byte) (blobKeys, error) {
	ek, err := hkdf.Key(sha256.New, caseKey, salt, infoChunkKey, 32)
	if err != nil {
		return blobKeys{}, fmt.Errorf("derive chunk key: %w", err)
	}
	mk, err := hkdf.Key(sha256.New, caseKey, salt, infoHeaderMAC, 32)
	if err != nil {
		return blobKeys{}, fmt.Errorf("derive header mac key: %w", err)
	}
	block, err := aes.NewCipher(ek)
	if err != nil {
		return blobKeys{}, fmt.Errorf("chunk cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return blobKeys{}, fmt.Errorf("chunk cipher: %w", err)
	}
	return blobKeys{aead: aead, macKey: mk}, nil
}

// marshal encodes the header, MAC included.
func (h *header) marshal(macKey []byte) []byte {
	b := make([]byte, 0, headerSize)
	b = append(b, blobMagic...)
	b = append(b, blobVersion, chunkLog2, 0, 0)
	b = append(b, h.keyID[:]...)
	b = append(b, h.salt[:]...)
	b = binary.BigEndian.AppendUint64(b, h.size)
	b = append(b, h.sum[:]...)
	return append(b, headerMAC(macKey, b)...)
}

func headerMAC(macKey, body []byte) []byte {
	m := hmac.New(sha256.New, macKey)
	m.Write(body[:macOffset])
	return m.Sum(nil)
}

var errHeader = errors.New("bad header")

// parseHeader checks the structure of a header (not its MAC) and decodes it.
func parseHeader(b []byte) (header, error) {
	var h header
	switch {
	case len(b) < headerSize:
		return h, fmt.Errorf("%w: %d bytes, want %d", errHeader, len(b), headerSize)
	case string(b[:8]) != blobMagic:
		return h, fmt.Errorf("%w: magic %q is not %q", errHeader, b[:8], blobMagic)
	case b[8] != blobVersion:
		return h, fmt.Errorf("%w: unsupported version %d", errHeader, b[8])
	case b[9] != chunkLog2:
		return h, fmt.Errorf("%w: chunk size 2^%d, version 1 requires 2^%d", errHeader, b[9], chunkLog2)
	case b[10] != 0 || b[11] != 0:
		return h, fmt.Errorf("%w: reserved bytes are not zero", errHeader)
	}
	copy(h.keyID[:], b[12:28])
	copy(h.salt[:], b[28:60])
	h.size = binary.BigEndian.Uint64(b[60:68])
	copy(h.sum[:], b[68:100])
	if h.size > maxBlobSize {
		return h, fmt.Errorf("%w: plaintext size %d exceeds the limit %d", errHeader, h.size, uint64(maxBlobSize))
	}
	return h, nil
}

func (h *header) macOK(b []byte, macKey []byte) bool {
	return hmac.Equal(headerMAC(macKey, b), b[macOffset:headerSize])
}

// chunks is the number of chunks a plaintext of the header's size is split into.
func (h *header) chunks() uint64 {
	if h.size == 0 {
		return 1
	}
	return (h.size + chunkSize - 1) / chunkSize
}

// fileSize is the exact length of a well-formed blob file with this header.
func (h *header) fileSize() int64 {
	return int64(headerSize + h.size + tagSize*h.chunks())
}

// plainLen is the plaintext length of chunk i.
func (h *header) plainLen(i uint64) int {
	if i+1 < h.chunks() {
		return chunkSize
	}
	return int(h.size - i*chunkSize)
}

// chunkOffset is the file offset of chunk i.
func chunkOffset(i uint64) int64 {
	return int64(headerSize + i*(chunkSize+tagSize))
}

// nonce is the GCM nonce of chunk i: an 11-byte big-endian counter and a last-chunk flag.
func nonce(dst *[12]byte, i uint64, last bool) []byte {
	*dst = [12]byte{}
	binary.BigEndian.PutUint64(dst[3:11], i)
	if last {
		dst[11] = 1
	}
	return dst[:]
}

func isDigest(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
