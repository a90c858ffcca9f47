package witness

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/journal/format"
	"github.com/attesta/attesta/witness/cosig"
)

// AddCheckpointPath is the tlog-witness endpoint.
const AddCheckpointPath = "/add-checkpoint"

// maxRequestBody bounds an add-checkpoint request: the note and a proof of MaxProofHashes lines.
const maxRequestBody = cosig.MaxNoteSize + 64*cosig.MaxProofHashes + 64

// Server is a C2SP tlog-witness for a fixed set of logs (the peer appliances of a studio): it cosigns a checkpoint
// only after checking the log's signature and, from the last checkpoint it cosigned for that log, the consistency
// proof. What it cosigned is on disk (one file per log, replaced durably) before it answers.
type Server struct {
	dir    string
	signer note.Signer
	vkey   string
	logs   map[string][]note.Verifier // by origin: every key the log signed with (a rotation, a restored box)
	log    *slog.Logger
	mu     sync.Mutex
}

// ServerOptions configure a Server.
type ServerOptions struct {
	// Dir holds the witness's state: witness.key (its signing key, made on first use) and one file per log.
	Dir string
	// Name is the witness's key name (a schemaless URL under the studio's control, e.g. "witness.studio.example/box-1").
	Name string
	// Logs are the verifier keys of the logs it witnesses (each peer's proofs/vkey: origin+hash+ECDSA key).
	Logs []string
	// Logger receives one event per refusal and per cosignature; nil is silent.
	Logger *slog.Logger
}

