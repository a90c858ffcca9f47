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
	tmp, err := os.CreateTemp(dir, tmpPrefix+"*")
	if err != nil {
		return Ref{}, fmt.Errorf("create temporary: %w", err)
	}
	defer os.Remove(tmp.Name()) // a leftover is removed by the next Open
	h, err := seal(ctx, tmp, r, k)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Ref{}, err // names the input offset or the temporary
	}
	ref := Ref{Case: caseID, SHA256: hex.EncodeToString(h.sum[:]), Size: int64(h.size), KeyID: k.idHex()}
	if err := s.link(ctx, tmp.Name(), k, ref); err != nil {
		return Ref{}, err
	}
	if err := os.Remove(tmp.Name()); err != nil {
		return Ref{}, fmt.Errorf("remove temporary: %w", err)
	}
	if err := durable.SyncDir(dir); err != nil {
		return Ref{}, err
	}
	return ref, nil
}

// link gives the sealed temporary its final name, never replacing a good blob. A name already taken by a blob
// that fails verification is set aside first.
func (s *Store) link(ctx context.Context, tmp string, k *caseKey, ref Ref) error {
	final := s.blobPath(ref.Case, ref.SHA256)
	for attempt := 0; ; attempt++ {
		err := os.Link(tmp, final)
		if err == nil {
			return nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("link blob %s: %w", ref.SHA256, err)
		}
		cerr := checkFile(ctx, final, ref.SHA256, ref.Size, k)
		if cerr == nil {
			return nil
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
