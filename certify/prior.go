package certify

import (
	"slices"

	"github.com/attesta/attesta/bundle"
)

// Prior is what happened to the evidence before an acquisition began, for its chain of custody and its report: how
// a backup reached the appliance (a client's upload through the remote page, a cloud backup restored on the
// studio's lab phone). The zero Prior adds nothing.
type Prior struct {
	// Custody is noted at the head of the chain of custody, in its order, before the acquisition's start.
	Custody []bundle.CustodyAction
	// Path, when set, is the report's extraction path (a report.Path* code) in place of the pipeline's own.
	Path string
}

// prior puts p's actions at the head of the chain of custody: they happened before the acquisition began.
func (acq *Acquisition) prior(p Prior) {
	if len(p.Custody) == 0 {
		return
	}
	acq.mu.Lock()
	acq.custody = slices.Concat(p.Custody, acq.custody)
	acq.mu.Unlock()
}

// pathOr returns p's path, or def when p names none.
func (p Prior) pathOr(def string) string {
	if p.Path != "" {
		return p.Path
	}
	return def
}
