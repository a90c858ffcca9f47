package blob

// What a mirror of the store needs, and what a restore from one needs: the sealed files as they are on disk, the case
// key handed only to an escrow function, and their way back in.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/attesta/attesta/internal/durable"
)

// OpenSealed opens a blob file as it is stored: the header and the encrypted chunks, never the plaintext. It needs no
// key. The caller closes the file. A blob the store does not hold is ErrNotFound; an erased case is ErrErased.
func (s *Store) OpenSealed(ctx context.Context, caseID, sha256hex string) (*os.File, error) {
	if err := ValidCaseID(caseID); err != nil {
		return nil, fmt.Errorf("blob: open sealed: %w", err)
	}
	if !isDigest(sha256hex) {
		return nil, fmt.Errorf("blob: open sealed %s/%q: %w", caseID, sha256hex, ErrBadDigest)
	}
	cs := s.state(caseID)
	cs.rw.RLock()
	defer cs.rw.RUnlock()
	if gone, err := s.erased(caseID); err != nil {
		return nil, fmt.Errorf("blob: open sealed %s/%s: %w", caseID, sha256hex, err)
	} else if gone {
		return nil, fmt.Errorf("blob: open sealed %s/%s: %w", caseID, sha256hex, ErrErased)
	}
	f, err := os.Open(s.blobPath(caseID, sha256hex))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("blob: open sealed %s/%s: %w", caseID, sha256hex, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("blob: open sealed %s/%s: %w", caseID, sha256hex, err)
	}
	return f, nil
}

// EscrowKey hands the case's key and its id to seal (which encrypts it to someone else, a recovery key kept offline) and
// returns the key's public id and what seal returned. The key never leaves the store otherwise; seal must not keep it.
// A case with no key yet is ErrNotFound.
func (s *Store) EscrowKey(ctx context.Context, caseID string, seal func(keyID string, key []byte) ([]byte, error)) (string, []byte, error) {
	if err := ValidCaseID(caseID); err != nil {
		return "", nil, fmt.Errorf("blob: escrow key: %w", err)
	}
	cs := s.state(caseID)
	cs.rw.RLock()
	defer cs.rw.RUnlock()
	k, err := s.key(ctx, caseID, cs, false)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil, fmt.Errorf("blob: escrow key of %s: no key yet: %w", caseID, ErrNotFound)
	}
	if err != nil {
		return "", nil, fmt.Errorf("blob: escrow key of %s: %w", caseID, err)
	}
	sealed, err := seal(k.idHex(), k.key)
	if err != nil {
		return "", nil, fmt.Errorf("blob: escrow key of %s: %w", caseID, err)
	}
	return k.idHex(), sealed, nil
}

// ImportKey stores key as the case's key, wrapped by the store's wrapper (a new TPM's, on a restored box), and
// returns its id. A case that already has a key keeps it: the same key is accepted, another is an error wrapping
// fs.ErrExist.
func (s *Store) ImportKey(ctx context.Context, caseID string, key []byte) (string, error) {
	if err := ValidCaseID(caseID); err != nil {
		return "", fmt.Errorf("blob: import key: %w", err)
	}
	if len(key) != caseKeySize {
		return "", fmt.Errorf("blob: import key of %s: %d bytes, want %d", caseID, len(key), caseKeySize)
	}
	id, err := deriveKeyID(key)
	if err != nil {
		return "", fmt.Errorf("blob: import key of %s: %w", caseID, err)
	}
	cs := s.state(caseID)
	cs.rw.Lock()
	defer cs.rw.Unlock()
	caseDir := s.caseDir(caseID)
	if have, _, err := readKeyFile(filepath.Join(caseDir, keyFileName)); err == nil {
		if have != id {
			return "", fmt.Errorf("blob: import key of %s: the case has key %x, not %x: %w", caseID, have, id, fs.ErrExist)
		}
		return fmt.Sprintf("%x", id), nil
	}
	wrapped, err := s.wrapper.Wrap(ctx, key)
	if err != nil {
		return "", fmt.Errorf("blob: import key of %s: wrap: %w: %w", caseID, err, ErrKeyUnavailable)
	}
	if err := mkdirDurable(caseDir); err != nil {
		return "", fmt.Errorf("blob: import key of %s: %w", caseID, err)
	}
	if err := writeFileOnce(caseDir, keyFileName, encodeKeyFile(id, wrapped)); err != nil {
		return "", fmt.Errorf("blob: import key of %s: %w", caseID, err)
	}
	return fmt.Sprintf("%x", id), nil
}

// ImportSealed stores a sealed blob file read from r (as OpenSealed gave it on another box) and verifies it end to
// end with the case's key (imported first) before it takes its name: a damaged or foreign file is refused with the
// reason, and nothing is stored. A blob already held is checked and kept.
func (s *Store) ImportSealed(ctx context.Context, caseID, sha256hex string, size int64, r io.Reader) error {
	if err := ValidCaseID(caseID); err != nil {
		return fmt.Errorf("blob: import sealed: %w", err)
	}
	if !isDigest(sha256hex) {
		return fmt.Errorf("blob: import sealed %s/%q: %w", caseID, sha256hex, ErrBadDigest)
	}
	cs := s.state(caseID)
	cs.rw.RLock()
	defer cs.rw.RUnlock()
	k, err := s.key(ctx, caseID, cs, false)
	if err != nil {
		return fmt.Errorf("blob: import sealed %s/%s: case key: %w", caseID, sha256hex, err)
	}
	path := s.blobPath(caseID, sha256hex)
	if _, err := os.Stat(path); err == nil {
		if err := checkFile(ctx, path, sha256hex, size, k); err != nil {
			return fmt.Errorf("blob: import sealed %s/%s: the file already there: %w", caseID, sha256hex, err)
		}
		return nil
	}
	if err := mkdirDurable(s.blobsDir(caseID)); err != nil {
		return fmt.Errorf("blob: import sealed %s/%s: %w", caseID, sha256hex, err)
	}
	f, err := durable.Create(path, 0o600)
	if err != nil {
		return fmt.Errorf("blob: import sealed %s/%s: %w", caseID, sha256hex, err)
	}
	defer f.Close()
	if _, err := io.Copy(f, r); err != nil {
		return fmt.Errorf("blob: import sealed %s/%s: %w", caseID, sha256hex, err)
	}
	if err := checkFile(ctx, f.TempName(), sha256hex, size, k); err != nil {
		return fmt.Errorf("blob: import sealed %s/%s: %w", caseID, sha256hex, err)
	}
	if err := f.Commit(); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("blob: import sealed %s/%s: %w", caseID, sha256hex, err)
	}
	return nil
}
