package iphonetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"slices"
	"sync"

	"github.com/attesta/attesta/capture/ios/iostest"
	"github.com/attesta/attesta/usb/usbmux"
)

// Config says what the fake phone is.
type Config struct {
	UDID           string // UniqueDeviceID; default iostest.UDID, the generated backups' phone
	Name           string // DeviceName; default iostest.DeviceName
	ProductVersion string // default iostest.IOSVersion
	BackupPassword string // the backup password set on the phone; "" for unencrypted backups
	// Backup writes the phone's backup folder into dir, encrypted with password when it is not "" (a test passes
	// an iostest generator); nil refuses backups.
	Backup func(ctx context.Context, dir, password string) error
	// FailBackup makes the phone end a Backup request with this error (ErrorCode 105) before sending anything,
	// as a phone does when it is locked or runs out of space.
	FailBackup string
	// CutBackupAfter drops the backup's connection after this many bytes of file data, as a pulled cable does
	// (0: never).
	CutBackupAfter int64
	// Untrusted starts the phone with "Trust this computer" unanswered: usbmuxd has no pair record and lockdownd
	// refuses sessions until [Phone.Trust].
	Untrusted bool
}

// Phone is a running fake iPhone behind its own usbmuxd.
type Phone struct {
	Config
	Addr    string // usbmuxd's loopback address, for USBMUXD_SOCKET_ADDRESS
	BUID    string
	Pair    *PairRecord
	ln      net.Listener
	wg      sync.WaitGroup
	mu      sync.Mutex
	reqs    []string
	conns   map[net.Conn]bool
	listen  []chan bool // one per Listen client: true attached, false detached
	gone    bool
	trusted bool
	ctx     context.Context
	cancel  context.CancelFunc

	password        string // the backup password the phone holds ("" when backups are not encrypted)
	passwordChanges int
	uploaded        int64
}

const deviceID = 1

// New starts a fake iPhone's usbmuxd on a free loopback port.
func New(ctx context.Context, cfg Config) (*Phone, error) {
	if cfg.UDID == "" {
		cfg.UDID = iostest.UDID
	}
	if cfg.Name == "" {
		cfg.Name = iostest.DeviceName
	}
	if cfg.ProductVersion == "" {
		cfg.ProductVersion = iostest.IOSVersion
	}
	pr, err := NewPairRecord(cfg.UDID)
	if err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("iphonetest: %w", err)
	}
	p := &Phone{Config: cfg, Addr: ln.Addr().String(), BUID: pr.SystemBUID, Pair: pr, ln: ln, conns: map[net.Conn]bool{},
		password: cfg.BackupPassword, trusted: !cfg.Untrusted}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Start is New for a test: the phone stops when the test ends.
func Start(t TB, cfg Config) *Phone {
	t.Helper()
	p, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("iphonetest: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// Close stops the daemon and drops every connection.
func (p *Phone) Close() error {
	err := p.ln.Close()
	p.cancel()
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

// Requests returns what clients asked, in order: usbmux MessageTypes, "Connect:PORT" and lockdown requests.
func (p *Phone) Requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.reqs...)
}

func (p *Phone) note(s string) {
	p.mu.Lock()
	p.reqs = append(p.reqs, s)
	p.mu.Unlock()
}

// Unplug detaches the phone: Listen clients get Detached, ListDevices lists nothing, Connect is refused.
func (p *Phone) Unplug() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.gone = true
	for _, ch := range p.listen {
		select {
		case ch <- false:
		default:
		}
	}
}

// Trust answers "Trust this computer": usbmuxd gets the pair record.
func (p *Phone) Trust() {
	p.mu.Lock()
	p.trusted = true
	p.mu.Unlock()
}

func (p *Phone) isTrusted() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.trusted
}

func (p *Phone) attached() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.gone
}

func (p *Phone) device() usbmux.Device {
	return usbmux.Device{ID: deviceID, UDID: p.UDID, ConnectionType: "USB", ProductID: 0x12a8, LocationID: 0x01100000}
}

