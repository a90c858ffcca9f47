package update

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/attesta/attesta/journal/format"
)

// fixture is a box before an update: a disk image with a GPT (ESP, two root slots, data), an ESP folder with slot
// a's blessed entry, running 1.0.0 from slot a.
type fixture struct {
	dir, disk, esp string
	key            *ecdsa.PrivateKey
	leaves         []format.Entry
}

const slotBytes = 1 << 20

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{dir: t.TempDir()}
	f.key = newKey(t)
	f.disk = filepath.Join(f.dir, "disk.img")
	writeGPTImage(t, f.disk, []gptPart{{"ESP", 64 * 1024}, {"attesta-root-a", slotBytes}, {"attesta-root-b", slotBytes}, {"attesta-data", 64 * 1024}})
	f.esp = filepath.Join(f.dir, "esp")
	if err := os.MkdirAll(filepath.Join(f.esp, EntriesDir), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(f.esp, EntriesDir, "attesta-1.0.0-a.efi"), []byte("UKI 1.0.0 slot a"))
	return f
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// bundle writes an update file for version, signed by key, whose root.img is root.
func (f *fixture) bundle(t testing.TB, version string, key *ecdsa.PrivateKey, root []byte) string {
	t.Helper()
	return f.bundleWith(t, version, key, root, nil)
}

// bundleWith is bundle with the slots' signed TPM policies (policy-a.json, policy-b.json) when policies is not nil.
func (f *fixture) bundleWith(t testing.TB, version string, key *ecdsa.PrivateKey, root []byte, policies map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "root.img"), root)
	writeFile(t, filepath.Join(dir, "uki-a.efi"), []byte("UKI "+version+" slot a"))
	writeFile(t, filepath.Join(dir, "uki-b.efi"), []byte("UKI "+version+" slot b"))
	names := payload
	if policies != nil {
		names = withPolicies
		for slot, p := range policies {
			writeFile(t, filepath.Join(dir, PolicyName(slot)), p)
		}
	}
	var srcs []Source
	for _, n := range names {
		srcs = append(srcs, Source{Name: n, Path: filepath.Join(dir, n)})
	}
	var buf bytes.Buffer
	if err := Write(&buf, key, version, strings.Repeat("ab", 32), srcs, time.Unix(1700000000, 0)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "attesta-"+version+".update")
	writeFile(t, path, buf.Bytes())
	return path
}

func (f *fixture) updater(booted Booted) *Updater {
	return &Updater{Key: &f.key.PublicKey, Disk: ImageFile{Path: f.disk}, ESP: f.esp, Booted: booted, Record: f.record}
}

// record keeps the leaves, each checked to be a valid journal leaf.
func (f *fixture) record(_ context.Context, e format.Entry) error {
	e.Time = time.Now()
	if _, err := format.EncodeLeaf(uint64(len(f.leaves)), e); err != nil {
		return err
	}
	f.leaves = append(f.leaves, e)
	return nil
}

func (f *fixture) leafTypes() []string {
	var ts []string
	for _, l := range f.leaves {
		ts = append(ts, l.Type)
	}
	return ts
}

