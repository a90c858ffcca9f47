package drivetest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

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
