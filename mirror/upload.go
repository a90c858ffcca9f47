package mirror

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/attesta/attesta/journal/blob"
)

// Upload uploads the queued rounds in order, each item verified, and records each round as published once all of it
// is in the mirror. It stops at the first failure, which the next call retries from the round's start.
func (m *Mirror) Upload(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	rounds, err := m.listRounds()
	if err != nil {
		return fmt.Errorf("mirror: upload: %w", err)
	}
	for _, n := range rounds {
		if err := m.uploadRound(ctx, n); err != nil {
			m.setStatus(func(s *Status) { s.LastError = err.Error() })
			return err
		}
	}
	return m.expire(ctx)
}

// expire removes the erased cases' objects whose retention has ended since the erasure.
func (m *Mirror) expire(ctx context.Context) error {
	var keep []expiring
	now := time.Now()
	for _, x := range m.st.Expiring {
		if x.Until.After(now) {
			keep = append(keep, x)
			continue
		}
		err := m.bucket.Remove(ctx, Object{Key: x.Key, Version: x.Version})
		switch {
		case errors.Is(err, ErrLocked): // a legal hold, or a retention extended by someone else
			keep = append(keep, x)
		case err != nil && !isNotFound(err):
			return err
		}
	}
	if len(keep) == len(m.st.Expiring) {
		return nil
	}
	m.st.Expiring = keep
	return m.saveState()
}

func (m *Mirror) uploadRound(ctx context.Context, n uint64) error {
	r, err := m.readRound(n)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(m.roundPath(n, ".data"))
	if err != nil {
		return fmt.Errorf("mirror: round %d: %w", n, err)
	}
	start := 0
	if n == m.st.Round {
		start = m.st.Item
	}
	for i := start; i < len(r.Items); i++ {
		if err := m.uploadItem(ctx, r, r.Items[i], data); err != nil {
			// The items before i are in the mirror: the retry starts at i, so that a network that drops a request
			// now and then still lets a long round through.
			if i > start {
				m.st.Round, m.st.Item = n, i
				if serr := m.saveState(); serr != nil {
					err = errors.Join(err, serr)
				}
			}
			return fmt.Errorf("mirror: round %d item %d: %w", n, i, err)
		}
		if i%256 == 255 { // progress, so that a restart does not redo a long round from its start
			m.st.Round, m.st.Item = n, i+1
			if err := m.saveState(); err != nil {
				return err
			}
		}
	}
	if err := m.finishRound(r); err != nil {
		return err
	}
	m.setStatus(func(s *Status) {
		s.Published, s.LastOK, s.LastError = r.Size, time.Now(), ""
		if s.Queued > 0 {
			s.Queued--
		}
	})
	m.log.InfoContext(ctx, "mirror round uploaded", slog.Uint64("round", n), slog.Uint64("tree_size", r.Size),
		slog.Int("items", len(r.Items)))
	return nil
}

func (m *Mirror) counted() {
	m.smu.Lock()
	m.uploads++
	m.smu.Unlock()
}