func (f *fixture) entries(t *testing.T) []string {
	t.Helper()
	des, err := os.ReadDir(filepath.Join(f.esp, EntriesDir))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

func (f *fixture) slot(t *testing.T, name string) []byte {
	t.Helper()
	p, err := ImageFile{Path: f.disk}.OpenSlot(name)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	b := make([]byte, p.Size)
	if _, err := p.ReadAt(b, 0); err != nil {
		t.Fatal(err)
	}
	return b
}

func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// sdBootTry renames a trial entry as systemd-boot does when it boots it.
func sdBootTry(t *testing.T, esp string) {
	t.Helper()
	es, err := Entries(esp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.Counted && e.Left > 0 {
			if err := rename(esp, e.File, EntryName(e.Version, e.Slot, true, e.Left-1, e.Done+1)); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatal("no trial entry with tries left")
}

func TestApplyThenBless(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t)
	root := randomBytes(t, slotBytes/2+123)
	file := f.bundle(t, "1.0.1", f.key, root)
	res, err := f.updater(Booted{Slot: "a", Version: "1.0.0"}).Apply(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	if res.Slot != "b" || res.Entry != "attesta-1.0.1-b+3.efi" {
		t.Fatalf("installed %+v, want slot b, entry attesta-1.0.1-b+3.efi", res)
	}
	if got := f.slot(t, "attesta-root-b"); !bytes.Equal(got[:len(root)], root) {
		t.Fatal("slot b does not hold root.img")
	}
	if got := f.slot(t, "attesta-root-a"); !bytes.Equal(got, make([]byte, slotBytes)) {
		t.Fatal("slot a was written")
	}
	uki, _ := os.ReadFile(filepath.Join(f.esp, EntriesDir, res.Entry))
	if string(uki) != "UKI 1.0.1 slot b" {
		t.Fatalf("entry holds %q, want slot b's UKI", uki)
	}
	if want := []string{LeafVerified, LeafSlotWritten, LeafBootEntry}; !slices.Equal(f.leafTypes(), want) {
		t.Fatalf("leaves %v, want %v", f.leafTypes(), want)
	}

	// The first boot of the new image is a try; its self-test passed: blessed.
	sdBootTry(t, f.esp)
	p, err := Settle(ctx, f.esp, Booted{Slot: "b", Version: "1.0.1"}, f.record)
	if err != nil {
		t.Fatal(err)
	}
	if p.Trial == nil || p.Trial.Done != 1 {
		t.Fatalf("settled %+v, want the trial entry after one boot", p)
	}
	if want := []string{"attesta-1.0.0-a.efi", "attesta-1.0.1-b.efi"}; !slices.Equal(f.entries(t), want) {
		t.Fatalf("entries %v, want %v", f.entries(t), want)
	}
	if last := f.leaves[len(f.leaves)-1]; last.Type != LeafBlessed || last.Fields["version"] != "1.0.1" {
		t.Fatalf("last leaf %+v, want %s of 1.0.1", last, LeafBlessed)
	}
	// Later boots have nothing to settle.
	if p, err := Check(f.esp, Booted{Slot: "b", Version: "1.0.1"}); err != nil || !p.Empty() {
		t.Fatalf("after the blessing: %+v, %v", p, err)
	}

	// The next update goes into slot a, whose old entry goes first.
	res, err = f.updater(Booted{Slot: "b", Version: "1.0.1"}).Apply(ctx, f.bundle(t, "1.0.2", f.key, root))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"attesta-1.0.1-b.efi", "attesta-1.0.2-a+3.efi"}; res.Slot != "a" || !slices.Equal(f.entries(t), want) {
		t.Fatalf("second update: slot %s, entries %v, want slot a and %v", res.Slot, f.entries(t), want)
	}
}

func TestFallback(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t)
	// An installation a power cut interrupted left its temporary file: the next one removes it.
	writeFile(t, filepath.Join(f.esp, EntriesDir, ".tmp-attesta-1.0.1-b+3.efi-123"), []byte("half a UKI"))
	u := f.updater(Booted{Slot: "a", Version: "1.0.0"})
	u.Tries = 2
	if _, err := u.Apply(ctx, f.bundle(t, "1.0.1", f.key, randomBytes(t, 4096))); err != nil {
		t.Fatal(err)
	}
	// Two boots of the new image fail before the self-test; systemd-boot falls back to slot a.
	sdBootTry(t, f.esp)
	sdBootTry(t, f.esp)
	booted := Booted{Slot: "a", Version: "1.0.0"}
	p, err := Settle(ctx, f.esp, booted, f.record)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Fallback) != 1 || p.Trial != nil {
		t.Fatalf("settled %+v, want one fall-back", p)
	}
	last := f.leaves[len(f.leaves)-1]
	if last.Type != LeafFallback || last.Fields["failed_version"] != "1.0.1" || last.Fields["tries"] != 2 {
		t.Fatalf("last leaf %+v, want the fall-back from 1.0.1 after 2 tries", last)
	}
	if want := []string{"attesta-1.0.0-a.efi"}; !slices.Equal(f.entries(t), want) {
		t.Fatalf("entries %v, want %v", f.entries(t), want)
	}
	if p, _ := Check(f.esp, booted); !p.Empty() {
		t.Fatalf("the fall-back is settled twice: %+v", p)
	}
}

