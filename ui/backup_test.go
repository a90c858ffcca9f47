package ui

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"

	"strings"
	"sync"
	"testing"
	"time"
)

// memBackups is a ClientBackups that streams each upload into a temporary file of dir and keeps it only when whole,
// as the appliance does, recording what it kept and every call.
type memBackups struct {
	dir   string
	mu    sync.Mutex
	calls int
	kept  map[string]string // sha256 → key
	reqs  []BackupUpload
}

func (m *memBackups) ReceiveBackup(_ context.Context, req BackupUpload, body io.Reader) (JobInfo, error) {
	m.mu.Lock()
	m.calls++
	m.reqs = append(m.reqs, req)
	m.mu.Unlock()
	key := strings.NewReplacer(" ", "", "-", "").Replace(req.Key)
	if _, err := hex.DecodeString(key); err != nil || len(key) != 64 {
		return JobInfo{}, fmt.Errorf("%w: the backup key: 64 digits", ErrInvalid)
	}
	f, err := os.CreateTemp(m.dir, "up-*")
	if err != nil {
		return JobInfo{}, err
	}
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(f, h), body)
	f.Close()
	if err != nil {
		os.Remove(f.Name())
		return JobInfo{}, fmt.Errorf("receive: %w", err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	m.mu.Lock()
	defer m.mu.Unlock()
	m.kept[sum] = key
	return JobInfo{ID: "u" + sum[:8], Kind: "upload", Case: req.Case, State: JobRunning}, nil
}

// files returns how many files the backend holds on disk.
func (m *memBackups) files(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir(m.dir)
	must(t, err)
	return len(ents)
}

const (
	backupKey        = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	testBackupLimit  = 64 << 10
	backupCaseList   = "numero;nominativo;dal;al\n3331112222;Mario Rossi;2026-01-05;2026-01-12\n"
	technicianScreen = `href="/home"`
)

// backupFixture is a server with an upload limit of 64 KiB, a case, and a client's link asking for its backup,
// claimed and accepted by the returned client on the public listener.
func backupFixture(t *testing.T) (*fixture, *memBackups, *httptest.Server, *http.Client, string) {
	t.Helper()
	mb := &memBackups{dir: t.TempDir(), kept: map[string]string{}}
	f := newFixtureWith(t, func(c *Config) { c.Backups, c.MaxBackupUpload = mb, testBackupLimit })
	c, err := f.back.CreateCase(t.Context(), NewCase{Client: "Mario", ClientPhone: "+393771151946", ServiceMonths: 1, MaxMessages: 5})
	must(t, err)
	tech := f.client(t)
	if got := f.login(t, tech, techPIN); got != http.StatusSeeOther {
		t.Fatalf("login: %d", got)
	}
	resp, body := postForm(t, tech, f.ts.URL+"/cases/"+c.ID+"/backup-link", url.Values{"list": {backupCaseList}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="remote-link"`) {
		t.Fatalf("backup link: %s\n%s", resp.Status, body)
	}
	_, rest, _ := strings.Cut(body, "/r/")
	token, _, _ := strings.Cut(rest, "<")
	p := "/r/" + token
	pub := f.public(t)
	client := f.client(t)
	acceptLink(t, client, pub.URL, p, c.ID)
	return f, mb, pub, client, p
}

func postForm(t *testing.T, c *http.Client, u string, v url.Values) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, u, strings.NewReader(v.Encode()))
	must(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	must(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// uploadForm is the page's multipart form: the key, then the file (or in the order given).
func uploadForm(t *testing.T, key string, file []byte, fileFirst bool) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	writeKey := func() { must(t, mw.WriteField("key", key)) }
	writeFile := func() {
		w, err := mw.CreateFormFile("backup", "msgstore.db.crypt15")
		must(t, err)
		w.Write(file)
	}
	if fileFirst {
		writeFile()
		writeKey()
	} else {
		writeKey()
		writeFile()
	}
	must(t, mw.Close())
	return mw.FormDataContentType(), buf.Bytes()
}

func postUpload(t *testing.T, c *http.Client, u, ct string, body io.Reader, length int64) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, u, body)
	must(t, err)
	req.Header.Set("Content-Type", ct)
	req.ContentLength = length
	resp, err := c.Do(req)
	must(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// The client's page asks for the key, then the file; the upload is streamed to the backend with the list the
// technician gave and the link's hash; the page then follows the job that certifies it. The page never shows the
// technician's screens.
func TestRemoteBackupUpload(t *testing.T) {
	_, mb, pub, client, p := backupFixture(t)
	resp, body := doURL(t, client, http.MethodGet, pub.URL+p, nil)
	k, fl := strings.Index(body, `name="key"`), strings.Index(body, `name="backup"`)
	if resp.StatusCode != http.StatusOK || k < 0 || fl < k || !strings.Contains(body, `action="`+p+`/backup"`) {
		t.Fatalf("upload form: %s, want the key before the file:\n%s", resp.Status, body)
	}
	if strings.Contains(body, technicianScreen) || strings.Contains(body, `href="/cases`) {
		t.Fatalf("the client's page links the technician's screens:\n%s", body)
	}
	file := bytes.Repeat([]byte("crypt15 "), testBackupLimit/8) // exactly the limit
	ct, form := uploadForm(t, "0123 4567 89ab cdef-0123456789abcdef0123456789abcdef0123456789abcdef", file, false)
	resp, _ = postUpload(t, client, pub.URL+p+"/backup", ct, bytes.NewReader(form), int64(len(form)))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != p {
		t.Fatalf("upload at the limit: %s, want 303 to the page", resp.Status)
	}
	sum := sha256.Sum256(file)
	if mb.kept[hex.EncodeToString(sum[:])] != backupKey || len(mb.reqs) != 1 || mb.reqs[0].List != backupCaseList ||
		mb.reqs[0].Link != tokenHash(strings.TrimPrefix(p, "/r/")) {
		t.Fatalf("backend got %+v, kept %v", mb.reqs, mb.kept)
	}
	if resp, body := doURL(t, client, http.MethodGet, pub.URL+p, nil); resp.StatusCode != http.StatusOK ||
		!strings.Contains(body, `data-base="`+p+`"`) || strings.Contains(body, `name="backup"`) {
		t.Fatalf("after the upload the page follows the job: %s\n%s", resp.Status, body)
	}
	// One backup per link.
	if resp, _ := postUpload(t, client, pub.URL+p+"/backup", ct, bytes.NewReader(form), int64(len(form))); resp.StatusCode != http.StatusConflict {
		t.Fatalf("second upload: %s, want 409", resp.Status)
	}
}

// No upload larger than the limit is accepted, however the client says or hides its size; nothing of it is kept,
// and a form whose file comes before the key, or with a wrong key, is refused before the file is read.
func TestRemoteBackupLimit(t *testing.T) {
	over := bytes.Repeat([]byte("x"), testBackupLimit+1)
	for _, tc := range []struct {
		name   string
		send   func(t *testing.T, c *http.Client, base, p string) *http.Response
		status int
		called bool // the backend was asked (and had to stop reading)
	}{
		{"one byte over, honest length", func(t *testing.T, c *http.Client, base, p string) *http.Response {
			u := base + p + "/backup"
			ct, form := uploadForm(t, backupKey, over, false)
			resp, _ := postUpload(t, c, u, ct, bytes.NewReader(form), int64(len(form)))
			return resp
		}, http.StatusRequestEntityTooLarge, true},
		{"chunked, no length", func(t *testing.T, c *http.Client, base, p string) *http.Response {
			u := base + p + "/backup"
			ct, form := uploadForm(t, backupKey, bytes.Repeat(over, 4), false)
			resp, _ := postUpload(t, c, u, ct, io.MultiReader(bytes.NewReader(form)), -1)
			return resp
		}, http.StatusRequestEntityTooLarge, true},
		{"declared too large", func(t *testing.T, c *http.Client, base, p string) *http.Response {
			ct, form := uploadForm(t, backupKey, []byte("small"), false)
			// The length says more than the limit and the body never comes: refused without waiting for it.
			resp, err := rawUpload(t, base, c, p, ct, testBackupLimit+backupFormOverhead+1, form[:10])
			must(t, err)
			return resp
		}, http.StatusRequestEntityTooLarge, false},
		{"file before key", func(t *testing.T, c *http.Client, base, p string) *http.Response {
			u := base + p + "/backup"
			ct, form := uploadForm(t, backupKey, []byte("crypt15"), true)
			resp, _ := postUpload(t, c, u, ct, bytes.NewReader(form), int64(len(form)))
			return resp
		}, http.StatusBadRequest, false},
		{"wrong key", func(t *testing.T, c *http.Client, base, p string) *http.Response {
			u := base + p + "/backup"
			ct, form := uploadForm(t, "1234", []byte("crypt15"), false)
			resp, _ := postUpload(t, c, u, ct, bytes.NewReader(form), int64(len(form)))
			return resp
		}, http.StatusUnprocessableEntity, true},
		{"huge key part", func(t *testing.T, c *http.Client, base, p string) *http.Response {
			ct, form := uploadForm(t, strings.Repeat("0", testBackupLimit), []byte("crypt15"), false)
			resp, _ := postUpload(t, c, base+p+"/backup", ct, bytes.NewReader(form), int64(len(form)))
			return resp
		}, http.StatusBadRequest, false},
		{"not multipart", func(t *testing.T, c *http.Client, base, p string) *http.Response {
			u := base + p + "/backup"
			resp, _ := postUpload(t, c, u, "application/octet-stream", bytes.NewReader(over), int64(len(over)))
			return resp
		}, http.StatusBadRequest, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, mb, pub, client, p := backupFixture(t)
			resp := tc.send(t, client, pub.URL, p)
			if resp.StatusCode != tc.status {
				t.Fatalf("%s, want %d", resp.Status, tc.status)
			}
			if len(mb.kept) != 0 || mb.files(t) != 0 {
				t.Fatalf("kept %v, %d files: nothing may be kept", mb.kept, mb.files(t))
			}
			if (mb.calls > 0) != tc.called {
				t.Fatalf("backend called %d times, want called=%v", mb.calls, tc.called)
			}
			// The link still asks for the backup: the client may try again.
			if _, body := doURL(t, client, http.MethodGet, pub.URL+p, nil); !strings.Contains(body, `name="backup"`) {
				t.Fatalf("the form is gone after a refusal:\n%s", body)
			}
		})
	}
}

// A client that lies about the length (a short Content-Length with a longer body) or cuts the body off gets a
// refusal: the server reads only what the length says, the form is then incomplete, and nothing is kept.
func TestRemoteBackupLyingLength(t *testing.T) {
	for _, tc := range []struct {
		name string
		cut  func(form []byte) (declared int, sent []byte)
	}{
		{"length shorter than the body", func(form []byte) (int, []byte) { return len(form) / 2, form }},
		{"body cut before the length", func(form []byte) (int, []byte) { return len(form), form[:len(form)/2] }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, mb, pub, client, p := backupFixture(t)
			ct, form := uploadForm(t, backupKey, bytes.Repeat([]byte("y"), testBackupLimit/2), false)
			declared, sent := tc.cut(form)
			if resp, err := rawUpload(t, pub.URL, client, p, ct, declared, sent); err == nil && resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("lying upload answered %s, want 400", resp.Status)
			} else if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("read answer: %v", err)
			}
			if mb.calls != 1 {
				t.Fatalf("backend called %d times, want once (the key came whole, the file cut)", mb.calls)
			}
			if len(mb.kept) != 0 || mb.files(t) != 0 {
				t.Fatalf("kept %v: nothing of a lying upload may be kept", mb.kept)
			}
		})
	}
}

