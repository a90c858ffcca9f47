package iphonetest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/attesta/attesta/usb/lockdown"
)

// serveNotificationProxy takes observe and post requests (idevicebackup2 posts the sync notifications) and answers
// Shutdown with ProxyDeath.
func (p *Phone) serveNotificationProxy(c net.Conn) error {
	for {
		d, err := lockdown.ReadDict(c)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		cmd, _ := d["Command"].(string)
		name, _ := d["Name"].(string)
		p.note("np:" + cmd + ":" + name)
		if cmd == "Shutdown" {
			return lockdown.Write(c, map[string]any{"Command": "ProxyDeath"})
		}
	}
}

// AFC operations the fake answers: idevicebackup2 opens and locks the sync lock file, nothing else.
const (
	afcStatus   = 0x01
	afcOpen     = 0x0D
	afcOpenRes  = 0x0E
	afcClose    = 0x14
	afcLock     = 0x1B
	afcHeader   = 40
	afcNotFound = 8 // AFC_E_OBJECT_NOT_FOUND
	afcOpNotSup = 9 // AFC_E_OP_NOT_SUPPORTED
)

// serveAFC answers FileRefOpen, FileRefLock and FileRefClose for /com.apple.itunes.lock_sync, the lock every backup
// tool takes; any other path or operation is refused, so that nothing else on the phone is touched.
func (p *Phone) serveAFC(c net.Conn) error {
	for {
		var h [afcHeader]byte
		if _, err := io.ReadFull(c, h[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if string(h[:8]) != "CFA6LPAA" {
			return fmt.Errorf("iphonetest: AFC: bad magic %q", h[:8])
		}
		entire := binary.LittleEndian.Uint64(h[8:])
		num := binary.LittleEndian.Uint64(h[24:])
		op := binary.LittleEndian.Uint64(h[32:])
		if entire < afcHeader || entire > 1<<20 {
			return fmt.Errorf("iphonetest: AFC: length %d", entire)
		}
		data := make([]byte, entire-afcHeader)
		if _, err := io.ReadFull(c, data); err != nil {
			return err
		}
		p.note(fmt.Sprintf("afc:%#x", op))
		replyOp, val := uint64(afcStatus), uint64(0)
		switch op {
		case afcOpen:
			path := ""
			if len(data) > 8 {
				path = string(data[8 : len(data)-1])
			}
			p.note("afc:open:" + path)
			if path == "/com.apple.itunes.lock_sync" {
				replyOp, val = afcOpenRes, 1
			} else {
				val = afcNotFound
			}
		case afcLock, afcClose:
		default:
			val = afcOpNotSup
		}
		b := make([]byte, afcHeader+8)
		copy(b, "CFA6LPAA")
		binary.LittleEndian.PutUint64(b[8:], afcHeader+8)
		binary.LittleEndian.PutUint64(b[16:], afcHeader+8)
		binary.LittleEndian.PutUint64(b[24:], num)
		binary.LittleEndian.PutUint64(b[32:], replyOp)
		binary.LittleEndian.PutUint64(b[40:], val)
		if _, err := c.Write(b); err != nil {
			return err
		}
	}
}
