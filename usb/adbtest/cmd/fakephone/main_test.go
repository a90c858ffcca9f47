package main

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attesta/attesta/internal/testwait"
	"github.com/attesta/attesta/usb/adbtest"
)

func TestRunWithRealADB(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "sdcard"), 0o755)
	os.WriteFile(filepath.Join(root, "sdcard", "note.txt"), []byte("evidence\n"), 0o644)
	ctx, cancel := testwait.Context(t)
	defer cancel()
	addrc := make(chan net.Addr, 1)
	var logs bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--listen", "127.0.0.1:0", "--root", root, "--model", "Galaxy S21", "--auth", "any"}, &logs, func(a net.Addr) { addrc <- a })
	}()
	var addr string
	select {
	case a := <-addrc:
		addr = a.String()
	case err := <-done:
		t.Fatalf("run ended early: %v\n%s", err, logs.String())
	}

	server := adbtest.StartServer(t)
	if out, err := server.Run(ctx, "connect", addr); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if out, err := server.Run(ctx, "-s", addr, "wait-for-device"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	out, err := server.Run(ctx, "-s", addr, "shell", "getprop", "ro.product.model")
	if err != nil || strings.TrimSpace(string(out)) != "Galaxy S21" {
		t.Errorf("getprop = %q, %v", out, err)
	}
	dst := filepath.Join(t.TempDir(), "note.txt")
	if out, err := server.Run(ctx, "-s", addr, "pull", "/sdcard/note.txt", dst); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if b, _ := os.ReadFile(dst); string(b) != "evidence\n" {
		t.Errorf("pulled %q", b)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run after cancel: %v", err)
	}
}

func TestRunFlags(t *testing.T) {
	for _, args := range [][]string{
		{}, // no --root
		{"--root", t.TempDir(), "--auth", "maybe"}, // bad auth mode
		{"--root", t.TempDir(), "--auth", "keys"},  // keys without --key
		{"--root", filepath.Join(t.TempDir(), "missing")},
	} {
		var logs bytes.Buffer
		if err := run(t.Context(), append(args, "--listen", "127.0.0.1:0"), &logs, nil); err == nil {
			t.Errorf("run %q succeeded", args)
		}
	}
}