// rawUpload sends an upload over a bare connection, with the Content-Length declared whatever the body sent, and
// the client's cookies; it reads the answer, or the error of reading it.
func rawUpload(t *testing.T, base string, client *http.Client, p, ct string, declared int, sent []byte) (*http.Response, error) {
	t.Helper()
	u, err := url.Parse(base)
	must(t, err)
	conn, err := (&net.Dialer{}).DialContext(t.Context(), "tcp", u.Host)
	must(t, err)
	t.Cleanup(func() { conn.Close() })
	var hdr strings.Builder
	fmt.Fprintf(&hdr, "POST %s/backup HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n", p, u.Host, ct, declared)
	cu, err := url.Parse(base + p)
	must(t, err)
	cookies := client.Jar.Cookies(cu)
	if len(cookies) == 0 {
		t.Fatal("the client holds no cookie for its link")
	}
	for _, c := range cookies {
		fmt.Fprintf(&hdr, "Cookie: %s=%s\r\n", c.Name, c.Value)
	}
	hdr.WriteString("\r\n")
	conn.Write([]byte(hdr.String()))
	conn.Write(sent)
	if declared > len(sent) {
		conn.(*net.TCPConn).CloseWrite()
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err == nil {
		resp.Body.Close()
	}
	return resp, err
}

// The client's claimed link, its cookie and its token open nothing of the technician's: every technician route
// answers the lock screen (or 401) on the local listener and 404 on the public one, the token in any place of the
// request.
func TestRemoteTokenOpensNoTechnicianScreen(t *testing.T) {
	f, _, pub, client, p := backupFixture(t)
	token := strings.TrimPrefix(p, "/r/")
	paths := []string{"/home", "/cases", "/cases/C-1", "/jobs", "/deliveries", "/phones", "/journal", "/admin",
		"/progress/u1", "/progress/u1/events", "/progress/u1/qr.png", "/?t=" + token, "/home?token=" + token,
		p + "/../../home", "/r/" + token + "/../../cases", "/cases/C-1/cloud", "/cloud/c0000000000000001"}
	for _, base := range []string{f.ts.URL, pub.URL} {
		for _, path := range paths {
			for _, hdr := range []map[string]string{nil, {"Authorization": "Bearer " + token}} {
				resp, body := doURL(t, client, http.MethodGet, base+path, hdr)
				if resp.StatusCode == http.StatusTemporaryRedirect || resp.StatusCode == http.StatusMovedPermanently {
					// The mux cleans a path with dot segments: where it leads is held to the same rule.
					resp, body = doURL(t, client, http.MethodGet, base+resp.Header.Get("Location"), hdr)
				}
				ok := resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusUnauthorized ||
					resp.StatusCode == http.StatusSeeOther && resp.Header.Get("Location") == "/lock"
				if !ok || strings.Contains(body, technicianScreen) {
					t.Errorf("GET %s%s with the client's link: %s %s", base, path, resp.Status, resp.Header.Get("Location"))
				}
			}
		}
		for _, path := range []string{"/cases/C-1/backup-link", "/cases/C-1/session", "/jobs/u1/cancel", "/progress/u1/remote",
			"/cases/C-1/cloud", "/cloud/c0000000000000001/registering", "/cloud/c0000000000000001/restored",
			"/cloud/c0000000000000001/extract"} {
			resp, _ := postForm(t, client, base+path, url.Values{"list": {backupCaseList}})
			if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("POST %s%s with the client's link: %s", base, path, resp.Status)
			}
		}
	}
}

