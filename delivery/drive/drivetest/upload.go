package drivetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

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
