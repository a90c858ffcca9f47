package ffmpeg

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Memfd returns a new anonymous file in memory (memfd_create), readable, writable and seekable, which a child
// process reads as /dev/fd/3. Closing it frees it.
func Memfd(name string) (*os.File, error) {
	fd, err := unix.MemfdCreate(name, unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("ffmpeg: memfd %s: %w", name, err)
	}
	return os.NewFile(uintptr(fd), "memfd:"+name), nil
}