func (m *Mirror) uploadItem(ctx context.Context, r *round, it item, data []byte) error {
	content := func() ([]byte, error) {
		if it.Off < 0 || it.Len < 0 || it.Off+it.Len > int64(len(data)) {
			return nil, fmt.Errorf("%s: content at %d+%d is outside the round's %d bytes", it.Key, it.Off, it.Len, len(data))
		}
		c := data[it.Off : it.Off+it.Len]
		if hashOf(c) != it.SHA256 {
			return nil, fmt.Errorf("%s: queued content does not match its SHA-256 (the queue file is damaged)", it.Key)
		}
		return c, nil
	}
	switch it.Kind {
	case kindObject:
		c, err := content()
		if err != nil {
			return err
		}
		defer m.counted()
		return m.bucket.Put(ctx, it.Key, c, m.journalLock())
	case kindEscrow:
		c, err := content()
		if err != nil {
			return err
		}
		defer m.counted()
		// A box restored from this mirror escrows its keys again, under the same names (the key id is the key's).
		return m.bucket.PutIfAbsent(ctx, it.Key, c, m.caseLock(ctx, r, it.Case))
	case kindLatest:
		c, err := content()
		if err != nil {
			return err
		}
		return m.putLatest(ctx, c)
	case kindBlob:
		err := m.bucket.PutFile(ctx, it.Key, func() (io.ReadCloser, int64, error) {
			f, err := m.blobs.OpenSealed(ctx, it.Case, it.Blob)
			if err != nil {
				return nil, 0, err
			}
			st, err := f.Stat()
			if err != nil {
				f.Close()
				return nil, 0, err
			}
			return f, st.Size(), nil
		}, m.caseLock(ctx, r, it.Case))
		if errors.Is(err, blob.ErrErased) || errors.Is(err, blob.ErrNotFound) {
			m.log.InfoContext(ctx, "mirror: blob no longer on the box, not mirrored", slog.String("case", it.Case),
				slog.String("sha256", it.Blob), slog.Any("error", err))
			return nil
		}
		if err == nil {
			m.counted()
		}
		return err
	case kindLock:
		return m.forCase(ctx, it.Case, func(o Object) error { return m.bucket.SetLock(ctx, o, it.Lock) })
	case kindExpire:
		return m.forCase(ctx, it.Case, func(o Object) error {
			err := m.bucket.Remove(ctx, o)
			if errors.Is(err, ErrLocked) {
				until, rerr := m.bucket.RetainUntil(ctx, o)
				if rerr != nil {
					return rerr
				}
				m.log.InfoContext(ctx, "mirror: erased case's object still under retention, left to expire",
					slog.String("key", o.Key), slog.String("version", o.Version), slog.Time("until", until))
				m.st.Expiring = append(m.st.Expiring, expiring{Key: o.Key, Version: o.Version, Until: until})
				return nil
			}
			return err
		})
	}
	return fmt.Errorf("unknown item kind %q", it.Kind)
}

// forCase applies f to every version of every object of a case (its escrowed key first).
func (m *Mirror) forCase(ctx context.Context, caseID string, f func(Object) error) error {
	for _, dir := range []string{escrowDir, blobsDir} {
		for o, err := range m.bucket.List(ctx, dir+caseID+"/", true) {
			if err != nil {
				return err
			}
			if err := f(o); err != nil {
				return err
			}
		}
	}
	return nil
}

func (m *Mirror) journalLock() Lock { return Lock{Until: time.Now().Add(m.keep)} }

// caseLock is the case's lock as the policy says now, else as the round planned it.
func (m *Mirror) caseLock(ctx context.Context, r *round, caseID string) Lock {
	l, err := m.policy.CaseLock(ctx, caseID)
	if err != nil {
		return r.Cases[caseID].Lock
	}
	return l
}

// putLatest replaces "checkpoint" with a newer one. A mirror whose checkpoint is larger than the box's is ahead of
// the box (another box writes there, or this one was rolled back): that is ErrConflict, and nothing is written.
func (m *Mirror) putLatest(ctx context.Context, note []byte) error {
	size, err := noteSize(note)
	if err != nil {
		return err
	}
	cur, err := m.bucket.Get(ctx, KeyCheckpoint, maxSmall)
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return err
	case bytes.Equal(cur, note):
		return nil
	default:
		have, err := noteSize(cur)
		if err != nil {
			return fmt.Errorf("the mirror's checkpoint: %w", err)
		}
		if have > size {
			return fmt.Errorf("the mirror's checkpoint has size %d, the box's newest %d: %w", have, size, ErrConflict)
		}
	}
	m.counted()
	return m.bucket.Replace(ctx, KeyCheckpoint, note, m.journalLock())
}

// noteSize reads the tree size of a checkpoint note (its second line) without checking its signature.
func noteSize(note []byte) (uint64, error) {
	lines := bytes.SplitN(note, []byte("\n"), 3)
	if len(lines) < 3 {
		return 0, fmt.Errorf("checkpoint: fewer than three lines")
	}
	n, err := strconv.ParseUint(string(lines[1]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("checkpoint: size %q: %w", lines[1], err)
	}
	if strconv.FormatUint(n, 10) != string(lines[1]) {
		return 0, fmt.Errorf("checkpoint: size %q is not in decimal without leading zeros", lines[1])
	}
	return n, nil
}
