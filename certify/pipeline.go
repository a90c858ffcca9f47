package certify

import (
	"context"
	"fmt"
	"sync"

	"github.com/attesta/attesta/bundle"
)

// deliveryWriter writes sealed deliveries' folders and ZIPs on one goroutine, in the order they were sealed, while
// the caller certifies and seals the next chat: the attestation, the files written and synced and the ZIP then run
// beside the next report's rendering. Writing records nothing in the journal or the chain of custody, so what is
// recorded, and in which order, is what a delivery written before the next is sealed gives. submit blocks while
// a folder is being written: one delivery is written while at most one more waits, which bounds memory.
type deliveryWriter struct {
	p    *Pipelines
	ctx  context.Context
	jobs chan writeJob
	done chan struct{}

	mu      sync.Mutex
	written map[int]writtenDelivery
	err     error // the first failure; later deliveries are not written
	failAt  int   // the outcome whose delivery failed
}

type writeJob struct {
	i  int // the outcome's index
	sd *sealedDelivery
}

// writtenDelivery is what a written delivery's outcome needs; not its manifest, whose messages are let go.
type writtenDelivery struct {
	folder string
	index  *bundle.IndexEntry
}

func (p *Pipelines) newDeliveryWriter(ctx context.Context) *deliveryWriter {
	w := &deliveryWriter{p: p, ctx: ctx, jobs: make(chan writeJob), done: make(chan struct{}),
		written: map[int]writtenDelivery{}}
	go w.run()
	return w
}

func (w *deliveryWriter) run() {
	defer close(w.done)
	for j := range w.jobs {
		if w.failed() {
			continue
		}
		folder, err := w.p.write(w.ctx, j.sd)
		if err == nil {
			if err = bundle.WriteZipFile(w.ctx, folder+".zip", folder); err != nil {
				err = fmt.Errorf("appliance: zip %s: %w", folder, err)
			}
		}
		w.mu.Lock()
		if err != nil {
			w.err, w.failAt = err, j.i
		} else {
			w.written[j.i] = writtenDelivery{folder, indexEntry(folder, j.sd.m)}
		}
		w.mu.Unlock()
	}
}

// submit hands outcome i's sealed delivery over to be written.
func (w *deliveryWriter) submit(i int, sd *sealedDelivery) {
	w.jobs <- writeJob{i, sd}
}

// failed reports whether a delivery could not be written: the caller then stops.
func (w *deliveryWriter) failed() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err != nil
}

// wait waits for the deliveries submitted to be written and records their folders in outcomes. When one failed it
// returns the outcomes before it and its error, as a session that stops at its first failure does.
func (w *deliveryWriter) wait(outcomes []ChatOutcome) ([]ChatOutcome, error) {
	close(w.jobs)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, d := range w.written {
		outcomes[i].Folder, outcomes[i].index, outcomes[i].zipped = d.folder, d.index, true
	}
	if w.err != nil {
		return outcomes[:w.failAt], w.err
	}
	return outcomes, nil
}
