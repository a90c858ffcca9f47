package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/attesta/attesta/internal/durable"
)

// Recorder receives everything a capture acquires, as it is acquired, so that an interrupted session loses nothing
// already handed over. The appliance implements it with the journal and the blob store; [DirRecorder] writes to a
// directory.
//
// Artifact stores the bytes of r under a name (slash-separated, relative, unique within the session, e.g.
// "media/3EB0….jpg") of a kind (an [evidence.ArtifactKind] value) and returns their SHA-256 in lower-case hex and
// their size; it must have stored them durably when it returns nil. Event records one entry of the session's log
// (kind such as "action", "anomaly", "environment", "chat-status"; fields JSON-encodable). Both return an error only
// when the record could not be kept; the capture then stops, since it cannot prove what it did. Both may be called
// from more than one goroutine at once (a chat's session video is stored while the next chat is captured).
type Recorder interface {
	Artifact(ctx context.Context, kind, name string, r io.Reader) (sha256hex string, size int64, err error)
	Event(ctx context.Context, kind string, fields map[string]any) error
}

var _ Recorder = (*DirRecorder)(nil)

// DirRecorder is a [Recorder] on a directory: artifacts under their names (written to a temp file, synced, then
// linked; an existing name is never overwritten) and events appended to events.jsonl, one JSON object per line
// {"time", "kind", "fields"}.
type DirRecorder struct {
	Dir string

	mu sync.Mutex
}

// NewDirRecorder creates dir if needed and returns a recorder on it.
func NewDirRecorder(dir string) (*DirRecorder, error) {
	if err := durable.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("recorder: create %s: %w", dir, err)
	}
	return &DirRecorder{Dir: dir}, nil
}

// Artifact implements [Recorder].
func (d *DirRecorder) Artifact(ctx context.Context, kind, name string, r io.Reader) (string, int64, error) {
	if err := ctx.Err(); err != nil {
		return "", 0, err
	}
	clean := filepath.Clean(filepath.FromSlash(name))
	if name == "" || filepath.IsAbs(clean) || clean == "." || strings.HasPrefix(clean, "..") || clean == "events.jsonl" {
		return "", 0, fmt.Errorf("recorder: artifact name %q is not a clean relative path", name)
	}
	dst := filepath.Join(d.Dir, clean)
	if err := durable.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return "", 0, fmt.Errorf("recorder: artifact %s: %w", name, err)
	}
	tmp, err := durable.Create(dst, 0o600)
	if err != nil {
		return "", 0, fmt.Errorf("recorder: artifact %s: %w", name, err)
	}
	defer tmp.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), r)
	if err == nil {
		err = tmp.Commit()
	}
	if err != nil {
		return "", 0, fmt.Errorf("recorder: artifact %s: %w", name, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// Event implements [Recorder].
func (d *DirRecorder) Event(ctx context.Context, kind string, fields map[string]any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	line, err := json.Marshal(struct {
		Time   time.Time      `json:"time"`
		Kind   string         `json:"kind"`
		Fields map[string]any `json:"fields,omitempty"`
	}{time.Now().UTC(), kind, fields})
	if err != nil {
		return fmt.Errorf("recorder: event %s: %w", kind, err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := durable.Append(filepath.Join(d.Dir, "events.jsonl"), append(line, '\n'), 0o600); err != nil {
		return fmt.Errorf("recorder: event %s: %w", kind, err)
	}
	return nil
}

// Events reads back events.jsonl.
func (d *DirRecorder) Events() ([]RecordedEvent, error) {
	data, err := os.ReadFile(filepath.Join(d.Dir, "events.jsonl"))
	if err != nil {
		return nil, fmt.Errorf("recorder: read events: %w", err)
	}
	var out []RecordedEvent
	for i, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		var e RecordedEvent
		if err := json.Unmarshal(line, &e); err != nil {
			return nil, fmt.Errorf("recorder: events.jsonl line %d: %w", i+1, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// RecordedEvent is one line of events.jsonl.
type RecordedEvent struct {
	Time   time.Time      `json:"time"`
	Kind   string         `json:"kind"`
	Fields map[string]any `json:"fields"`
}