// cappedReader passes at most its limit and then fails with ErrTooLarge, never handing on a byte past it.
func TestCappedReader(t *testing.T) {
	for _, n := range []int{0, 1, 99, 100, 101, 4096} {
		c := &cappedReader{r: bytes.NewReader(make([]byte, n)), left: 100}
		got, err := io.ReadAll(c)
		switch {
		case n <= 100 && (err != nil || len(got) != n):
			t.Errorf("%d bytes: read %d, %v", n, len(got), err)
		case n > 100 && (!errors.Is(err, ErrTooLarge) || len(got) > 100):
			t.Errorf("%d bytes: read %d, %v; want at most 100 and ErrTooLarge", n, len(got), err)
		}
	}
}

// FuzzBackupForm feeds the upload's form reader any body under the page's boundary: it never panics, a key it
// returns is at most maxKeyPart bytes, and the file it opens yields at most the limit before ErrTooLarge.
func FuzzBackupForm(f *testing.F) {
	const boundary = "fuzzboundary"
	seed := func(parts ...string) []byte {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		mw.SetBoundary(boundary)
		for i := 0; i+1 < len(parts); i += 2 {
			w, _ := mw.CreateFormField(parts[i])
			w.Write([]byte(parts[i+1]))
		}
		mw.Close()
		return b.Bytes()
	}
	f.Add(seed("key", backupKey, "backup", "crypt15 bytes"))
	f.Add(seed("backup", "crypt15", "key", backupKey))
	f.Add(seed("key", strings.Repeat("9", 300), "backup", ""))
	f.Add([]byte("--" + boundary + "\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\n1234"))
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/r/x/backup", bytes.NewReader(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		key, file, problem := backupParts(req)
		if problem != "" {
			return
		}
		if len(key) > maxKeyPart {
			t.Fatalf("key of %d bytes", len(key))
		}
		n, err := io.Copy(io.Discard, &cappedReader{r: file, left: 64})
		if n > 64 || n == 64 && err != nil && !errors.Is(err, ErrTooLarge) && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("read %d bytes past a limit of 64: %v", n, err)
		}
	})
}

