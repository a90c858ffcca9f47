package ui

import (
	"bytes"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// A list as the studio sends it: CSV with the header, two chats.
const sampleList = "numero;nominativo;dal;al\n3771151946;Emanuel Celano;2026-01-12;2026-01-14\n" +
	"3331234567;Niccolò Rossi;10/01/2026;11/01/2026\n"

// postForm posts an urlencoded form and returns the answer and its body.
func (f *fixture) postForm(t *testing.T, c *http.Client, path string, v url.Values) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, f.ts.URL+path, strings.NewReader(v.Encode()))
	must(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return send(t, c, req)
}

// postList posts the session form as the browser does: the typed list, then the file (when name is not empty).
func (f *fixture) postList(t *testing.T, c *http.Client, path, typed, name string, file []byte) (*http.Response, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	must(t, mw.WriteField("list", typed))
	fw, err := mw.CreateFormFile("file", name)
	must(t, err)
	_, err = fw.Write(file)
	must(t, err)
	must(t, mw.Close())
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, f.ts.URL+path, &body)
	must(t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return send(t, c, req)
}

func send(t *testing.T, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := c.Do(req)
	must(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// tech returns a client logged in as a technician.
func (f *fixture) tech(t *testing.T) *http.Client { t.Helper(); return f.signedIn(t, techPIN) }

func validCase() url.Values {
	return url.Values{"client": {"Emanuel Celano"}, "phone": {"3771151946"}, "purpose": {"causa di lavoro"},
		"plan": {"20"}, "service": {"6"}}
}

// newCase opens a case through the form and returns its id.
func (f *fixture) newCase(t *testing.T, c *http.Client) string {
	t.Helper()
	resp, body := f.postForm(t, c, "/cases", validCase())
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create case: %s\n%s", resp.Status, body)
	}
	id, ok := strings.CutPrefix(resp.Header.Get("Location"), "/cases/")
	if !ok || id == "" {
		t.Fatalf("create case: redirected to %q", resp.Header.Get("Location"))
	}
	return id
}

func wantIn(t *testing.T, what, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func TestCreateCaseIsListed(t *testing.T) {
	f := newFixture(t)
	c := f.tech(t)
	resp, body := f.do(t, c, http.MethodGet, "/cases", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("cases: %s", resp.Status)
	}
	wantIn(t, "empty list", body, "Nessun caso.", `href="/cases/new"`)
	if resp, _ := f.do(t, c, http.MethodGet, "/cases/new", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("new case form: %s", resp.Status)
	}

	id := f.newCase(t, c)
	got, err := f.back.Case(t.Context(), id)
	must(t, err)
	if got.Client != "Emanuel Celano" || got.ClientPhone != "3771151946" || got.MaxMessages != 20 ||
		got.ServiceMonths != 6 || got.Purpose != "causa di lavoro" {
		t.Fatalf("backend got %+v", got)
	}
	_, body = f.do(t, c, http.MethodGet, "/cases", nil)
	wantIn(t, "cases list", body, "Emanuel Celano", "3771151946", "20 messaggi", "6 mesi", "15/07/2026",
		`href="/cases/`+id+`"`)
	_, body = f.do(t, c, http.MethodGet, "/cases/"+id, nil)
	wantIn(t, "case page", body, "Emanuel Celano", "causa di lavoro", "15/07/2026", "20 messaggi", "50 chat",
		`action="/cases/`+id+`/session"`, `enctype="multipart/form-data"`, `action="/cases/`+id+`/hold"`)
}

func TestCreateCaseRefusesBadInput(t *testing.T) {
	tests := []struct {
		name string
		edit func(url.Values)
		want []string
	}{
		{"no plan", func(v url.Values) { v.Del("plan") }, []string{"Scegliere il piano"}},
		{"plan not sold", func(v url.Values) { v.Set("plan", "7") }, []string{"Scegliere il piano"}},
		{"service not sold", func(v url.Values) { v.Set("service", "2") }, []string{"Scegliere la durata"}},
		{"refused by the register", func(v url.Values) { v.Set("client", "  ") }, []string{"client name missing"}},
		{"hostile text", func(v url.Values) { v.Set("purpose", "<script>x</script>"); v.Del("service") },
			[]string{"&lt;script&gt;x&lt;/script&gt;"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			c := f.tech(t)
			v := validCase()
			tt.edit(v)
			resp, body := f.postForm(t, c, "/cases", v)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %s, want 422", resp.Status)
			}
			wantIn(t, "form", body, append(tt.want, `id="errors"`, `value="3771151946"`)...)
			if strings.Contains(body, "<script>x") {
				t.Error("form shows unescaped text")
			}
			if v.Get("plan") == "20" && !strings.Contains(body, `value="20" checked`) {
				t.Error("the chosen plan was not kept")
			}
			if cs, _ := f.back.ListCases(t.Context()); len(cs) != 0 {
				t.Errorf("a refused form created %d cases", len(cs))
			}
		})
	}
}

func TestCreateCaseRefusesHugeForm(t *testing.T) {
	f := newFixture(t)
	c := f.tech(t)
	v := validCase()
	v.Set("purpose", strings.Repeat("x", maxCaseForm))
	if resp, _ := f.postForm(t, c, "/cases", v); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %s, want 413", resp.Status)
	}
	if cs, _ := f.back.ListCases(t.Context()); len(cs) != 0 {
		t.Fatal("a too large form created a case")
	}
}

