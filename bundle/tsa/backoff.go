package tsa

import (
	"math/rand/v2"
	"time"
)

// Backoff is how long the [Queue] waits before retrying a request that
// failed: Initial after the first failure, multiplied by Factor after each
// further one, capped at Max, then moved by a random ±Jitter fraction so that
// appliances that lost the network together do not retry together.
type Backoff struct {
	Initial time.Duration
	Max     time.Duration
	Factor  float64 // values below 1 count as 1
	Jitter  float64 // 0 … 1; 0 disables jitter
}

// DefaultBackoff is the [Queue]'s initial setting: 10 s, 20 s, 40 s … up to
// 30 minutes, ±20 %.
var DefaultBackoff = Backoff{Initial: 10 * time.Second, Max: 30 * time.Minute, Factor: 2, Jitter: 0.2}

// Delay returns the wait after the given number of consecutive failures
// (1 for the first). It never exceeds Max·(1+Jitter).
func (b Backoff) Delay(failures int) time.Duration {
	return b.delay(failures, rand.Float64)
}

func (b Backoff) delay(failures int, random func() float64) time.Duration {
	d := float64(max(b.Initial, 0))
	limit := float64(max(b.Max, b.Initial, 0))
	for i := 1; i < failures && d < limit; i++ {
		d *= max(b.Factor, 1)
	}
	d = min(d, limit)
	if j := min(max(b.Jitter, 0), 1); j > 0 {
		d *= 1 + j*(2*random()-1)
	}
	return time.Duration(d)
}
