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
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
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

// filesCollection serves files.list (GET) and files.create without media (POST).
func (s *Server) filesCollection(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		s.list(w, r)
	case http.MethodPost:
		var meta map[string]any
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&meta); err != nil {
			apiError(w, 400, "parseError", "Parse Error")
			return
		}
		s.mu.Lock()
		f, err := s.create(meta, nil)
		var out map[string]any
		if err == nil {
			out = s.fileJSON(f, r.URL.Query().Get("fields"))
		}
		s.mu.Unlock()
		if err != nil {
			apiError(w, 400, "invalid", err.Error())
			return
		}
		writeJSON(w, 200, out)
	default:
		apiError(w, 405, "methodNotAllowed", "method not allowed")
	}
}

// create stores a new file from its metadata. s.mu must be held.
func (s *Server) create(meta map[string]any, content []byte) (*File, error) {
	f := &File{ID: s.newID("1F"), MimeType: "application/octet-stream", Created: time.Now().UTC(), Content: content}
	for k, v := range meta {
		switch k {
		case "name":
			f.Name, _ = v.(string)
		case "mimeType":
			f.MimeType, _ = v.(string)
		case "parents":
			ps, _ := v.([]any)
			for _, p := range ps {
				id, _ := p.(string)
				if id != "root" {
					if pf, ok := s.files[id]; !ok || pf.MimeType != FolderMimeType || pf.Trashed {
						return nil, fmt.Errorf("file not found: %s", id)
					}
				}
				f.Parents = append(f.Parents, id)
			}
		case "appProperties":
			props, _ := v.(map[string]any)
			f.AppProperties = map[string]string{}
			for pk, pv := range props {
				f.AppProperties[pk], _ = pv.(string)
			}
		}
	}
	if len(f.Parents) == 0 {
		f.Parents = []string{"root"}
	}
	if f.MimeType == FolderMimeType {
		f.ID = s.newID("1D")
	}
	s.files[f.ID] = f
	return f, nil
}

// used is the bytes stored. s.mu must be held.
func (s *Server) used() int64 {
	var n int64
	for _, f := range s.files {
		n += int64(len(f.Content))
	}
	return n
}

// list serves files.list.
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q, err := parseQuery(r.URL.Query().Get("q"))
	if err != nil {
		apiError(w, 400, "invalid", "Invalid Value: q: "+err.Error())
		return
	}
	s.mu.Lock()
	s.counts.Lists++
	var matched []*File
	for _, f := range s.files {
		if q.match(f) {
			matched = append(matched, f)
		}
	}
	slices.SortFunc(matched, func(a, b *File) int { return a.Created.Compare(b.Created) })
	fields := r.URL.Query().Get("fields")
	inner := "kind,id,name,mimeType"
	if sub, ok := subFields(fields, "files"); ok {
		inner = sub
	}
	files := []any{}
	for _, f := range matched {
		files = append(files, s.fileJSON(f, inner))
	}
	s.mu.Unlock()
	out := map[string]any{"kind": "drive#fileList", "incompleteSearch": false, "files": files}
	if fields != "" {
		out = selectFields(out, fields)
		if _, ok := subFields(fields, "files"); ok {
			out["files"] = files
		}
	}
	writeJSON(w, 200, out)
}

// fileItem serves files.get, files.delete and the permissions of a file.
func (s *Server) fileItem(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/drive/v3/files/")
	id, perm, hasPerm := strings.Cut(rest, "/permissions")
	s.mu.Lock()
	f, ok := s.files[id]
	s.mu.Unlock()
	if !ok {
		apiError(w, 404, "notFound", "File not found: "+id+".")
		return
	}
	if hasPerm {
		s.permissions(w, r, f, strings.TrimPrefix(perm, "/"))
		return
	}
	switch r.Method {
	case http.MethodGet:
		s.mu.Lock()
		if r.URL.Query().Get("alt") == "media" {
			s.counts.Downloads++
			content := slices.Clone(f.Content)
			s.mu.Unlock()
			w.Header().Set("Content-Type", f.MimeType)
			w.Header().Set("Content-Length", strconv.Itoa(len(content)))
			w.Write(content)
			return
		}
		s.counts.Gets++
		out := s.fileJSON(f, r.URL.Query().Get("fields"))
		s.mu.Unlock()
		writeJSON(w, 200, out)
	case http.MethodDelete:
		s.mu.Lock()
		s.counts.Deletes++
		s.deleteTree(id)
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	default:
		apiError(w, 405, "methodNotAllowed", "method not allowed")
	}
}

