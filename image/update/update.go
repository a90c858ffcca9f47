package update

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/journal/format"
	"github.com/attesta/attesta/tpm/attest"
)

// Leaf types, one per step.
const (
	LeafVerified    = "image-update-verified"
	LeafSlotWritten = "image-update-slot-written"
	LeafPolicy      = "image-update-policy"
	LeafBootEntry   = "image-update-boot-entry"
	LeafBlessed     = "image-update-blessed"
	LeafFallback    = "image-update-fallback"
)

// DefaultTries is how many boots a new image gets before systemd-boot falls back to the old slot.
const DefaultTries = 3

// Record appends a leaf to the journal; a step is done only once its leaf is recorded.
type Record func(ctx context.Context, e format.Entry) error

// Booted is the running image: the slot the UKI named (attesta.slot= on the kernel command line) and its version
// (IMAGE_VERSION in os-release).
type Booted struct {
	Slot, Version string
}

// ReadBooted reads the running image from the kernel command line and the os-release file.
func ReadBooted(cmdlinePath, osReleasePath string) (Booted, error) {
	var b Booted
	cmdline, err := os.ReadFile(cmdlinePath)
	if err != nil {
		return b, fmt.Errorf("update: running slot: %w", err)
	}
	for _, arg := range strings.Fields(string(cmdline)) {
		if v, ok := strings.CutPrefix(arg, "attesta.slot="); ok {
			b.Slot = v
		}
	}
	if b.Slot != "a" && b.Slot != "b" {
		return b, fmt.Errorf("update: %s: attesta.slot=%q, want a or b", cmdlinePath, b.Slot)
	}
	osr, err := os.ReadFile(osReleasePath)
	if err != nil {
		return b, fmt.Errorf("update: running version: %w", err)
	}
	for _, line := range strings.Split(string(osr), "\n") {
		if v, ok := strings.CutPrefix(line, "IMAGE_VERSION="); ok {
			b.Version = strings.Trim(v, `"'`)
		}
	}
	if err := checkVersion(b.Version); err != nil {
		return b, fmt.Errorf("update: %s: IMAGE_VERSION: %w", osReleasePath, err)
	}
	return b, nil
}

// Errors of the signed TPM policy an update carries.
var (
	// ErrNoPolicy: the box's signing key is bound to signed TPM policies, and the update carries none: the new image
	// could not sign.
	ErrNoPolicy = errors.New("the update carries no signed TPM policy")
	// ErrPolicy: the update's signed TPM policy for the slot is not the image-policy key's, not for the update's
	// image, or older than the TPM accepts.
	ErrPolicy = errors.New("signed TPM policy refused")
)

// Updater installs update files into the inactive slot.
type Updater struct {
	Key *ecdsa.PublicKey // the pinned image key
	// PolicyKey is the image-policy key (the box's image_key) when the box's signing key is bound to signed TPM
	// policies: the update must then carry the new slot's signed policy, of that key, for its version, and not
	// below MinPolicyVersion (the TPM's anti-rollback counter); it is written to the ESP beside the others
	// (PoliciesDir) before the boot entry. Nil: policies are not looked at.
	PolicyKey        *ecdsa.PublicKey
	MinPolicyVersion uint64
	Disk             Disk
	ESP              string // where the ESP is mounted
	Booted           Booted
	Tries            int // boots the new image gets; DefaultTries when 0
	Record           Record
}

// Result says what an update installed.
type Result struct {
	Version, Slot, Entry string
	// Policy is the signed TPM policy written for the slot (under the ESP), PolicyVersion its version; empty and 0
	// when the box does not use signed policies.
	Policy        string
	PolicyVersion uint64
}

// Apply checks the update file at path and installs it into the inactive slot as a trial boot entry. Nothing is
// written before the file is checked; the inactive slot has no boot entry while it is written.
func (u *Updater) Apply(ctx context.Context, path string) (*Result, error) {
	b, err := Open(path, u.Key)
	if err != nil {
		return nil, err
	}
	return u.Install(ctx, b)
}

