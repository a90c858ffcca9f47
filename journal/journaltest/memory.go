package journaltest

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"fmt"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/journal/format"
)

// Memory is an in-memory journal for tests of its consumers: the same leaf, checkpoint and proof formats as
// package journal and the same sentinel errors, nothing durable.
type Memory struct {
	mu     sync.Mutex
	origin string
	signer note.Signer
	v      note.Verifier
	vkey   string
	leaves [][]byte
	hashes []tlog.Hash // stored hashes, in tlog.StoredHashIndex order
	latest *format.Checkpoint
}

// NewMemory returns an empty journal named origin whose checkpoints key (an ECDSA P-256 crypto.Signer) signs.
func NewMemory(origin string, key crypto.Signer) (*Memory, error) {
	pub, ok := key.Public().(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("journaltest: key is %T, want ECDSA P-256", key.Public())
	}
	vkey, err := format.VerifierKey(origin, pub)
	if err != nil {
		return nil, err
	}
	s, err := format.NewNoteSigner(origin, key)
	if err != nil {
		return nil, err
	}
	v, err := format.NewNoteVerifier(vkey)
	if err != nil {
		return nil, err
	}
	return &Memory{origin: origin, signer: s, v: v, vkey: vkey}, nil
}

// VerifierKey returns the checkpoint verifier key.
func (m *Memory) VerifierKey() string { return m.vkey }

// Size returns the number of leaves.
func (m *Memory) Size() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return uint64(len(m.leaves))
}

func (m *Memory) reader() tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			if x < 0 || x >= int64(len(m.hashes)) {
				return nil, fmt.Errorf("stored hash %d: %w", x, journal.ErrOutOfRange)
			}
			out[i] = m.hashes[x]
		}
		return out, nil
	})
}

// Append adds e as the next leaf; a zero e.Time means now.
func (m *Memory) Append(ctx context.Context, e format.Entry) (format.Leaf, error) {
	if err := ctx.Err(); err != nil {
		return format.Leaf{}, fmt.Errorf("journaltest: append: %w", err)
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	n := uint64(len(m.leaves))
	data, err := format.EncodeLeaf(n, e)
	if err != nil {
		return format.Leaf{}, err
	}
	hs, err := tlog.StoredHashes(int64(n), data, m.reader())
	if err != nil {
		return format.Leaf{}, fmt.Errorf("journaltest: append leaf %d: %w", n, err)
	}
	m.leaves, m.hashes = append(m.leaves, data), append(m.hashes, hs...)
	return format.Leaf{Index: n, Data: data, Hash: tlog.RecordHash(data)}, nil
}

// Checkpoint signs a checkpoint of the tree if it grew since the last one and returns the newest.
func (m *Memory) Checkpoint(ctx context.Context) (*format.Checkpoint, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	size := uint64(len(m.leaves))
	switch {
	case size == 0:
		return nil, fmt.Errorf("journaltest: checkpoint: %w", journal.ErrNoCheckpoint)
	case m.latest != nil && m.latest.Size == size:
		return m.latest, nil
	}
	root, err := tlog.TreeHash(int64(size), m.reader())
	if err != nil {
		return nil, err
	}
	signed, err := note.Sign(&note.Note{Text: format.CheckpointText(m.origin, size, root)}, m.signer)
	if err != nil {
		return nil, fmt.Errorf("journaltest: sign checkpoint at size %d: %w", size, err)
	}
	if m.latest, err = format.ParseCheckpoint(signed, m.v); err != nil {
		return nil, err
	}
	return m.latest, nil
}

// InclusionProof proves leaf index in the tree of size treeSize.
func (m *Memory) InclusionProof(ctx context.Context, index, treeSize uint64) (tlog.RecordProof, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if index >= treeSize || treeSize > uint64(len(m.leaves)) {
		return nil, fmt.Errorf("journaltest: inclusion proof of leaf %d in tree size %d: %w", index, treeSize, journal.ErrOutOfRange)
	}
	return tlog.ProveRecord(int64(treeSize), int64(index), m.reader())
}

// ConsistencyProof proves the tree of size oldSize a prefix of the tree of size newSize.
func (m *Memory) ConsistencyProof(ctx context.Context, oldSize, newSize uint64) (tlog.TreeProof, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if oldSize == 0 || oldSize > newSize || newSize > uint64(len(m.leaves)) {
		return nil, fmt.Errorf("journaltest: consistency proof %d→%d: %w", oldSize, newSize, journal.ErrOutOfRange)
	}
	return tlog.ProveTree(int64(newSize), int64(oldSize), m.reader())
}

// LeafBytes returns leaf i.
func (m *Memory) LeafBytes(ctx context.Context, i uint64) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if i >= uint64(len(m.leaves)) {
		return nil, fmt.Errorf("journaltest: leaf %d: %w", i, journal.ErrOutOfRange)
	}
	return m.leaves[i], nil
}
