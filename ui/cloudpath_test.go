package ui

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attesta/attesta/internal/testwait"
)

// memCloud is a CloudRestores that keeps the steps in memory, in their order, as the appliance does.
type memCloud struct {
	mu       sync.Mutex
	now      func() time.Time
	restores []CloudRestore
	inputs   []CloudStepInput
	extracts []CloudExtraction
}

func (m *memCloud) StartCloudRestore(_ context.Context, req CloudStart) (CloudRestore, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !req.Wiped || (req.Platform != CloudAndroid && req.Platform != CloudIPhone) {
		return CloudRestore{}, fmt.Errorf("%w: wipe the lab phone first", ErrInvalid)
	}
	r := CloudRestore{ID: fmt.Sprintf("c%016d", len(m.restores)+1), Case: req.Case, Platform: req.Platform,
		Device: req.Device, DeviceModel: "samsung SM-G991B", Steps: []CloudStepInfo{{Step: CloudWiped, At: m.now(), Operator: req.Operator}}}
	m.restores = append(m.restores, r)
	return r, nil
}

func (m *memCloud) find(id string) (*CloudRestore, error) {
	for i := range m.restores {
		if m.restores[i].ID == id {
			return &m.restores[i], nil
		}
	}
	return nil, ErrNotFound
}

func (m *memCloud) CloudStep(_ context.Context, id string, in CloudStepInput) (CloudRestore, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, err := m.find(id)
	if err != nil {
		return CloudRestore{}, err
	}
	if nextCloudStep(r.Last()) != in.Step {
		return CloudRestore{}, fmt.Errorf("%w: step %s out of order", ErrInvalid, in.Step)
	}
	m.inputs = append(m.inputs, in)
	r.Steps = append(r.Steps, CloudStepInfo{Step: in.Step, At: m.now(), Operator: in.Operator, BackupDate: in.BackupDate})
	return *r, nil
}

func (m *memCloud) ExtractCloud(_ context.Context, id string, req CloudExtraction) (JobInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, err := m.find(id)
	if err != nil {
		return JobInfo{}, err
	}
	if r.Last() != CloudRestored {
		return JobInfo{}, fmt.Errorf("%w: not restored yet", ErrInvalid)
	}
	m.extracts = append(m.extracts, req)
	r.Steps = append(r.Steps, CloudStepInfo{Step: CloudExtracting, At: m.now(), Operator: req.Operator})
	r.Job = "j0000000000000001"
	return JobInfo{ID: r.Job, Kind: "cloud", Case: r.Case, State: JobRunning}, nil
}

func (m *memCloud) CloudRestores(_ context.Context, caseID string) ([]CloudRestore, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []CloudRestore
	for _, r := range m.restores {
		if r.Case == caseID {
			out = append(out, r)
		}
	}
	return out, nil
}

func (m *memCloud) CloudRestore(_ context.Context, id string) (CloudRestore, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, err := m.find(id)
	if err != nil {
		return CloudRestore{}, err
	}
	return *r, nil
}

