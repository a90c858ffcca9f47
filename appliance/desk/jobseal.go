package desk

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/internal/strictjson"
)

// storeKey returns the AES-256 key of the job records' sealed parts, sealed by the TPM in DataDir/jobs/key.sealed
// and made on first use.
func (s *jobStore) storeKey(ctx context.Context) ([]byte, error) {
	path := filepath.Join(s.dir, "key.sealed")
	sealed, err := os.ReadFile(path)
	if err == nil {
		key, err := s.deps.Sealer.Unseal(ctx, sealed)
		if err != nil || len(key) != 32 {
			return nil, fmt.Errorf("appliance: jobs: unseal %s: the job records' key does not open with this TPM: %w", path, err)
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("appliance: jobs: %w", err)
	}
	key := make([]byte, 32)
	rand.Read(key)
	if sealed, err = s.deps.Sealer.Seal(ctx, key); err != nil {
		return nil, fmt.Errorf("appliance: jobs: seal the job records' key: %w", err)
	}
	if err := durable.WriteNew(path, sealed, 0o600); err != nil {
		return nil, fmt.Errorf("appliance: jobs: %w", err)
	}
	return key, nil
}

// aad binds a sealed part to its record: it cannot be moved into another job's record.
func (rec *jobRecord) aad() []byte {
	return []byte(jobFormat + "\x00" + rec.ID + "\x00" + rec.Kind + "\x00" + rec.Case)
}

func (s *jobStore) open(rec jobRecord) (jobSecret, error) {
	var sec jobSecret
	n := s.aead.NonceSize()
	if len(rec.Sealed) < n+s.aead.Overhead() {
		return sec, errors.New("sealed part truncated")
	}
	plain, err := s.aead.Open(nil, rec.Sealed[:n], rec.Sealed[n:], rec.aad())
	if err != nil {
		return sec, errors.New("sealed part does not open: altered, or not written by this appliance")
	}
	if err := strictjson.Decode("sealed part", plain, &sec); err != nil {
		return sec, err
	}
	return sec, nil
}

// seal returns sec sealed for rec, nonce first; nil when sec holds nothing.
func (s *jobStore) seal(rec jobRecord, sec jobSecret) ([]byte, error) {
	if isZeroSecret(sec) {
		return nil, nil
	}
	plain, err := json.Marshal(sec)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, plain, rec.aad()), nil
}
