package retention

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is an Audit that keeps what it is given and can be told to fail.
type recorder struct {
	mu      sync.Mutex
	records []record
	fail    error
}

type record struct {
	kind   string
	fields map[string]any
}

var _ Audit = (*recorder)(nil)

func (r *recorder) Record(_ context.Context, kind string, fields map[string]any) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.records = append(r.records, record{kind, fields})
	return nil
}

func (r *recorder) count(kind string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, rec := range r.records {
		if rec.kind == kind {
			n++
		}
	}
	return n
}

// openTest opens a registry in a fresh directory and checks, at cleanup, that the file on disk reloads to what the
// registry holds in memory.
func openTest(t *testing.T, audit Audit) *Registry {
	t.Helper()
	r, err := Open(filepath.Join(t.TempDir(), "retention.json"), audit, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { assertSameOnDisk(t, r) })
	return r
}

func assertSameOnDisk(t *testing.T, r *Registry) {
	t.Helper()
	again, err := Open(r.Path(), &recorder{}, Options{})
	if err != nil {
		t.Fatalf("reopen %s: %v", r.Path(), err)
	}
	if a, b := mustEncode(t, r.List()), mustEncode(t, again.List()); !bytes.Equal(a, b) {
		t.Fatalf("registry on disk differs from memory:\n%s\nvs\n%s", b, a)
	}
}

func mustEncode(t *testing.T, cases []Case) []byte {
	t.Helper()
	m := map[string]Case{}
	for _, c := range cases {
		m[c.ID] = c
	}
	b, err := encode(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRegistryRestartKeepsState(t *testing.T) {
	audit := &recorder{}
	r := openTest(t, audit)
	ctx := t.Context()
	acq := romeTime(2025, 1, 10, 9, 0)
	for _, c := range []Case{
		{ID: "case-1", Acquired: acq, Service: 1},
		{ID: "case-2", Acquired: acq, Service: 12, LegalMonths: 120},
		{ID: "case-3", Acquired: acq, Service: 6},
	} {
		if err := r.Add(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.SetHold(ctx, "case-2", "avv. Rossi", "pending appeal"); err != nil {
		t.Fatal(err)
	}
	if err := r.SetHold(ctx, "case-3", "avv. Rossi", "subpoena"); err != nil {
		t.Fatal(err)
	}
	if err := r.ReleaseHold(ctx, "case-3", "avv. Bianchi", "subpoena served"); err != nil {
		t.Fatal(err)
	}
	if err := r.MarkErased(ctx, "case-1", romeTime(2025, 3, 1, 0, 0)); err != nil {
		t.Fatal(err)
	}

	again, err := Open(r.Path(), audit, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c2, _ := again.Get("case-2")
	if !c2.OnHold() || c2.Hold.By != "avv. Rossi" || c2.Hold.Reason != "pending appeal" {
		t.Errorf("case-2 hold after restart = %+v", c2.Hold)
	}
	c3, _ := again.Get("case-3")
	if c3.OnHold() || len(c3.PastHolds) != 1 || c3.PastHolds[0].ReleasedBy != "avv. Bianchi" {
		t.Errorf("case-3 after restart: hold %+v, past %+v", c3.Hold, c3.PastHolds)
	}
	c1, _ := again.Get("case-1")
	if c1.Erased.IsZero() {
		t.Error("case-1 lost its erasure on restart")
	}
	if err := again.MarkErased(ctx, "case-1", time.Now()); !errors.Is(err, ErrErased) {
		t.Errorf("second MarkErased = %v, want ErrErased", err)
	}
	if err := again.SetHold(ctx, "case-1", "x", "y"); !errors.Is(err, ErrErased) {
		t.Errorf("SetHold on erased case = %v, want ErrErased", err)
	}

	// The journal gets ids and dates, never who or why.
	for _, rec := range audit.records {
		for k, v := range rec.fields {
			if s, ok := v.(string); ok && (strings.Contains(s, "Rossi") || strings.Contains(s, "subpoena")) {
				t.Errorf("audit %s field %s carries personal data: %q", rec.kind, k, s)
			}
		}
	}
}

func TestRegistryRefusals(t *testing.T) {
	r := openTest(t, &recorder{})
	ctx := t.Context()
	c := Case{ID: "c", Acquired: romeTime(2025, 1, 1, 0, 0), Service: 3}
	if err := r.Add(ctx, c); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"add twice", r.Add(ctx, c), ErrExists},
		{"add invalid", r.Add(ctx, Case{ID: "d", Acquired: c.Acquired, Service: 2}), ErrInvalidCase},
		{"hold unknown", r.SetHold(ctx, "nope", "a", "b"), ErrNotFound},
		{"release not held", r.ReleaseHold(ctx, "c", "a", "b"), ErrNotHeld},
		{"hold twice", errors.Join(r.SetHold(ctx, "c", "a", "b"), r.SetHold(ctx, "c", "a", "b")), ErrOnHold},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, tt.err, tt.want)
		}
	}
	if err := r.SetHold(ctx, "c", "", "why"); err == nil {
		t.Error("hold with no author accepted")
	}
}

func TestAuditFailureChangesNothing(t *testing.T) {
	audit := &recorder{}
	r := openTest(t, audit)
	ctx := t.Context()
	if err := r.Add(ctx, Case{ID: "c", Acquired: romeTime(2025, 1, 1, 0, 0), Service: 1}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(r.Path())
	audit.fail = errors.New("journal full")
	if err := r.SetHold(ctx, "c", "a", "b"); !errors.Is(err, ErrNotRecorded) {
		t.Fatalf("SetHold with failing audit = %v, want ErrNotRecorded", err)
	}
	if c, _ := r.Get("c"); c.OnHold() {
		t.Error("hold set in memory although not recorded")
	}
	if after, _ := os.ReadFile(r.Path()); !bytes.Equal(before, after) {
		t.Error("registry file changed although the change was not recorded")
	}
}

func TestWriteFailureKeepsOldState(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores directory permissions")
	}
	r := openTest(t, &recorder{})
	ctx := t.Context()
	if err := r.Add(ctx, Case{ID: "c", Acquired: romeTime(2025, 1, 1, 0, 0), Service: 1}); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(r.Path())
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o700)
	if err := r.SetHold(ctx, "c", "a", "b"); err == nil || !strings.Contains(err.Error(), r.Path()) {
		t.Fatalf("SetHold in read-only dir = %v, want an error naming %s", err, r.Path())
	}
	if c, _ := r.Get("c"); c.OnHold() {
		t.Error("hold kept in memory although not stored")
	}
}

