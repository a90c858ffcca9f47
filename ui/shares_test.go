package ui

import (
	"bufio"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestShareLinkLifecycle(t *testing.T) {
	f := newFixture(t)
	tech := f.signedIn(t, techPIN)
	token := f.newShare(t, tech)
	if len(token) < 22 {
		t.Fatalf("token %q shorter than 128 bits", token)
	}
	rcpt := f.client(t)
	resp, body := f.do(t, rcpt, http.MethodGet, "/s/"+token+"/", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "relazione.pdf") || !strings.Contains(body, "artifacts/chat.png") {
		t.Fatalf("index: %s\n%s", resp.Status, body)
	}
	if strings.Contains(body, "link.txt") || strings.Contains(body, "secret") {
		t.Fatalf("index lists a symbolic link:\n%s", body)
	}
	resp, body = f.do(t, rcpt, http.MethodGet, "/s/"+token+"/artifacts/chat.png", nil)
	if resp.StatusCode != http.StatusOK || body != "png" {
		t.Fatalf("file: %s %q", resp.Status, body)
	}
	if resp, _ := f.do(t, rcpt, http.MethodPost, "/s/"+token+"/manifest.json", nil); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST through a share link: %s, want 405", resp.Status)
	}
	got := f.access.list()
	if len(got) != 2 || !strings.HasPrefix(got[1], tokenHash(token)+" artifacts/chat.png ") {
		t.Fatalf("access log %q", got)
	}
	if strings.Contains(strings.Join(got, "\n"), token) {
		t.Fatal("access log holds the token itself")
	}

	if resp, _ := f.do(t, rcpt, http.MethodGet, "/s/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown link: %s, want 404", resp.Status)
	}
	f.do(t, tech, http.MethodPost, "/shares/"+tokenHash(token)+"/revoke", nil)
	for _, p := range []string{"/", "/relazione.pdf"} {
		if resp, _ := f.do(t, rcpt, http.MethodGet, "/s/"+token+p, nil); resp.StatusCode != http.StatusGone {
			t.Errorf("revoked link %s: %s, want 410", p, resp.Status)
		}
	}

	expiring := f.newShare(t, tech)
	f.clock.advance(31 * 24 * time.Hour)
	if resp, _ := f.do(t, rcpt, http.MethodGet, "/s/"+expiring+"/relazione.pdf", nil); resp.StatusCode != http.StatusGone {
		t.Errorf("expired link: %s, want 410", resp.Status)
	}
	f.login(t, tech, techPIN) // the session expired meanwhile
	resp, body = f.do(t, tech, http.MethodGet, "/deliveries", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "revocato") || !strings.Contains(body, "scaduto") {
		t.Errorf("deliveries page: %s\n%s", resp.Status, body)
	}
}

func TestShareRejectsTraversal(t *testing.T) {
	f := newFixture(t)
	tech := f.signedIn(t, techPIN)
	token := f.newShare(t, tech)
	paths := []string{
		"../secret.txt", "..%2fsecret.txt", "%2e%2e/secret.txt", "%2e%2e%2fsecret.txt", "artifacts/../../secret.txt",
		"artifacts%2f..%2f..%2fsecret.txt", "%2fetc%2fpasswd", "/etc/passwd", "..%5csecret.txt", "a%00b",
		"link.txt", "dirlink/secret.txt", "inner.txt", "artifacts", "artifacts/", "./manifest.json", "%2e",
	}
	for _, p := range paths {
		t.Run(p, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, f.ts.URL+"/s/"+token+"/"+p, nil)
			must(t, err)
			req.URL.RawPath = "" // send exactly what is written
			req.URL.Opaque = "//" + req.URL.Host + "/s/" + token + "/" + p
			resp, err := tech.Do(req)
			must(t, err)
			buf := make([]byte, 4096)
			n, _ := resp.Body.Read(buf)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK || strings.Contains(string(buf[:n]), "TOP-SECRET") {
				t.Fatalf("status %s body %q", resp.Status, buf[:n])
			}
		})
	}
}

func TestCleanSharePath(t *testing.T) {
	for p, ok := range map[string]bool{
		"relazione.pdf": true, "artifacts/a.png": true, "": false, "..": false, "a/../b": false, "/a": false,
		`a\b`: false, "a//b": false, "a/": false, "./a": false, "a\x00": false,
	} {
		_, err := cleanSharePath(p)
		if (err == nil) != ok || err != nil && !errors.Is(err, ErrBadPath) {
			t.Errorf("cleanSharePath(%q) = %v, want ok=%v", p, err, ok)
		}
	}
}

