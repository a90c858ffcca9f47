package mirror_test

import (
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/attesta/attesta/journal/blob/blobtest"
	"github.com/attesta/attesta/mirror"
)

// flaky drops one request in every `every`, as a network that comes and goes would.
type flaky struct {
	every, n atomic.Int64
}

var errDropped = errors.New("network: connection reset (test)")

func (f *flaky) RoundTrip(r *http.Request) (*http.Response, error) {
	if f.n.Add(1)%f.every.Load() == 0 {
		return nil, errDropped
	}
	return http.DefaultTransport.RoundTrip(r)
}

// The queue survives a network that drops requests in the middle of rounds: each failed round is retried from its
// start (or its recorded progress), and in the end the mirror holds everything once.
func TestNetworkLossMidRound(t *testing.T) {
	ctx := t.Context()
	e := newEnv(t)
	tr := &flaky{}
	tr.every.Store(7)
	r := e.srv.Remote()
	r.Transport = tr
	bucket, err := mirror.Dial(r, e.target)
	if err != nil {
		t.Fatal(err)
	}
	b := openBox(t, ctx, t.TempDir(), newKey(t), blobtest.NewWrapper())
	m, err := mirror.Open(mirror.Options{Dir: t.TempDir(), Journal: b.j, Blobs: b.blobs, Bucket: bucket,
		Recipient: e.id.Recipient(), Policy: e.policy, JournalRetention: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	failures := 0
	for round := 0; round < 4; round++ {
		for i := 0; i < 5; i++ {
			b.artifact(t, ctx, "case-1", []byte{byte(round), byte(i)})
		}
		b.events(t, ctx, 100)
		for try := 0; ; try++ {
			err := m.Sync(ctx)
			if err == nil {
				break
			}
			if !strings.Contains(err.Error(), errDropped.Error()) || try > 50 {
				t.Fatalf("round %d: %v", round, err)
			}
			failures++
			if m.Status().LastError == "" {
				t.Fatal("a failed upload left no error in the status")
			}
		}
	}
	if failures == 0 {
		t.Fatal("the network never failed: the test proves nothing")
	}
	last, err := b.j.Latest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := mirror.Fetch(ctx, e.bucket, mirror.FetchOptions{VerifierKeys: []string{b.vkey(t)}, Witnessed: last.Note})
	if err != nil {
		t.Fatal(err)
	}
	if snap.Latest.Size != last.Size || m.Status().Behind() != 0 {
		t.Fatalf("mirror at %d, box at %d, status %+v", snap.Latest.Size, last.Size, m.Status())
	}
	e.checkOneVersion(t, ctx)
	t.Logf("%d failed rounds retried", failures)
}
