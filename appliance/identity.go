package appliance

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/internal/strictjson"
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
	if err := strictjson.Decode(path, b, &id); err != nil {
		return id, fmt.Errorf("appliance: identity: %w", err)
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
		if err := durable.WriteNewJSON(path, id, 0o600); err != nil {
			return identity{}, fmt.Errorf("appliance: create %s: %w", path, err)
		}
		return id, nil
	default:
		return identity{}, fmt.Errorf("appliance: %w", err)
	}
}