func TestMarkBad(t *testing.T) {
	f := newFixture(t)
	if _, err := f.updater(Booted{Slot: "a", Version: "1.0.0"}).Apply(t.Context(), f.bundle(t, "1.0.1", f.key, []byte("root"))); err != nil {
		t.Fatal(err)
	}
	sdBootTry(t, f.esp)
	booted := Booted{Slot: "b", Version: "1.0.1"}
	if bad, err := MarkBad(f.esp, booted); err != nil || !bad {
		t.Fatalf("MarkBad = %v, %v", bad, err)
	}
	if want := []string{"attesta-1.0.0-a.efi", "attesta-1.0.1-b+0-3.efi"}; !slices.Equal(f.entries(t), want) {
		t.Fatalf("entries %v, want %v", f.entries(t), want)
	}
	if bad, err := MarkBad(f.esp, Booted{Slot: "a", Version: "1.0.0"}); err != nil || bad {
		t.Fatalf("MarkBad on a blessed slot = %v, %v; want nothing done", bad, err)
	}
}

// TestRefusals: each bad update file is refused with an error naming what is wrong, and nothing is written.
func TestRefusals(t *testing.T) {
	f := newFixture(t)
	root := randomBytes(t, 8192)
	good := f.bundle(t, "1.0.1", f.key, root)
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	rootAt := bytes.Index(data, root)
	dir := t.TempDir()
	variant := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		writeFile(t, p, b)
		return p
	}
	tampered := bytes.Clone(data)
	tampered[rootAt+100] ^= 1
	cases := []struct {
		name, file string
		running    string
		want       error
		say        string
	}{
		{"wrong key", f.bundle(t, "1.0.1", newKey(t), root), "1.0.0", ErrSignature, "manifest.sig"},
		{"tampered slot", variant("tampered", tampered), "1.0.0", ErrMember, "root.img: sha256"},
		{"truncated in the slot", variant("cut1", data[:rootAt+4000]), "1.0.0", ErrTruncated, "root.img"},
		{"truncated in the manifest", variant("cut2", data[:700]), "1.0.0", ErrTruncated, "manifest.json"},
		{"truncated after the slot", variant("cut3", data[:len(data)-2000]), "1.0.0", ErrTruncated, "uki-"},
		{"empty", variant("empty", nil), "1.0.0", ErrTruncated, "manifest.json"},
		{"not a tar", variant("junk", bytes.Repeat([]byte("x"), 2048)), "1.0.0", nil, "manifest.json"},
		{"older version", f.bundle(t, "0.9.9", f.key, root), "1.0.0", ErrNotNewer, "version 0.9.9, running 1.0.0"},
		{"same version", f.bundle(t, "1.0.0", f.key, root), "1.0.0", ErrNotNewer, "not newer"},
		{"a lower number with more digits is not newer", f.bundle(t, "1.0.9", f.key, root), "1.0.10", ErrNotNewer, "not newer"},
		{"missing file", filepath.Join(dir, "nothing"), "1.0.0", os.ErrNotExist, "nothing"},
	}
	before, _ := os.ReadFile(f.disk)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.updater(Booted{Slot: "a", Version: c.running}).Apply(t.Context(), c.file)
			if err == nil {
				t.Fatal("accepted")
			}
			if c.want != nil && !errors.Is(err, c.want) {
				t.Errorf("error %q does not match %q", err, c.want)
			}
			if !strings.Contains(err.Error(), c.say) {
				t.Errorf("error %q does not say %q", err, c.say)
			}
			t.Log(err)
		})
	}
	after, _ := os.ReadFile(f.disk)
	if !bytes.Equal(before, after) || len(f.leaves) != 0 || !slices.Equal(f.entries(t), []string{"attesta-1.0.0-a.efi"}) {
		t.Fatalf("a refused update changed something: disk changed %v, leaves %v, entries %v", !bytes.Equal(before, after), f.leafTypes(), f.entries(t))
	}
}

