package blob

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/attesta/attesta/internal/durable"
)

// Erasure reports what EraseCase did, for the journal's erasure entry.
type Erasure struct {
	Case         string
	KeyID        string // id of the destroyed case key; empty if the case never had one
	KeyDestroyed bool   // this call destroyed the key file (false when an earlier, interrupted call did)
	Blobs        int    // blob files deleted by this call (set-aside damaged copies included)
	Bytes        int64  // their total size on disk
	Temporaries  int    // temporaries deleted
}

// tombstone is the content of the "erased" file, version 1.
type tombstone struct {
	V        int    `json:"v"`
	Case     string `json:"case"`
	KeyID    string `json:"key_id"`
	ErasedAt string `json:"erased_at"`
}

// EraseCase crypto-shreds a case: it marks the case erased, overwrites and removes the wrapped key (fsyncing the
// directory), then deletes the case's blobs. Afterwards Put, Open and CheckBlob on the case fail with ErrErased.
// Erasing an erased case finishes an interrupted erasure and reports what was left; erasing a case the store has
// never seen returns ErrNotFound. Other cases are not touched. EraseCase waits for the case's running Put, Open and
// CheckBlob calls to finish; readers already returned by Open keep the file they opened.
func (s *Store) EraseCase(ctx context.Context, caseID string) (Erasure, error) {
	if err := ValidCaseID(caseID); err != nil {
		return Erasure{}, fmt.Errorf("blob: erase case: %w", err)
	}
	e, err := s.erase(ctx, caseID)
	if err != nil {
		return e, fmt.Errorf("blob: erase case %s: %w", caseID, err)
	}
	return e, nil
}

func (s *Store) erase(ctx context.Context, caseID string) (Erasure, error) {
	e := Erasure{Case: caseID}
	cs := s.state(caseID)
	cs.rw.Lock()
	defer cs.rw.Unlock()
	caseDir := s.caseDir(caseID)
	if _, err := os.Stat(caseDir); errors.Is(err, fs.ErrNotExist) {
		return e, ErrNotFound
	}
	if err := ctx.Err(); err != nil {
		return e, err
	}
	id, err := s.markErased(caseID)
	if err != nil {
		return e, err
	}
	e.KeyID = id
	cs.keyMu.Lock()
	cs.forgetKey()
	cs.keyMu.Unlock()
	if e.KeyDestroyed, err = durable.Shred(filepath.Join(caseDir, keyFileName)); err != nil {
		return e, fmt.Errorf("destroy key: %w", err)
	}
	if e.Temporaries, err = durable.RemoveTemps(caseDir); err != nil {
		return e, err
	}
	if err := deleteBlobs(s.blobsDir(caseID), &e); err != nil {
		return e, err
	}
	return e, nil
}

// markErased durably writes the tombstone (unless an interrupted erasure already did) and returns the key id.
func (s *Store) markErased(caseID string) (string, error) {
	caseDir := s.caseDir(caseID)
	if b, err := os.ReadFile(filepath.Join(caseDir, tombstoneName)); err == nil {
		var t tombstone
		if err := json.Unmarshal(b, &t); err != nil {
			return "", fmt.Errorf("read tombstone: %w", err)
		}
		return t.KeyID, nil
	}
	t := tombstone{V: 1, Case: caseID, ErasedAt: time.Now().UTC().Format(time.RFC3339)}
	id, _, err := readKeyFile(filepath.Join(caseDir, keyFileName))
	switch {
	case err == nil:
		t.KeyID = hex.EncodeToString(id[:])
	case errors.Is(err, fs.ErrNotExist):
		// a case directory without a key holds nothing decryptable
	default:
		// a damaged key file is destroyed all the same; its id is unknown
	}
	b, err := json.Marshal(t)
	if err != nil {
		return "", err
	}
	if err := writeFileOnce(caseDir, tombstoneName, append(b, '\n')); err != nil {
		return "", fmt.Errorf("write tombstone: %w", err)
	}
	return t.KeyID, nil
}

// deleteBlobs removes every file in the blobs directory, then the directory, counting into e.
func deleteBlobs(dir string, e *Erasure) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("list blobs: %w", err)
	}
	for _, ent := range entries {
		path := filepath.Join(dir, ent.Name())
		fi, err := ent.Info()
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("stat %s: %w", path, err)
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("delete blob: %w", err)
		}
		switch {
		case len(ent.Name()) >= len(tmpPrefix) && ent.Name()[:len(tmpPrefix)] == tmpPrefix:
			e.Temporaries++
		case fi != nil:
			e.Blobs++
			e.Bytes += fi.Size()
		}
	}
	if err := durable.SyncDir(dir); err != nil {
		return err
	}
	if err := os.Remove(dir); err != nil {
		return fmt.Errorf("remove blobs directory: %w", err)
	}
	return durable.SyncDir(filepath.Dir(dir))
}