func (p *Phone) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.conns[c] = true
		p.mu.Unlock()
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer func() {
				p.mu.Lock()
				delete(p.conns, c)
				p.mu.Unlock()
				c.Close()
			}()
			if err := p.serveMux(c); err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				p.note("error: " + err.Error())
			}
		}()
	}
}

func result(tag uint32, n int64) usbmux.Packet {
	return usbmux.Packet{Tag: tag, Body: map[string]any{"MessageType": "Result", "Number": n}}
}

func (p *Phone) serveMux(c net.Conn) error {
	for {
		req, err := usbmux.ReadPacket(c)
		if err != nil {
			return err
		}
		p.note(req.Type())
		var reply usbmux.Packet
		switch req.Type() {
		case "ListDevices":
			list := []any{}
			if p.attached() {
				d := p.device()
				list = append(list, map[string]any{"DeviceID": d.ID, "MessageType": "Attached", "Properties": d.Props()})
			}
			reply = usbmux.Packet{Tag: req.Tag, Body: map[string]any{"DeviceList": list}}
		case "ReadBUID":
			reply = usbmux.Packet{Tag: req.Tag, Body: map[string]any{"BUID": p.BUID}}
		case "ReadPairRecord":
			if id, _ := req.Body["PairRecordID"].(string); id != p.UDID || !p.isTrusted() {
				reply = result(req.Tag, usbmux.ResultBadDevice)
				break
			}
			b, err := p.Pair.Plist()
			if err != nil {
				return err
			}
			reply = usbmux.Packet{Tag: req.Tag, Body: map[string]any{"PairRecordData": b}}
		case "Listen":
			if err := usbmux.WritePacket(c, result(req.Tag, usbmux.ResultOK)); err != nil {
				return err
			}
			return p.serveListen(c)
		case "Connect":
			port, _ := req.Body["PortNumber"].(int64)
			id, _ := req.Body["DeviceID"].(int64)
			port = usbmux.SwapPort(uint16(port))
			p.note(fmt.Sprintf("Connect:%d", port))
			if id != deviceID || !p.attached() {
				reply = result(req.Tag, usbmux.ResultBadDevice)
				break
			}
			if port != usbmux.LockdownPort && !slices.Contains(slices.Collect(maps.Values(servicePorts)), port) {
				reply = result(req.Tag, usbmux.ResultRefused)
				break
			}
			if err := usbmux.WritePacket(c, result(req.Tag, usbmux.ResultOK)); err != nil {
				return err
			}
			return p.serveService(c, uint16(port))
		default:
			reply = result(req.Tag, usbmux.ResultBadCommand)
		}
		if err := usbmux.WritePacket(c, reply); err != nil {
			return err
		}
	}
}

func (p *Phone) serveListen(c net.Conn) error {
	ch := make(chan bool, 4)
	p.mu.Lock()
	p.listen = append(p.listen, ch)
	gone := p.gone
	p.mu.Unlock()
	d := p.device()
	if !gone {
		if err := usbmux.WritePacket(c, usbmux.Packet{Body: map[string]any{"MessageType": "Attached", "DeviceID": d.ID, "Properties": d.Props()}}); err != nil {
			return err
		}
	}
	closed := make(chan struct{})
	go func() { io.Copy(io.Discard, c); close(closed) }()
	for {
		select {
		case <-closed:
			return nil
		case on := <-ch:
			if !on {
				if err := usbmux.WritePacket(c, usbmux.Packet{Body: map[string]any{"MessageType": "Detached", "DeviceID": d.ID}}); err != nil {
					return err
				}
			}
		}
	}
}

// serveService carries the bytes of a phone service after a Connect.
func (p *Phone) serveService(c net.Conn, port uint16) error {
	switch port {
	case usbmux.LockdownPort:
		return p.serveLockdown(c)
	case PortNotificationProxy:
		return p.serveNotificationProxy(c)
	case PortAFC:
		return p.serveAFC(c)
	case PortMobileBackup2:
		return p.serveBackup(c)
	}
	return fmt.Errorf("iphonetest: no service on port %d", port)
}
