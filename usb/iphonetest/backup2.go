package iphonetest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/attesta/attesta/capture/ios/iostest"
	"github.com/attesta/attesta/usb/lockdown"
)

// DeviceLink codes of a file upload's blocks.
const (
	codeSuccess  = 0x00
	codeFileData = 0x0c
)

// uploadBatches is how many DLMessageUploadFiles a backup is split into, so that a client sees the progress move.
const uploadBatches = 4

func dlProcess(d map[string]any) []any { return []any{"DLMessageProcessMessage", d} }

// serveBackup speaks mobilebackup2: the DeviceLink version exchange, Hello, ChangePassword, and Backup, which
// makes the phone's backup folder (Config.Backup, encrypted with the password the phone holds) and uploads it
// file by file with DLMessageCreateDirectory and DLMessageUploadFiles, then reports ErrorCode 0.
func (p *Phone) serveBackup(c net.Conn) error {
	if err := lockdown.WriteBinary(c, []any{"DLMessageVersionExchange", int64(300), int64(0)}); err != nil {
		return err
	}
	v, err := lockdown.ReadMessage(c)
	if err != nil {
		return err
	}
	if a, ok := v.([]any); !ok || len(a) < 3 || a[1] != "DLVersionsOk" {
		return fmt.Errorf("iphonetest: mobilebackup2: version exchange answered %v", v)
	}
	if err := lockdown.WriteBinary(c, []any{"DLMessageDeviceReady"}); err != nil {
		return err
	}
	for {
		v, err := lockdown.ReadMessage(c)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		a, ok := v.([]any)
		if !ok || len(a) == 0 {
			return fmt.Errorf("iphonetest: mobilebackup2: not a DeviceLink message: %v", v)
		}
		kind, _ := a[0].(string)
		if kind == "DLMessageDisconnect" {
			p.note("mb2:Disconnect")
			return nil
		}
		if kind != "DLMessageProcessMessage" || len(a) < 2 {
			return fmt.Errorf("iphonetest: mobilebackup2: unexpected %v", v)
		}
		d, _ := a[1].(map[string]any)
		name, _ := d["MessageName"].(string)
		p.note("mb2:" + name)
		switch name {
		case "Hello":
			err = lockdown.WriteBinary(c, dlProcess(map[string]any{"MessageName": "Response", "ErrorCode": int64(0),
				"ProtocolVersion": 2.1}))
		case "ChangePassword":
			err = p.changePassword(c, d)
		case "Backup":
			err = p.backup(c, d)
		default:
			err = lockdown.WriteBinary(c, dlProcess(map[string]any{"ErrorCode": int64(1),
				"ErrorDescription": "unsupported by the fake iPhone: " + name}))
		}
		if err != nil {
			return err
		}
	}
}

func (p *Phone) changePassword(c net.Conn, d map[string]any) error {
	newPW, _ := d["NewPassword"].(string)
	oldPW, hasOld := d["OldPassword"].(string)
	p.mu.Lock()
	code, desc := int64(0), ""
	switch {
	case hasOld && oldPW != p.password:
		code, desc = 207, "wrong backup password"
	case !hasOld && p.password != "":
		code, desc = 207, "backup encryption already on"
	default:
		p.password = newPW
		p.passwordChanges++
	}
	p.mu.Unlock()
	return lockdown.WriteBinary(c, dlProcess(map[string]any{"ErrorCode": code, "ErrorDescription": desc}))
}

// statusResponse reads the computer's DLMessageStatusResponse and returns its error code.
func statusResponse(c net.Conn) (int64, error) {
	v, err := lockdown.ReadMessage(c)
	if err != nil {
		return 0, err
	}
	a, ok := v.([]any)
	if !ok || len(a) < 2 || a[0] != "DLMessageStatusResponse" {
		return 0, fmt.Errorf("iphonetest: mobilebackup2: want a status response, have %v", v)
	}
	code, _ := a[1].(int64)
	return code, nil
}

