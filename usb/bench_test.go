package usb

import (
	"context"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/attesta/attesta/usb/adbtest"
)

// BenchmarkPull measures Pull of an 8 MiB file from the fake phone through the
// real adb server, hashing included.
func BenchmarkPull(b *testing.B) {
	for _, v2 := range []bool{false, true} {
		name := map[bool]string{false: "sync-v1", true: "sync-v2"}[v2]
		b.Run(name, func(b *testing.B) {
			server := adbtest.StartServer(b)
			root := b.TempDir()
			data := make([]byte, 8<<20)
			rand.Read(data)
			os.MkdirAll(filepath.Join(root, "sdcard"), 0o755)
			os.WriteFile(filepath.Join(root, "sdcard", "big"), data, 0o644)
			phone := adbtest.Start(b, adbtest.Config{Root: root})
			c := New(Options{Addr: server.Addr})
			if v2 {
				c.features = []string{"stat_v2", "ls_v2", "sendrecv_v2"}
			}
			ctx := b.Context()
			if err := c.Connect(ctx, phone.Addr()); err != nil {
				b.Fatal(err)
			}
			wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			if err := c.WaitForState(wctx, phone.Addr(), StateDevice); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := c.Pull(ctx, phone.Addr(), "/sdcard/big", io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
