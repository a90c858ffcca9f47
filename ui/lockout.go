package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/internal/strictjson"
)

// Lockout policy.
const (
	clientThreshold = 5  // wrong PINs in a row from one address before it is locked
	globalThreshold = 15 // wrong PINs in a row from all addresses before everyone is locked
	lockBase        = 30 * time.Second
	lockMax         = time.Hour
	lockClients     = 4096 // addresses remembered at most; past it, one not locked out is forgotten
)

type failures struct {
	Count int       `json:"count"`
	Until time.Time `json:"until,omitzero"`
}

// lockout counts wrong PINs per client address and overall; past a threshold each further failure doubles the
// time to wait. With a file, the counts and waits are kept there on every change, so that a restart does not
// give more tries.
type lockout struct {
	mu      sync.Mutex
	clients map[string]*failures
	global  failures
	path    string // the file; empty: in memory only
}

// lockoutFileFormat is the format string of the lockout file:
//
//	{"format": "attesta.ui.lockout/v1", "global": {"count", "until"}, "clients": {"<address>": {"count", "until"}}}
const lockoutFileFormat = "attesta.ui.lockout/v1"

type lockoutFile struct {
	Format  string               `json:"format"`
	Global  failures             `json:"global"`
	Clients map[string]*failures `json:"clients"`
}

func newLockout() *lockout { return &lockout{clients: map[string]*failures{}} }

// openLockout reads the counts kept at path, or starts empty when there is no file yet. A file that cannot be
// read is an error: starting from zero would hand out fresh tries.
func openLockout(path string) (*lockout, error) {
	l := newLockout()
	l.path = path
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return l, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ui: open lockout file: %w", err)
	}
	var f lockoutFile
	if err := strictjson.DecodeFormat(path, data, lockoutFileFormat, &f); err != nil {
		return nil, fmt.Errorf("ui: lockout file: %w", err)
	}
	if f.Global.Count < 0 {
		return nil, fmt.Errorf("ui: lockout file %s: negative global count", path)
	}
	for addr, c := range f.Clients {
		if c == nil || c.Count < 0 {
			return nil, fmt.Errorf("ui: lockout file %s: address %q: bad count", path, addr)
		}
		l.clients[addr] = c
	}
	l.global = f.Global
	return l, nil
}

// save writes the counts durably; the caller holds mu.
func (l *lockout) save() error {
	if l.path == "" {
		return nil
	}
	data, err := json.Marshal(lockoutFile{Format: lockoutFileFormat, Global: l.global, Clients: l.clients})
	if err != nil {
		return err
	}
	if err := durable.Replace(l.path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("ui: save lockout file: %w", err)
	}
	return nil
}

// allowed reports whether client may try a PIN at now, and if not until when it must wait.
func (l *lockout) allowed(client string, now time.Time) (bool, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	until := l.global.Until
	if f := l.clients[client]; f != nil && f.Until.After(until) {
		until = f.Until
	}
	return !now.Before(until), until
}

// fail counts a wrong PIN from client. The count holds in memory even when it cannot be saved (the error).
func (l *lockout) fail(client string, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.clients[client]
	if f == nil {
		l.forgetOne(now)
		f = &failures{}
		l.clients[client] = f
	}
	f.bump(now, clientThreshold)
	l.global.bump(now, globalThreshold)
	return l.save()
}

// forgetOne makes room for a new address when lockClients are remembered, forgetting one that is not locked out;
// the global count still holds every failure.
func (l *lockout) forgetOne(now time.Time) {
	if len(l.clients) < lockClients {
		return
	}
	for addr, f := range l.clients {
		if !now.Before(f.Until) {
			delete(l.clients, addr)
			return
		}
	}
}

func (f *failures) bump(now time.Time, threshold int) {
	f.Count++
	if f.Count < threshold {
		return
	}
	d := lockBase << min(f.Count-threshold, 10)
	f.Until = now.Add(min(d, lockMax))
}

// succeed clears client's and the global count after a right PIN.
func (l *lockout) succeed(client string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.clients[client]; !ok && l.global == (failures{}) {
		return nil
	}
	delete(l.clients, client)
	l.global = failures{}
	return l.save()
}