// Install is Apply for an update file [Open] checked already.
func (u *Updater) Install(ctx context.Context, b *Bundle) (*Result, error) {
	tries := u.Tries
	if tries == 0 {
		tries = DefaultTries
	}
	if tries < 1 || tries > 9 {
		return nil, fmt.Errorf("update: %d tries, want 1 to 9", tries)
	}
	path := b.Path
	m := b.Manifest
	if CompareVersions(m.Version, u.Booted.Version) <= 0 {
		return nil, fmt.Errorf("update: %s: version %s, running %s: %w", path, m.Version, u.Booted.Version, ErrNotNewer)
	}
	slot := Other(u.Booted.Slot)
	root, _ := b.File(RootName)
	uki, _ := b.File(UKIName(slot))
	fields := map[string]any{"version": m.Version, "running_version": u.Booted.Version, "manifest_sha256": b.ManifestSHA256,
		"key_sha256": b.KeyID, "roothash": m.RootHash, "file": filepath.Base(path)}
	var policy []byte
	var pol *attest.SignedPolicy
	if u.PolicyKey != nil {
		var err error
		if policy, pol, err = u.checkPolicy(b, slot); err != nil {
			return nil, err
		}
		fields["policy_version"] = int64(pol.Version)
	}
	if err := u.record(ctx, LeafVerified, fields); err != nil {
		return nil, err
	}

	removed, err := removeSlotEntries(u.ESP, slot)
	if err != nil {
		return nil, err
	}
	if err := u.writeSlot(b, slot, root); err != nil {
		return nil, err
	}
	fields = map[string]any{"version": m.Version, "slot": slot, "partition": SlotPartition(slot), "size": root.Size,
		"sha256": root.SHA256, "removed_entries": anyStrings(removed)}
	if err := u.record(ctx, LeafSlotWritten, fields); err != nil {
		return nil, err
	}

	res := &Result{Version: m.Version, Slot: slot}
	if pol != nil {
		file, err := installPolicy(u.ESP, slot, policy)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(policy)
		fields = map[string]any{"version": m.Version, "slot": slot, "file": file, "policy_version": int64(pol.Version),
			"pcr_selection": pol.Selection.String(), "sha256": hex.EncodeToString(sum[:])}
		if err := u.record(ctx, LeafPolicy, fields); err != nil {
			return nil, err
		}
		res.Policy, res.PolicyVersion = file, pol.Version
	}

	name, err := installEntry(u.ESP, m.Version, slot, tries, func(w io.Writer) error { return b.Copy(uki.Name, w) })
	if err != nil {
		return nil, err
	}
	fields = map[string]any{"version": m.Version, "slot": slot, "entry": EntriesDir + "/" + name, "tries": tries,
		"uki_sha256": uki.SHA256}
	if err := u.record(ctx, LeafBootEntry, fields); err != nil {
		return nil, err
	}
	res.Entry = name
	return res, nil
}

// checkPolicy reads the update's signed TPM policy for slot and checks it: the image-policy key's signature, the
// update's version, not below the TPM's counter.
func (u *Updater) checkPolicy(b *Bundle, slot string) ([]byte, *attest.SignedPolicy, error) {
	if !b.HasPolicies() {
		return nil, nil, fmt.Errorf("update: %s: %w: the box's signing key is bound to the image-policy key's signed policies, and image %s could not sign", b.Path, ErrNoPolicy, b.Manifest.Version)
	}
	data, err := b.Policy(slot)
	if err != nil {
		return nil, nil, err
	}
	p, err := attest.ParsePolicy(PolicyName(slot), data)
	if err == nil {
		err = p.Verify(u.PolicyKey)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("update: %s: %w: %w", b.Path, ErrPolicy, err)
	}
	if p.ImageVersion != b.Manifest.Version {
		return nil, nil, fmt.Errorf("update: %s: %w: %s is for image %s, the update is %s", b.Path, ErrPolicy, PolicyName(slot), p.ImageVersion, b.Manifest.Version)
	}
	if p.Version < u.MinPolicyVersion {
		return nil, nil, fmt.Errorf("update: %s: %w: %s has version %d, the TPM accepts %d and above: the image could not sign", b.Path, ErrPolicy, PolicyName(slot), p.Version, u.MinPolicyVersion)
	}
	return data, p, nil
}

