package update

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/attesta/attesta/internal/durable"
)

// EntriesDir is where systemd-boot finds Type #2 entries (unified kernel images), under the ESP.
const EntriesDir = "EFI/Linux"

// PoliciesDir is where the signed TPM policies are, under the ESP (the box's tpm_policy: /efi/attesta/policies), one
// per slot: PolicyFile.
const PoliciesDir = "attesta/policies"

// PolicyFile is the base name of slot's signed TPM policy in PoliciesDir.
func PolicyFile(slot string) string { return "slot-" + slot + ".json" }

// installPolicy writes slot's signed TPM policy (temporary file, fsync, rename, fsync of the directory), replacing
// the policy of the image the slot held. It returns its path under the ESP.
func installPolicy(esp, slot string, data []byte) (string, error) {
	dir := filepath.Join(esp, PoliciesDir)
	if err := durable.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("update: signed policies: %w", err)
	}
	if _, err := durable.RemoveTemps(dir); err != nil {
		return "", fmt.Errorf("update: signed policies: %w", err)
	}
	if err := durable.Replace(filepath.Join(dir, PolicyFile(slot)), data, 0o644); err != nil {
		return "", fmt.Errorf("update: signed policy: %w", err)
	}
	return PoliciesDir + "/" + PolicyFile(slot), nil
}

// Entry is one of the appliance's boot entries on the ESP.
type Entry struct {
	File    string // base name in EntriesDir
	Version string
	Slot    string
	Counted bool // on trial: File carries +LEFT[-DONE]
	Left    int  // tries left (Counted only)
	Done    int  // tries used (Counted only)
}

// EntryName is the file name of slot's entry for version: blessed without a counter, on trial with +LEFT-DONE
// (DONE omitted when 0, as systemd-boot expects a new entry).
func EntryName(version, slot string, counted bool, left, done int) string {
	name := "attesta-" + version + "-" + slot
	if counted {
		name += "+" + strconv.Itoa(left)
		if done > 0 {
			name += "-" + strconv.Itoa(done)
		}
	}
	return name + ".efi"
}

// ParseEntry reads an entry's file name; ok is false for a file that is not one of the appliance's entries.
func ParseEntry(name string) (e Entry, ok bool) {
	base, found := strings.CutSuffix(name, ".efi")
	if !found {
		return e, false
	}
	base, found = strings.CutPrefix(base, "attesta-")
	if !found {
		return e, false
	}
	if i := strings.LastIndexByte(base, '+'); i >= 0 {
		counter := base[i+1:]
		base = base[:i]
		left, done, hasDone := strings.Cut(counter, "-")
		var err error
		if e.Left, err = strconv.Atoi(left); err != nil || e.Left < 0 || left != strconv.Itoa(e.Left) {
			return Entry{}, false
		}
		if hasDone { // systemd-boot writes -DONE from the first try on: 1 or more
			if e.Done, err = strconv.Atoi(done); err != nil || e.Done < 1 || done != strconv.Itoa(e.Done) {
				return Entry{}, false
			}
		}
		e.Counted = true
	}
	i := strings.LastIndexByte(base, '-')
	if i < 0 {
		return Entry{}, false
	}
	e.Version, e.Slot = base[:i], base[i+1:]
	if e.Slot != "a" && e.Slot != "b" || checkVersion(e.Version) != nil {
		return Entry{}, false
	}
	e.File = name
	return e, true
}

// Entries lists the appliance's boot entries on the ESP mounted at esp, sorted by file name.
func Entries(esp string) ([]Entry, error) {
	des, err := os.ReadDir(filepath.Join(esp, EntriesDir))
	if err != nil {
		return nil, fmt.Errorf("update: boot entries: %w", err)
	}
	var es []Entry
	for _, de := range des {
		if e, ok := ParseEntry(de.Name()); ok && de.Type().IsRegular() {
			es = append(es, e)
		}
	}
	sort.Slice(es, func(i, j int) bool { return es[i].File < es[j].File })
	return es, nil
}

// removeSlotEntries removes every entry of slot, so that the slot is not booted while it is rewritten.
// Temporary files of an installation a power cut interrupted go too: the ESP is small.
func removeSlotEntries(esp, slot string) ([]string, error) {
	if _, err := durable.RemoveTemps(filepath.Join(esp, EntriesDir)); err != nil {
		return nil, fmt.Errorf("update: boot entries: %w", err)
	}
	es, err := Entries(esp)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(esp, EntriesDir)
	var removed []string
	for _, e := range es {
		if e.Slot != slot {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.File)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, fmt.Errorf("update: remove boot entry: %w", err)
		}
		removed = append(removed, e.File)
	}
	if len(removed) > 0 {
		if err := durable.SyncDir(dir); err != nil {
			return removed, fmt.Errorf("update: %w", err)
		}
	}
	return removed, nil
}

// installEntry writes slot's trial entry with tries tries: a temporary file systemd-boot ignores, fsynced, renamed
// to the entry's name, the directory fsynced.
func installEntry(esp, version, slot string, tries int, write func(io.Writer) error) (string, error) {
	name := EntryName(version, slot, true, tries, 0)
	f, err := durable.Create(filepath.Join(esp, EntriesDir, name), 0o644)
	if err != nil {
		return "", fmt.Errorf("update: boot entry: %w", err)
	}
	defer f.Close()
	if err := write(f); err != nil {
		return "", err
	}
	if err := f.CommitReplace(); err != nil {
		return "", fmt.Errorf("update: boot entry: %w", err)
	}
	return name, nil
}

// rename renames an entry and makes the rename durable.
func rename(esp, from, to string) error {
	dir := filepath.Join(esp, EntriesDir)
	if err := os.Rename(filepath.Join(dir, from), filepath.Join(dir, to)); err != nil {
		return fmt.Errorf("update: boot entry: %w", err)
	}
	if err := durable.SyncDir(dir); err != nil {
		return fmt.Errorf("update: boot entry: %w", err)
	}
	return nil
}
