package update

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"unicode/utf16"
)

// SlotPartition is the GPT name of a root slot's partition.
func SlotPartition(slot string) string { return "attesta-root-" + slot }

// Other is the slot that is not slot.
func Other(slot string) string {
	if slot == "a" {
		return "b"
	}
	return "a"
}

// Disk gives the root slots' partitions to write.
type Disk interface {
	// OpenSlot opens the partition called name for reading and writing; its size is the partition's.
	OpenSlot(name string) (*Partition, error)
}

// Partition is a region of a file or block device.
type Partition struct {
	f          *os.File
	Name       string
	Offset     int64
	Size       int64
	devicePath string
}

// WriterAt and ReaderAt confined to the partition.
func (p *Partition) WriteAt(b []byte, off int64) (int, error) {
	if off < 0 || off+int64(len(b)) > p.Size {
		return 0, fmt.Errorf("partition %s: write of %d bytes at %d beyond its %d bytes", p.Name, len(b), off, p.Size)
	}
	return p.f.WriteAt(b, p.Offset+off)
}

func (p *Partition) ReadAt(b []byte, off int64) (int, error) {
	if off >= p.Size {
		return 0, io.EOF
	}
	if rest := p.Size - off; int64(len(b)) > rest {
		b = b[:rest]
	}
	return p.f.ReadAt(b, p.Offset+off)
}

// Flush makes what was written durable (the device's write cache included).
func (p *Partition) Flush() error {
	if err := p.f.Sync(); err != nil {
		return fmt.Errorf("partition %s: flush: %w", p.Name, err)
	}
	return nil
}

func (p *Partition) Close() error { return p.f.Close() }

// PartLabels is the box's disk: partitions opened by their GPT names under a directory
// (/dev/disk/by-partlabel).
type PartLabels struct{ Dir string }

func (d PartLabels) OpenSlot(name string) (*Partition, error) {
	path := filepath.Join(d.Dir, name)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("root slot: %w", err)
	}
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("root slot %s: size: %w", path, err)
	}
	return &Partition{f: f, Name: name, Size: size, devicePath: path}, nil
}

// ImageFile is a disk image file with a GPT: a partition is found by its name in the partition table.
type ImageFile struct{ Path string }

// ErrNoPartition: the disk has no partition of that name.
var ErrNoPartition = errors.New("no partition of that name")

func (d ImageFile) OpenSlot(name string) (*Partition, error) {
	f, err := os.OpenFile(d.Path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("disk image: %w", err)
	}
	parts, err := ReadGPT(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("disk image %s: %w", d.Path, err)
	}
	for _, p := range parts {
		if p.Name == name {
			p.f = f
			return &p, nil
		}
	}
	f.Close()
	return nil, fmt.Errorf("disk image %s: %q: %w", d.Path, name, ErrNoPartition)
}

const sector = 512

// ReadGPT reads the primary GUID partition table of a disk with 512-byte sectors: each used entry's name and byte
// range. The header's and the entries' CRC32 are checked.
func ReadGPT(r io.ReaderAt) ([]Partition, error) {
	hdr := make([]byte, sector)
	if _, err := r.ReadAt(hdr, sector); err != nil {
		return nil, fmt.Errorf("gpt: header at byte %d: %w", sector, err)
	}
	if string(hdr[:8]) != "EFI PART" {
		return nil, fmt.Errorf("gpt: no \"EFI PART\" signature at byte %d", sector)
	}
	hsize := binary.LittleEndian.Uint32(hdr[12:])
	if hsize < 92 || hsize > sector {
		return nil, fmt.Errorf("gpt: header size %d", hsize)
	}
	h := bytes.Clone(hdr[:hsize])
	binary.LittleEndian.PutUint32(h[16:], 0)
	if crc32.ChecksumIEEE(h) != binary.LittleEndian.Uint32(hdr[16:]) {
		return nil, errors.New("gpt: header CRC32 does not match")
	}
	lba := binary.LittleEndian.Uint64(hdr[72:])
	n := binary.LittleEndian.Uint32(hdr[80:])
	esize := binary.LittleEndian.Uint32(hdr[84:])
	if n == 0 || n > 1024 || esize < 128 || esize > 1024 || esize%8 != 0 || lba > 1<<40 {
		return nil, fmt.Errorf("gpt: %d entries of %d bytes at sector %d", n, esize, lba)
	}
	table := make([]byte, int(n)*int(esize))
	if _, err := r.ReadAt(table, int64(lba)*sector); err != nil {
		return nil, fmt.Errorf("gpt: entries at sector %d: %w", lba, err)
	}
	if crc32.ChecksumIEEE(table) != binary.LittleEndian.Uint32(hdr[88:]) {
		return nil, errors.New("gpt: entries' CRC32 does not match")
	}
	var parts []Partition
	for i := range int(n) {
		e := table[i*int(esize) : (i+1)*int(esize)]
		if allZero(e[:16]) {
			continue
		}
		first, last := binary.LittleEndian.Uint64(e[32:]), binary.LittleEndian.Uint64(e[40:])
		if last < first || last > 1<<40 {
			return nil, fmt.Errorf("gpt: entry %d: sectors %d to %d", i, first, last)
		}
		u := make([]uint16, 36)
		for j := range u {
			u[j] = binary.LittleEndian.Uint16(e[56+2*j:])
		}
		end := 0
		for end < len(u) && u[end] != 0 {
			end++
		}
		parts = append(parts, Partition{Name: string(utf16.Decode(u[:end])), Offset: int64(first) * sector,
			Size: int64(last-first+1) * sector})
	}
	return parts, nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
