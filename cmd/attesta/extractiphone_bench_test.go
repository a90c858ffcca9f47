package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/attesta/attesta/capture/ios/iostest"
)

// BenchmarkExtractIOSBulk certifies the client's chat from an encrypted backup whose ChatStorage.sqlite holds
// ATTESTA_BENCH_MESSAGES messages (default 50,000; the figure is 1,000,000) in 100 other chats: the whole
// pipeline, in process, appliance open included. It reports the database's size, MB/s over it, and the process's
// peak RSS during the extraction (VmHWM, reset after the backup is generated): compare 50000 with 1000000.
func BenchmarkExtractIOSBulk(b *testing.B) {
	n, _ := strconv.Atoi(os.Getenv("ATTESTA_BENCH_MESSAGES"))
	if n <= 0 {
		n = 50_000
	}
	dir := b.TempDir()
	cs := filepath.Join(dir, "ChatStorage.sqlite")
	if err := iostest.WriteBulkChatStorage(b.Context(), cs, n, iosDay); err != nil {
		b.Fatal(err)
	}
	db, err := os.ReadFile(cs)
	if err != nil {
		b.Fatal(err)
	}
	backup := filepath.Join(dir, "backup")
	if err := iostest.WriteBackup(b.Context(), backup, []iostest.BackupFile{{Domain: iostest.DomainWhatsApp,
		RelativePath: "ChatStorage.sqlite", Data: db}}, iostest.BackupOptions{Password: "pw"}); err != nil {
		b.Fatal(err)
	}
	size := int64(len(db))
	db = nil
	pw, list := filepath.Join(dir, "pw"), writeList(b, dir, "list.csv", rossi)
	os.WriteFile(pw, []byte("pw"), 0o600)
	runtime.GC()
	debug.FreeOSMemory()
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // resets VmHWM (Linux)
	b.SetBytes(size)
	i := 0
	for b.Loop() {
		i++
		var out, errb bytes.Buffer
		code := run(b.Context(), &env{stdout: &out, stderr: &errb}, []string{"extract", "ios", "--backup", backup,
			"--password-file", pw, "--list", list, "--out", filepath.Join(dir, fmt.Sprint("out", i)),
			"--data", filepath.Join(dir, "data"), "--tpm", "sim", "--max-messages", "20"})
		if code != 0 || !strings.Contains(out.String(), "certified") {
			b.Fatalf("extract: exit %d\n%s%s", code, out.String(), errb.String())
		}
	}
	b.ReportMetric(float64(size)/(1<<20), "db-MB")
	b.ReportMetric(peakRSSMB(), "peak-RSS-MB")
}

// peakRSSMB reads the process's VmHWM.
func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}