// While a backup streams in through a link, a second upload through it is refused before it is read.
func TestRemoteBackupOneAtATime(t *testing.T) {
	_, mb, pub, client, p := backupFixture(t)
	ct, form := uploadForm(t, backupKey, bytes.Repeat([]byte("z"), 4096), false)
	pr, pw := io.Pipe()
	done := make(chan *http.Response, 1)
	go func() {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, pub.URL+p+"/backup", pr)
		req.Header.Set("Content-Type", ct)
		resp, err := client.Do(req)
		if err != nil {
			done <- nil
			return
		}
		resp.Body.Close()
		done <- resp
	}()
	pw.Write(form[:len(form)-100])
	for {
		mb.mu.Lock()
		n := mb.calls
		mb.mu.Unlock()
		if n == 1 {
			break
		}
		select {
		case <-t.Context().Done():
			t.Fatal("the first upload never reached the backend")
		case <-time.After(5 * time.Millisecond):
		}
	}
	if resp, _ := postUpload(t, client, pub.URL+p+"/backup", ct, bytes.NewReader(form), int64(len(form))); resp.StatusCode != http.StatusConflict {
		t.Fatalf("second upload meanwhile: %s, want 409", resp.Status)
	}
	pw.Write(form[len(form)-100:])
	pw.Close()
	if resp := <-done; resp == nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("first upload: %v", resp)
	}
	if mb.calls != 1 || len(mb.kept) != 1 {
		t.Fatalf("backend: %d calls, kept %d", mb.calls, len(mb.kept))
	}
}

