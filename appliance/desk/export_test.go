package desk

import "context"

// Config returns the configuration the desk reads at use, for tests to point it at their fakes.
func (k *Desk) Config() *Config { return k.deps.Config }

// SetJobState rewrites job id's record with state, as a crash would leave it.
func (k *Desk) SetJobState(id, state string) error {
	d, err := k.work(context.Background())
	if err != nil {
		return err
	}
	d.jobs.mu.Lock()
	defer d.jobs.mu.Unlock()
	j := d.jobs.jobs[id]
	j.rec.State = state
	return d.jobs.save(j, true)
}

// MaxClientLen is the longest client's name a case takes.
const MaxClientLen = maxClientLen
