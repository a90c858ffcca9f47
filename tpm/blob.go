package tpm

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/google/go-tpm/tpm2"
)

// Blob magics; the trailing digit is the encoding version (see package doc).
const (
	magicSigningKey = "ATK1"
	magicSealed     = "ATS1"
)

// keyBlob is a TPM-wrapped object: its TPMT_PUBLIC and TPM2B_PRIVATE
// contents.
type keyBlob struct {
	public  []byte // marshalled TPMT_PUBLIC
	private tpm2.TPM2BPrivate
}

func encodeBlob(magic string, b *keyBlob) []byte {
	out := make([]byte, 0, 4+2+len(b.public)+2+len(b.private.Buffer))
	out = append(out, magic...)
	out = binary.BigEndian.AppendUint16(out, uint16(len(b.public)))
	out = append(out, b.public...)
	out = binary.BigEndian.AppendUint16(out, uint16(len(b.private.Buffer)))
	out = append(out, b.private.Buffer...)
	return out
}

// decodeBlob parses a blob written by encodeBlob and checks that its public
// area is of the type a blob with that magic must hold. Errors wrap
// ErrBadBlob and name the offset.
func decodeBlob(magic string, data []byte) (*keyBlob, *tpm2.TPMTPublic, error) {
	if len(data) < 4 {
		return nil, nil, fmt.Errorf("%w: %d bytes, too short for a header", ErrBadBlob, len(data))
	}
	if got := string(data[:4]); got != magic {
		if got[:3] == magic[:3] {
			return nil, nil, fmt.Errorf("%w: unsupported version %q (want %q)", ErrBadBlob, got, magic)
		}
		return nil, nil, fmt.Errorf("%w: magic %q at offset 0, want %q", ErrBadBlob, got, magic)
	}
	off := 4
	pubBytes, off, err := readSized(data, off, "public area")
	if err != nil {
		return nil, nil, err
	}
	privBytes, off, err := readSized(data, off, "private area")
	if err != nil {
		return nil, nil, err
	}
	if off != len(data) {
		return nil, nil, fmt.Errorf("%w: %d trailing bytes at offset %d", ErrBadBlob, len(data)-off, off)
	}
	if len(privBytes) == 0 {
		return nil, nil, fmt.Errorf("%w: empty private area at offset %d", ErrBadBlob, off-2)
	}
	pub, err := tpm2.Unmarshal[tpm2.TPMTPublic](pubBytes)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: public area at offset 6: %w", ErrBadBlob, err)
	}
	if !bytes.Equal(tpm2.Marshal(pub), pubBytes) {
		return nil, nil, fmt.Errorf("%w: public area at offset 6 is not canonical", ErrBadBlob)
	}
	if err := checkBlobType(magic, pub); err != nil {
		return nil, nil, err
	}
	return &keyBlob{public: pubBytes, private: tpm2.TPM2BPrivate{Buffer: privBytes}}, pub, nil
}

func readSized(data []byte, off int, what string) ([]byte, int, error) {
	if len(data)-off < 2 {
		return nil, 0, fmt.Errorf("%w: truncated %s size at offset %d", ErrBadBlob, what, off)
	}
	n := int(binary.BigEndian.Uint16(data[off:]))
	off += 2
	if len(data)-off < n {
		return nil, 0, fmt.Errorf("%w: %s at offset %d declares %d bytes, %d left", ErrBadBlob, what, off, n, len(data)-off)
	}
	return data[off : off+n], off + n, nil
}

func checkBlobType(magic string, pub *tpm2.TPMTPublic) error {
	a := pub.ObjectAttributes
	switch magic {
	case magicSigningKey:
		if pub.Type != tpm2.TPMAlgECC || !a.SignEncrypt || a.Restricted || !a.FixedTPM || !a.FixedParent {
			return fmt.Errorf("%w: public area is not a fixed unrestricted ECC signing key", ErrBadBlob)
		}
	case magicSealed:
		if pub.Type != tpm2.TPMAlgKeyedHash || a.SignEncrypt || a.Decrypt || !a.FixedTPM || !a.FixedParent {
			return fmt.Errorf("%w: public area is not a fixed sealed data object", ErrBadBlob)
		}
	}
	return nil
}
