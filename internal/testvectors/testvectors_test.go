package testvectors

import (
	"os"
	"testing"
)

func TestPathFindsASharedVector(t *testing.T) {
	p := Path(t, "wa-crypt-tools", "msgstore.db")
	if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
		t.Fatalf("Path = %s: %v", p, err)
	}
}
