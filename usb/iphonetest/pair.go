package iphonetest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/attesta/attesta/capture/ios/plist"
)

// PairRecord is what pairing leaves on the computer (usbmuxd keeps it as /var/lib/lockdown/UDID.plist) and, for
// the device certificate, on the phone. Made at run time.
type PairRecord struct {
	HostID, SystemBUID             string
	RootCert, HostCert, DeviceCert []byte // PEM
	RootKey, HostKey               []byte // PEM
	device                         tls.Certificate
	rootDER, hostDER               []byte
}

func uuid() string {
	var b [16]byte
	rand.Read(b[:])
	return strings.ToUpper(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:]))
}

type keyCert struct {
	key  *rsa.PrivateKey
	cert *x509.Certificate
	der  []byte
}

// keys are the three RSA keys of a pair record, made once per process at run time: 2048-bit RSA generation costs
// about a second on a loaded machine, and every test phone would otherwise pay it three times.
var keys = sync.OnceValues(func() ([3]*rsa.PrivateKey, error) {
	var k [3]*rsa.PrivateKey
	for i := range k {
		var err error
		if k[i], err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return k, err
		}
	}
	return k, nil
})

func issue(cn string, key *rsa.PrivateKey, parent *keyCert, ca bool) (*keyCert, error) {
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(10, 0, 0),
		BasicConstraintsValid: true, IsCA: ca,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth}}
	signer, parentCert := key, tmpl
	if parent != nil {
		signer, parentCert = parent.key, parent.cert
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parentCert, &key.PublicKey, signer)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &keyCert{key: key, cert: cert, der: der}, nil
}

func pemCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func pemKey(k *rsa.PrivateKey) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
}

// NewPairRecord makes a root CA, a host and a device certificate for udid, with RSA keys as iOS pairing makes them
// (libimobiledevice 1.3.0 reads the root key as an RSA key).
func NewPairRecord(udid string) (*PairRecord, error) {
	k, err := keys()
	if err != nil {
		return nil, fmt.Errorf("iphonetest: pair record: %w", err)
	}
	root, err := issue("Root Certification Authority", k[0], nil, true)
	if err != nil {
		return nil, fmt.Errorf("iphonetest: pair record: %w", err)
	}
	host, err := issue("Host", k[1], root, false)
	if err != nil {
		return nil, fmt.Errorf("iphonetest: pair record: %w", err)
	}
	dev, err := issue(udid, k[2], root, false)
	if err != nil {
		return nil, fmt.Errorf("iphonetest: pair record: %w", err)
	}
	return &PairRecord{HostID: uuid(), SystemBUID: uuid(),
		RootCert: pemCert(root.der), HostCert: pemCert(host.der), DeviceCert: pemCert(dev.der),
		RootKey: pemKey(root.key), HostKey: pemKey(host.key),
		device:  tls.Certificate{Certificate: [][]byte{dev.der}, PrivateKey: dev.key, Leaf: dev.cert},
		rootDER: root.der, hostDER: host.der}, nil
}

// Plist is the record as usbmuxd hands it out (ReadPairRecord's PairRecordData).
func (r *PairRecord) Plist() ([]byte, error) {
	return plist.MarshalXML(map[string]any{"HostID": r.HostID, "SystemBUID": r.SystemBUID,
		"RootCertificate": r.RootCert, "HostCertificate": r.HostCert, "DeviceCertificate": r.DeviceCert,
		"RootPrivateKey": r.RootKey, "HostPrivateKey": r.HostKey, "WiFiMACAddress": "a4:c3:f0:00:00:01",
		"EscrowBag": []byte("escrow")})
}
