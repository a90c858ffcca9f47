package desk

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/capture/android"
	"github.com/attesta/attesta/certify"
	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/internal/strictjson"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/journal/blob"
	"github.com/attesta/attesta/report"
	"github.com/attesta/attesta/ui"
	"github.com/attesta/attesta/usb"
	"github.com/attesta/attesta/usb/iphone"
)

// The cloud-backup path (see ui.CloudRestores): a restore's steps are kept in DataDir/cloud.json, replaced
// durably at every step,
//
//	{"format": "attesta.cloud/v1", "restores": [{"id": "c" + 16 hex digits, "case": id, "platform":
//	 "android"|"iphone", "device": serial or UDID, "device_model": text, "steps": [{"step": ..., "at": RFC 3339,
//	 "operator": name, "backup_date": YYYY-MM-DD, "leaf": n}], "job": id}]}
//
// and each step is a "cloud-restore" leaf with the restore's id, the step, the platform, the operator, the lab
// phone's model and the SHA-256 of its serial (the studio's phone, named in the chain of custody), for "wiped" on
// Android the WhatsApp version found on the phone then ("none" after a real wipe), and the backup's date for
// "restored". Neither the client's number nor the verification code is kept anywhere.

// LeafCloudRestore journals one step of a cloud restore.
const LeafCloudRestore = "cloud-restore"

// JobCloud is the extraction that ends a cloud restore, from the lab phone.
const JobCloud = "cloud"

const cloudFormat = "attesta.cloud/v1"

type cloudFile struct {
	Format   string         `json:"format"`
	Restores []cloudRestore `json:"restores"`
}

type cloudRestore struct {
	ID          string      `json:"id"`
	Case        string      `json:"case"`
	Platform    string      `json:"platform"`
	Device      string      `json:"device"`
	DeviceModel string      `json:"device_model"`
	Steps       []cloudStep `json:"steps"`
	Job         string      `json:"job,omitempty"`
}

type cloudStep struct {
	Step       string    `json:"step"`
	At         time.Time `json:"at"`
	Operator   string    `json:"operator,omitempty"`
	BackupDate string    `json:"backup_date,omitempty"`
	Leaf       uint64    `json:"leaf"`
}

// cloudSteps are the steps in their order.
var cloudSteps = []string{ui.CloudWiped, ui.CloudRegistering, ui.CloudCodeRelayed, ui.CloudRestored, ui.CloudExtracting}

var cloudIDPattern = regexp.MustCompile(`^c[0-9a-f]{16}$`)

// cloudStore is the register of cloud restores.
type cloudStore struct {
	path string
	mu   sync.Mutex
	all  []cloudRestore
}

func openCloudStore(dataDir string) (*cloudStore, error) {
	s := &cloudStore{path: filepath.Join(dataDir, "cloud.json")}
	b, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("appliance: cloud restores: %w", err)
	}
	var f cloudFile
	if err := strictjson.DecodeFormat(s.path, b, cloudFormat, &f); err != nil {
		return nil, fmt.Errorf("appliance: cloud restores: %w", err)
	}
	for i, r := range f.Restores {
		if err := checkCloudRecord(r); err != nil {
			return nil, fmt.Errorf("appliance: cloud restores: %s: restore %d: %w", s.path, i+1, err)
		}
	}
	s.all = f.Restores
	return s, nil
}

func checkCloudRecord(r cloudRestore) error {
	switch {
	case !cloudIDPattern.MatchString(r.ID):
		return fmt.Errorf("id %q", r.ID)
	case r.Platform != ui.CloudAndroid && r.Platform != ui.CloudIPhone:
		return fmt.Errorf("platform %q", r.Platform)
	case len(r.Steps) == 0 || len(r.Steps) > len(cloudSteps):
		return fmt.Errorf("%d steps", len(r.Steps))
	}
	for i, st := range r.Steps {
		if st.Step != cloudSteps[i] {
			return fmt.Errorf("step %d is %q, want %q", i+1, st.Step, cloudSteps[i])
		}
	}
	return blob.ValidCaseID(r.Case)
}

// save replaces the register with all; the caller holds mu.
func (s *cloudStore) save(all []cloudRestore) error {
	if err := durable.ReplaceJSON(s.path, cloudFile{Format: cloudFormat, Restores: all}, 0o600); err != nil {
		return fmt.Errorf("appliance: save cloud restores: %w", err)
	}
	s.all = all
	return nil
}

func (s *cloudStore) get(id string) (cloudRestore, bool) {
	return findLocked(&s.mu, &s.all, func(r cloudRestore) bool { return r.ID == id })
}