// writeSlot copies root.img into slot's partition, flushes it and reads it back.
func (u *Updater) writeSlot(b *Bundle, slot string, root File) error {
	p, err := u.Disk.OpenSlot(SlotPartition(slot))
	if err != nil {
		return fmt.Errorf("update: %w", err)
	}
	defer p.Close()
	if root.Size > p.Size {
		return fmt.Errorf("update: %s is %d bytes, partition %s only %d", RootName, root.Size, p.Name, p.Size)
	}
	bw := bufio.NewWriterSize(io.NewOffsetWriter(p, 0), 1<<20)
	if err := b.Copy(RootName, bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("update: write %s: %w", p.Name, err)
	}
	if err := p.Flush(); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(p, 0, root.Size)); err != nil {
		return fmt.Errorf("update: read back %s: %w", p.Name, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != root.SHA256 {
		return fmt.Errorf("update: read back %s: sha256 %s, written %s", p.Name, got, root.SHA256)
	}
	return nil
}

func (u *Updater) record(ctx context.Context, typ string, fields map[string]any) error {
	if err := u.Record(ctx, format.Entry{Type: typ, Fields: fields}); err != nil {
		return fmt.Errorf("update: journal %s: %w", typ, err)
	}
	return nil
}

func anyStrings(ss []string) []any {
	out := make([]any, 0, len(ss))
	for _, s := range ss {
		out = append(out, s)
	}
	return out
}

// Pending is what the boot has to settle: the running slot's trial entry, and newer trial entries of the other slot
// with no tries left (the new image failed and the box fell back).
type Pending struct {
	Trial    *Entry
	Fallback []Entry
}

// Empty reports whether there is nothing to settle.
func (p Pending) Empty() bool { return p.Trial == nil && len(p.Fallback) == 0 }

// Check finds what this boot has to settle.
func Check(esp string, booted Booted) (Pending, error) {
	es, err := Entries(esp)
	if err != nil {
		return Pending{}, err
	}
	var p Pending
	for _, e := range es {
		switch {
		case !e.Counted:
		case e.Slot == booted.Slot && e.Version == booted.Version:
			p.Trial = &e
		case e.Slot != booted.Slot && e.Left == 0 && CompareVersions(e.Version, booted.Version) > 0:
			p.Fallback = append(p.Fallback, e)
		}
	}
	return p, nil
}

// Settle blesses the running slot's trial entry (call it once the appliance passed its start-up self-test) and
// records the fall-backs from failed images, removing their dead entries. Each leaf is recorded before the ESP
// changes: a power cut in between records a step twice, never loses it.
func Settle(ctx context.Context, esp string, booted Booted, record Record) (Pending, error) {
	p, err := Check(esp, booted)
	if err != nil {
		return p, err
	}
	for _, e := range p.Fallback {
		fields := map[string]any{"failed_version": e.Version, "failed_slot": e.Slot, "tries": e.Done,
			"running_version": booted.Version, "running_slot": booted.Slot, "entry": EntriesDir + "/" + e.File}
		if err := record(ctx, format.Entry{Type: LeafFallback, Fields: fields}); err != nil {
			return p, fmt.Errorf("update: journal %s: %w", LeafFallback, err)
		}
		if err := os.Remove(filepath.Join(esp, EntriesDir, e.File)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return p, fmt.Errorf("update: remove the failed entry: %w", err)
		}
		if err := durable.SyncDir(filepath.Join(esp, EntriesDir)); err != nil {
			return p, fmt.Errorf("update: %w", err)
		}
	}
	if t := p.Trial; t != nil {
		blessed := EntryName(t.Version, t.Slot, false, 0, 0)
		fields := map[string]any{"version": t.Version, "slot": t.Slot, "entry": EntriesDir + "/" + blessed,
			"boots": t.Done, "tries_left": t.Left}
		if err := record(ctx, format.Entry{Type: LeafBlessed, Fields: fields}); err != nil {
			return p, fmt.Errorf("update: journal %s: %w", LeafBlessed, err)
		}
		if err := rename(esp, t.File, blessed); err != nil {
			return p, err
		}
	}
	return p, nil
}

// MarkBad gives the running slot's trial entry no tries left, so that the next boot falls back to the other slot
// (the appliance failed its start-up self-test on the new image).
func MarkBad(esp string, booted Booted) (bool, error) {
	p, err := Check(esp, booted)
	if err != nil || p.Trial == nil {
		return false, err
	}
	t := p.Trial
	return true, rename(esp, t.File, EntryName(t.Version, t.Slot, true, 0, t.Done+t.Left))
}