// NewServer opens (or creates) the witness state in opts.Dir.
func NewServer(opts ServerOptions) (*Server, error) {
	if err := durable.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("witness: %s: %w", opts.Dir, err)
	}
	skey, err := LoadOrCreateKey(filepath.Join(opts.Dir, "witness.key"), opts.Name)
	if err != nil {
		return nil, err
	}
	signer, err := fnote.NewSignerForCosignatureV1(skey)
	if err != nil {
		return nil, fmt.Errorf("witness: signing key %s: %w", filepath.Join(opts.Dir, "witness.key"), err)
	}
	vkey, err := VerifierKeyOf(skey)
	if err != nil {
		return nil, err
	}
	s := &Server{dir: opts.Dir, signer: signer, vkey: vkey, logs: map[string][]note.Verifier{}, log: opts.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for _, k := range opts.Logs {
		if err := s.AddLog(k); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// AddLog makes the witness cosign the checkpoints of one more log, given its verifier key; a second key for the
// same origin (the log's key was rotated, or the box restored onto a new TPM) is accepted beside the first, and a
// key already known changes nothing.
func (s *Server) AddLog(vkey string) error {
	v, err := fnote.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		return fmt.Errorf("witness: log key %q: %w", vkey, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, old := range s.logs[v.Name()] {
		if old.KeyHash() == v.KeyHash() {
			return nil
		}
	}
	s.logs[v.Name()] = append(s.logs[v.Name()], v)
	return nil
}

// parseCheckpoint verifies a checkpoint note under any of the log's keys.
func parseCheckpoint(text []byte, keys []note.Verifier) (*format.Checkpoint, error) {
	var err error
	for _, v := range keys {
		var cp *format.Checkpoint
		if cp, err = format.ParseCheckpoint(text, v); err == nil {
			return cp, nil
		}
		if !errors.Is(err, format.ErrBadSignature) {
			return nil, err
		}
	}
	return nil, err
}

// VerifierKey is the witness's verifier key, to give to verifiers (attesta verify --witness).
func (s *Server) VerifierKey() string { return s.vkey }

// GenerateKey makes a new witness signing key named name: skey for the witness, vkey for its verifiers (an
// Ed25519 key, used for cosignature/v1 signatures).
func GenerateKey(name string) (skey, vkey string, err error) {
	skey, vkey, err = note.GenerateKey(rand.Reader, name)
	if err != nil {
		return "", "", fmt.Errorf("witness: generate key %q: %w", name, err)
	}
	return skey, vkey, nil
}

// LoadOrCreateKey reads the witness signing key at path, or makes one named name and writes it there (0600,
// durably, never overwriting).
func LoadOrCreateKey(path, name string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("witness: signing key: %w", err)
	}
	skey, _, err := GenerateKey(name)
	if err != nil {
		return "", err
	}
	if err := durable.WriteNew(path, []byte(skey+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("witness: signing key: %w", err)
	}
	return skey, nil
}

// VerifierKeyOf returns the cosignature/v1 verifier key (type 0x04, c2sp.org/tlog-cosignature) of an Ed25519 note
// signing key ("PRIVATE+KEY+<name>+<hash>+<base64>"): its key hash is the one cosignature lines carry.
func VerifierKeyOf(skey string) (string, error) {
	parts := strings.SplitN(strings.TrimSpace(skey), "+", 5)
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
		return "", errors.New("witness: signing key: want PRIVATE+KEY+<name>+<hash>+<key>")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != 0x01 {
		return "", errors.New("witness: signing key: want an Ed25519 seed")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(parts[2], pub)
	if err == nil {
		vkey, err = fnote.VKeyToCosignatureV1(vkey)
	}
	if err != nil {
		return "", fmt.Errorf("witness: signing key: %w", err)
	}
	return vkey, nil
}

// ServeHTTP answers POST /add-checkpoint (c2sp.org/tlog-witness).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != AddCheckpointPath {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
	if err != nil {
		http.Error(w, "request too large or unreadable", http.StatusBadRequest)
		return
	}
	status, ctype, answer, err := s.AddCheckpoint(body)
	if err != nil {
		s.log.WarnContext(r.Context(), "witness: checkpoint refused", slog.Int("status", status), slog.Any("error", err))
	}
	if ctype != "" {
		w.Header().Set("Content-Type", ctype)
	}
	w.WriteHeader(status)
	_, _ = w.Write(answer)
}

// AddCheckpoint handles one add-checkpoint request body and returns the HTTP status, the answer's content type
// and body, and, for a refusal, why. 200: the cosignature line; 400 malformed, or an old size above the
// checkpoint's (a rewind); 403 the log's signature does not verify; 404 unknown log; 409 the old size is not the
// one last cosigned (the answer is that size); 422 a fork: another root at the same size, or a bad proof.
func (s *Server) AddCheckpoint(body []byte) (status int, contentType string, answer []byte, err error) {
	req, err := cosig.ParseRequest(body)
	if err != nil {
		return http.StatusBadRequest, "", nil, err
	}
	origin, _, _ := bytes.Cut(req.Checkpoint, []byte("\n"))
	s.mu.Lock()
	keys := s.logs[string(origin)]
	s.mu.Unlock()
	if len(keys) == 0 {
		return http.StatusNotFound, "", nil, fmt.Errorf("unknown log %q", truncate(string(origin)))
	}
	cp, err := parseCheckpoint(req.Checkpoint, keys)
	switch {
	case errors.Is(err, format.ErrBadSignature):
		return http.StatusForbidden, "", nil, err
	case err != nil:
		return http.StatusBadRequest, "", nil, err
	case cp.Size == 0 && cp.Root != emptyRoot:
		return http.StatusUnprocessableEntity, "", nil, errors.New("a checkpoint of size 0 whose root is not the empty tree's")
	case req.OldSize > cp.Size:
		return http.StatusBadRequest, "", nil, fmt.Errorf("old size %d above the checkpoint's %d", req.OldSize, cp.Size)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	prev, err := s.latest(cp.Origin, keys)
	if err != nil {
		return http.StatusInternalServerError, "", nil, err
	}
	var prevSize uint64
	if prev != nil {
		prevSize = prev.Size
	}
	if req.OldSize != prevSize {
		return http.StatusConflict, "text/x.tlog.size", fmt.Appendf(nil, "%d\n", prevSize),
			fmt.Errorf("%s: old size %d, last cosigned %d", cp.Origin, req.OldSize, prevSize)
	}
	switch {
	case prev == nil || prevSize == 0:
		if len(req.Proof) > 0 {
			return http.StatusUnprocessableEntity, "", nil, errors.New("a proof from size 0")
		}
	case cp.Size == prevSize:
		if cp.Root != prev.Root {
			return http.StatusUnprocessableEntity, "", nil, fmt.Errorf("%s: FORK: size %d with another root than the one cosigned", cp.Origin, cp.Size)
		}
	default:
		if err := tlog.CheckTree(req.Proof, int64(cp.Size), cp.Root, int64(prevSize), prev.Root); err != nil {
			return http.StatusUnprocessableEntity, "", nil, fmt.Errorf("%s: consistency %d→%d: %w", cp.Origin, prevSize, cp.Size, err)
		}
	}
	signed, err := note.Sign(&note.Note{Text: format.CheckpointText(cp.Origin, cp.Size, cp.Root)}, s.signer)
	if err != nil {
		return http.StatusInternalServerError, "", nil, err
	}
	sigs, err := cosig.ParseSignatures(signed[bytes.Index(signed, []byte("\n\n"))+2:])
	if err != nil {
		return http.StatusInternalServerError, "", nil, err
	}
	if err := durable.Replace(s.statePath(cp.Origin), cosig.Append(req.Checkpoint, sigs), 0o600); err != nil {
		return http.StatusInternalServerError, "", nil, fmt.Errorf("witness: store %s: %w", cp.Origin, err)
	}
	s.log.Info("witness: cosigned", slog.String("origin", cp.Origin), slog.Uint64("size", cp.Size))
	var out []byte
	for _, sg := range sigs {
		out = append(out, sg.Line...)
	}
	return http.StatusOK, "", out, nil
}

var emptyRoot = tlog.Hash(sha256.Sum256(nil))

func (s *Server) statePath(origin string) string {
	h := sha256.Sum256([]byte(origin))
	return filepath.Join(s.dir, "log-"+hex.EncodeToString(h[:16])+".checkpoint")
}

// latest returns the checkpoint last cosigned for origin, nil for none.
func (s *Server) latest(origin string, keys []note.Verifier) (*format.Checkpoint, error) {
	b, err := os.ReadFile(s.statePath(origin))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("witness: state of %s: %w", origin, err)
	}
	cp, err := parseCheckpoint(b, keys)
	if err != nil {
		return nil, fmt.Errorf("witness: state of %s (%s): %w", origin, s.statePath(origin), err)
	}
	return cp, nil
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// WriteVerifierKey writes the witness's verifier key, one line, to path (replacing it: it is public).
func (s *Server) WriteVerifierKey(path string) error {
	if err := durable.Replace(path, []byte(s.vkey+"\n"), 0o644); err != nil {
		return fmt.Errorf("witness: verifier key: %w", err)
	}
	return nil
}
