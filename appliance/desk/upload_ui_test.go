package desk_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/attesta/attesta/appliance"
	"github.com/attesta/attesta/capture/android/msgstore/msgstoretest"
	"github.com/attesta/attesta/ui"
)

// The whole path through the appliance's own touch UI: the technician asks for the client's backup with the list,
// the client opens the link on the public listener, accepts the notice, uploads the backup with its key, and the
// job certifies it; an upload over the configured limit is refused and leaves nothing.
func TestUploadThroughTouchUI(t *testing.T) {
	ctx := t.Context()
	dir, out := t.TempDir(), t.TempDir()
	backup := filepath.Join(t.TempDir(), "msgstore.db.crypt15")
	key, err := msgstoretest.WriteCrypt15(ctx, backup, msgstoretest.Sample(time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(backup)
	a, srv, ts := uiAppliance(t, appliance.Config{DataDir: dir, TPM: "sim", MaxBackupUpload: int64(len(data))}, out)
	pub := httptest.NewServer(srv.PublicHandler())
	t.Cleanup(pub.Close)
	c := newCase5(t, a)

	tech := uiClient(t, ts.URL, uiTechPIN)
	resp, err := tech.PostForm(ts.URL+"/cases/"+c.ID+"/backup-link", url.Values{"list": {uploadList}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	link := regexp.MustCompile(`/r/[A-Za-z0-9_-]{43}`).FindString(string(page))
	if resp.StatusCode != http.StatusOK || link == "" {
		t.Fatalf("backup link: %s\n%s", resp.Status, page)
	}

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if resp, _ := uiDo(t, client, http.MethodPost, pub.URL+link); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("claim: %s", resp.Status)
	}
	_, notice := uiDo(t, client, http.MethodGet, pub.URL+link)
	sum := regexp.MustCompile(`name="sha256" value="([0-9a-f]{64})"`).FindStringSubmatch(notice)
	if sum == nil {
		t.Fatalf("no notice digest:\n%s", notice)
	}
	resp, err = client.PostForm(pub.URL+link+"/accept", url.Values{"sha256": {sum[1]}, "lang": {"it"}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept: %v %v", resp, err)
	}
	resp.Body.Close()

	upload := func(file []byte) *http.Response {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		mw.WriteField("key", key.RootHex())
		w, _ := mw.CreateFormFile("backup", "msgstore.db.crypt15")
		w.Write(file)
		mw.Close()
		resp, err := client.Post(pub.URL+link+"/backup", mw.FormDataContentType(), &b)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := upload(append(bytes.Clone(data), 0)); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("one byte over the configured limit: %s, want 413", resp.Status)
	}
	if left := uploadsLeft(t, dir); len(left) != 0 {
		t.Fatalf("a refused upload left %v", left)
	}
	if resp := upload(data); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %s", resp.Status)
	}
	jobs, err := a.Desk().ListJobs(ctx)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("jobs: %+v, %v", jobs, err)
	}
	j := waitJob(t, a, jobs[0].ID)
	if j.State != ui.JobDone || j.Chats[0].Certified != 4 {
		t.Fatalf("upload job: %+v", j)
	}
	// The link followed the job and died with it; the technician's screens stay closed to the client.
	if resp, _ := uiDo(t, client, http.MethodGet, pub.URL+link); resp.StatusCode != http.StatusGone {
		t.Fatalf("client's page after the job: %s, want 410", resp.Status)
	}
	// The key is nowhere on disk in clear, the appliance's log (attesta.log, its default) included: the job record
	// seals it.
	if st, err := os.Stat(filepath.Join(dir, "attesta.log")); err != nil || st.Size() == 0 {
		t.Fatalf("no log to look into: %v", err)
	}
	if hits := findPersonalData(t, dir, []string{key.RootHex()}); len(hits) != 0 {
		t.Fatalf("the backup key in clear in %v", hits)
	}
	for _, p := range []string{"/home", "/cases/" + c.ID, "/jobs/" + j.ID} {
		if resp, _ := uiDo(t, client, http.MethodGet, pub.URL+p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("public %s: %s, want 404", p, resp.Status)
		}
		if resp, _ := uiDo(t, client, http.MethodGet, ts.URL+p); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/lock" {
			t.Errorf("local %s with the client's cookies: %s, want the lock screen", p, resp.Status)
		}
	}
}