// discardBackups reads an upload to its end and keeps nothing: what the remote page costs on its own.
type discardBackups struct{}

func (discardBackups) ReceiveBackup(_ context.Context, req BackupUpload, body io.Reader) (JobInfo, error) {
	if _, err := io.Copy(io.Discard, body); err != nil {
		return JobInfo{}, err
	}
	return JobInfo{ID: "u1", Kind: "upload", Case: req.Case}, nil
}

// BenchmarkRemoteBackupUpload streams a 32 MiB backup through the remote page's form reader and limit: the bytes
// allocated per upload stay far below its size, since nothing buffers the file.
func BenchmarkRemoteBackupUpload(b *testing.B) {
	const size = 32 << 20
	file := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("key", backupKey)
	w, _ := mw.CreateFormFile("backup", "msgstore.db.crypt15")
	w.Write(file)
	mw.Close()
	form := buf.Bytes()
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/r/x/backup", bytes.NewReader(form))
		req.Header.Set("Content-Type", mw.FormDataContentType())
		key, part, problem := backupParts(req)
		if problem != "" || key != backupKey {
			b.Fatal(problem)
		}
		if _, err := (discardBackups{}).ReceiveBackup(b.Context(), BackupUpload{}, &cappedReader{r: part, left: size}); err != nil {
			b.Fatal(err)
		}
	}
}
