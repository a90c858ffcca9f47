package usb

import (
	"crypto/rand"
	"crypto/rsa"
	"os"
	"testing"

	"github.com/attesta/attesta/usb/adbtest"
	"github.com/attesta/attesta/usb/internal/aproto"
)

type rsaPublicKey = rsa.PublicKey

// serverKey reads the public key the adb server generated in its HOME.
func serverKey(t *testing.T, s *adbtest.Server) *rsa.PublicKey {
	t.Helper()
	raw, err := os.ReadFile(s.PublicKeyPath())
	if err != nil {
		t.Fatal(err)
	}
	pub, err := aproto.ParsePublicKey(raw)
	if err != nil {
		t.Fatalf("%s: %v", s.PublicKeyPath(), err)
	}
	return pub
}

// otherKey is a key no adb server holds.
func otherKey(t *testing.T) *rsa.PublicKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return &k.PublicKey
}