func (p *Phone) backup(c net.Conn, d map[string]any) error {
	fail := func(desc string) error {
		return lockdown.WriteBinary(c, dlProcess(map[string]any{"ErrorCode": int64(105), "ErrorDescription": desc}))
	}
	if target, _ := d["TargetIdentifier"].(string); target != p.UDID {
		return fail("TargetIdentifier is not this phone")
	}
	if p.Backup == nil {
		return fail("no backup configured")
	}
	if p.FailBackup != "" {
		return fail(p.FailBackup)
	}
	tmp, err := os.MkdirTemp("", "iphonetest-backup-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "backup")
	p.mu.Lock()
	pw := p.password
	p.mu.Unlock()
	if err := p.Backup(p.ctx, dir, pw); err != nil {
		return fail(err.Error())
	}
	var files []string
	var total int64
	err = filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if rel == "Info.plist" { // the computer writes its own from lockdown's values, as with a real phone
			return nil
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		total += info.Size()
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return err
	}
	// The hashed files first, the manifests and Status.plist last, as a phone finishes a snapshot.
	slices.SortStableFunc(files, func(a, b string) int {
		return boolInt(!strings.Contains(a, "/")) - boolInt(!strings.Contains(b, "/"))
	})
	dirs := map[string]bool{}
	for _, f := range files {
		if i := strings.IndexByte(f, '/'); i > 0 && !dirs[f[:i]] {
			dirs[f[:i]] = true
			if err := lockdown.WriteBinary(c, []any{"DLMessageCreateDirectory", p.UDID + "/" + f[:i], int64(0), 0.0}); err != nil {
				return err
			}
			if code, err := statusResponse(c); err != nil || code != 0 {
				return fmt.Errorf("iphonetest: CreateDirectory %s: code %d: %v", f[:i], code, err)
			}
		}
	}
	var sent int64
	per := (len(files) + uploadBatches - 1) / uploadBatches
	for start := 0; start < len(files); start += per {
		batch := files[start:min(start+per, len(files))]
		progress := 100 * float64(start) / float64(len(files))
		if err := lockdown.WriteBinary(c, []any{"DLMessageUploadFiles", map[string]any{}, progress, total}); err != nil {
			return err
		}
		for _, f := range batch {
			n, err := p.upload(c, dir, f)
			if err != nil {
				return err
			}
			sent += n
			if p.CutBackupAfter > 0 && sent >= p.CutBackupAfter {
				p.note("mb2:cut")
				p.Unplug()
				return c.Close()
			}
		}
		if _, err := c.Write([]byte{0, 0, 0, 0}); err != nil {
			return err
		}
		if code, err := statusResponse(c); err != nil || code != 0 {
			return fmt.Errorf("iphonetest: upload: code %d: %v", code, err)
		}
		p.mu.Lock()
		p.uploaded = sent
		p.mu.Unlock()
	}
	return lockdown.WriteBinary(c, dlProcess(map[string]any{"ErrorCode": int64(0)}))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// upload sends one file: its device and backup names, its data in blocks, and a success block.
func (p *Phone) upload(c net.Conn, dir, rel string) (int64, error) {
	name := p.UDID + "/" + rel
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return 0, err
	}
	var out []byte
	for _, s := range []string{name, name} { // device path, backup path
		out = binary.BigEndian.AppendUint32(out, uint32(len(s)))
		out = append(out, s...)
	}
	const block = 64 << 10
	for off := 0; off < len(b); off += block {
		chunk := b[off:min(off+block, len(b))]
		out = binary.BigEndian.AppendUint32(out, uint32(len(chunk)+1))
		out = append(out, codeFileData)
		out = append(out, chunk...)
	}
	out = binary.BigEndian.AppendUint32(out, 1)
	out = append(out, codeSuccess)
	_, err = c.Write(out)
	return int64(len(b)), err
}

// PasswordChanges says how many times a client changed the backup password; Password is the one set now.
func (p *Phone) PasswordChanges() (n int, password string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.passwordChanges, p.password
}

// WhatsAppBackup is a Config.Backup writing iostest's sample WhatsApp chats around day (every scenario of the
// generator), encrypted with the phone's password when it has one.
func WhatsAppBackup(day time.Time) func(ctx context.Context, dir, password string) error {
	return func(ctx context.Context, dir, password string) error {
		return iostest.WriteWhatsAppBackup(ctx, dir, iostest.Sample(day), iostest.WhatsAppOptions{
			BackupOptions: iostest.BackupOptions{Password: password}})
	}
}
