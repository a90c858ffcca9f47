package main

import (
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
)

// profileFlag is extract's --cpuprofile: a CPU profile of the whole command, for benchmarks (BENCHMARKS.md).
type profileFlag struct{ path string }

func (p *profileFlag) register(fs *flag.FlagSet) {
	fs.StringVar(&p.path, "cpuprofile", "", "write a CPU profile of the command to `FILE` (benchmarks)")
}

// start starts the profile when one was asked for; the function it returns stops it and closes the file.
func (p *profileFlag) start() (stop func() error, err error) {
	if p.path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(p.path)
	if err != nil {
		return nil, usagef("--cpuprofile: %v", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}
