package blob

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/attesta/attesta/internal/durable"
)

// Put stores the content of r in the case, creating the case key on the case's first blob, and returns its Ref.
// It streams: memory use does not depend on the size of the content. When Put returns without error, the blob and
// its directory entry are on disk. Storing content the case already holds verifies the existing file and returns
// the same Ref; if that file fails verification it is set aside (renamed with a ".corrupt-" suffix, never deleted)
// and replaced by the new copy. Put stops with ctx's error between chunks; it does not interrupt a Read of r that
// blocks.
func (s *Store) Put(ctx context.Context, caseID string, r io.Reader) (Ref, error) {
	if err := ValidCaseID(caseID); err != nil {
		return Ref{}, fmt.Errorf("blob: put: %w", err)
	}
	ref, err := s.put(ctx, caseID, r)
	if err != nil {
		return Ref{}, fmt.Errorf("blob: put into case %s: %w", caseID, err)
	}
	return ref, nil
}

func (s *Store) put(ctx context.Context, caseID string, r io.Reader) (Ref, error) {
	cs := s.state(caseID)
	cs.rw.RLock()
	defer cs.rw.RUnlock()
	k, err := s.key(ctx, caseID, cs, true)
	if err != nil {
		return Ref{}, err
	}
	dir := s.blobsDir(caseID)
	if err := mkdirDurable(dir); err != nil {
		return Ref{}, err
	}
	f, err := durable.Create(filepath.Join(dir, "blob"), 0o600) // named by its digest once sealed
	if err != nil {
		return Ref{}, err
	}
	defer f.Close() // a leftover is removed by the next Open
	h, err := seal(ctx, f, r, k)
	if err != nil {
		return Ref{}, err // names the input offset or the temporary
	}
	ref := Ref{Case: caseID, SHA256: hex.EncodeToString(h.sum[:]), Size: int64(h.size), KeyID: k.idHex()}
	if err := s.link(ctx, f, k, ref); err != nil {
		return Ref{}, err
	}
	return ref, nil
}

// link gives the sealed file its final name, never replacing a good blob. A name already taken by a blob that
// fails verification is set aside first; one taken by a good blob is kept, and f is left for the caller to close.
func (s *Store) link(ctx context.Context, f *durable.File, k *caseKey, ref Ref) error {
	final := s.blobPath(ref.Case, ref.SHA256)
	for attempt := 0; ; attempt++ {
		err := f.CommitAs(final)
		if err == nil {
			return nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("link blob %s: %w", ref.SHA256, err)
		}
		cerr := checkFile(ctx, final, ref.SHA256, ref.Size, k)
		if cerr == nil {
			return durable.SyncDir(filepath.Dir(final)) // its name may come from a Put not yet returned
		}
		if !errors.Is(cerr, ErrCorrupt) || attempt > 0 {
			return fmt.Errorf("verify existing blob: %w", cerr)
		}
		aside := fmt.Sprintf("%s%s%d", final, quarantineInfix, time.Now().UnixNano())
		if err := os.Link(final, aside); err != nil {
			return fmt.Errorf("set aside damaged blob: %w", err)
		}
		if err := os.Remove(final); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("set aside damaged blob: %w", err)
		}
		s.log.Warn("damaged blob set aside; storing it again",
			slog.String("case", ref.Case), slog.String("sha256", ref.SHA256),
			slog.String("set_aside", aside), slog.Any("error", cerr))
	}
}
