package drivetest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

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
