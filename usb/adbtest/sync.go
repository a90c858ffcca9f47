package adbtest

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path"
	"strings"
	"syscall"

	"github.com/attesta/attesta/usb/internal/syncproto"
)

// rootPath maps an absolute device path onto a name inside the root. Cleaning
// an absolute path drops any ".." above "/"; os.Root then refuses symlinks that
// would leave the root.
func rootPath(devicePath string) (string, error) {
	if !strings.HasPrefix(devicePath, "/") {
		return "", fmt.Errorf("%q: path is not absolute", devicePath)
	}
	if strings.IndexByte(devicePath, 0) >= 0 {
		return "", fmt.Errorf("%q: path contains NUL", devicePath)
	}
	name := strings.TrimPrefix(path.Clean(devicePath), "/")
	if name == "" {
		name = "."
	}
	return name, nil
}

// serveSync answers sync requests until QUIT or the host closes the stream.
func (p *Phone) serveSync(s *stream) error {
	r := syncproto.NewReader(s)
	for {
		id, dp, _, err := r.ReadRequest()
		if err != nil {
			return err
		}
		var reply []byte
		switch id {
		case syncproto.IDQuit:
			return nil
		case syncproto.IDStat:
			st, _ := p.lstat(dp)
			reply = syncproto.AppendStatV1(nil, st)
		case syncproto.IDStat2, syncproto.IDLstat:
			st, _ := p.stat(dp, id == syncproto.IDStat2)
			reply = syncproto.AppendStatV2(nil, id, st)
		case syncproto.IDList, syncproto.IDList2:
			reply = p.list(dp, id == syncproto.IDList2)
		case syncproto.IDRecv2:
			flags, err := r.ReadU32(syncproto.IDRecv2)
			if err != nil {
				return err
			}
			if flags != 0 {
				_, err := s.Write(syncproto.AppendFail(nil, fmt.Sprintf("unsupported RCV2 flags %#x", flags)))
				return err
			}
			fallthrough
		case syncproto.IDRecv:
			if err := p.recv(s, dp); err != nil {
				return err
			}
			continue
		case syncproto.IDSend, syncproto.IDSend2:
			p.writeAttempts.Add(1)
			p.log.Warn("adbtest: refused write", slog.String("request", id), slog.String("path", dp))
			_, err := s.Write(syncproto.AppendFail(nil, "Read-only file system: this phone is evidence"))
			return err
		default:
			reply = syncproto.AppendFail(nil, "unexpected request "+id)
		}
		if _, err := s.Write(reply); err != nil {
			return err
		}
	}
}

// stat and lstat return a zero Stat with Error set when the file is missing.
func (p *Phone) stat(dp string, follow bool) (syncproto.Stat, error) {
	name, err := rootPath(dp)
	if err != nil {
		return syncproto.Stat{Error: uint32(syscall.ENOENT)}, err
	}
	var fi fs.FileInfo
	if follow {
		fi, err = p.root.Stat(name)
	} else {
		fi, err = p.root.Lstat(name)
	}
	if err != nil {
		errno := syscall.ENOENT
		errors.As(err, &errno)
		return syncproto.Stat{Error: uint32(errno)}, err
	}
	return statOf(fi), nil
}

func (p *Phone) lstat(dp string) (syncproto.Stat, error) {
	st, err := p.stat(dp, false)
	if err != nil {
		return syncproto.Stat{}, err // v1 reports a missing file as all zeros
	}
	return st, nil
}

func statOf(fi fs.FileInfo) syncproto.Stat {
	m := fi.Mode()
	st := syncproto.Stat{Mode: uint32(m.Perm()), Size: uint64(fi.Size()), MTime: fi.ModTime().Unix(), Nlink: 1, GID: 9997}
	switch {
	case m.IsDir():
		st.Mode |= syncproto.ModeDir
	case m&fs.ModeSymlink != 0:
		st.Mode |= syncproto.ModeSymlink
	case m.IsRegular():
		st.Mode |= syncproto.ModeRegular
	}
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		st.Dev, st.Ino, st.Nlink = sys.Dev, sys.Ino, uint32(sys.Nlink)
		st.ATime, st.CT = sys.Atim.Sec, sys.Ctim.Sec
	}
	return st
}