func (r cloudRestore) info() ui.CloudRestore {
	out := ui.CloudRestore{ID: r.ID, Case: r.Case, Platform: r.Platform, Device: r.Device, DeviceModel: r.DeviceModel, Job: r.Job}
	for _, st := range r.Steps {
		out.Steps = append(out.Steps, ui.CloudStepInfo{Step: st.Step, At: st.At, Operator: st.Operator, BackupDate: st.BackupDate, Leaf: st.Leaf})
	}
	return out
}

var _ ui.CloudRestores = (*Desk)(nil)

// StartCloudRestore identifies the lab phone on USB (over ADB for Android, through usbmuxd for an iPhone) and
// journals that the technician wiped it: the first step of the cloud-backup path.
func (k *Desk) StartCloudRestore(ctx context.Context, req ui.CloudStart) (ui.CloudRestore, error) {
	d, c, err := k.workCase(ctx, req.Case)
	if err != nil {
		return ui.CloudRestore{}, err
	}
	switch {
	case req.Platform != ui.CloudAndroid && req.Platform != ui.CloudIPhone:
		return ui.CloudRestore{}, fmt.Errorf("%w: platform %q: choose Android (Google Drive) or iPhone (iCloud)", ui.ErrInvalid, req.Platform)
	case !req.Wiped:
		return ui.CloudRestore{}, fmt.Errorf("%w: wipe the lab phone (factory reset) first, then confirm it", ui.ErrInvalid)
	case strings.TrimSpace(req.Operator) == "":
		return ui.CloudRestore{}, fmt.Errorf("%w: say who is operating", ui.ErrInvalid)
	}
	if err := checkMandate(c, JobCloud); err != nil {
		return ui.CloudRestore{}, err
	}
	lab, err := k.labPhone(ctx, req.Platform, strings.TrimSpace(req.Device))
	if err != nil {
		return ui.CloudRestore{}, fmt.Errorf("%w: the lab phone: %w", ui.ErrInvalid, err)
	}
	var raw [8]byte
	rand.Read(raw[:])
	r := cloudRestore{ID: "c" + hex.EncodeToString(raw[:]), Case: c.ID, Platform: req.Platform, Device: lab.serial, DeviceModel: lab.model}
	return d.cloud.step(ctx, k.deps.Recorder, r, cloudStep{Step: ui.CloudWiped, Operator: strings.TrimSpace(req.Operator)}, true,
		"whatsapp_installed", lab.whatsApp)
}

// labPhoneInfo is what the appliance reads of a lab phone when it is recorded as wiped.
type labPhoneInfo struct {
	serial, model string
	// whatsApp is the WhatsApp version installed then ("none" when it is not: as after a wipe), for an Android
	// phone; "" for an iPhone, whose apps lockdownd does not list.
	whatsApp string
}

// labPhone identifies the lab phone: its serial (or UDID), its model and, on Android, whether WhatsApp is there.
func (k *Desk) labPhone(ctx context.Context, platform, device string) (labPhoneInfo, error) {
	if platform == ui.CloudIPhone {
		t := iphone.Tools{Socket: k.deps.Config.Usbmuxd}
		dev, err := t.Find(ctx, device)
		if err != nil {
			return labPhoneInfo{}, err
		}
		id, err := t.Identify(ctx, dev.UDID)
		if err != nil {
			return labPhoneInfo{}, err
		}
		return labPhoneInfo{serial: dev.UDID, model: strings.TrimSpace(id.ProductType + ", iOS " + id.ProductVersion)}, nil
	}
	if device == "" {
		return labPhoneInfo{}, errors.New("choose the lab phone among the phones on USB")
	}
	dev, err := usb.New(usb.Options{Addr: k.deps.Config.ADB}).Identify(ctx, device)
	if err != nil {
		return labPhoneInfo{}, err
	}
	wa := cmp.Or(dev.WhatsAppVersion, "none")
	return labPhoneInfo{serial: device, model: strings.TrimSpace(dev.Manufacturer + " " + dev.Model + ", Android " + dev.AndroidVersion),
		whatsApp: wa}, nil
}

// CloudStep records the next step of a cloud restore.
func (k *Desk) CloudStep(ctx context.Context, id string, in ui.CloudStepInput) (ui.CloudRestore, error) {
	d, r, err := k.restore(ctx, id)
	if err != nil {
		return ui.CloudRestore{}, err
	}
	st := cloudStep{Step: in.Step, Operator: strings.TrimSpace(in.Operator)}
	switch in.Step {
	case ui.CloudRegistering, ui.CloudRestored:
		if st.Operator == "" {
			return ui.CloudRestore{}, fmt.Errorf("%w: say who is operating", ui.ErrInvalid)
		}
	case ui.CloudCodeRelayed:
		st.Operator = "" // the client acted, through their link
	default:
		return ui.CloudRestore{}, fmt.Errorf("%w: step %q", ui.ErrInvalid, in.Step)
	}
	if in.Step == ui.CloudRestored {
		day, err := parseBackupDate(in.BackupDate, time.Now())
		if err != nil {
			return ui.CloudRestore{}, fmt.Errorf("%w: the backup's date: %w", ui.ErrInvalid, err)
		}
		st.BackupDate = day
	}
	return d.cloud.step(ctx, k.deps.Recorder, r, st, false, "link", in.Link)
}

