package bundle

import (
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
)

func TestZipRoundTrip(t *testing.T) {
	f := newFixture(t)
	m := f.chatManifest(t, 9, 20)
	folder := f.deliver(t, m, Delivery{}, WriteOptions{})
	zipPath := filepath.Join(t.TempDir(), m.FolderName()+".zip")
	if err := WriteZipFile(t.Context(), zipPath, folder); err != nil {
		t.Fatal(err)
	}
	if err := WriteZipFile(t.Context(), zipPath, folder); !errors.Is(err, ErrExists) {
		t.Errorf("second WriteZipFile: %v, want ErrExists", err)
	}
	var again bytes.Buffer
	if err := WriteZip(t.Context(), &again, copyDir(t, folder)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), mustRead(t, zipPath)) {
		t.Errorf("two ZIPs of the same folder differ")
	}
	rf, err := Verify(t.Context(), folder, VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rz, err := Verify(t.Context(), zipPath, VerifyOptions{})
	if err != nil {
		t.Fatalf("Verify ZIP: %v\n%s", err, rz.Text())
	}
	if !reflect.DeepEqual(rf.Checks, rz.Checks) || rf.Folder != rz.Folder {
		t.Errorf("ZIP report differs from folder report:\n%s\n%s", rf.Text(), rz.Text())
	}

	t.Run("unzip", func(t *testing.T) {
		requireTools(t, "unzip")
		dst := t.TempDir()
		out, err := exec.CommandContext(t.Context(), "unzip", "-q", zipPath, "-d", dst).CombinedOutput()
		if err != nil {
			t.Fatalf("unzip: %v\n%s", err, out)
		}
		extracted := filepath.Join(dst, m.FolderName())
		if _, err := Verify(t.Context(), extracted, VerifyOptions{}); err != nil {
			t.Errorf("Verify of the unzipped folder: %v", err)
		}
		if failed := runVerifica(t, extracted); len(failed) > 0 {
			t.Errorf("VERIFICA.txt fails on the unzipped folder: %v", failed)
		}
	})
	t.Run("zip-slip", func(t *testing.T) {
		p := rezip(t, zipPath, func(zw *zip.Writer) {
			w, _ := zw.Create(m.FolderName() + "/../../evil.sh")
			w.Write([]byte("#!/bin/sh\n"))
		})
		r, err := Verify(t.Context(), p, VerifyOptions{})
		failedCheck(t, r, err, CheckContainer, m.FolderName()+"/../../evil.sh")
	})
	t.Run("second top folder", func(t *testing.T) {
		p := rezip(t, zipPath, func(zw *zip.Writer) {
			w, _ := zw.Create("other/manifest.json")
			w.Write([]byte("{}"))
		})
		r, err := Verify(t.Context(), p, VerifyOptions{})
		failedCheck(t, r, err, CheckContainer, "other/manifest.json")
	})
	t.Run("duplicate entry", func(t *testing.T) {
		p := rezip(t, zipPath, func(zw *zip.Writer) {
			w, _ := zw.Create(m.FolderName() + "/" + m.Artifacts[0].Path)
			w.Write([]byte("other bytes"))
		})
		r, err := Verify(t.Context(), p, VerifyOptions{})
		failedCheck(t, r, err, CheckContainer, m.Artifacts[0].Path)
	})
	t.Run("altered entry", func(t *testing.T) {
		dir := copyDir(t, folder)
		p := filepath.Join(dir, m.Artifacts[2].Path)
		b := mustRead(t, p)
		b[3] ^= 4
		mustWrite(t, p, b)
		zp := filepath.Join(t.TempDir(), "x.zip")
		if err := WriteZipFile(t.Context(), zp, dir); err != nil {
			t.Fatal(err)
		}
		r, err := Verify(t.Context(), zp, VerifyOptions{})
		failedCheck(t, r, err, CheckArtifact, m.Artifacts[2].Path)
	})
	t.Run("not a zip", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "x.zip")
		mustWrite(t, p, []byte("PK\x03\x04 truncated"))
		if _, err := Verify(t.Context(), p, VerifyOptions{}); err == nil {
			t.Error("Verify of a broken ZIP passes")
		}
	})
	t.Run("symlink refused", func(t *testing.T) {
		dir := copyDir(t, folder)
		os.Symlink("/etc/passwd", filepath.Join(dir, "artifacts", "link"))
		if err := WriteZip(t.Context(), &bytes.Buffer{}, dir); !errors.Is(err, ErrUnsafePath) {
			t.Errorf("WriteZip with a symlink: %v, want ErrUnsafePath", err)
		}
	})
}

// rezip copies the ZIP at src and lets add append entries.
func rezip(t *testing.T, src string, add func(*zip.Writer)) string {
	t.Helper()
	zr, err := zip.OpenReader(src)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	p := filepath.Join(t.TempDir(), "hostile.zip")
	out, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(out)
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	add(zw)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	out.Close()
	return p
}
