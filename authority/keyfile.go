package authority

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"

	"golang.org/x/crypto/scrypt"

	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/internal/strictjson"
)

// keyFileFormat is a CA private key sealed under a passphrase: scrypt (N=2^15, r=8, p=1) derives an AES-256-GCM
// key from the passphrase and a random salt; the plaintext is the PKCS #8 DER key.
const keyFileFormat = "attesta.authority-key/v1"

type keyFile struct {
	Format     string `json:"format"`
	KDF        string `json:"kdf"`
	Salt       []byte `json:"salt"`
	Nonce      []byte `json:"nonce"`
	Ciphertext []byte `json:"ciphertext"`
}

// ErrPassphrase reports a passphrase that does not open a CA key file.
var ErrPassphrase = errors.New("wrong passphrase (or the key file was altered)")

const kdfName = "scrypt N=32768 r=8 p=1"

func sealKey(key *ecdsa.PrivateKey, passphrase []byte) (*keyFile, error) {
	if len(passphrase) < 8 {
		return nil, errors.New("passphrase shorter than 8 bytes")
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	kf := &keyFile{Format: keyFileFormat, KDF: kdfName, Salt: make([]byte, 16), Nonce: make([]byte, 12)}
	rand.Read(kf.Salt)
	rand.Read(kf.Nonce)
	aead, err := keyAEAD(passphrase, kf.Salt)
	if err != nil {
		return nil, err
	}
	kf.Ciphertext = aead.Seal(nil, kf.Nonce, der, []byte(keyFileFormat))
	return kf, nil
}

func keyAEAD(passphrase, salt []byte) (cipher.AEAD, error) {
	k, err := scrypt.Key(passphrase, salt, 1<<15, 8, 1, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func writeKey(path string, key *ecdsa.PrivateKey, passphrase []byte) error {
	kf, err := sealKey(key, passphrase)
	if err != nil {
		return fmt.Errorf("authority: seal %s: %w", path, err)
	}
	return durable.WriteNew(path, mustJSON(kf), 0o600)
}

func readKey(path string, passphrase []byte) (*ecdsa.PrivateKey, error) {
	var kf keyFile
	if err := strictjson.ReadFile(path, keyFileFormat, &kf); err != nil {
		return nil, fmt.Errorf("authority: %w", err)
	}
	if kf.KDF != kdfName || len(kf.Salt) != 16 || len(kf.Nonce) != 12 {
		return nil, fmt.Errorf("authority: %s: unknown key derivation %q", path, kf.KDF)
	}
	aead, err := keyAEAD(passphrase, kf.Salt)
	if err != nil {
		return nil, err
	}
	der, err := aead.Open(nil, kf.Nonce, kf.Ciphertext, []byte(keyFileFormat))
	if err != nil {
		return nil, fmt.Errorf("authority: %s: %w", path, ErrPassphrase)
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("authority: %s: %w", path, err)
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("authority: %s: key is %T, want ECDSA", path, k)
	}
	return ek, nil
}
