package ui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// Share-link journaling limits. Every access through a link is served and counted, but only the first request for
// a file of a link from an address in a window is recorded as it comes (before it is served: an access that cannot
// be recorded is refused); its Range and repeated requests, and whatever comes past the limits per link and per
// address, are counted and recorded once per file and window as a coalesced record. One link, however hammered,
// adds at most accessPerLink records plus one per file in a window.
const (
	accessWindow  = time.Minute // how long a download's requests are coalesced
	accessPerLink = 30          // records made as they come, per link and window
	accessPerAddr = 30          // records made as they come, per client address and window
	accessKeys    = 4096        // (link, file, address) triples remembered in a window; past it, requests are counted
)

type accessKey struct{ link, path, addr string }

type linkFile struct{ link, path string }

type tally struct{ requests, ranges int }

// accessLimiter decides which share-link requests are recorded as they come; it holds the counts of the others
// until they are recorded.
type accessLimiter struct {
	mu      sync.Mutex
	start   time.Time // of the current window
	seen    map[accessKey]bool
	links   map[string]int
	addrs   map[string]int
	pending map[linkFile]*tally
	timer   *time.Timer // flushes pending counts when no request comes to do it
}

func newAccessLimiter() *accessLimiter {
	return &accessLimiter{seen: map[accessKey]bool{}, links: map[string]int{}, addrs: map[string]int{},
		pending: map[linkFile]*tally{}}
}

// admit reports whether the request k (ranged: it asked for a byte range) is to be recorded now; if not, it is
// counted. due returns the counts of a window that has ended, for the caller to record.
func (l *accessLimiter) admit(k accessKey, ranged bool, now time.Time) (record bool, due []AccessRecord) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !now.Before(l.start.Add(accessWindow)) || now.Before(l.start) {
		due = l.drain()
		clear(l.seen)
		clear(l.links)
		clear(l.addrs)
		l.start = now
	}
	if l.seen[k] || l.links[k.link] >= accessPerLink || l.addrs[k.addr] >= accessPerAddr || len(l.seen) >= accessKeys {
		l.count(linkFile{k.link, k.path}, 1, btoi(ranged))
		return false, due
	}
	l.seen[k] = true
	l.links[k.link]++
	l.addrs[k.addr]++
	return true, due
}

// unadmit takes back an admission whose record failed: the access was refused, the next one tries again.
func (l *accessLimiter) unadmit(k accessKey) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen[k] {
		delete(l.seen, k)
		l.links[k.link]--
		l.addrs[k.addr]--
	}
}

// drain takes the pending counts as coalesced records; the caller holds mu.
func (l *accessLimiter) drain() []AccessRecord {
	var out []AccessRecord
	for lf, t := range l.pending {
		out = append(out, AccessRecord{Token: lf.link, Path: lf.path, Coalesced: true, Requests: t.requests, Ranges: t.ranges})
	}
	clear(l.pending)
	return out
}

// putBack returns counts that could not be recorded, for the next attempt.
func (l *accessLimiter) putBack(recs []AccessRecord) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range recs {
		l.count(linkFile{r.Token, r.Path}, r.Requests, r.Ranges)
	}
}

// count adds requests served without a record to the pending counts; the caller holds mu.
func (l *accessLimiter) count(lf linkFile, requests, ranges int) {
	t := l.pending[lf]
	if t == nil {
		t = &tally{}
		l.pending[lf] = t
	}
	t.requests += requests
	t.ranges += ranges
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// logAccess records the access before anything is served, or counts it (see accessWindow); an access that must be
// recorded and cannot be is refused.
func (s *Server) logAccess(w http.ResponseWriter, r *http.Request, sh Share, p string) bool {
	k := accessKey{link: sh.Hash, path: p, addr: clientAddr(r)}
	record, due := s.access.admit(k, r.Header.Get("Range") != "", s.now())
	if len(due) > 0 {
		s.recordCounts(r.Context(), due)
	}
	if !record {
		s.scheduleFlush()
		return true
	}
	if err := s.cfg.Access.ShareAccess(r.Context(), AccessRecord{Token: sh.Hash, Path: p, Remote: k.addr, Requests: 1}); err != nil {
		s.access.unadmit(k)
		s.fail(w, r, fmt.Errorf("record share access: %w", err))
		return false
	}
	return true
}

// recordCounts records coalesced counts; what fails is kept for the next attempt.
func (s *Server) recordCounts(ctx context.Context, recs []AccessRecord) error {
	var errs []error
	for i, rec := range recs {
		if err := s.cfg.Access.ShareAccess(ctx, rec); err != nil {
			s.access.putBack(recs[i:])
			s.log.ErrorContext(ctx, "share access counts not recorded yet", slog.Any("error", err))
			errs = append(errs, err)
			break
		}
	}
	return errors.Join(errs...)
}

// scheduleFlush makes sure pending counts are recorded within a window even when no further request comes.
func (s *Server) scheduleFlush() {
	s.access.mu.Lock()
	defer s.access.mu.Unlock()
	if s.access.timer != nil {
		return
	}
	s.access.timer = time.AfterFunc(accessWindow, func() {
		s.access.mu.Lock()
		s.access.timer = nil
		s.access.mu.Unlock()
		_ = s.FlushShareAccess(context.Background()) // a failure is logged, and the counts kept for the next try
	})
}

// FlushShareAccess records now the counts of share-link requests served without a record of their own. The
// server does it within a minute by itself; call it before stopping so that no count is lost.
func (s *Server) FlushShareAccess(ctx context.Context) error {
	s.access.mu.Lock()
	due := s.access.drain()
	s.access.mu.Unlock()
	return s.recordCounts(ctx, due)
}
