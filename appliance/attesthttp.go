package appliance

import (
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/attesta/attesta/tpm"
)

// Rate of GET /attest: every answer costs the TPM a quote and a certification and the journal a leaf, and the
// endpoint needs no login, so a burst of attestBurst answers is allowed, then one per attestEvery.
const (
	attestEvery = 10 * time.Second
	attestBurst = 3
)

// AttestHandler serves GET /attest?nonce=HEX (1 to 64 bytes): a ZIP of the attestation folder that `attesta
// attest --nonce HEX` writes (quote, certification of the signing key, public keys, clock, VERIFY.txt), for an
// authority's periodic remote attestation or an auditor. It needs no login: it reveals only public keys and signed
// TPM statements, and each answer is journaled. Requests beyond the rate get 429 with Retry-After.
func AttestHandler(a *Appliance) http.Handler {
	lim := &rateLimit{every: attestEvery, burst: attestBurst, tokens: attestBurst, last: time.Now()}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", http.MethodGet)
			http.Error(w, "only GET", http.StatusMethodNotAllowed)
			return
		}
		nonce, err := hex.DecodeString(r.URL.Query().Get("nonce"))
		if err != nil || len(nonce) == 0 || len(nonce) > tpm.MaxNonce {
			http.Error(w, fmt.Sprintf("nonce: want 1 to %d bytes in hex", tpm.MaxNonce), http.StatusBadRequest)
			return
		}
		if wait := lim.take(time.Now()); wait > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
			http.Error(w, "too many attestation requests", http.StatusTooManyRequests)
			return
		}
		tmp, err := os.MkdirTemp(a.cfg.DataDir, ".attest-http-")
		if err != nil {
			http.Error(w, "attestation unavailable", http.StatusInternalServerError)
			return
		}
		defer os.RemoveAll(tmp)
		att, err := a.Attest(r.Context(), filepath.Join(tmp, "attestation"), nonce)
		if err != nil {
			a.log.ErrorContext(r.Context(), "remote attestation failed", slog.Any("error", err))
			http.Error(w, "attestation failed", http.StatusServiceUnavailable)
			return
		}
		body, err := att.Zip()
		if err != nil {
			http.Error(w, "attestation unavailable", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/zip")
		w.Header().Set("Content-Disposition", `attachment; filename="attestation-`+att.Nonce[:min(16, len(att.Nonce))]+`.zip"`)
		w.Write(body)
	})
}

// withAttest serves /attest beside h (the touch UI or the public links).
func withAttest(attest, h http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/attest", attest)
	mux.Handle("/", h)
	return mux
}

// rateLimit is a token bucket.
type rateLimit struct {
	mu     sync.Mutex
	every  time.Duration
	burst  float64
	tokens float64
	last   time.Time
}

// take spends a token, or returns how long until one is available.
func (l *rateLimit) take(now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.tokens = min(l.burst, l.tokens+float64(now.Sub(l.last))/float64(l.every))
	l.last = now
	if l.tokens >= 1 {
		l.tokens--
		return 0
	}
	return time.Duration((1 - l.tokens) * float64(l.every))
}
