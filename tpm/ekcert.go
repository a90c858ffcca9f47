package tpm

import (
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/google/go-tpm/tpm2"
	"github.com/google/go-tpm/tpm2/transport"
)

// EK certificate NV indices, in the order they are probed (TCG registry of
// reserved handles; swtpm stores its ECC EK certificate in the P-384 slot).
var ekCertIndices = []struct {
	index uint32
	kind  string
}{
	{0x01C00002, "RSA-2048"},
	{0x01C0000A, "ECC NIST P-256"},
	{0x01C00016, "ECC NIST P-384"},
}

// nvChunk is well below TPM_PT_NV_BUFFER_MAX on every TPM seen.
const nvChunk = 512

// EKCert is an endorsement key certificate found in the TPM's NV.
type EKCert struct {
	NVIndex uint32
	Kind    string            // "RSA-2048", "ECC NIST P-256", "ECC NIST P-384"
	DER     []byte            // the certificate, vendor header removed
	Cert    *x509.Certificate // nil when unreadable or Go's parser rejects DER
	// Err says why Cert is nil: the index could not be read (DER is nil)
	// or DER did not parse.
	Err error
}

// readEKCerts returns the EK certificates present. A missing index is not
// an error, and neither is an unreadable one (some TPMs restrict reads):
// that entry carries Err.
func readEKCerts(tr transport.TPM) []EKCert {
	var out []EKCert
	for _, slot := range ekCertIndices {
		raw, err := readNV(tr, tpm2.TPMHandle(slot.index))
		if errors.Is(err, tpm2.TPMRCHandle) {
			continue
		}
		c := EKCert{NVIndex: slot.index, Kind: slot.kind}
		if err != nil {
			c.Err = fmt.Errorf("read EK certificate at NV %#x: %w", slot.index, err)
		} else {
			c.DER = stripEKCertHeader(raw)
			c.Cert, c.Err = x509.ParseCertificate(c.DER)
		}
		out = append(out, c)
	}
	return out
}

func readNV(tr transport.TPM, index tpm2.TPMHandle) ([]byte, error) {
	rp, err := tpm2.NVReadPublic{NVIndex: index}.Execute(tr)
	if err != nil {
		return nil, err
	}
	pub, err := rp.NVPublic.Contents()
	if err != nil {
		return nil, err
	}
	var out []byte
	for off := 0; off < int(pub.DataSize); off += nvChunk {
		n := min(nvChunk, int(pub.DataSize)-off)
		rsp, err := tpm2.NVRead{
			AuthHandle: tpm2.AuthHandle{Handle: index, Name: rp.NVName, Auth: tpm2.PasswordAuth(nil)},
			NVIndex:    tpm2.NamedHandle{Handle: index, Name: rp.NVName},
			Size:       uint16(n),
			Offset:     uint16(off),
		}.Execute(tr)
		if err != nil {
			return nil, fmt.Errorf("offset %d: %w", off, err)
		}
		out = append(out, rsp.Data.Buffer...)
	}
	return out, nil
}

// stripEKCertHeader removes the vendor header 0x10 0x01 0x00 len16 that
// some TPMs put before the DER, and any NV padding after the DER.
func stripEKCertHeader(b []byte) []byte {
	if len(b) >= 5 && b[0] == 0x10 && b[1] == 0x01 && b[2] == 0x00 {
		if n := int(binary.BigEndian.Uint16(b[3:])); len(b) >= 5+n {
			b = b[5 : 5+n]
		}
	}
	if n := derLen(b); n > 0 && n <= len(b) {
		return b[:n]
	}
	return b
}

// derLen returns the length of the DER SEQUENCE at b's start, or 0.
func derLen(b []byte) int {
	if len(b) < 2 || b[0] != 0x30 {
		return 0
	}
	l := int(b[1])
	if l < 0x80 {
		return 2 + l
	}
	nb := l & 0x7f
	if nb == 0 || nb > 3 || len(b) < 2+nb {
		return 0
	}
	n := 0
	for _, c := range b[2 : 2+nb] {
		n = n<<8 | int(c)
	}
	return 2 + nb + n
}