// parseBackupDate reads the backup's date as the technician copies it from WhatsApp's restore screen: 2026-01-14
// or 14/01/2026. A date after today is refused.
func parseBackupDate(s string, now time.Time) (string, error) {
	s = strings.TrimSpace(s)
	var t time.Time
	var err error
	if strings.Contains(s, "/") {
		t, err = time.ParseInLocation("2/1/2006", s, evidence.Location())
	} else {
		t, err = time.ParseInLocation(time.DateOnly, s, evidence.Location())
	}
	switch {
	case err != nil:
		return "", fmt.Errorf("%q: write it as 14/01/2026 or 2026-01-14", s)
	case t.After(now.In(evidence.Location())):
		return "", fmt.Errorf("%s is after today", t.Format(time.DateOnly))
	}
	return t.Format(time.DateOnly), nil
}

// step journals st as the next step of r and records it; first says r is new. extra are the leaf's further
// key, value pairs (empty values left out).
func (s *cloudStore) step(ctx context.Context, rec certify.Recorder, r cloudRestore, st cloudStep, first bool, extra ...string) (ui.CloudRestore, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := slices.Clone(s.all)
	i := slices.IndexFunc(all, func(x cloudRestore) bool { return x.ID == r.ID })
	if i >= 0 {
		r = all[i]
	}
	if len(r.Steps) == len(cloudSteps) {
		return ui.CloudRestore{}, fmt.Errorf("%w: cloud restore %s: every step is done", ui.ErrInvalid, r.ID)
	}
	if want := cloudSteps[len(r.Steps)]; st.Step != want || first != (i < 0) {
		return ui.CloudRestore{}, fmt.Errorf("%w: cloud restore %s: step %q now, want %q", ui.ErrInvalid, r.ID, st.Step, want)
	}
	sum := sha256.Sum256([]byte(r.Device))
	fields := map[string]any{"restore": r.ID, "step": st.Step, "platform": r.Platform, "device_model": r.DeviceModel,
		"device_sha256": hex.EncodeToString(sum[:])}
	if st.Operator != "" {
		fields["operator"] = st.Operator
	}
	if st.BackupDate != "" {
		fields["backup_date"] = st.BackupDate
	}
	for j := 0; j+1 < len(extra); j += 2 {
		if extra[j+1] != "" {
			fields[extra[j]] = extra[j+1]
		}
	}
	now := time.Now().UTC()
	leaf, err := rec.Record(ctx, journal.Entry{Type: LeafCloudRestore, Case: r.Case, Time: now, Fields: fields})
	if err != nil {
		return ui.CloudRestore{}, fmt.Errorf("appliance: cloud restore %s: %w", r.ID, err)
	}
	st.At, st.Leaf = now, leaf.Index
	r.Steps = append(slices.Clone(r.Steps), st)
	if i < 0 {
		all = append(all, r)
	} else {
		all[i] = r
	}
	if err := s.save(all); err != nil {
		return ui.CloudRestore{}, err
	}
	return r.info(), nil
}

// CloudRestores lists a case's restores, newest first.
func (k *Desk) CloudRestores(ctx context.Context, caseID string) ([]ui.CloudRestore, error) {
	d, err := k.work(ctx)
	if err != nil {
		return nil, err
	}
	d.cloud.mu.Lock()
	defer d.cloud.mu.Unlock()
	var out []ui.CloudRestore
	for _, r := range slices.Backward(d.cloud.all) {
		if r.Case == caseID {
			out = append(out, r.info())
		}
	}
	return out, nil
}

// CloudRestore returns one restore.
func (k *Desk) CloudRestore(ctx context.Context, id string) (ui.CloudRestore, error) {
	_, r, err := k.restore(ctx, id)
	if err != nil {
		return ui.CloudRestore{}, err
	}
	return r.info(), nil
}

// restore returns the desk and the restore id.
func (k *Desk) restore(ctx context.Context, id string) (*desk, cloudRestore, error) {
	d, err := k.work(ctx)
	if err != nil {
		return nil, cloudRestore{}, err
	}
	r, ok := d.cloud.get(id)
	if !ok {
		return nil, r, fmt.Errorf("cloud restore %q: %w", id, ui.ErrNotFound)
	}
	return d, r, nil
}

