package iphonetest

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/attesta/attesta/usb/lockdown"
)

// Service ports the fake lockdownd hands out.
const (
	PortMobileBackup2     = 49152
	PortNotificationProxy = 49153
	PortAFC               = 49154
)

var servicePorts = map[string]int64{
	"com.apple.mobilebackup2":             PortMobileBackup2,
	"com.apple.mobile.notification_proxy": PortNotificationProxy,
	"com.apple.afc":                       PortAFC,
}

func (p *Phone) values() map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	return map[string]any{"DeviceName": p.Name, "ProductVersion": p.ProductVersion, "UniqueDeviceID": p.UDID,
		"DeviceClass": "iPhone", "ProductType": "iPhone14,5", "BuildVersion": "21F90", "SerialNumber": "F2LXK0AAAAAA",
		"ProductName": "iPhone OS", "PasswordProtected": true, "ActivationState": "Activated"}
}

func (p *Phone) domainValue(domain, key string) (any, bool) {
	switch domain {
	case "":
		v := p.values()
		if key == "" {
			return v, true
		}
		x, ok := v[key]
		return x, ok
	case "com.apple.mobile.backup":
		p.mu.Lock()
		enc := p.password != ""
		p.mu.Unlock()
		d := map[string]any{"WillEncrypt": enc, "RequiresEncrypt": false}
		if key == "" {
			return d, true
		}
		x, ok := d[key]
		return x, ok
	case "com.apple.iTunes", "com.apple.mobile.iTunes":
		if key == "" {
			return map[string]any{"MinITunesVersion": "10.0.1"}, true
		}
		if key == "MinITunesVersion" {
			return "10.0.1", true
		}
	}
	return nil, false
}

// serveLockdown answers lockdownd's requests on a connection the usbmuxd carried to port 62078.
func (p *Phone) serveLockdown(raw net.Conn) error {
	var rw io.ReadWriter = raw
	session := ""
	for {
		req, d, err := lockdown.ReadRequest(rw)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		p.note("lockdown:" + req)
		reply := map[string]any{"Request": req}
		switch req {
		case "QueryType":
			reply["Type"] = "com.apple.mobile.lockdown"
		case "GetValue":
			domain, _ := d["Domain"].(string)
			key, _ := d["Key"].(string)
			if key != "" {
				reply["Key"] = key
			}
			if domain != "" {
				reply["Domain"] = domain
			}
			if v, ok := p.domainValue(domain, key); ok {
				reply["Value"] = v
			} else {
				reply["Error"] = "MissingValue"
			}
		case "StartSession":
			if host, _ := d["HostID"].(string); host != p.Pair.HostID || !p.isTrusted() {
				reply["Error"] = "InvalidHostID"
				break
			}
			session = uuid()
			reply["SessionID"] = session
			reply["EnableSessionSSL"] = true
			if err := lockdown.Write(rw, reply); err != nil {
				return err
			}
			tc := tls.Server(raw, p.tlsConfig())
			if err := tc.HandshakeContext(p.ctx); err != nil {
				p.note("lockdown:tls-refused")
				return fmt.Errorf("iphonetest: lockdown TLS: %w", err)
			}
			p.note("lockdown:tls")
			rw = tc
			continue
		case "StopSession":
			if err := lockdown.Write(rw, reply); err != nil {
				return err
			}
			return nil
		case "StartService":
			name, _ := d["Service"].(string)
			port, ok := servicePorts[name]
			switch {
			case session == "":
				reply["Error"] = "NoRunningSession"
			case !ok:
				reply["Error"] = "InvalidService"
			default:
				p.note("lockdown:StartService:" + name)
				reply["Service"] = name
				reply["Port"] = port
				reply["EnableServiceSSL"] = false
			}
		case "Pair":
			// The phone shows "Trust this computer"; the computer retries until the owner answers. The fake never
			// hands a new record over lockdown: [Phone.Trust] gives usbmuxd the one made at start.
			reply["Error"] = "PairingDialogResponsePending"
		case "Goodbye":
			return lockdown.Write(rw, reply)
		default:
			reply["Error"] = "UnsupportedRequest"
		}
		if err := lockdown.Write(rw, reply); err != nil {
			return err
		}
	}
}

// tlsConfig is the phone's side of the session: its device certificate, and only the paired computer's root or
// host certificate accepted from the client (libimobiledevice presents the root one).
func (p *Phone) tlsConfig() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{p.Pair.device}, MinVersion: tls.VersionTLS12,
		ClientAuth: tls.RequireAnyClientCert,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) > 0 && (bytes.Equal(raw[0], p.Pair.rootDER) || bytes.Equal(raw[0], p.Pair.hostDER)) {
				return nil
			}
			return errors.New("client certificate is not the paired computer's")
		}}
}