// postListOnNewCase makes a case as a technician in a new fixture and posts an acquisition list to start its
// session, typed or as the file lista.csv.
func postListOnNewCase(t *testing.T, typed string, file []byte) (*fixture, *http.Client, string, *http.Response, string) {
	t.Helper()
	f := newFixture(t)
	c := f.tech(t)
	id := f.newCase(t, c)
	resp, body := f.postList(t, c, "/cases/"+id+"/session", typed, "lista.csv", file)
	return f, c, id, resp, body
}

func TestImportListStartsSession(t *testing.T) {
	cp1252 := []byte("numero;nominativo;dal;al\r\n3331234567;Niccol\xf2 Rossi;10/01/2026;11/01/2026\r\n")
	tests := []struct {
		name     string
		typed    string
		file     []byte
		wantList string
	}{
		{"file", "", []byte(sampleList), sampleList},
		{"file wins over typed text", "ignored", []byte(sampleList), sampleList},
		{"typed", sampleList, nil, sampleList},
		{"file with BOM", "", append([]byte("\uFEFF"), sampleList...), sampleList},
		{"file in Windows-1252", "", cp1252, strings.ReplaceAll(string(cp1252), "\xf2", "ò")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c, id, resp, body := postListOnNewCase(t, tt.typed, tt.file)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("start: %s\n%s", resp.Status, body)
			}
			jobs, _ := f.back.ListJobs(t.Context())
			if len(jobs) != 1 || resp.Header.Get("Location") != "/jobs/"+jobs[0].ID {
				t.Fatalf("redirect to %q, jobs %+v", resp.Header.Get("Location"), jobs)
			}
			if len(f.back.webs) != 1 {
				t.Fatalf("%d StartWebSession calls", len(f.back.webs))
			}
			got := f.back.webs[0]
			if got.List != tt.wantList || got.Case != id || got.Operator != "technician" {
				t.Fatalf("StartWebSession(%+v), want list %q", got, tt.wantList)
			}
			_, body = f.do(t, c, http.MethodGet, "/cases/"+id, nil)
			wantIn(t, "case page", body, `href="/jobs/`+jobs[0].ID+`"`, "in corso")
		})
	}
}

func TestImportListRefusesBadLists(t *testing.T) {
	bad := sampleList + "12;;2026-01-01;2026-01-02\n"
	tests := []struct {
		name   string
		typed  string
		file   []byte
		code   int
		want   []string
		called bool // the backend saw the list
	}{
		{"bad line", bad, nil, http.StatusUnprocessableEntity, []string{"line 4", "La lista non è stata importata"}, true},
		{"bad line in file", "", []byte(bad), http.StatusUnprocessableEntity, []string{"line 4"}, true},
		{"nothing", " \n", nil, http.StatusUnprocessableEntity, []string{"Scrivere la lista o caricare il file."}, false},
		{"file too large", "3771151946 typed", bytes.Repeat([]byte("a"), maxListBytes+1), http.StatusUnprocessableEntity,
			[]string{"Il file supera 64 KiB", ">3771151946 typed</textarea>"}, false},
		{"typed list too large", strings.Repeat("3771151946;x;2026-01-01;2026-01-02\n", maxListBytes/30), nil,
			http.StatusUnprocessableEntity, []string{"La lista supera 64 KiB."}, false},
		{"binary file", "", []byte("PK\x03\x04\x00\x00"), http.StatusUnprocessableEntity, []string{"non è una lista di testo"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _, resp, body := postListOnNewCase(t, tt.typed, tt.file)
			if resp.StatusCode != tt.code {
				t.Fatalf("status %s, want %d\n%s", resp.Status, tt.code, body)
			}
			wantIn(t, "case page", body, tt.want...)
			if tt.called && !strings.Contains(html.UnescapeString(body), ">"+bad+"</textarea>") {
				t.Error("the list was not kept in the text area")
			}
			if called := len(f.back.webs) > 0; called != tt.called {
				t.Errorf("backend called: %v, want %v", called, tt.called)
			}
			if jobs, _ := f.back.ListJobs(t.Context()); len(jobs) != 0 {
				t.Errorf("a refused list started %d jobs", len(jobs))
			}
		})
	}
}

