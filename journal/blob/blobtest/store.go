package blobtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/attesta/attesta/journal/blob"
)

// Store is what the evidence pipeline needs of a blob store: *blob.Store and *Memory implement it.
type Store interface {
	Put(ctx context.Context, caseID string, r io.Reader) (blob.Ref, error)
	Open(ctx context.Context, caseID, sha256hex string) (io.ReadCloser, error)
	CheckBlob(ctx context.Context, caseID, sha256hex string, size int64) error
	EraseCase(ctx context.Context, caseID string) (blob.Erasure, error)
}

var (
	_ Store = (*blob.Store)(nil)
	_ Store = (*Memory)(nil)
)

// TestStore checks the Store contract on an empty store s, as golang.org/x/mod/sumdb/storage.TestStorage does:
// content-addressed round trips (empty, small and multi-chunk contents), the same content twice, cases kept
// apart, the sentinel errors of package blob (ErrNotFound, ErrBadDigest, ErrBadCaseID, ErrErased), a size
// mismatch reported by CheckBlob, erasure of one case only, and a canceled Put.
func TestStore(t *testing.T, s Store) {
	t.Helper()
	ctx := t.Context()
	contents := map[string][]byte{"empty": nil, "small": []byte("ciao"), "multi-chunk": bytes.Repeat([]byte("0123456789abcdef"), 9000)}
	refs := map[string]blob.Ref{}
	for name, data := range contents {
		ref, err := s.Put(ctx, "case-a", bytes.NewReader(data))
		sum := sha256.Sum256(data)
		if err != nil || ref.Case != "case-a" || ref.SHA256 != hex.EncodeToString(sum[:]) || ref.Size != int64(len(data)) {
			t.Fatalf("Put %s: %+v, %v", name, ref, err)
		}
		refs[name] = ref
		if got := readAll(t, s, "case-a", ref.SHA256); !bytes.Equal(got, data) {
			t.Fatalf("Open %s: %d bytes back, want %d", name, len(got), len(data))
		}
		if err := s.CheckBlob(ctx, "case-a", ref.SHA256, ref.Size); err != nil {
			t.Errorf("CheckBlob %s: %v", name, err)
		}
	}
	small := refs["small"]
	if again, err := s.Put(ctx, "case-a", strings.NewReader("ciao")); err != nil || again.SHA256 != small.SHA256 {
		t.Errorf("Put of the same content again: %+v, %v", again, err)
	}
	if err := s.CheckBlob(ctx, "case-a", small.SHA256, small.Size+1); err == nil {
		t.Error("CheckBlob accepted a wrong size")
	}
	other, err := s.Put(ctx, "case-b", strings.NewReader("altro"))
	if err != nil {
		t.Fatalf("Put into case-b: %v", err)
	}
	unknown := strings.Repeat("0", 64)
	for _, tc := range []struct {
		name, caseID, sum string
		want              error
	}{
		{"another case's blob", "case-b", small.SHA256, blob.ErrNotFound},
		{"unknown digest", "case-a", unknown, blob.ErrNotFound},
		{"upper-case digest", "case-a", strings.ToUpper(small.SHA256), blob.ErrBadDigest},
		{"short digest", "case-a", "abc", blob.ErrBadDigest},
		{"case id with a slash", "../case-a", small.SHA256, blob.ErrBadCaseID},
		{"empty case id", "", small.SHA256, blob.ErrBadCaseID},
	} {
		if r, err := s.Open(ctx, tc.caseID, tc.sum); !errors.Is(err, tc.want) {
			if r != nil {
				r.Close()
			}
			t.Errorf("Open %s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := s.Put(ctx, "bad/case", strings.NewReader("x")); !errors.Is(err, blob.ErrBadCaseID) {
		t.Errorf("Put with a bad case id: %v, want ErrBadCaseID", err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Put(canceled, "case-a", bytes.NewReader(contents["multi-chunk"])); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with a canceled context: %v, want context.Canceled", err)
	}

	if e, err := s.EraseCase(ctx, "case-a"); err != nil || e.Case != "case-a" {
		t.Fatalf("EraseCase: %+v, %v", e, err)
	}
	if _, err := s.Open(ctx, "case-a", small.SHA256); !errors.Is(err, blob.ErrErased) {
		t.Errorf("Open after erasure: %v, want ErrErased", err)
	}
	if err := s.CheckBlob(ctx, "case-a", small.SHA256, small.Size); !errors.Is(err, blob.ErrErased) {
		t.Errorf("CheckBlob after erasure: %v, want ErrErased", err)
	}
	if _, err := s.Put(ctx, "case-a", strings.NewReader("new")); !errors.Is(err, blob.ErrErased) {
		t.Errorf("Put after erasure: %v, want ErrErased", err)
	}
	if got := readAll(t, s, "case-b", other.SHA256); string(got) != "altro" {
		t.Errorf("another case after erasure: %q", got)
	}
	if _, err := s.EraseCase(ctx, "case-never-seen"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("EraseCase of an unknown case: %v, want ErrNotFound", err)
	}
}

func readAll(t *testing.T, s Store, caseID, sum string) []byte {
	t.Helper()
	r, err := s.Open(t.Context(), caseID, sum)
	if err != nil {
		t.Fatalf("Open %s/%s: %v", caseID, sum, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read %s/%s: %v", caseID, sum, err)
	}
	return b
}

// Memory is an in-memory Store for tests of its consumers: plaintext in maps, the same errors as package blob.
type Memory struct {
	mu     sync.Mutex
	cases  map[string]map[string][]byte
	erased map[string]bool
}

// NewMemory returns an empty Memory.
func NewMemory() *Memory {
	return &Memory{cases: map[string]map[string][]byte{}, erased: map[string]bool{}}
}

func (m *Memory) check(caseID, sum string) error {
	if err := blob.ValidCaseID(caseID); err != nil {
		return err
	}
	if sum != "" && (len(sum) != 64 || strings.Trim(sum, "0123456789abcdef") != "") {
		return fmt.Errorf("%q: %w", sum, blob.ErrBadDigest)
	}
	if m.erased[caseID] {
		return blob.ErrErased
	}
	return nil
}

// Put stores r's content in the case.
func (m *Memory) Put(ctx context.Context, caseID string, r io.Reader) (blob.Ref, error) {
	if err := ctx.Err(); err != nil {
		return blob.Ref{}, fmt.Errorf("blobtest: put: %w", err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return blob.Ref{}, fmt.Errorf("blobtest: put: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check(caseID, ""); err != nil {
		return blob.Ref{}, fmt.Errorf("blobtest: put: %w", err)
	}
	sum := sha256.Sum256(data)
	h := hex.EncodeToString(sum[:])
	if m.cases[caseID] == nil {
		m.cases[caseID] = map[string][]byte{}
	}
	m.cases[caseID][h] = data
	return blob.Ref{Case: caseID, SHA256: h, Size: int64(len(data)), KeyID: "memory"}, nil
}

func (m *Memory) get(caseID, sum string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check(caseID, sum); err != nil {
		return nil, err
	}
	data, ok := m.cases[caseID][sum]
	if !ok {
		return nil, blob.ErrNotFound
	}
	return data, nil
}

// Open returns a reader of a case's blob.
func (m *Memory) Open(_ context.Context, caseID, sha256hex string) (io.ReadCloser, error) {
	data, err := m.get(caseID, sha256hex)
	if err != nil {
		return nil, fmt.Errorf("blobtest: open %s/%s: %w", caseID, sha256hex, err)
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

// CheckBlob checks that the case holds the blob with that size.
func (m *Memory) CheckBlob(_ context.Context, caseID, sha256hex string, size int64) error {
	data, err := m.get(caseID, sha256hex)
	if err == nil && int64(len(data)) != size {
		err = fmt.Errorf("%d bytes, want %d", len(data), size)
	}
	if err != nil {
		return fmt.Errorf("blobtest: check %s/%s: %w", caseID, sha256hex, err)
	}
	return nil
}

// EraseCase forgets a case's blobs; Put, Open and CheckBlob on it fail with blob.ErrErased afterwards.
func (m *Memory) EraseCase(_ context.Context, caseID string) (blob.Erasure, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check(caseID, ""); err != nil {
		return blob.Erasure{}, fmt.Errorf("blobtest: erase case: %w", err)
	}
	blobs, ok := m.cases[caseID]
	if !ok {
		return blob.Erasure{}, fmt.Errorf("blobtest: erase case %s: %w", caseID, blob.ErrNotFound)
	}
	e := blob.Erasure{Case: caseID, KeyID: "memory", KeyDestroyed: true, Blobs: len(blobs)}
	delete(m.cases, caseID)
	m.erased[caseID] = true
	return e, nil
}