func TestSlotTooSmall(t *testing.T) {
	f := newFixture(t)
	_, err := f.updater(Booted{Slot: "a", Version: "1.0.0"}).Apply(t.Context(), f.bundle(t, "1.0.1", f.key, randomBytes(t, slotBytes+1)))
	if err == nil || !strings.Contains(err.Error(), "partition attesta-root-b only") {
		t.Fatalf("error %v, want the partition named too small", err)
	}
	if want := []string{"attesta-1.0.0-a.efi"}; !slices.Equal(f.entries(t), want) {
		t.Fatalf("entries %v, want %v", f.entries(t), want)
	}
}

func TestCompareVersions(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"1.0.0", "1.0.0", 0}, {"1.0.1", "1.0.0", 1}, {"1.0.10", "1.0.9", 1}, {"1.0", "1.0.0", -1},
		{"1.0~rc1", "1.0", -1}, {"2", "10", -1}, {"1.0a", "1.0", 1}, {"007", "7", 0}, {"1.0-2", "1.0-10", -1},
	} {
		if got := CompareVersions(c.a, c.b); got != c.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := CompareVersions(c.b, c.a); got != -c.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", c.b, c.a, got, -c.want)
		}
	}
}

func TestParseEntry(t *testing.T) {
	for name, want := range map[string]*Entry{
		"attesta-1.0.0-a.efi":        {Version: "1.0.0", Slot: "a"},
		"attesta-1.0.1-rc1-b+3.efi":  {Version: "1.0.1-rc1", Slot: "b", Counted: true, Left: 3},
		"attesta-1.0.1-b+0-3.efi":    {Version: "1.0.1", Slot: "b", Counted: true, Done: 3},
		"attesta-1.0.1-c.efi":        nil,
		"attesta-1.0.1-b+x.efi":      nil,
		"attesta-1.0.1-b+01.efi":     nil,
		"attesta-b.efi":              nil,
		"other-1.0.0-a.efi":          nil,
		"attesta-1.0.0-a.efi.tmp":    nil,
		".tmp-attesta-1.0.0-a.efi-1": nil,
	} {
		e, ok := ParseEntry(name)
		if want == nil {
			if ok {
				t.Errorf("ParseEntry(%q) = %+v, want not an entry", name, e)
			}
			continue
		}
		want.File = name
		if !ok || e != *want {
			t.Errorf("ParseEntry(%q) = %+v, %v; want %+v", name, e, ok, *want)
		}
		if back := EntryName(e.Version, e.Slot, e.Counted, e.Left, e.Done); back != name {
			t.Errorf("EntryName of %q = %q", name, back)
		}
	}
}

func TestReadBooted(t *testing.T) {
	dir := t.TempDir()
	cmdline, osr := filepath.Join(dir, "cmdline"), filepath.Join(dir, "os-release")
	writeFile(t, cmdline, []byte("attesta.slot=b attesta.roothash=00 ro quiet\n"))
	writeFile(t, osr, []byte("NAME=\"Attesta appliance\"\nIMAGE_VERSION=1.0.1\n"))
	b, err := ReadBooted(cmdline, osr)
	if err != nil || b != (Booted{Slot: "b", Version: "1.0.1"}) {
		t.Fatalf("ReadBooted = %+v, %v", b, err)
	}
	writeFile(t, cmdline, []byte("ro quiet\n"))
	if _, err := ReadBooted(cmdline, osr); err == nil || !strings.Contains(err.Error(), "attesta.slot") {
		t.Fatalf("no slot on the command line: %v", err)
	}
}

type gptPart struct {
	name string
	size int64
}