func TestImportListWhileBusy(t *testing.T) {
	f := newFixture(t)
	c := f.tech(t)
	id := f.newCase(t, c)
	if resp, _ := f.postList(t, c, "/cases/"+id+"/session", sampleList, "", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("first session: %s", resp.Status)
	}
	resp, body := f.postList(t, c, "/cases/"+id+"/session", sampleList, "", nil)
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("second session: %s, want 409", resp.Status)
	}
	wantIn(t, "case page", body, `id="busy"`, "Un&#39;altra sessione è in corso", "J-0001 is running")
	if !strings.Contains(html.UnescapeString(body), ">"+sampleList+"</textarea>") {
		t.Error("the list was not kept")
	}
}

func TestImportListUnknownCase(t *testing.T) {
	f := newFixture(t)
	c := f.tech(t)
	if resp, _ := f.postList(t, c, "/cases/C-9999/session", sampleList, "", nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("status %s, want 404", resp.Status)
	}
	if resp, _ := f.do(t, c, http.MethodGet, "/cases/C-9999", nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("case page: %s, want 404", resp.Status)
	}
}

func TestLegalHold(t *testing.T) {
	f := newFixture(t)
	c := f.tech(t)
	id := f.newCase(t, c)
	path := "/cases/" + id + "/hold"

	resp, body := f.postForm(t, c, path, url.Values{"hold": {"1"}, "reason": {"  "}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("hold without reason: %s", resp.Status)
	}
	wantIn(t, "case page", body, "Indicare il motivo.")
	if got, _ := f.back.Case(t.Context(), id); got.Hold != "" {
		t.Fatal("a hold without reason was set")
	}

	if resp, _ := f.postForm(t, c, path, url.Values{"hold": {"1"}, "reason": {"richiesta del PM n. 12/2026"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("set hold: %s", resp.Status)
	}
	if got, _ := f.back.Case(t.Context(), id); got.Hold != "richiesta del PM n. 12/2026" {
		t.Fatalf("hold %q", got.Hold)
	}
	_, body = f.do(t, c, http.MethodGet, "/cases/"+id, nil)
	wantIn(t, "case page", body, "richiesta del PM n. 12/2026", "Revoca il blocco", `name="hold" value="0"`)
	_, body = f.do(t, c, http.MethodGet, "/cases", nil)
	wantIn(t, "cases list", body, `tag warn`)

	if resp, _ := f.postForm(t, c, path, url.Values{"hold": {"0"}, "reason": {"archiviato"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("release hold: %s", resp.Status)
	}
	if got, _ := f.back.Case(t.Context(), id); got.Hold != "" {
		t.Fatalf("hold %q after release", got.Hold)
	}
	if resp, _ := f.postForm(t, c, "/cases/C-9999/hold", url.Values{"hold": {"1"}, "reason": {"x"}}); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("hold on unknown case: %s", resp.Status)
	}
}

func TestForgedCasePOSTsRefused(t *testing.T) {
	f := newFixture(t)
	c := f.tech(t)
	id := f.newCase(t, c)
	forged := map[string]string{"Sec-Fetch-Site": "cross-site"}
	for _, path := range []string{"/cases", "/cases/" + id + "/hold", "/cases/" + id + "/session", "/jobs/J-0001/cancel"} {
		if resp, _ := f.do(t, c, http.MethodPost, path, forged); resp.StatusCode != http.StatusForbidden {
			t.Errorf("forged POST %s: %s, want 403", path, resp.Status)
		}
	}
	if cs, _ := f.back.ListCases(t.Context()); len(cs) != 1 || len(f.back.webs) != 0 {
		t.Fatalf("forged requests changed the register: %d cases, %d sessions", len(cs), len(f.back.webs))
	}
}

func TestErasedCaseHasNoForms(t *testing.T) {
	f := newFixture(t)
	c := f.tech(t)
	id := f.newCase(t, c)
	f.back.mu.Lock()
	f.back.cases[0].Erased = f.clock.now()
	f.back.mu.Unlock()
	_, body := f.do(t, c, http.MethodGet, "/cases/"+id, nil)
	wantIn(t, "case page", body, `id="erased"`, "Cancellato il")
	for _, form := range []string{"/session", "/hold"} {
		if strings.Contains(body, `action="/cases/`+id+form+`"`) {
			t.Errorf("an erased case offers %s", form)
		}
	}
}

func TestCaseScreensInEnglish(t *testing.T) {
	f := newFixture(t)
	c := f.tech(t)
	id := f.newCase(t, c)
	en := map[string]string{"Cookie": langCookie + "=en"}
	_, body := f.do(t, c, http.MethodGet, "/cases", en)
	wantIn(t, "cases list", body, "New case", "20 messages", "6 months")
	_, body = f.do(t, c, http.MethodGet, "/cases/"+id, en)
	wantIn(t, "case page", body, "Start remote session", "Legal hold", `data-done="Done"`)
}

// TestCaseStringsTranslated checks that every string these screens show has its English.
func TestCaseStringsTranslated(t *testing.T) {
	re := regexp.MustCompile(`\{\{t "([^"]*)"\}\}`)
	for _, name := range []string{"cases", "newcase", "case", "jobs", "job"} {
		data, err := assets.ReadFile("assets/pages/" + name + ".tmpl")
		must(t, err)
		for _, m := range re.FindAllStringSubmatch(string(data), -1) {
			if !texts.Has(m[1]) {
				t.Errorf("%s.tmpl: %q has no text", name, m[1])
			}
		}
	}
}

func TestDecodeUpload(t *testing.T) {
	tests := map[string]string{
		"3771151946;Emanuel":        "3771151946;Emanuel",
		"\uFEFFnumero":              "numero",
		"Niccol\xf2 \x80 \x81":      "Niccolò € \uFFFD",
		"già UTF-8: Niccolò, Forlì": "già UTF-8: Niccolò, Forlì",
	}
	for in, want := range tests {
		if got := decodeUpload([]byte(in)); got != want {
			t.Errorf("decodeUpload(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzDecodeUpload(f *testing.F) {
	f.Add([]byte(sampleList))
	f.Add([]byte("numero;nominativo;dal;al\r\n3331234567;Niccol\xf2 Rossi;10/01/2026;11/01/2026\r\n"))
	f.Add([]byte("\uFEFF\xff\xfe"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got := decodeUpload(data)
		if !utf8.ValidString(got) {
			t.Fatalf("decodeUpload(%q) = %q: not UTF-8", data, got)
		}
		if utf8.Valid(data) && !bytes.HasPrefix(data, []byte("\uFEFF")) && got != string(data) {
			t.Fatalf("decodeUpload changed UTF-8 text %q to %q", data, got)
		}
	})
}

// FuzzSessionForm posts arbitrary bodies to the session form: the server never fails on them, and a list it
// accepts reaches the backend as valid UTF-8.
func FuzzSessionForm(f *testing.F) {
	var good bytes.Buffer
	mw := multipart.NewWriter(&good)
	mw.SetBoundary("attesta-fuzz-boundary")
	mw.WriteField("list", "x")
	fw, _ := mw.CreateFormFile("file", "lista.csv")
	fw.Write([]byte(sampleList))
	mw.Close()
	f.Add(good.Bytes())
	f.Add(good.Bytes()[:good.Len()/2])
	f.Add([]byte("--attesta-fuzz-boundary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\n\x00\x01\r\n--attesta-fuzz-boundary--\r\n"))
	f.Add([]byte(""))
	back := newMemBackend(time.Now)
	srv, err := New(Config{
		Credentials: Credentials{Salt: []byte("fuzz-salt-0123"), Technician: make([]byte, pinKeyLen)},
		State:       fixedState{}, Deliveries: DirDeliveries(f.TempDir()), Shares: NewMemShareStore(),
		Access: &accessRecorder{}, Cases: back, Jobs: back, Phones: back, Journal: back, CredStore: back,
	})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := back.CreateCase(f.Context(), NewCase{Client: "Fuzz", ServiceMonths: 1, MaxMessages: 5}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/cases/C-0001/session", bytes.NewReader(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary=attesta-fuzz-boundary")
		req.SetPathValue("id", "C-0001")
		rec := httptest.NewRecorder()
		srv.startSession(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q", rec.Code, body)
		}
		back.mu.Lock()
		defer back.mu.Unlock()
		for _, w := range back.webs {
			if !utf8.ValidString(w.List) {
				t.Fatalf("backend got a list that is not UTF-8: %q", w.List)
			}
		}
		back.webs, back.jobs = nil, nil
	})
}