func FuzzCleanSharePath(f *testing.F) {
	for _, s := range []string{"relazione.pdf", "artifacts/x.png", "../x", "a/./b", "/etc/passwd", `..\x`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		c, err := cleanSharePath(p)
		if err != nil {
			return
		}
		if c != p || strings.HasPrefix(c, "/") || strings.Contains("/"+c+"/", "/../") || strings.Contains(c, `\`) {
			t.Fatalf("accepted %q", p)
		}
	})
}

func TestFileShareStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shares.json")
	st, err := OpenFileShareStore(path)
	must(t, err)
	now := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	_, h1, _ := newToken()
	_, h2, _ := newToken()
	must(t, st.Put(t.Context(), Share{Hash: h1, Delivery: deliveryName, Created: now, Expires: now.Add(time.Hour)}))
	must(t, st.Put(t.Context(), Share{Hash: h2, Delivery: deliveryName, Created: now.Add(time.Minute), Expires: now.Add(time.Hour)}))
	if err := st.Put(t.Context(), Share{Hash: h1, Delivery: deliveryName}); err == nil {
		t.Fatal("put of an existing hash succeeded")
	}
	must(t, st.Revoke(t.Context(), h1, now.Add(time.Second)))
	if err := st.Revoke(t.Context(), strings.Repeat("0", 64), now); !errors.Is(err, ErrShareNotFound) {
		t.Fatalf("revoke unknown: %v", err)
	}
	again, err := OpenFileShareStore(path)
	must(t, err)
	list, err := again.List(t.Context())
	must(t, err)
	if len(list) != 2 || list[0].Hash != h2 || list[1].Revoked.IsZero() || list[0].Active(now) != true {
		t.Fatalf("reopened store: %+v", list)
	}
	data, err := os.ReadFile(path)
	must(t, err)
	var raw map[string]any
	must(t, json.Unmarshal(data, &raw))
	if raw["format"] != shareFileFormat {
		t.Fatalf("format %v", raw["format"])
	}
}

func TestFileShareStoreRejectsBadFiles(t *testing.T) {
	good := `{"format":"attesta.ui.shares/v1","shares":[{"hash":"` + strings.Repeat("a", 64) + `","delivery":"d","created":"2026-01-01T00:00:00Z","expires":"2026-02-01T00:00:00Z"}]}`
	cases := map[string]string{
		"truncated":       good[:len(good)/2],
		"other format":    strings.Replace(good, "shares/v1", "shares/v9", 1),
		"short hash":      strings.Replace(good, strings.Repeat("a", 64), "abc", 1),
		"path delivery":   strings.Replace(good, `"delivery":"d"`, `"delivery":"../d"`, 1),
		"repeated hash":   strings.Replace(good, "]}", ","+good[strings.Index(good, "[")+1:strings.LastIndex(good, "]")]+"]}", 1),
		"not json at all": "\x00\x01",
		"stray brace":     good + "}",
		"unknown member":  strings.Replace(good, `"format"`, `"x":1,"format"`, 1),
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "shares.json")
			must(t, os.WriteFile(path, []byte(content), 0o600))
			_, err := OpenFileShareStore(path)
			if err == nil || !strings.Contains(err.Error(), path) {
				t.Fatalf("error %v, want one naming %s", err, path)
			}
		})
	}
	path := filepath.Join(t.TempDir(), "shares.json")
	must(t, os.WriteFile(path, []byte(good), 0o600))
	if _, err := OpenFileShareStore(path); err != nil {
		t.Fatalf("good file: %v", err)
	}
}

func FuzzParseShareFile(f *testing.F) {
	f.Add([]byte(`{"format":"attesta.ui.shares/v1","shares":[]}`))
	f.Add([]byte(`{"format":"attesta.ui.shares/v1","shares":[{"hash":"` + strings.Repeat("a", 64) + `","delivery":"d"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		shares, err := parseShareFile(data)
		if err != nil {
			return
		}
		for _, s := range shares {
			if !validDeliveryName(s.Delivery) || len(s.Hash) != 64 {
				t.Fatalf("accepted %+v", s)
			}
		}
	})
}

// readEvents reads SSE events from a stream until it ends.
func readEvents(t *testing.T, resp *http.Response) []Event {
	t.Helper()
	var out []Event
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			var e Event
			must(t, json.Unmarshal([]byte(data), &e))
			out = append(out, e)
		}
	}
	return out
}

// An erased delivery's links are all revoked, those revoked earlier keep their time and are not returned again,
// and the store, reopened, names the folder nowhere.
func TestFileShareStoreForgetDelivery(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shares.json")
	st, err := OpenFileShareStore(path)
	must(t, err)
	now := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	var hashes []string
	for i, d := range []string{deliveryName, deliveryName, "3331234567-15-gennaio-2026"} {
		_, h, _ := newToken()
		hashes = append(hashes, h)
		must(t, st.Put(t.Context(), Share{Hash: h, Delivery: d, Created: now.Add(time.Duration(i) * time.Minute), Expires: now.Add(time.Hour)}))
	}
	must(t, st.Revoke(t.Context(), hashes[0], now))
	revoked, err := st.ForgetDelivery(t.Context(), deliveryName, now.Add(time.Minute))
	must(t, err)
	if len(revoked) != 1 || revoked[0].Hash != hashes[1] {
		t.Fatalf("revoked now: %+v, want only the link that was active", revoked)
	}
	if again, err := st.ForgetDelivery(t.Context(), deliveryName, now.Add(time.Hour)); err != nil || len(again) != 0 {
		t.Fatalf("second forget: %+v, %v; want nothing revoked", again, err)
	}
	reopened, err := OpenFileShareStore(path)
	must(t, err)
	for i, h := range hashes[:2] {
		sh, err := reopened.Get(t.Context(), h)
		must(t, err)
		if sh.Delivery != ErasedDelivery || sh.Active(now) || (i == 0 && !sh.Revoked.Equal(now)) {
			t.Errorf("link %d of the erased delivery: %+v", i, sh)
		}
	}
	if sh, _ := reopened.Get(t.Context(), hashes[2]); !sh.Active(now) {
		t.Errorf("the other delivery's link: %+v, want it active", sh)
	}
	data, err := os.ReadFile(path)
	must(t, err)
	if strings.Contains(string(data), deliveryName) {
		t.Fatalf("the store still names the erased folder:\n%s", data)
	}
}