// The guided workflow on the touch UI: the technician records the wiped lab phone and the registration; the
// client relays the code through their own link (a wrong code is refused and nothing is recorded); the code shows
// on the technician's screen only, is never logged, and is forgotten once the restore is recorded; then the
// extraction starts with the list and the key.
func TestCloudWorkflowScreens(t *testing.T) {
	mc := &memCloud{}
	logs := &testwait.Buffer{} // safe for the server's goroutines
	f := newFixtureWith(t, func(c *Config) {
		c.Cloud = mc
		c.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	mc.now = f.clock.now
	c, err := f.back.CreateCase(t.Context(), NewCase{Client: "Mario", ClientPhone: "+393771151946", ServiceMonths: 1, MaxMessages: 5})
	must(t, err)
	tech := f.client(t)
	f.login(t, tech, techPIN)
	if resp, body := f.do(t, tech, http.MethodGet, "/cases/"+c.ID, nil); resp.StatusCode != http.StatusOK || !strings.Contains(body, `href="/cases/`+c.ID+`/cloud"`) {
		t.Fatalf("the case page does not lead to the cloud path: %s", resp.Status)
	}
	if resp, body := f.do(t, tech, http.MethodGet, "/cases/"+c.ID+"/cloud", nil); resp.StatusCode != http.StatusOK || !strings.Contains(body, `name="wiped"`) {
		t.Fatalf("cloud page: %s\n%s", resp.Status, body)
	}
	if resp, body := postForm(t, tech, f.ts.URL+"/cases/"+c.ID+"/cloud", url.Values{"platform": {"android"}, "device": {"R5CR1234XYZ"}}); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "wipe the lab phone first") {
		t.Fatalf("start without the wipe confirmed: %s", resp.Status)
	}
	resp, _ := postForm(t, tech, f.ts.URL+"/cases/"+c.ID+"/cloud", url.Values{"platform": {"android"}, "device": {"R5CR1234XYZ"}, "wiped": {"1"}})
	rid := strings.TrimPrefix(resp.Header.Get("Location"), "/cloud/")
	if resp.StatusCode != http.StatusSeeOther || rid == "" {
		t.Fatalf("start: %s", resp.Status)
	}
	// An iPhone is named by the UDID typed, not by the Android phone the list shows first.
	postForm(t, tech, f.ts.URL+"/cases/"+c.ID+"/cloud", url.Values{"platform": {"iphone"}, "device": {"R5CR1234XYZ"}, "udid": {"00008110-000A"}, "wiped": {"1"}})
	if len(mc.restores) != 2 || mc.restores[1].Device != "00008110-000A" || mc.restores[0].Device != "R5CR1234XYZ" {
		t.Fatalf("lab phones: %+v", mc.restores)
	}
	resp, body := postForm(t, tech, f.ts.URL+"/cloud/"+rid+"/registering", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="remote-link"`) || !strings.Contains(body, `id="waiting-code"`) {
		t.Fatalf("registering: %s\n%s", resp.Status, body)
	}
	linkIn := func(body string) string {
		_, rest, _ := strings.Cut(body, "/r/")
		token, _, _ := strings.Cut(rest, "<")
		return token
	}
	first := linkIn(body)
	// The client lost it: a new link replaces it.
	resp, body = postForm(t, tech, f.ts.URL+"/cloud/"+rid+"/link", nil)
	token := linkIn(body)
	if resp.StatusCode != http.StatusOK || token == "" || token == first {
		t.Fatalf("new link: %s", resp.Status)
	}
	p := "/r/" + token

	pub := f.public(t)
	if resp, _ := doURL(t, f.client(t), http.MethodGet, pub.URL+"/r/"+first, nil); resp.StatusCode != http.StatusGone {
		t.Fatalf("the replaced link: %s, want 410", resp.Status)
	}
	client := f.client(t)
	acceptLink(t, client, pub.URL, p, c.ID)
	if _, body := doURL(t, client, http.MethodGet, pub.URL+p, nil); !strings.Contains(body, `action="`+p+`/code"`) || strings.Contains(body, technicianScreen) {
		t.Fatalf("the client's page does not ask for the code, or links the technician's screens:\n%s", body)
	}
	for _, bad := range []string{"12345", "1234567", "12a456", "١٢٣٤٥٦", strings.Repeat("1", 100), ""} {
		if resp, _ := postForm(t, client, pub.URL+p+"/code", url.Values{"code": {bad}}); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("code %q: %s, want 422", bad, resp.Status)
		}
	}
	if len(mc.inputs) != 1 {
		t.Fatalf("a refused code recorded a step: %+v", mc.inputs)
	}
	// Another browser with the link, and the code route of a link that asks for none, get nothing.
	if resp, _ := postForm(t, f.client(t), pub.URL+p+"/code", url.Values{"code": {"654321"}}); resp.StatusCode != http.StatusGone {
		t.Errorf("another browser's code: %s, want 410", resp.Status)
	}
	if resp, _ := postForm(t, client, pub.URL+p+"/code", url.Values{"code": {"123-456"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("code: %s", resp.Status)
	}
	if in := mc.inputs[len(mc.inputs)-1]; in.Step != CloudCodeRelayed || in.Link != tokenHash(token) || in.Operator != "" {
		t.Fatalf("code step: %+v", in)
	}
	if _, body := doURL(t, client, http.MethodGet, pub.URL+p, nil); !strings.Contains(body, `id="code-sent"`) || strings.Contains(body, "123456") {
		t.Fatalf("client's page after the code:\n%s", body)
	}
	if resp, _ := postForm(t, client, pub.URL+p+"/code", url.Values{"code": {"111111"}}); resp.StatusCode != http.StatusConflict {
		t.Errorf("a second code: %s, want 409", resp.Status)
	}
	if resp, _ := postForm(t, tech, f.ts.URL+"/cloud/"+rid+"/link", nil); resp.StatusCode != http.StatusConflict {
		t.Errorf("a new link once the code came: %s, want 409", resp.Status)
	}
	_, body = f.do(t, tech, http.MethodGet, "/cloud/"+rid, nil)
	if !strings.Contains(body, `<p class="big digest" id="code">123456</p>`) {
		t.Fatalf("the technician's screen does not show the code:\n%s", body)
	}
	// The technician's screen is not the client's: the code is not served on the public side.
	if resp, _ := doURL(t, client, http.MethodGet, pub.URL+"/cloud/"+rid, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the restore's screen on the public side: %s, want 404", resp.Status)
	}
	resp, body = postForm(t, tech, f.ts.URL+"/cloud/"+rid+"/restored", url.Values{"backup_date": {"2026-01-14"}})
	if resp.StatusCode != http.StatusOK || strings.Contains(body, "123456") || !strings.Contains(body, `action="/cloud/`+rid+`/extract"`) {
		t.Fatalf("restored: %s, want the extraction's form and no code:\n%s", resp.Status, body)
	}
	resp, _ = postForm(t, tech, f.ts.URL+"/cloud/"+rid+"/extract", url.Values{"list": {backupCaseList}, "key": {backupKey}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/jobs/j0000000000000001" {
		t.Fatalf("extract: %s %s", resp.Status, resp.Header.Get("Location"))
	}
	if len(mc.extracts) != 1 || mc.extracts[0].Key != backupKey || mc.extracts[0].List != backupCaseList {
		t.Fatalf("extraction asked: %+v", mc.extracts)
	}
	if _, body := f.do(t, tech, http.MethodGet, "/cloud/"+rid, nil); !strings.Contains(body, `href="/jobs/j0000000000000001"`) {
		t.Fatalf("the restore does not lead to its job:\n%s", body)
	}
	if strings.Contains(logs.String(), "123456") || strings.Contains(logs.String(), backupKey) {
		t.Fatalf("the code or the key is in the log:\n%s", logs.String())
	}
}

func TestParseVerificationCode(t *testing.T) {
	for in, want := range map[string]string{"123456": "123456", " 123 456 ": "123456", "123-456": "123456",
		"12345": "", "1234567": "", "12345x": "", "１２３４５６": "", "": "", "12\n3456": ""} {
		got, err := ParseVerificationCode(in)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("ParseVerificationCode(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func FuzzParseVerificationCode(f *testing.F) {
	for _, s := range []string{"123456", "123-456", "12 34 56", "12345", "١٢٣٤٥٦", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseVerificationCode(s)
		if err != nil {
			return
		}
		if len(got) != 6 || strings.Trim(got, "0123456789") != "" {
			t.Fatalf("ParseVerificationCode(%q) = %q", s, got)
		}
	})
}