// deleteTree removes id and, for a folder, everything under it. s.mu must be held.
func (s *Server) deleteTree(id string) {
	delete(s.files, id)
	for cid, c := range s.files {
		if slices.Contains(c.Parents, id) {
			s.deleteTree(cid)
		}
	}
}

// permissions serves permissions.create (POST …/permissions) and permissions.delete (DELETE …/permissions/ID).
func (s *Server) permissions(w http.ResponseWriter, r *http.Request, f *File, permID string) {
	switch {
	case r.Method == http.MethodPost && permID == "":
		var p struct {
			Type         string `json:"type"`
			Role         string `json:"role"`
			EmailAddress string `json:"emailAddress"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&p); err != nil {
			apiError(w, 400, "parseError", "Parse Error")
			return
		}
		switch {
		case p.Role != "reader" && p.Role != "commenter" && p.Role != "writer":
			apiError(w, 400, "invalidSharingRequest", "Bad Request. The role is invalid.")
			return
		case p.Type == "anyone" && p.EmailAddress == "", p.Type == "user" && strings.Contains(p.EmailAddress, "@"):
		default:
			apiError(w, 400, "invalidSharingRequest", "Bad Request. User message: \"The permission is invalid.\"")
			return
		}
		s.mu.Lock()
		perm := Permission{ID: s.newID("p"), Type: p.Type, Role: p.Role, Email: p.EmailAddress}
		if p.Type == "anyone" {
			perm.ID = "anyoneWithLink"
		}
		f.Permissions = append(f.Permissions, perm)
		s.counts.PermissionsCreated++
		s.mu.Unlock()
		out := map[string]any{"kind": "drive#permission", "id": perm.ID, "type": perm.Type, "role": perm.Role}
		if perm.Email != "" {
			out["emailAddress"] = perm.Email
		}
		if fields := r.URL.Query().Get("fields"); fields != "" {
			out = selectFields(out, fields)
		}
		writeJSON(w, 200, out)
	case r.Method == http.MethodDelete && permID != "":
		s.mu.Lock()
		i := slices.IndexFunc(f.Permissions, func(p Permission) bool { return p.ID == permID })
		if i >= 0 {
			f.Permissions = slices.Delete(f.Permissions, i, i+1)
			s.counts.PermissionsDeleted++
		}
		s.mu.Unlock()
		if i < 0 {
			apiError(w, 404, "notFound", "Permission not found: "+permID+".")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		apiError(w, 405, "methodNotAllowed", "method not allowed")
	}
}

// folderPage is what a link's recipient sees: the folder's files, when the folder is shared with anyone.
func (s *Server) folderPage(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/drive/folders/")
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.files[id]
	if !ok || !slices.ContainsFunc(f.Permissions, func(p Permission) bool { return p.Type == "anyone" }) {
		http.Error(w, "not shared", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "%s\n", f.Name)
	for _, c := range s.files {
		if slices.Contains(c.Parents, id) {
			fmt.Fprintf(w, "%s\t%s\n", c.ID, c.Name)
		}
	}
}

// errDropped is the upload whose connection the server cut.
var errDropped = errors.New("connection dropped")

// readBody reads an upload's body, cutting the connection when DropUpload asked for it.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	s.mu.Lock()
	drop := s.drop
	s.drop = 0
	if drop > 0 {
		s.counts.Dropped++
	}
	s.mu.Unlock()
	if drop <= 0 {
		return io.ReadAll(io.LimitReader(r.Body, 1<<30))
	}
	io.CopyN(io.Discard, r.Body, drop)
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			if tcp, ok := conn.(*net.TCPConn); ok {
				tcp.SetLinger(0) // a reset, as a network that failed
			}
			conn.Close()
		}
	}
	return nil, errDropped
}

// upload serves /upload/drive/v3/files: multipart uploads, resumable sessions and their chunks.
func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case q.Get("upload_id") != "":
		s.chunk(w, r, q.Get("upload_id"))
	case r.Method != http.MethodPost:
		apiError(w, 405, "methodNotAllowed", "method not allowed")
	case q.Get("uploadType") == "multipart":
		s.multipart(w, r)
	case q.Get("uploadType") == "resumable":
		var meta map[string]any
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&meta); err != nil && !errors.Is(err, io.EOF) {
			apiError(w, 400, "parseError", "Parse Error")
			return
		}
		mt := r.Header.Get("X-Upload-Content-Type")
		if mt != "" && meta != nil && meta["mimeType"] == nil {
			meta["mimeType"] = mt
		}
		total := int64(-1)
		if n, err := strconv.ParseInt(r.Header.Get("X-Upload-Content-Length"), 10, 64); err == nil {
			total = n
		}
		s.mu.Lock()
		id := s.newID("u")
		s.sessions[id] = &session{meta: meta, fields: q.Get("fields"), total: total}
		s.counts.Resumable++
		s.mu.Unlock()
		w.Header().Set("Location", s.url+"/upload/drive/v3/files?uploadType=resumable&upload_id="+id)
		w.WriteHeader(200)
	default:
		apiError(w, 400, "badRequest", "Invalid uploadType "+q.Get("uploadType"))
	}
}

// store saves an uploaded file, within the quota; it answers the request.
func (s *Server) store(w http.ResponseWriter, meta map[string]any, content []byte, fields string, code int) {
	s.mu.Lock()
	if s.quota > 0 && s.used()+int64(len(content)) > s.quota {
		s.mu.Unlock()
		apiError(w, 403, "storageQuotaExceeded", "The user's Drive storage quota has been exceeded.")
		return
	}
	if s.corrupt > 0 && len(content) > 0 {
		s.corrupt--
		content = slices.Clone(content)
		content[0] ^= 0xff
	}
	f, err := s.create(meta, content)
	var out map[string]any
	if err == nil {
		out = s.fileJSON(f, fields)
	}
	s.mu.Unlock()
	if err != nil {
		apiError(w, 404, "notFound", "File not found: "+strings.TrimPrefix(err.Error(), "file not found: ")+".")
		return
	}
	writeJSON(w, code, out)
}

// multipart serves uploadType=multipart: a multipart/related body, the JSON metadata then the media.
func (s *Server) multipart(w http.ResponseWriter, r *http.Request) {
	body, err := s.readBody(w, r)
	if err != nil {
		return
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/related" {
		apiError(w, 400, "badContent", "Bad content type. Please use multipart.")
		return
	}
	mr := multipart.NewReader(strings.NewReader(string(body)), params["boundary"])
	var meta map[string]any
	var content []byte
	for i := 0; ; i++ {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			apiError(w, 400, "badContent", "Malformed multipart body.")
			return
		}
		b, err := io.ReadAll(p)
		if err != nil {
			apiError(w, 400, "badContent", "Malformed multipart body.")
			return
		}
		switch i {
		case 0:
			if err := json.Unmarshal(b, &meta); err != nil {
				apiError(w, 400, "parseError", "Parse Error")
				return
			}
		case 1:
			content = b
			if ct := p.Header.Get("Content-Type"); ct != "" && meta["mimeType"] == nil {
				meta["mimeType"] = ct
			}
		}
	}
	s.mu.Lock()
	s.counts.Multipart++
	s.mu.Unlock()
	s.store(w, meta, content, r.URL.Query().Get("fields"), 200)
}

// chunk serves one request of a resumable session: Content-Range "bytes A-B/TOTAL", "bytes A-B/*" or
// "bytes */TOTAL" (a status query, or the end of an upload with nothing more to send).
func (s *Server) chunk(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	sess, ok := s.sessions[id]
	s.mu.Unlock()
	if !ok {
		apiError(w, 404, "notFound", "Upload session not found.")
		return
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return
	}
	from, total, err := parseContentRange(r.Header.Get("Content-Range"), int64(len(body)))
	if err != nil {
		apiError(w, 400, "badRequest", err.Error())
		return
	}
	s.mu.Lock()
	s.counts.Chunks++
	switch {
	case from < 0: // status query
	case from > int64(len(sess.data)):
		s.mu.Unlock()
		apiError(w, 400, "badRequest", fmt.Sprintf("Invalid request. Chunk starts at %d; %d bytes received.", from, len(sess.data)))
		return
	default:
		sess.data = append(sess.data[:from], body...)
	}
	if total >= 0 {
		sess.total = total
	}
	done := sess.total >= 0 && int64(len(sess.data)) == sess.total
	if done {
		delete(s.sessions, id)
	}
	received := len(sess.data)
	s.mu.Unlock()
	if !done {
		if received > 0 {
			w.Header().Set("Range", fmt.Sprintf("bytes=0-%d", received-1))
		}
		if r.Header.Get("X-GUploader-No-308") == "yes" {
			w.Header().Set("X-Http-Status-Code-Override", "308")
			w.WriteHeader(200)
			return
		}
		w.WriteHeader(308)
		return
	}
	s.store(w, sess.meta, sess.data, sess.fields, 200)
}

// parseContentRange reads an upload chunk's Content-Range: the offset of the body (-1 for "bytes */N") and the
// upload's total size (-1 when "*").
func parseContentRange(h string, n int64) (from, total int64, err error) {
	spec, ok := strings.CutPrefix(h, "bytes ")
	rng, tot, ok2 := strings.Cut(spec, "/")
	if !ok || !ok2 {
		return 0, 0, fmt.Errorf("failed to parse Content-Range header %q", h)
	}
	total = -1
	if tot != "*" {
		if total, err = strconv.ParseInt(tot, 10, 64); err != nil || total < 0 {
			return 0, 0, fmt.Errorf("failed to parse Content-Range header %q", h)
		}
	}
	if rng == "*" {
		return -1, total, nil
	}
	a, b, ok := strings.Cut(rng, "-")
	from, err1 := strconv.ParseInt(a, 10, 64)
	to, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || from < 0 || to < from || to-from+1 != n {
		return 0, 0, fmt.Errorf("content-Range %q does not match a body of %d bytes", h, n)
	}
	return from, total, nil
}

// FolderOfLink returns the id of the folder a direct link of this server opens.
func (s *Server) FolderOfLink(link string) (string, bool) {
	return strings.CutPrefix(link, s.url+"/drive/folders/")
}

// Export writes the folder id and everything under it into dir (created), byte for byte as stored: what a
// recipient who downloads the folder gets.
func (s *Server) Export(id, dir string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.export(id, dir)
}

func (s *Server) export(id, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, c := range s.files {
		if !slices.Contains(c.Parents, id) || c.Trashed {
			continue
		}
		if strings.ContainsAny(c.Name, `/\`) || c.Name == "." || c.Name == ".." || c.Name == "" {
			return fmt.Errorf("drivetest: export: unsafe name %q", c.Name)
		}
		path := filepath.Join(dir, c.Name)
		if c.MimeType == FolderMimeType {
			if err := s.export(c.ID, path); err != nil {
				return err
			}
			continue
		}
		if err := os.WriteFile(path, c.Content, 0o644); err != nil {
			return err
		}
	}
	return nil
}
