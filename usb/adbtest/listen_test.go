package adbtest

import (
	"net"
	"strings"
	"testing"
)

// Listen, the demo's constructor, refuses a configuration without a root, and otherwise answers at Addr as soon as
// it returns.
func TestListen(t *testing.T) {
	if p, err := Listen(Config{}); err == nil || !strings.Contains(err.Error(), "Config.Root") {
		if p != nil {
			p.Close()
		}
		t.Fatalf("Listen without a root = %v, want an error naming Config.Root", err)
	}
	p, err := Listen(Config{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatalf("the phone does not answer at %s: %v", p.Addr(), err)
	}
	c.Close()
}
