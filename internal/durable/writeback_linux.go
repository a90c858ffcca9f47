package durable

import (
	"os"
	"syscall"
)

const syncFileRangeWrite = 0x2 // SYNC_FILE_RANGE_WRITE: start writeback, do not wait

// startWriteback asks the kernel to begin writing [off, off+n) of f to disk now, so that the final fsync of a large
// file does not have to write all of it at once and disk writes overlap the work that produces them. It is only a
// hint: errors are ignored, the final fsync is what makes the file durable.
func startWriteback(f *os.File, off, n int64) {
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		_ = syscall.SyncFileRange(int(fd), off, n, syncFileRangeWrite)
	})
}
