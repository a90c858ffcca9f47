package usb

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/attesta/attesta/usb/internal/syncproto"
)

// FileInfo is a remote file's metadata as the device reports it.
type FileInfo struct {
	Name  string // base name (List) or the path asked for (Stat)
	Size  int64
	Mode  fs.FileMode
	MTime time.Time
	// RawMode is the device's st_mode, kept for the record.
	RawMode uint32
}

func fileInfo(name string, st syncproto.Stat) FileInfo {
	return FileInfo{Name: name, Size: int64(st.Size), Mode: goMode(st.Mode), MTime: time.Unix(st.MTime, 0).UTC(), RawMode: st.Mode}
}

func goMode(m uint32) fs.FileMode {
	mode := fs.FileMode(m & 0o777)
	switch m & syncproto.ModeTypeMask {
	case syncproto.ModeDir:
		mode |= fs.ModeDir
	case syncproto.ModeSymlink:
		mode |= fs.ModeSymlink
	case syncproto.ModeRegular:
	default:
		mode |= fs.ModeIrregular
	}
	return mode
}

// syncConn is one "sync:" session on a device.
type syncConn struct {
	cn     *conn
	r      *syncproto.Reader
	serial string
	stat2  bool // STA2/LST2 (64-bit sizes, errno)
	ls2    bool // LIS2
	recv2  bool // RCV2
	buf    []byte
}

func (c *Client) openSync(ctx context.Context, serial string) (*syncConn, error) {
	feats, err := c.Features(ctx, serial)
	if err != nil {
		return nil, err
	}
	cn, err := c.transport(ctx, serial, "sync:")
	if err != nil {
		return nil, fmt.Errorf("adb: sync: %w", err)
	}
	return &syncConn{
		cn: cn, r: syncproto.NewReader(cn), serial: serial,
		stat2: slices.Contains(feats, "stat_v2"),
		ls2:   slices.Contains(feats, "ls_v2"),
		recv2: slices.Contains(feats, "sendrecv_v2"),
	}, nil
}

// Close ends the session politely (QUIT) and closes the socket.
func (s *syncConn) Close() error {
	s.cn.Write(syncproto.AppendID(nil, syncproto.IDQuit, 0))
	return s.cn.Close()
}

func (s *syncConn) send(b []byte) error {
	_, err := s.cn.Write(b)
	return err
}

func checkRemotePath(p string) error {
	switch {
	case !strings.HasPrefix(p, "/"):
		return errors.New("remote path is not absolute")
	case len(p) > syncproto.PathMax:
		return fmt.Errorf("remote path longer than %d bytes", syncproto.PathMax)
	case strings.IndexByte(p, 0) >= 0:
		return errors.New("remote path contains NUL")
	}
	return nil
}

// stat follows symlinks with STA2; v1 STAT reports the link itself.
func (s *syncConn) stat(p string) (syncproto.Stat, error) {
	if err := checkRemotePath(p); err != nil {
		return syncproto.Stat{}, err
	}
	if s.stat2 {
		if err := s.send(syncproto.AppendRequest(nil, syncproto.IDStat2, p)); err != nil {
			return syncproto.Stat{}, err
		}
		st, err := s.r.ReadStatV2(syncproto.IDStat2)
		if err == nil && st.Error != 0 {
			errno := syscall.Errno(st.Error)
			if errno == syscall.ENOENT {
				return st, fmt.Errorf("%w (%w)", fs.ErrNotExist, errno)
			}
			return st, errno
		}
		return st, err
	}
	if err := s.send(syncproto.AppendRequest(nil, syncproto.IDStat, p)); err != nil {
		return syncproto.Stat{}, err
	}
	st, err := s.r.ReadStatV1()
	if err == nil && st.Mode == 0 {
		return st, fs.ErrNotExist
	}
	return st, err
}

func (s *syncConn) list(p string) ([]syncproto.Dent, error) {
	if err := checkRemotePath(p); err != nil {
		return nil, err
	}
	id := syncproto.IDList
	if s.ls2 {
		id = syncproto.IDList2
	}
	if err := s.send(syncproto.AppendRequest(nil, id, p)); err != nil {
		return nil, err
	}
	var out []syncproto.Dent
	for {
		d, done, err := s.r.ReadDent(s.ls2)
		if err != nil {
			return nil, err
		}
		if done {
			return out, nil
		}
		if s.ls2 && d.Error != 0 {
			continue // entry that vanished or could not be stat'ed; adb skips it too
		}
		out = append(out, d)
	}
}

