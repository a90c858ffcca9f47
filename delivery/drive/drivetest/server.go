// Package drivetest is a Google Drive v3 server and a Google OAuth 2.0 device-flow server on loopback, for the
// tests of package drive and for the demo. It speaks the REST protocol of Google's published documentation for what
// Attesta uses, so that the real client libraries (google.golang.org/api/drive/v3 through option.WithEndpoint,
// golang.org/x/oauth2's device flow) talk to it unchanged:
//
//   - files.create: metadata only (folders), uploadType=multipart (multipart/related: JSON metadata, then the
//     media) and uploadType=resumable (a session URI in Location, then chunks with Content-Range; an incomplete
//     upload answers 308, or 200 with X-Http-Status-Code-Override: 308 when the client sent X-GUploader-No-308);
//   - files.list with q (the terms `'ID' in parents`, `name = '…'`, `mimeType = '…'`, `trashed = false` and
//     `appProperties has { key='…' and value='…' }`, joined by `and`), files.get (metadata, or alt=media),
//     files.delete; every answer trimmed to the `fields` asked for (partial response);
//   - permissions.create and permissions.delete (anyone or user, role reader);
//   - md5Checksum, sha1Checksum and sha256Checksum of every stored file;
//   - errors as Google gives them ({"error": {"code", "message", "errors": [{"domain", "reason", "message"}],
//     "status"}}), 401 for a missing, expired or revoked token, 403 storageQuotaExceeded past the quota, 404,
//     and, on request, 429 or 5xx with Retry-After.
//
// Faults are injected with [Server.Fail], [Server.DropUpload], [Server.ExpireTokens] and [Server.SetQuota]. It is
// test code: it keeps everything in memory and trusts its callers.
package drivetest

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FolderMimeType is Drive's type of a folder.
const FolderMimeType = "application/vnd.google-apps.folder"

// File is a file or folder as the server stores it.
type File struct {
	ID            string
	Name          string
	MimeType      string
	Parents       []string
	AppProperties map[string]string
	Content       []byte
	Created       time.Time
	Trashed       bool
	Permissions   []Permission
}

// Permission is a sharing permission of a file.
type Permission struct {
	ID    string
	Type  string // anyone, user
	Role  string // reader
	Email string
}

// Counts are the requests the server answered, by kind.
type Counts struct {
	Multipart, Resumable, Chunks, Lists, Gets, Downloads, Deletes, PermissionsCreated, PermissionsDeleted int
	Failed, Dropped                                                                                       int
}

type fault struct {
	status     int
	reason     string
	retryAfter string
}

type session struct {
	meta   map[string]any
	fields string
	total  int64 // -1 until known
	data   []byte
}

// Server is a Drive v3 and OAuth 2.0 server on a loopback port.
type Server struct {
	srv *http.Server
	ln  net.Listener
	url string

	mu       sync.Mutex
	files    map[string]*File
	sessions map[string]*session
	faults   []fault
	drop     int64 // >0: close the connection of the next upload chunk after this many bytes of its body
	quota    int64 // 0: unlimited
	corrupt  int   // uploads still to store with one byte changed
	counts   Counts
	seq      int

	oauth oauthState
}

// Start serves on 127.0.0.1 at a free port until Close.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("drivetest: %w", err)
	}
	s := &Server{ln: ln, url: "http://" + ln.Addr().String(), files: map[string]*File{}, sessions: map[string]*session{}}
	s.oauth.init()
	mux := http.NewServeMux()
	mux.HandleFunc("/drive/v3/files", s.auth(s.filesCollection))
	mux.HandleFunc("/drive/v3/files/", s.auth(s.fileItem))
	mux.HandleFunc("/upload/drive/v3/files", s.auth(s.upload))
	mux.HandleFunc("/drive/folders/", s.folderPage)
	s.oauthRoutes(mux)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// URL is the server's base URL, http://127.0.0.1:PORT.
func (s *Server) URL() string { return s.url }

// Endpoint is the Drive API's base path on this server, for option.WithEndpoint.
func (s *Server) Endpoint() string { return s.url + "/drive/v3/" }