// ExtractCloud starts the extraction of a restored lab phone: ADB with the key of the end-to-end backup made on
// it after the restore, or the iPhone's backup over USB. The job's deliveries name the cloud path, carry its
// caveat and begin their chain of custody with the restore's steps.
func (k *Desk) ExtractCloud(ctx context.Context, id string, req ui.CloudExtraction) (ui.JobInfo, error) {
	d, r, err := k.restore(ctx, id)
	if err != nil {
		return ui.JobInfo{}, err
	}
	if r.Steps[len(r.Steps)-1].Step != ui.CloudRestored {
		return ui.JobInfo{}, fmt.Errorf("%w: cloud restore %s: step %q done, the extraction comes after %q", ui.ErrInvalid,
			id, r.Steps[len(r.Steps)-1].Step, ui.CloudRestored)
	}
	sec := jobSecret{List: req.List, Serial: r.Device, Cloud: r.ID, Operator: strings.TrimSpace(req.Operator)}
	if r.Platform == ui.CloudAndroid {
		sec.Key = normalizeKey(req.Key)
		if err := checkKey(sec.Key); err != nil {
			return ui.JobInfo{}, err
		}
	}
	j, err := d.jobs.start(ctx, JobCloud, r.Case, sec, nil, "")
	if err != nil {
		return ui.JobInfo{}, err
	}
	if _, err := d.cloud.step(ctx, k.deps.Recorder, r, cloudStep{Step: ui.CloudExtracting, Operator: sec.Operator}, false, "job", j.ID); err != nil {
		return j, err
	}
	d.cloud.mu.Lock()
	if i := slices.IndexFunc(d.cloud.all, func(x cloudRestore) bool { return x.ID == r.ID }); i >= 0 {
		all := slices.Clone(d.cloud.all)
		all[i].Job = j.ID
		err = d.cloud.save(all)
	}
	d.cloud.mu.Unlock()
	return j, err
}

// cloudPrior is what a cloud restore adds to its extraction's deliveries: its steps, at the head of the chain of
// custody, and the report's path.
func cloudPrior(r cloudRestore) certify.Prior {
	p := certify.Prior{Path: report.PathCloudAndroid}
	if r.Platform == ui.CloudIPhone {
		p.Path = report.PathCloudIPhone
	}
	device := r.DeviceModel + " (" + r.Device + ")"
	for _, st := range r.Steps {
		if st.Step == ui.CloudExtracting {
			continue
		}
		f := map[string]string{"step": st.Step, "platform": r.Platform, "device": device,
			"leaf": strconv.FormatUint(st.Leaf, 10)}
		f["operator"] = cmp.Or(st.Operator, "client") // the client relays the code, through their link
		if st.BackupDate != "" {
			f["backup_date"] = st.BackupDate
		}
		p.Custody = append(p.Custody, bundle.CustodyAction{At: st.At, Action: bundle.CustodyCloud, Fields: f})
	}
	return p
}

// runCloud runs a job of kind "cloud": the lab phone's extraction, over ADB or through the iPhone's backup, with the
// restore's steps ahead of the chain of custody.
func (s *jobStore) runCloud(ctx context.Context, j *job, c caseRecord, list evidence.List, sec jobSecret, outDir string) ([]certify.ChatOutcome, error) {
	r, ok := s.d.cloud.get(sec.Cloud)
	if !ok {
		return nil, fmt.Errorf("cloud restore %q: %w", sec.Cloud, ui.ErrNotFound)
	}
	progress := func(text string, done, total int) { s.progress(j, text, done, total, false) }
	s.progress(j, "estrazione dal telefono", 0, len(list.Entries), true)
	if r.Platform == ui.CloudIPhone {
		return s.deps.Pipelines.ExtractIPhone(ctx, certify.IPhoneJob{Tools: iphone.Tools{Socket: s.deps.Config.Usbmuxd},
			UDID: r.Device, IOSBackupJob: certify.IOSBackupJob{List: list, MaxMessages: c.MaxMessages, Case: c.ID,
				Operator: sec.Operator, OutDir: outDir, Client: c.Client, Purpose: s.d.processingNote(c),
				Progress: progress, Prior: cloudPrior(r)}})
	}
	key, err := android.ParseHexKey(sec.Key)
	if err != nil {
		return nil, err
	}
	return s.deps.Pipelines.ExtractADB(ctx, certify.ADBJob{ADB: s.deps.Config.ADB, Serial: r.Device,
		AndroidBackupJob: certify.AndroidBackupJob{Key: key, List: list, MaxMessages: c.MaxMessages, Case: c.ID,
			Operator: sec.Operator, OutDir: outDir, Client: c.Client, Purpose: s.d.processingNote(c),
			Progress: progress, Prior: cloudPrior(r)}})
}