// writeGPTImage writes a disk image with a primary GPT (as sfdisk writes one) holding parts from sector 2048.
func writeGPTImage(t testing.TB, path string, parts []gptPart) {
	t.Helper()
	const entries, esize = 128, 128
	table := make([]byte, entries*esize)
	lba := int64(2048)
	for i, p := range parts {
		e := table[i*esize:]
		copy(e[:16], bytes.Repeat([]byte{byte(i + 1)}, 16)) // type GUID (any non-zero)
		copy(e[16:32], bytes.Repeat([]byte{byte(i + 0x40)}, 16))
		binary.LittleEndian.PutUint64(e[32:], uint64(lba))
		binary.LittleEndian.PutUint64(e[40:], uint64(lba+p.size/sector-1))
		for j, u := range utf16.Encode([]rune(p.name)) {
			binary.LittleEndian.PutUint16(e[56+2*j:], u)
		}
		lba += p.size / sector
	}
	hdr := make([]byte, sector)
	copy(hdr, "EFI PART")
	binary.LittleEndian.PutUint32(hdr[8:], 0x00010000)
	binary.LittleEndian.PutUint32(hdr[12:], 92)
	binary.LittleEndian.PutUint64(hdr[24:], 1)
	binary.LittleEndian.PutUint64(hdr[72:], 2)
	binary.LittleEndian.PutUint32(hdr[80:], entries)
	binary.LittleEndian.PutUint32(hdr[84:], esize)
	binary.LittleEndian.PutUint32(hdr[88:], crc32.ChecksumIEEE(table))
	binary.LittleEndian.PutUint32(hdr[16:], crc32.ChecksumIEEE(hdr[:92]))
	disk := make([]byte, (lba+34)*sector)
	copy(disk[sector:], hdr)
	copy(disk[2*sector:], table)
	writeFile(t, path, disk)
}

func TestReadGPTRefusesCorruption(t *testing.T) {
	path := filepath.Join(t.TempDir(), "disk.img")
	writeGPTImage(t, path, []gptPart{{"attesta-root-a", 4096}})
	data, _ := os.ReadFile(path)
	parts, err := ReadGPT(bytes.NewReader(data))
	if err != nil || len(parts) != 1 || parts[0].Name != "attesta-root-a" || parts[0].Offset != 2048*sector || parts[0].Size != 4096 {
		t.Fatalf("ReadGPT = %+v, %v", parts, err)
	}
	for _, c := range []struct {
		off  int
		want string
	}{{sector, "signature"}, {sector + 40, "header CRC32"}, {2*sector + 60, "entries' CRC32"}} {
		bad := bytes.Clone(data)
		bad[c.off] ^= 0xff
		if _, err := ReadGPT(bytes.NewReader(bad)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("byte %d flipped: %v, want an error about the %s", c.off, err, c.want)
		}
	}
	if _, err := ReadGPT(bytes.NewReader(data[:600])); err == nil {
		t.Error("a truncated disk is accepted")
	}
}

// TestFileChangedAfterCheck: a file that changes between its check and its installation (a stick swapped) is caught
// by the second check: no boot entry for the slot written.
func TestFileChangedAfterCheck(t *testing.T) {
	f := newFixture(t)
	root := randomBytes(t, 8192)
	file := f.bundle(t, "1.0.1", f.key, root)
	b, err := Open(file, &f.key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(file)
	data[bytes.Index(data, root)+5] ^= 1
	writeFile(t, file, data)
	_, err = f.updater(Booted{Slot: "a", Version: "1.0.0"}).Install(t.Context(), b)
	if !errors.Is(err, ErrMember) || !strings.Contains(err.Error(), "root.img") {
		t.Fatalf("error %v, want root.img differing from the signed manifest", err)
	}
	if want := []string{"attesta-1.0.0-a.efi"}; !slices.Equal(f.entries(t), want) {
		t.Fatalf("entries %v, want %v", f.entries(t), want)
	}
	if want := []string{LeafVerified}; !slices.Equal(f.leafTypes(), want) {
		t.Fatalf("leaves %v, want %v", f.leafTypes(), want)
	}
}