// list encodes a directory listing, "." and ".." first as adbd sends them.
func (p *Phone) list(dp string, v2 bool) []byte {
	var entries []DirEntry
	if name, err := rootPath(dp); err == nil {
		if dirents, err := fs.ReadDir(p.root.FS(), name); err == nil {
			entries = append(entries, DirEntry{Name: ".", Mode: syncproto.ModeDir | 0o771}, DirEntry{Name: "..", Mode: syncproto.ModeDir | 0o771})
			for _, de := range dirents {
				fi, err := p.root.Lstat(path.Join(name, de.Name()))
				if err != nil {
					continue
				}
				st := statOf(fi)
				entries = append(entries, DirEntry{Name: de.Name(), Mode: st.Mode, Size: st.Size, MTime: st.MTime})
			}
		}
	}
	if p.cfg.ListHook != nil {
		entries = p.cfg.ListHook(dp, entries)
	}
	var b []byte
	for _, e := range entries {
		b = syncproto.AppendDent(b, v2, syncproto.Dent{Stat: syncproto.Stat{Mode: e.Mode, Size: e.Size, MTime: e.MTime, Nlink: 1}, Name: e.Name})
	}
	return syncproto.AppendListDone(b, v2)
}

// recv streams a file as DATA frames and DONE, or FAIL. It returns an error only
// when the stream itself failed (or a disconnect was injected).
func (p *Phone) recv(s *stream, dp string) error {
	name, err := rootPath(dp)
	var f fs.File
	if err == nil {
		f, err = p.root.Open(name)
	}
	if err != nil {
		_, werr := s.Write(syncproto.AppendFail(nil, "open failed: "+errText(err)))
		return werr
	}
	defer f.Close()
	// Frames are batched up to the negotiated payload, one WRTE per batch, as
	// adbd fills its packets.
	s.c.wmu.Lock()
	batch := int(s.c.maxPayload)
	s.c.wmu.Unlock()
	buf := make([]byte, syncproto.DataMax)
	out := make([]byte, 0, batch+8+syncproto.DataMax)
	var sent int64
	for {
		n, rerr := io.ReadFull(f, buf)
		if allowed, stalled := p.takeStall(sent, n); stalled != nil {
			return p.stall(s, dp, syncproto.AppendData(out, buf[:allowed]), stalled)
		}
		sent += int64(n)
		if n > 0 {
			allowed, drop := s.c.maybeDisconnect(n)
			if drop {
				out = syncproto.AppendData(out, buf[:n])
				s.Write(out[:len(out)-n+allowed])
				s.c.nc.Close()
				p.log.Info("adbtest: injected disconnect", slog.String("path", dp))
				return errors.New("injected disconnect")
			}
			out = syncproto.AppendData(out, buf[:n])
		}
		switch {
		case rerr == nil:
			if len(out)+8+syncproto.DataMax > batch {
				if _, err := s.Write(out); err != nil {
					return err
				}
				out = out[:0]
			}
			continue
		case errors.Is(rerr, io.EOF), errors.Is(rerr, io.ErrUnexpectedEOF):
			out = syncproto.AppendID(out, syncproto.IDDone, 0)
		default:
			out = syncproto.AppendFail(out, "read failed: "+errText(rerr))
		}
		_, err := s.Write(out)
		return err
	}
}

// stall sends out, the file data up to the stall point, then waits for the host to give up.
func (p *Phone) stall(s *stream, dp string, out []byte, stalled chan struct{}) error {
	if _, err := s.Write(out); err != nil {
		return err
	}
	p.log.Info("adbtest: injected stall", slog.String("path", dp))
	close(stalled)
	<-s.done
	return errStreamClosed
}

// errText is the strerror-like tail of err, without our root's host path.
func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
