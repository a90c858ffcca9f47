//go:build !linux

package ffmpeg

import (
	"fmt"
	"os"
)

// Memfd returns a new temporary file, already unlinked, where memfd_create is not available.
func Memfd(name string) (*os.File, error) {
	f, err := os.CreateTemp("", "attesta-"+name+"-")
	if err != nil {
		return nil, fmt.Errorf("ffmpeg: temporary file %s: %w", name, err)
	}
	_ = os.Remove(f.Name())
	return f, nil
}