// recv streams p into w and returns how many bytes arrived. Any end other than
// DONE wraps ErrIncomplete, except a FAIL before the first byte.
// recv streams a file into w. It checks ctx between chunks, so that a stop takes effect at once rather than when
// the connection watcher closes the socket, which may come after the last chunk.
func (s *syncConn) recv(ctx context.Context, p string, w io.Writer) (int64, error) {
	req := syncproto.AppendRequest(nil, syncproto.IDRecv, p)
	if s.recv2 {
		req = syncproto.AppendRequest(nil, syncproto.IDRecv2, p)
		req = syncproto.AppendID(req, syncproto.IDRecv2, 0) // no compression
	}
	if err := s.send(req); err != nil {
		return 0, fmt.Errorf("%w: %w", ErrIncomplete, err)
	}
	if s.buf == nil {
		s.buf = make([]byte, syncproto.DataMax)
	}
	var n int64
	for {
		data, done, err := s.r.ReadData(s.buf)
		if err != nil {
			var re *syncproto.RemoteError
			if errors.As(err, &re) && n == 0 {
				return 0, err
			}
			return n, fmt.Errorf("%w after %d bytes: %w", ErrIncomplete, n, err)
		}
		if done {
			return n, nil
		}
		if _, err := w.Write(data); err != nil {
			return n, fmt.Errorf("write local copy at byte %d: %w", n, err)
		}
		n += int64(len(data))
		if err := ctx.Err(); err != nil {
			return n, fmt.Errorf("%w after %d bytes: %w", ErrIncomplete, n, err)
		}
	}
}

// Stat returns a remote file's metadata; a missing file wraps fs.ErrNotExist.
func (c *Client) Stat(ctx context.Context, serial, remotePath string) (FileInfo, error) {
	s, err := c.openSync(ctx, serial)
	if err != nil {
		return FileInfo{}, err
	}
	defer s.Close()
	st, err := s.stat(remotePath)
	if err != nil {
		return FileInfo{}, ctxErr(ctx, fmt.Errorf("adb: device %s: stat %s: %w", serial, remotePath, err))
	}
	return fileInfo(remotePath, st), nil
}

// List returns the entries of a remote directory, without "." and "..".
// Names are returned as the device sent them; see ValidName.
func (c *Client) List(ctx context.Context, serial, remoteDir string) ([]FileInfo, error) {
	s, err := c.openSync(ctx, serial)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	ds, err := s.list(remoteDir)
	if err != nil {
		return nil, ctxErr(ctx, fmt.Errorf("adb: device %s: list %s: %w", serial, remoteDir, err))
	}
	var out []FileInfo
	for _, d := range ds {
		if d.Name != "." && d.Name != ".." {
			out = append(out, fileInfo(d.Name, d.Stat))
		}
	}
	return out, nil
}

// PullResult describes a file pulled whole.
type PullResult struct {
	Size   int64
	SHA256 [sha256.Size]byte
	Mode   fs.FileMode
	MTime  time.Time
}

// Pull streams the regular file remotePath into w, hashing it on the way. It
// fails with ErrIncomplete if the transfer is cut short or its length differs
// from the size STAT reported; w may then hold a partial copy, which the
// caller must discard.
func (c *Client) Pull(ctx context.Context, serial, remotePath string, w io.Writer) (PullResult, error) {
	s, err := c.openSync(ctx, serial)
	if err != nil {
		return PullResult{}, err
	}
	defer s.Close()
	res, err := s.pull(ctx, remotePath, w)
	if err != nil {
		return PullResult{}, ctxErr(ctx, fmt.Errorf("adb: device %s: pull %s: %w", serial, remotePath, err))
	}
	return res, nil
}

func (s *syncConn) pull(ctx context.Context, remotePath string, w io.Writer) (PullResult, error) {
	st, err := s.stat(remotePath)
	if err != nil {
		return PullResult{}, fmt.Errorf("stat: %w", err)
	}
	if !st.IsRegular() {
		return PullResult{}, fmt.Errorf("%w (mode %#o)", ErrNotRegular, st.Mode)
	}
	h := sha256.New()
	n, err := s.recv(ctx, remotePath, io.MultiWriter(h, w))
	if err != nil {
		return PullResult{}, err
	}
	if !sizeMatches(n, st.Size, s.stat2) {
		return PullResult{}, fmt.Errorf("%w: received %d bytes, STAT said %d", ErrIncomplete, n, st.Size)
	}
	res := PullResult{Size: n, Mode: goMode(st.Mode), MTime: time.Unix(st.MTime, 0).UTC()}
	sum(h, res.SHA256[:])
	return res, nil
}

// sizeMatches compares the received length with STAT's; v1 sizes are 32-bit.
func sizeMatches(got int64, stat uint64, v2 bool) bool {
	if v2 {
		return uint64(got) == stat
	}
	return uint32(got) == uint32(stat)
}

func sum(h hash.Hash, dst []byte) { copy(dst, h.Sum(nil)) }