func TestOpenCorruptRegistry(t *testing.T) {
	valid := `{"format":"attesta-retention-registry","version":1,"cases":[` +
		`{"id":"c","acquired":"2025-01-01T00:00:00+01:00","service_months":3,"legal_months":0}]}`
	tests := []struct {
		name string
		data string
		want error
	}{
		{"garbage", "\x00\x01not json", ErrCorrupt},
		{"truncated", valid[:len(valid)/2], ErrCorrupt},
		{"empty", "", ErrCorrupt},
		{"wrong format", strings.Replace(valid, "attesta-retention-registry", "other", 1), ErrCorrupt},
		{"future version", strings.Replace(valid, `"version":1`, `"version":2`, 1), ErrVersion},
		{"unknown field", strings.Replace(valid, `"legal_months":0`, `"legal_months":0,"x":1`, 1), ErrCorrupt},
		{"trailing data", valid + "{}", ErrCorrupt},
		{"stray brace", valid + "\n}", ErrCorrupt},
		{"invalid service", strings.Replace(valid, `"service_months":3`, `"service_months":4`, 1), ErrInvalidCase},
		{"duplicate id", strings.Replace(valid, `]}`, `,{"id":"c","acquired":"2025-01-01T00:00:00Z","service_months":1,"legal_months":0}]}`, 1), ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "retention.json")
			if err := os.WriteFile(path, []byte(tt.data), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Open(path, &recorder{}, Options{})
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("Open = %v, want %v naming %s", err, tt.want, path)
			}
			if got, _ := os.ReadFile(path); string(got) != tt.data {
				t.Error("corrupt registry file was changed")
			}
		})
	}
}

// TestVersion1Sample pins the version 1 layout: a file written by an earlier build must keep loading, and this build
// must write it byte for byte.
func TestVersion1Sample(t *testing.T) {
	path := filepath.Join("testdata", "registry-v1.json")
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(path, &recorder{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := r.List()
	if len(got) != 3 || !got[1].OnHold() || got[2].Erased.IsZero() || len(got[0].PastHolds) != 1 {
		t.Fatalf("sample loaded as %+v", got)
	}
	if enc := mustEncode(t, got); !bytes.Equal(enc, want) {
		t.Errorf("sample re-encoded differently:\n%s", enc)
	}
}

func FuzzLoadRegistry(f *testing.F) {
	sample, err := os.ReadFile(filepath.Join("testdata", "registry-v1.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sample)
	f.Add([]byte(`{"format":"attesta-retention-registry","version":1,"cases":[]}`))
	f.Add([]byte(`{"format":"attesta-retention-registry","version":1,"cases":[{"id":"c","acquired":"2025-01-31T10:00:00+01:00","service_months":1,"legal_months":24,"hold":{"since":"2025-02-01T00:00:00Z","by":"a","reason":"b"},"past_holds":[{"since":"2025-01-01T00:00:00Z","by":"a","reason":"b","released":"2025-01-02T00:00:00Z","released_by":"c","release_reason":"d"}],"erased":"2027-03-01T00:00:00Z"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "retention.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		r, err := Open(path, &recorder{}, Options{})
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error does not name the file: %v", err)
			}
			if got, _ := os.ReadFile(path); !bytes.Equal(got, data) {
				t.Fatal("file changed by a failed open")
			}
			return
		}
		// Whatever loads must survive being written and read back unchanged.
		first := mustEncode(t, r.List())
		cases, err := decode(first)
		if err != nil {
			t.Fatalf("re-read of a written registry: %v\n%s", err, first)
		}
		if again := mustEncode(t, cases); !bytes.Equal(first, again) {
			t.Fatalf("registry changed on a write and read:\n%s\nvs\n%s", first, again)
		}
		for _, c := range r.List() {
			_ = RetainUntil(c)
		}
	})
}
