//go:build cgo && !nosim

package tpm

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/google/go-tpm-tools/simulator"
	"github.com/google/go-tpm/tpm2/transport"

	"github.com/attesta/attesta/internal/durable"
)

// simOpen guards the process-wide simulator: the underlying library would
// block a second opener forever, so Open refuses instead.
var simOpen atomic.Bool

type simTransport struct {
	transport.TPMCloser
	sim *simulator.Simulator
}

// Reset restarts the simulated TPM as a reboot does (Shutdown, Startup): PCRs and loaded objects are gone, NV
// stays. The tests use it to show what survives a restart.
func (s *simTransport) Reset() error { return s.sim.Reset() }

func (s *simTransport) Close() error {
	defer simOpen.Store(false)
	return s.TPMCloser.Close()
}

func openSimulator(stateDir string) (transport.TPMCloser, error) {
	seed, err := loadOrCreateSimSeed(filepath.Join(stateDir, simSeedFile))
	if err != nil {
		return nil, err
	}
	if !simOpen.CompareAndSwap(false, true) {
		return nil, fmt.Errorf("tpm: open sim: %w", ErrSimulatorInUse)
	}
	sim, err := simulator.GetWithFixedSeedInsecure(seed)
	if err != nil {
		simOpen.Store(false)
		return nil, fmt.Errorf("tpm: start simulator: %w", err)
	}
	return &simTransport{TPMCloser: transport.FromReadWriteCloser(sim), sim: sim}, nil
}

// loadOrCreateSimSeed reads the seed, creating a random one on first use so
// that later runs recreate the same primary keys and load the same blobs.
func loadOrCreateSimSeed(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		var buf [8]byte
		if _, err := rand.Read(buf[:]); err != nil {
			return 0, fmt.Errorf("tpm: create simulator seed: %w", err)
		}
		seed := int64(binary.BigEndian.Uint64(buf[:]))
		if err := durable.WriteNew(path, []byte(strconv.FormatInt(seed, 10)+"\n"), 0o600); err != nil {
			return 0, fmt.Errorf("tpm: create simulator seed: %w", err)
		}
		return seed, nil
	}
	if err != nil {
		return 0, fmt.Errorf("tpm: read simulator seed: %w", err)
	}
	seed, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %s: not a decimal int64: %w", ErrCorruptState, path, err)
	}
	return seed, nil
}
