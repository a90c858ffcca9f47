package bundle

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/internal/strictjson"
)

// IndexFormat is the "format" of index.json.
const IndexFormat = "attesta.index/v1"

// IndexEntry is one delivery of a session, as the session index lists it.
type IndexEntry struct {
	Folder   string        `json:"folder"`    // the delivery folder's name, relative to the index
	Phone    string        `json:"phone"`     // E.164
	Name     string        `json:"name"`      // as the acquisition list gives it
	Day      evidence.Date `json:"day"`       // the acquisition day, Europe/Rome
	ShareURL string        `json:"share_url"` // the delivery's share link; "" when not shared
	// DriveURL is the direct link of the delivery's folder on Google Drive; absent when it is not there.
	DriveURL string `json:"drive_url,omitempty"`
}

type indexFile struct {
	Format  string       `json:"format"`
	Entries []IndexEntry `json:"entries"`
}

var indexTmpl = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="it">
<head>
<meta charset="utf-8">
<title>Consegne della sessione</title>
<style>
body { font-family: sans-serif; margin: 2em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #999; padding: 0.3em 0.6em; text-align: left; }
</style>
</head>
<body>
<h1>Consegne della sessione <small>(session deliveries)</small></h1>
<p>{{len .}} consegne. Ogni cartella contiene VERIFICA.txt con le istruzioni di verifica.</p>
<table>
<thead><tr><th>Numero</th><th>Nominativo</th><th>Giorno</th><th>Cartella</th><th>Link di condivisione</th><th>Google Drive</th></tr></thead>
<tbody>
{{range .}}<tr><td>{{.Phone}}</td><td>{{.Name}}</td><td>{{.Day}}</td><td><a href="{{.Folder}}/">{{.Folder}}</a></td><td>{{if .ShareURL}}<a href="{{.ShareURL}}">{{.ShareURL}}</a>{{end}}</td><td>{{if .DriveURL}}<a href="{{.DriveURL}}">{{.DriveURL}}</a>{{end}}</td></tr>
{{end}}</tbody>
</table>
</body>
</html>
`))

// WriteIndex writes index.html (Italian, for people) and index.json (format attesta.index/v1, for programs) into
// dir, listing entries in the order given. Each file is replaced atomically (temporary file, fsync, rename, fsync
// of dir), so a reader sees the old index or the new one, never a mix. Folders must be single safe path elements
// and share links absolute http(s) URLs.
func WriteIndex(dir string, entries []IndexEntry) error {
	for i, e := range entries {
		if err := evidence.ValidRelPath(e.Folder); err != nil || strings.Contains(e.Folder, "/") {
			return fmt.Errorf("bundle: index: entry %d: folder %q is not a folder name: %w", i, e.Folder, ErrUnsafePath)
		}
		for _, link := range []string{e.ShareURL, e.DriveURL} {
			if link == "" {
				continue
			}
			u, err := url.Parse(link)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return fmt.Errorf("bundle: index: entry %d: link %q is not an absolute http(s) URL", i, link)
			}
		}
	}
	if entries == nil {
		entries = []IndexEntry{}
	}
	js, err := encodeJSON(indexFile{Format: IndexFormat, Entries: entries}, "")
	if err != nil {
		return fmt.Errorf("bundle: index: %w", err)
	}
	var html bytes.Buffer
	if err := indexTmpl.Execute(&html, entries); err != nil {
		return fmt.Errorf("bundle: index: %w", err)
	}
	if err := replaceFile(filepath.Join(dir, "index.json"), append(js, '\n')); err != nil {
		return fmt.Errorf("bundle: index: %w", err)
	}
	if err := replaceFile(filepath.Join(dir, "index.html"), html.Bytes()); err != nil {
		return fmt.Errorf("bundle: index: %w", err)
	}
	return nil
}

// ReadIndex reads back dir's index.json (format attesta.index/v1, strictly); a missing index is an empty one.
func ReadIndex(dir string) ([]IndexEntry, error) {
	path := filepath.Join(dir, "index.json")
	var f indexFile
	if err := strictjson.ReadFile(path, IndexFormat, &f); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("bundle: index: %w", err)
	}
	return f.Entries, nil
}

// replaceFile writes data to name atomically and durably (internal/durable), replacing an older index.
func replaceFile(name string, data []byte) error { return durable.Replace(name, data, 0o644) }
