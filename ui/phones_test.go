package ui

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// testKey is a 64-digit backup key, as WhatsApp shows it.
const testKey = "1234567890123456789012345678901234567890123456789012345678901234"

// recordingJobs keeps the extractions asked of the in-memory backend, and can refuse them as a backend would.
type recordingJobs struct {
	*memBackend
	mu  sync.Mutex
	got []Extraction
	err error
}

func (j *recordingJobs) StartExtraction(ctx context.Context, req Extraction) (JobInfo, error) {
	j.mu.Lock()
	j.got = append(j.got, req)
	err := j.err
	j.mu.Unlock()
	if err != nil {
		return JobInfo{}, err
	}
	return j.memBackend.StartExtraction(ctx, req)
}

func (j *recordingJobs) requests() []Extraction {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]Extraction(nil), j.got...)
}

// phoneFixture is a fixture with three phones plugged in, two open cases and an erased one, and a log kept.
func phoneFixture(t *testing.T) (*fixture, *recordingJobs, *bytes.Buffer, *http.Client) {
	t.Helper()
	f := newFixture(t)
	f.back.phones = []Phone{
		{Serial: "R58M123ABC", Model: "SM-A525F", State: "device"},
		{Serial: "emulator-5556", Model: "Pixel 7", State: "unauthorized"},
		{Serial: "ZY22", State: "offline"},
	}
	for _, c := range []string{"Mario Rossi", "Anna Bianchi", "Erased Client"} {
		_, err := f.back.CreateCase(t.Context(), NewCase{Client: c, ServiceMonths: 3, MaxMessages: 10})
		must(t, err)
	}
	f.back.cases[2].Erased = f.clock.now()
	jobs := &recordingJobs{memBackend: f.back}
	f.srv.cfg.Jobs = jobs
	var logs bytes.Buffer
	f.srv.log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := f.client(t)
	if got := f.login(t, c, techPIN); got != http.StatusSeeOther {
		t.Fatalf("login: %d", got)
	}
	return f, jobs, &logs, c
}

func (f *fixture) post(t *testing.T, c *http.Client, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, f.ts.URL+path, strings.NewReader(form.Encode()))
	must(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	must(t, err)
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp, b.String()
}

func TestPhoneList(t *testing.T) {
	f, _, _, c := phoneFixture(t)
	resp, body := f.do(t, c, http.MethodGet, "/phones", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("phones: %s", resp.Status)
	}
	for _, w := range []string{`href="/phones/R58M123ABC"`, "SM-A525F", "Consentire il debug USB?", "emulator-5556",
		"scollegare e ricollegare", `data-refresh="3"`, `src="/static/refresh.js"`} {
		if !strings.Contains(body, w) {
			t.Errorf("phone list lacks %q", w)
		}
	}
	if strings.Contains(body, `href="/phones/emulator-5556"`) || strings.Contains(body, `href="/phones/ZY22"`) {
		t.Error("a phone that is not ready offers an extraction")
	}

	f.back.phones = nil
	_, body = f.do(t, c, http.MethodGet, "/phones", nil)
	for _, w := range []string{"Nessun telefono collegato.", "Numero build", "Debug USB"} {
		if !strings.Contains(body, w) {
			t.Errorf("empty phone list lacks %q", w)
		}
	}
}

func TestPhoneWizardPage(t *testing.T) {
	f, _, _, c := phoneFixture(t)
	resp, body := f.do(t, c, http.MethodGet, "/phones/R58M123ABC?case=C-0002", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("wizard: %s", resp.Status)
	}
	for _, w := range []string{`action="/phones/R58M123ABC/extract"`, "Mario Rossi", `value="C-0002" selected`,
		`name="key"`, `maxlength="64"`, `data-digit="0"`, `src="/static/entry.js"`} {
		if !strings.Contains(body, w) {
			t.Errorf("wizard lacks %q", w)
		}
	}
	if strings.Contains(body, "Erased Client") {
		t.Error("wizard offers an erased case")
	}
	if resp, _ := f.do(t, c, http.MethodGet, "/phones/NOPE", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown phone: %s, want 404", resp.Status)
	}
	_, body = f.do(t, c, http.MethodGet, "/phones/emulator-5556", nil)
	if !strings.Contains(body, "Consentire il debug USB?") || strings.Contains(body, `id="extract"`) {
		t.Error("an unauthorized phone shows no instruction, or a form")
	}
}

