package mirror

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"time"

	"filippo.io/age"

	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/journal/blob"
	"github.com/attesta/attesta/journal/format"
)

// base is where the next round starts: after the last round queued, else after what was published.
func (m *Mirror) base() (*round, error) {
	rounds, err := m.listRounds()
	if err != nil {
		return nil, err
	}
	if len(rounds) == 0 {
		return &round{N: m.st.Round - 1, Size: m.st.Published, Cases: m.st.Cases, Witnessed: m.st.Witnessed}, nil
	}
	return m.readRound(rounds[len(rounds)-1])
}

// Plan queues a round for what the journal gained since the last round (signing a checkpoint if the tree grew) and
// for the cases whose retention or legal hold changed. It reports whether it queued one.
func (m *Mirror) Plan(ctx context.Context) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	last, err := m.base()
	if err != nil {
		return false, fmt.Errorf("mirror: plan: %w", err)
	}
	n, since, prev := last.N+1, last.Size, last.Cases
	cases := make(map[string]caseState, len(prev))
	for k, v := range prev {
		cases[k] = v
	}
	var data bytes.Buffer
	r := &round{N: n, Cases: cases, Witnessed: last.Witnessed}
	add := func(it item, content []byte) {
		if content != nil {
			it.Off, it.Len, it.SHA256 = int64(data.Len()), int64(len(content)), hashOf(content)
			data.Write(content)
		}
		r.Items = append(r.Items, it)
	}
	var tiles []item
	var tileData [][]byte
	var vkey []byte
	cp, err := m.j.ExportTo(ctx, since, func(_ context.Context, name string, content []byte) error {
		switch name {
		case "checkpoint":
		case "vkey":
			vkey = content
		default:
			tiles = append(tiles, item{Kind: kindObject, Key: name})
			tileData = append(tileData, content)
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("mirror: plan: %w", err)
	}
	r.Size = cp.Size
	// The cases' blobs first, each case's key escrowed before its first blob; then what the journal says about
	// the cases (erasures, retention); then the tiles, every checkpoint, the key, and the newest checkpoint last.
	for l, err := range m.j.Entries(ctx, since, cp.Size) {
		if err != nil {
			return false, fmt.Errorf("mirror: plan: %w", err)
		}
		e, err := l.Entry()
		if err != nil {
			return false, fmt.Errorf("mirror: plan: leaf %d: %w", l.Index, err)
		}
		switch e.Type {
		case journal.TypeArtifact:
			a, err := format.ArtifactOf(e)
			if err != nil {
				return false, fmt.Errorf("mirror: plan: leaf %d: %w", l.Index, err)
			}
			cs := cases[a.Case]
			if cs.Erased {
				continue
			}
			if cs.KeyID == "" {
				id, sealed, err := m.escrow(ctx, a.Case)
				if errors.Is(err, blob.ErrErased) || errors.Is(err, blob.ErrNotFound) {
					continue
				}
				if err != nil {
					return false, fmt.Errorf("mirror: plan: leaf %d: %w", l.Index, err)
				}
				cs.KeyID = id
				add(item{Kind: kindEscrow, Key: escrowDir + a.Case + "/" + id + ".age", Case: a.Case}, sealed)
			}
			cases[a.Case] = cs
			add(item{Kind: kindBlob, Key: blobsDir + a.Case + "/" + a.SHA256, Case: a.Case, Blob: a.SHA256, Size: a.Size}, nil)
		case journal.TypeErasure:
			if e.Case == "" {
				continue
			}
			cs := cases[e.Case]
			cs.Erased = true
			cases[e.Case] = cs
			add(item{Kind: kindExpire, Case: e.Case}, nil)
		}
	}
	ids := make([]string, 0, len(cases))
	for id := range cases {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		cs := cases[id]
		if cs.Erased || cs.KeyID == "" {
			continue
		}
		l, err := m.policy.CaseLock(ctx, id)
		if err != nil {
			m.log.WarnContext(ctx, "mirror: no retention for case", slog.String("case", id), slog.Any("error", err))
			continue
		}
		if l.Hold != cs.Lock.Hold || l.Until.After(cs.Lock.Until.Add(time.Second)) {
			cs.Lock = l
			cases[id] = cs
			if prev[id].KeyID != "" { // objects queued in this very round get the lock when uploaded
				add(item{Kind: kindLock, Case: id, Lock: l}, nil)
			}
		}
	}
	for i, t := range tiles {
		add(t, tileData[i])
	}
	cps, err := m.j.Checkpoints(ctx)
	if err != nil {
		return false, fmt.Errorf("mirror: plan: %w", err)
	}
	for _, c := range cps {
		if c.Size > since && c.Size <= cp.Size {
			add(item{Kind: kindObject, Key: checkpointsDir + strconv.FormatUint(c.Size, 10)}, c.Note)
		}
	}
	if m.wit != nil {
		if err := m.planWitnessed(r, cp.Size, add); err != nil {
			m.log.WarnContext(ctx, "mirror: no cosigned checkpoint published this round", slog.Any("error", err))
		}
	}
	if len(r.Items) == 0 && since == cp.Size && since != 0 {
		return false, nil
	}
	add(item{Kind: kindObject, Key: keysDir + hashOf(vkey)[:16]}, vkey)
	// Every earlier key too (rotations, epochs, restores), so that a restore finds the keys of all checkpoints.
	keys, err := m.j.Keys(ctx)
	if err != nil {
		return false, fmt.Errorf("mirror: plan: %w", err)
	}
	for _, k := range keys {
		content := []byte(k) // written as the journal export writes its vkey file, with or without its newline
		if bytes.HasSuffix(vkey, []byte("\n")) {
			content = append(content, '\n')
		}
		if !bytes.Equal(content, vkey) {
			add(item{Kind: kindObject, Key: keysDir + hashOf(content)[:16]}, content)
		}
	}
	add(item{Kind: kindLatest, Key: KeyCheckpoint}, cp.Note)
	if err := m.writeRound(r, data.Bytes()); err != nil {
		return false, err
	}
	m.setStatus(func(s *Status) { s.Queued++ })
	return true, nil
}

// planWitnessed queues the newest cosigned checkpoint when it is not the one published last.
func (m *Mirror) planWitnessed(r *round, size uint64, add func(item, []byte)) error {
	wn, err := m.wit()
	if err != nil || wn == nil {
		return err
	}
	ws, err := noteSize(wn)
	if err != nil {
		return err
	}
	if ws > size {
		return fmt.Errorf("the cosigned checkpoint has size %d, the round's %d", ws, size)
	}
	key := witnessedDir + strconv.FormatUint(ws, 10) + "-" + hashOf(wn)[:16]
	if key != r.Witnessed {
		add(item{Kind: kindObject, Key: key}, wn)
		r.Witnessed = key
	}
	return nil
}

// escrowRecord is what an escrow object holds, encrypted to the recovery key.
type escrowRecord struct {
	Format string `json:"format"`
	Case   string `json:"case"`
	KeyID  string `json:"key_id"`
	Key    []byte `json:"key"`
}

const escrowFormat = "attesta.escrow/v1"

// escrow encrypts the case's key to the recovery recipient.
func (m *Mirror) escrow(ctx context.Context, caseID string) (string, []byte, error) {
	return m.blobs.EscrowKey(ctx, caseID, func(id string, key []byte) ([]byte, error) {
		rec, err := json.Marshal(escrowRecord{Format: escrowFormat, Case: caseID, KeyID: id, Key: key})
		if err != nil {
			return nil, err
		}
		defer clear(rec)
		var out bytes.Buffer
		w, err := age.Encrypt(&out, m.rcpt)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(rec); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		return out.Bytes(), nil
	})
}
