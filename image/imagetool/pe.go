package main

import (
	"bytes"
	"crypto/sha256"
	"debug/pe"
	"encoding/binary"
	"fmt"
	"os"
	"sort"
)

// peImage is a PE file (the UKI) read whole.
type peImage struct {
	raw  []byte
	file *pe.File
}

func readPE(path string) (*peImage, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := pe.NewFile(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if _, ok := f.OptionalHeader.(*pe.OptionalHeader64); !ok {
		return nil, fmt.Errorf("%s: not a PE32+ image", path)
	}
	return &peImage{raw: raw, file: f}, nil
}

// section returns the contents of the named section as it lies in memory: VirtualSize bytes, zero-filled past the
// raw data.
func (p *peImage) section(name string) ([]byte, bool) {
	s := p.file.Section(name)
	if s == nil {
		return nil, false
	}
	out := make([]byte, s.VirtualSize)
	end := int(s.Offset) + int(min(s.Size, s.VirtualSize))
	if end > len(p.raw) {
		end = len(p.raw)
	}
	copy(out, p.raw[s.Offset:end])
	return out, true
}

// authenticode is the PE image's Authenticode SHA-256 (as the firmware measures and verifies it): the headers
// without the checksum and the certificate table entry, the sections in file order, then whatever follows them
// except the certificate table.
func (p *peImage) authenticode() []byte {
	raw := p.raw
	peOff := int(binary.LittleEndian.Uint32(raw[0x3c:]))
	opt := peOff + 4 + 20
	checksum := opt + 64
	certEntry := opt + 112 + 4*8 // data directory 4 of a PE32+ optional header
	oh := p.file.OptionalHeader.(*pe.OptionalHeader64)
	certOff := int(oh.DataDirectory[pe.IMAGE_DIRECTORY_ENTRY_SECURITY].VirtualAddress)
	certSize := int(oh.DataDirectory[pe.IMAGE_DIRECTORY_ENTRY_SECURITY].Size)
	h := sha256.New()
	h.Write(raw[:checksum])
	h.Write(raw[checksum+4 : certEntry])
	h.Write(raw[certEntry+8 : oh.SizeOfHeaders])
	secs := append([]*pe.Section{}, p.file.Sections...)
	sort.SliceStable(secs, func(i, j int) bool { return secs[i].Offset < secs[j].Offset })
	end := int(oh.SizeOfHeaders)
	for _, s := range secs {
		if s.Size == 0 {
			continue
		}
		h.Write(raw[s.Offset : s.Offset+s.Size])
		end = int(s.Offset + s.Size)
	}
	tail := len(raw)
	if certSize > 0 {
		tail = certOff
	}
	if tail > end {
		h.Write(raw[end:tail])
	}
	return h.Sum(nil)
}

// stampPE writes epoch into a PE file's COFF TimeDateStamp and recomputes its optional header's CheckSum. objcopy
// (binutils 2.40) writes the current time there and ignores SOURCE_DATE_EPOCH, which made two builds of the same
// commit differ in the UKI, and so in PCR 4 and the image.
func stampPE(raw []byte, epoch uint32) error {
	if len(raw) < 0x40 {
		return fmt.Errorf("not a PE file: %d bytes", len(raw))
	}
	peOff := int(binary.LittleEndian.Uint32(raw[0x3c:]))
	checksum := peOff + 4 + 20 + 64
	if peOff < 0 || checksum+4 > len(raw) || string(raw[peOff:peOff+4]) != "PE\x00\x00" {
		return fmt.Errorf("not a PE file: no PE signature at offset %#x", peOff)
	}
	binary.LittleEndian.PutUint32(raw[peOff+8:], epoch)
	binary.LittleEndian.PutUint32(raw[checksum:], 0)
	binary.LittleEndian.PutUint32(raw[checksum:], peChecksum(raw))
	return nil
}

// peChecksum is the PE image checksum (as IMAGEHLP's CheckSumMappedFile computes it) of raw, whose CheckSum field
// must be zero: the 16-bit little-endian words summed with end-around carry, plus the file's length.
func peChecksum(raw []byte) uint32 {
	var sum uint32
	for i := 0; i < len(raw); i += 2 {
		w := uint32(raw[i])
		if i+1 < len(raw) {
			w |= uint32(raw[i+1]) << 8
		}
		sum += w
		sum = (sum & 0xffff) + (sum >> 16)
	}
	return sum + uint32(len(raw))
}
