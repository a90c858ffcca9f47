package appliance

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"time"
)

// identity is the content of DataDir/appliance.json. The id is made once, at random, and never changes: it names
// the journal's origin ("attesta/<id>"), so keys can be rotated without starting a new journal.
type identity struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
}

var validID = regexp.MustCompile(`^[0-9a-f]{16}$`)

// loadIdentity reads the appliance identity of an existing data directory.
func loadIdentity(dataDir string) (identity, error) {
	path := filepath.Join(dataDir, "appliance.json")
	b, err := os.ReadFile(path)
	if err != nil {
		return identity{}, fmt.Errorf("appliance: %w", err)
	}
	var id identity
	if err := json.Unmarshal(b, &id); err != nil {
		return id, fmt.Errorf("appliance: %s: %w", path, err)
	}
	if !validID.MatchString(id.ID) {
		return id, fmt.Errorf("appliance: %s: id %q is not 16 lower-case hex digits", path, id.ID)
	}
	return id, nil
}

// loadOrCreateIdentity reads the appliance identity, creating it on first start.
func loadOrCreateIdentity(dataDir string, now time.Time) (identity, error) {
	path := filepath.Join(dataDir, "appliance.json")
	_, err := os.Stat(path)
	switch {
	case err == nil:
		return loadIdentity(dataDir)
	case errors.Is(err, fs.ErrNotExist):
		var raw [8]byte
		if _, err := rand.Read(raw[:]); err != nil {
			return identity{}, err
		}
		id := identity{ID: hex.EncodeToString(raw[:]), Created: now.UTC()}
		b, _ := json.MarshalIndent(id, "", "  ")
		if err := writeFileDurable(path, append(b, '\n')); err != nil {
			return identity{}, fmt.Errorf("appliance: create %s: %w", path, err)
		}
		return id, nil
	default:
		return identity{}, fmt.Errorf("appliance: %w", err)
	}
}

// writeFileDurable writes a new file: temp file in the same directory, fsync, link to the final name (never
// overwriting), fsync the directory.
func writeFileDurable(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
