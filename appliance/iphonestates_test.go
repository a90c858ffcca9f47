package appliance

import (
	"testing"

	"github.com/attesta/attesta/appliance/desk"
	"github.com/attesta/attesta/ui"
	"github.com/attesta/attesta/usb/iphone"
)

// TestIPhoneStates: the Telefono screen's state of an iPhone follows its newest job, and only its own.
func TestIPhoneStates(t *testing.T) {
	paired := []iphone.Attached{{UDID: "U1", State: iphone.StatePaired}}
	job := func(udid, state string, backup int, done bool) ui.JobInfo {
		return ui.JobInfo{Kind: desk.JobIPhone, Phone: udid, State: state, Backup: backup, BackedUp: done}
	}
	for _, tt := range []struct {
		name     string
		attached []iphone.Attached
		jobs     []ui.JobInfo
		state    string
		percent  int
	}{
		{"trust pending", []iphone.Attached{{UDID: "U1", State: iphone.StateTrustPending}},
			[]ui.JobInfo{job("U1", ui.JobRunning, 40, false)}, ui.PhoneTrustPending, 0},
		{"paired, no job", paired, nil, ui.PhonePaired, 0},
		{"backing up", paired, []ui.JobInfo{job("U1", ui.JobRunning, 42, false)}, ui.PhoneBackingUp, 42},
		{"backed up, certifying", paired, []ui.JobInfo{job("U1", ui.JobRunning, 100, true)}, ui.PhoneBackedUp, 0},
		{"backed up, job done", paired, []ui.JobInfo{job("U1", ui.JobDone, 100, true)}, ui.PhoneBackedUp, 0},
		{"job failed", paired, []ui.JobInfo{job("U1", ui.JobFailed, 30, false)}, ui.PhonePaired, 0},
		{"newest job counts", paired, []ui.JobInfo{job("U1", ui.JobFailed, 30, false), job("U1", ui.JobDone, 100, true)}, ui.PhonePaired, 0},
		{"another phone's job", paired, []ui.JobInfo{job("U2", ui.JobRunning, 50, false)}, ui.PhonePaired, 0},
		{"an Android job", paired, []ui.JobInfo{{Kind: desk.JobADB, Phone: "U1", State: ui.JobRunning}}, ui.PhonePaired, 0},
	} {
		got := iphoneStates(tt.attached, tt.jobs)
		if len(got) != 1 || got[0].State != tt.state || got[0].Percent != tt.percent || !got[0].IPhone() || got[0].Serial != "U1" {
			t.Errorf("%s: %+v, want %s %d%%", tt.name, got, tt.state, tt.percent)
		}
	}
}
