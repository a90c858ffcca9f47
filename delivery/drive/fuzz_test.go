package drive

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	gdrive "google.golang.org/api/drive/v3"
	"google.golang.org/api/option"
)

// FuzzDriveResponse feeds arbitrary answers of Drive (status, Retry-After, body) through the real client library
// to what the appliance does with them: the checksum check of an upload and the retry delay. An answer is
// accepted only when it names the file's exact size and MD5 (and SHA-256, when it gives one), and no delay is
// negative or longer than an hour.
func FuzzDriveResponse(f *testing.F) {
	const md5hex, sha256hex = "9e107d9d372bb6826bd81d3542a419d6", "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"
	f.Add(200, "", []byte(`{"id":"1F1abc","size":"43","md5Checksum":"`+md5hex+`","sha256Checksum":"`+sha256hex+`"}`))
	f.Add(200, "", []byte(`{"id":"1F1abc","size":"43","md5Checksum":"`+md5hex+`"}`))
	f.Add(429, "30", []byte(`{"error":{"code":429,"message":"Rate Limit Exceeded","errors":[{"domain":"usageLimits","reason":"rateLimitExceeded"}]}}`))
	f.Add(403, "", []byte(`{"error":{"code":403,"message":"The user's Drive storage quota has been exceeded.","errors":[{"domain":"usageLimits","reason":"storageQuotaExceeded"}]}}`))
	f.Add(503, "Wed, 21 Oct 2026 07:28:00 GMT", []byte(`<html>Service Unavailable</html>`))
	f.Add(200, "", []byte(`{"id":"","size":"-1","md5Checksum":null}`))

	var mu sync.Mutex
	var status int
	var retry string
	var body []byte
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if retry != "" {
			w.Header().Set("Retry-After", retry)
		}
		w.WriteHeader(status)
		w.Write(body)
	})}
	go srv.Serve(ln)
	f.Cleanup(func() { srv.Close() })
	svc, err := gdrive.NewService(f.Context(), option.WithHTTPClient(http.DefaultClient),
		option.WithEndpoint("http://"+ln.Addr().String()+"/drive/v3/"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, code int, retryAfterHeader string, b []byte) {
		if code < 200 || code > 599 || !validHeaderValue(retryAfterHeader) {
			t.Skip()
		}
		mu.Lock()
		status, retry, body = code, retryAfterHeader, b
		mu.Unlock()
		file, err := svc.Files.Get("1F1abc").Fields(uploadedFields).Context(t.Context()).Do()
		if err != nil {
			err = classify("get", err)
			if d := retryAfter(err); d < 0 || d > time.Hour {
				t.Fatalf("retry delay %v from Retry-After %q", d, retryAfterHeader)
			}
			return
		}
		u, err := checkUploaded(file, md5hex, sha256hex, 43)
		if err == nil && (u.ID == "" || u.Size != 43 || u.MD5 != md5hex || (u.SHA256 != "" && u.SHA256 != sha256hex)) {
			t.Fatalf("accepted %+v from %q", u, b)
		}
	})
}

func validHeaderValue(s string) bool {
	for _, c := range []byte(s) {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return len(s) < 200 && strconv.Quote(s) != ""
}