// Fail makes the next n Drive requests answer status (429, 500, 503…) with reason and, when retryAfter is not
// empty, a Retry-After header.
func (s *Server) Fail(n, status int, reason, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, fault{status, reason, retryAfter})
	}
}

// DropUpload makes the next upload request (a multipart upload or a resumable chunk) lose its connection after
// afterBytes bytes of its body: nothing of it is stored.
func (s *Server) DropUpload(afterBytes int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drop = max(afterBytes, 1)
}

// SetQuota limits the bytes the account may store (0: no limit); an upload past it answers 403
// storageQuotaExceeded.
func (s *Server) SetQuota(bytes int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.quota = bytes
}

// CorruptUploads makes the next n uploads store their content with its first byte changed, as a storage fault
// would: the checksums Drive then returns are not the sender's.
func (s *Server) CorruptUploads(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.corrupt = n
}

// Counts returns the requests answered so far.
func (s *Server) Counts() Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts
}

// Files returns a copy of every file and folder stored, trashed ones included.
func (s *Server) Files() []File {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]File, 0, len(s.files))
	for _, f := range s.files {
		c := *f
		c.Parents, c.Permissions, c.Content = slices.Clone(f.Parents), slices.Clone(f.Permissions), slices.Clone(f.Content)
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b File) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// File returns a copy of the file id.
func (s *Server) File(id string) (File, bool) {
	for _, f := range s.Files() {
		if f.ID == id {
			return f, true
		}
	}
	return File{}, false
}

func (s *Server) newID(prefix string) string {
	var b [12]byte
	rand.Read(b[:])
	s.seq++
	return fmt.Sprintf("%s%d%s", prefix, s.seq, hex.EncodeToString(b[:]))
}

// apiError writes an error the way Google's APIs do.
func apiError(w http.ResponseWriter, code int, reason, message string) {
	status := map[int]string{400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
		429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}[code]
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "message": message, "status": status,
		"errors": []map[string]any{{"domain": "global", "reason": reason, "message": message}}}})
}

// auth checks the bearer token and serves the injected faults first.
func (s *Server) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || !s.oauth.valid(tok) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="https://accounts.google.com/", error="invalid_token"`)
			apiError(w, 401, "authError", "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.")
			return
		}
		s.mu.Lock()
		var f *fault
		if len(s.faults) > 0 {
			f = &s.faults[0]
			s.faults = s.faults[1:]
			s.counts.Failed++
		}
		s.mu.Unlock()
		if f != nil {
			if f.retryAfter != "" {
				w.Header().Set("Retry-After", f.retryAfter)
			}
			io.Copy(io.Discard, io.LimitReader(r.Body, 64<<20))
			apiError(w, f.status, f.reason, "injected fault: "+f.reason)
			return
		}
		h(w, r)
	}
}

// fileJSON is the API resource of f, trimmed to fields.
func (s *Server) fileJSON(f *File, fields string) map[string]any {
	m := map[string]any{"kind": "drive#file", "id": f.ID, "name": f.Name, "mimeType": f.MimeType,
		"parents": f.Parents, "trashed": f.Trashed, "createdTime": f.Created.Format(time.RFC3339Nano),
		"webViewLink": s.url + "/drive/folders/" + f.ID}
	if len(f.AppProperties) > 0 {
		m["appProperties"] = f.AppProperties
	}
	if f.MimeType != FolderMimeType {
		md, s1, s256 := md5.Sum(f.Content), sha1.Sum(f.Content), sha256.Sum256(f.Content)
		m["size"] = strconv.Itoa(len(f.Content))
		m["md5Checksum"] = hex.EncodeToString(md[:])
		m["sha1Checksum"] = hex.EncodeToString(s1[:])
		m["sha256Checksum"] = hex.EncodeToString(s256[:])
		m["webViewLink"] = s.url + "/file/d/" + f.ID + "/view?usp=drivesdk"
	}
	if fields == "" {
		fields = "kind,id,name,mimeType"
	}
	return selectFields(m, fields)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