func TestExtractStartsJob(t *testing.T) {
	f, jobs, logs, c := phoneFixture(t)
	grouped := strings.TrimSpace(regroup(testKey))
	resp, _ := f.post(t, c, "/phones/R58M123ABC/extract", url.Values{"case": {"C-0001"}, "key": {grouped},
		"list": {"3771151946;Emanuel;2026-01-12;2026-01-14"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/jobs/J-0001" {
		t.Fatalf("extract: %s to %q", resp.Status, resp.Header.Get("Location"))
	}
	got := jobs.requests()
	want := Extraction{Case: "C-0001", Serial: "R58M123ABC", Key: testKey,
		List: "3771151946;Emanuel;2026-01-12;2026-01-14", Operator: "technician"}
	if len(got) != 1 || got[0] != want {
		t.Fatalf("extractions %+v, want %+v", got, want)
	}
	if strings.Contains(logs.String(), testKey[:16]) {
		t.Errorf("the key is in the log:\n%s", logs)
	}
	if !strings.Contains(logs.String(), "extraction started") {
		t.Errorf("the start is not logged:\n%s", logs)
	}
}

// regroup writes a key 4 digits by 4, as the technician may copy it.
func regroup(k string) string {
	var b strings.Builder
	for i := 0; i < len(k); i += 4 {
		fmt.Fprintf(&b, "%s ", k[i:min(i+4, len(k))])
	}
	return b.String()
}

// TestExtractRefusalNeverEchoesKey sends forms the wizard must refuse, and checks that the page comes back with
// the case and the list but without the key, and that the key reaches neither the page nor the log.
func TestExtractRefusalNeverEchoesKey(t *testing.T) {
	list := "3771151946;Emanuel;2026-01-12;2026-01-14"
	tests := []struct {
		name, serial, caseID, key, list string
		backend                         error
		code                            int
		want                            string
	}{
		{"short key", "R58M123ABC", "C-0001", testKey[:63], list, nil, 422, "esattamente 64 cifre"},
		{"long key", "R58M123ABC", "C-0001", testKey + "5", list, nil, 422, "esattamente 64 cifre"},
		{"letters in key", "R58M123ABC", "C-0001", testKey[:60] + "abcd", list, nil, 422, "esattamente 64 cifre"},
		{"no case", "R58M123ABC", "", testKey, list, nil, 422, "Scegliere il caso."},
		{"unknown case", "R58M123ABC", "C-9999", testKey, list, nil, 422, "non esiste"},
		{"erased case", "R58M123ABC", "C-0003", testKey, list, nil, 422, "non esiste"},
		{"empty list", "R58M123ABC", "C-0001", testKey, " \n ", nil, 422, "è vuoto"},
		{"phone gone", "GONE", "C-0001", testKey, list, nil, 409, "non è più collegato"},
		{"phone unauthorized", "emulator-5556", "C-0001", testKey, list, nil, 409, "non è pronto"},
		{"busy", "R58M123ABC", "C-0001", testKey, list, fmt.Errorf("%w: job J-7 holds the phone", ErrBusy), 409, "in corso"},
		{"backend quotes the key", "R58M123ABC", "C-0001", testKey, list,
			fmt.Errorf("%w: key %s does not open the backup", ErrInvalid, testKey), 422, "does not open the backup"},
		{"backend fails quoting the key", "R58M123ABC", "C-0001", testKey, list,
			fmt.Errorf("decrypt backup with key %s: short read", testKey), 500, "errore interno"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, jobs, logs, c := phoneFixture(t)
			jobs.err = tt.backend
			resp, body := f.post(t, c, "/phones/"+tt.serial+"/extract",
				url.Values{"case": {tt.caseID}, "key": {tt.key}, "list": {tt.list}})
			if resp.StatusCode != tt.code {
				t.Fatalf("status %s, want %d", resp.Status, tt.code)
			}
			if !strings.Contains(body, tt.want) {
				t.Errorf("page lacks %q", tt.want)
			}
			for _, secret := range []string{tt.key[:20], testKey[:20], testKey[44:]} {
				if strings.Contains(body, secret) || strings.Contains(logs.String(), secret) {
					t.Errorf("the key (%s…) is echoed; page:\n%s\nlog:\n%s", secret[:4], body, logs)
				}
			}
			if strings.Contains(body, `id="extract"`) {
				if !strings.Contains(body, `name="key" id="key" data-entry maxlength="64" value=""`) {
					t.Error("the key field does not come back empty")
				}
				if strings.TrimSpace(tt.list) != "" && !strings.Contains(body, ">"+tt.list+"</textarea>") {
					t.Error("the list typed is lost")
				}
			}
			if tt.backend == nil && len(jobs.requests()) != 0 {
				t.Errorf("a refused form started a job: %+v", jobs.requests())
			}
		})
	}
}

func TestExtractBadForm(t *testing.T) {
	f, jobs, _, c := phoneFixture(t)
	big := url.Values{"case": {"C-0001"}, "key": {testKey}, "list": {strings.Repeat("x", maxExtractForm)}}
	resp, _ := f.post(t, c, "/phones/R58M123ABC/extract", big)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("oversized form: %s, want 400", resp.Status)
	}
	if len(jobs.requests()) != 0 {
		t.Error("an oversized form started a job")
	}
}

func TestNormalizeKey(t *testing.T) {
	for in, ok := range map[string]bool{
		testKey:          true,
		regroup(testKey): true,
		strings.ReplaceAll(regroup(testKey), " ", "-"): true,
		testKey[:63]:              false,
		"":                        false,
		testKey[:63] + "٣":        false, // an Arabic-Indic digit is not a key digit
		strings.Repeat("0", 64):   true,
		testKey[:62] + "\x00\x00": false,
	} {
		if _, got := normalizeKey(in); got != ok {
			t.Errorf("normalizeKey(%q) = %v, want %v", in, got, ok)
		}
	}
}

func FuzzNormalizeKey(f *testing.F) {
	f.Add(testKey)
	f.Add(regroup(testKey))
	f.Add("12 34")
	f.Fuzz(func(t *testing.T, in string) {
		k, ok := normalizeKey(in)
		if ok && (len(k) != backupKeyDigits || strings.Trim(k, "0123456789") != "") {
			t.Fatalf("normalizeKey(%q) accepted %q", in, k)
		}
	})
}
