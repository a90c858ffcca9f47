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
