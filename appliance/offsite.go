package appliance

import (
	"context"
	"sync"

	"github.com/attesta/attesta/witness"
)

// Offsite is what the appliance keeps beyond the box: its journal and sealed blobs on the object-store mirror
// (mirror.go), its checkpoints before the witnesses (witness.go) and the delivery folders on Google Drive
// (drive.go). [Open] opens it; [Serve] runs it (Run) and stops it with the rest. A part that is not configured is
// absent: no mirror, a nil Witnesses or Drive.
type Offsite struct {
	a         *Appliance
	mirror    Mirroring       // opened on first use
	witnesses *witness.Client // nil when no witness is configured
	drive     *DriveDelivery  // nil when no Drive is configured
}

// openOffsite opens the Drive token store and queue and the witness client, when configured; the mirror opens on
// first use.
func openOffsite(a *Appliance) (*Offsite, error) {
	o := &Offsite{a: a}
	o.mirror.a = a
	var err error
	if o.drive, err = openDrive(a); err != nil {
		return nil, err
	}
	if o.witnesses, err = openWitnesses(a); err != nil {
		return nil, err
	}
	return o, nil
}

// Offsite returns the appliance's mirror, witnesses and Drive.
func (a *Appliance) Offsite() *Offsite { return a.offsite }

// Mirror is the object-store mirror.
func (o *Offsite) Mirror() *Mirroring { return &o.mirror }

// Witnesses is the witness client, nil when no witness is configured.
func (o *Offsite) Witnesses() *witness.Client { return o.witnesses }

// Drive is the Google Drive delivery, nil when none is configured.
func (o *Offsite) Drive() *DriveDelivery { return o.drive }

// Run publishes to the mirror, submits the new checkpoints to the witnesses and uploads the queued delivery
// folders until ctx ends (serve); it returns once all three have. Each part not configured returns at once.
func (o *Offsite) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { o.mirror.Run(ctx) })
	wg.Go(func() { o.runWitnesses(ctx) })
	wg.Go(func() { o.drive.Run(ctx) })
}
