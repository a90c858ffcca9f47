package usb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"
)

// DefaultAddr is where the adb server listens unless told otherwise.
const DefaultAddr = "127.0.0.1:5037"

// Dialer opens connections to the adb server. *net.Dialer satisfies it. An
// implementation returns an error if ctx ends before the connection is up.
type Dialer interface {
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
}

var _ Dialer = (*net.Dialer)(nil)

// Options configure a Client; zero fields take the documented defaults.
type Options struct {
	Addr   string       // adb server address; default DefaultAddr
	Dialer Dialer       // default &net.Dialer{}
	Logger *slog.Logger // default: silent
	// TrackPoll is how often TrackDevices re-reads the device list, because the
	// server does not announce every change over host:track-devices; default
	// 2s, negative to rely on the server's announcements alone.
	TrackPoll time.Duration
}

// Client talks to one adb server. It holds no connection between calls and is
// safe for concurrent use.
type Client struct {
	addr   string
	dialer Dialer
	log    *slog.Logger
	poll   time.Duration

	// features, when set, replaces the device's advertised features (tests use
	// it to reach protocol paths the installed adb server does not forward).
	features []string
}

// New returns a Client for the server described by opts.
func New(opts Options) *Client {
	c := &Client{addr: opts.Addr, dialer: opts.Dialer, log: opts.Logger, poll: opts.TrackPoll}
	if c.poll == 0 {
		c.poll = 2 * time.Second
	}
	if c.addr == "" {
		c.addr = DefaultAddr
	}
	if c.dialer == nil {
		c.dialer = &net.Dialer{}
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c
}

// Errors callers branch on.
var (
	// ErrIncomplete: a transfer ended early or its length disagrees with STAT.
	ErrIncomplete = errors.New("incomplete transfer")
	// ErrHostileName: the device sent a file name that could escape the
	// destination directory.
	ErrHostileName = errors.New("hostile file name from device")
	// ErrNotRegular: the remote path is a directory, link or special file.
	ErrNotRegular = errors.New("not a regular file")
	// ErrDeviceNotFound: the server has no device with that serial.
	ErrDeviceNotFound = errors.New("device not found")
	// ErrUnauthorized: the phone has not accepted this host's key yet.
	ErrUnauthorized = errors.New("device unauthorized")
	// ErrOffline: the server knows the device but cannot talk to it.
	ErrOffline = errors.New("device offline")
	// ErrProtocol: the server or device broke the protocol.
	ErrProtocol = errors.New("adb protocol violation")
)

// ServerError is a FAIL reply from the adb server or the device service.
// errors.Is matches ErrDeviceNotFound, ErrUnauthorized and ErrOffline from
// the message.
type ServerError struct{ Msg string }

func (e *ServerError) Error() string { return "adb server: " + e.Msg }

// Unwrap maps the server's messages onto the exported sentinels.
func (e *ServerError) Unwrap() error {
	m := strings.ToLower(e.Msg)
	switch {
	case strings.Contains(m, "unauthorized"):
		return ErrUnauthorized
	case strings.Contains(m, "offline"):
		return ErrOffline
	case strings.Contains(m, "not found"), strings.Contains(m, "no devices"):
		return ErrDeviceNotFound
	}
	return nil
}

// maxHostReply bounds any length-prefixed reply from the server (hex4 allows
// 64 KiB anyway).
const maxHostReply = 0xffff

// conn is one socket to the server. A context ends it by closing the socket,
// which unblocks any read or write in progress.
type conn struct {
	net.Conn
	stop func() bool
}

func (c *Client) dial(ctx context.Context) (*conn, error) {
	nc, err := c.dialer.DialContext(ctx, "tcp", c.addr)
	if err != nil {
		return nil, fmt.Errorf("adb: dial server %s: %w", c.addr, err)
	}
	return &conn{Conn: nc, stop: context.AfterFunc(ctx, func() { nc.Close() })}, nil
}

func (cn *conn) Close() error {
	cn.stop()
	return cn.Conn.Close()
}

// request sends one host request and reads OKAY or FAIL.
func (cn *conn) request(req string) error {
	if len(req) > maxHostReply {
		return fmt.Errorf("adb: request %.40q…: too long", req)
	}
	if _, err := io.WriteString(cn, fmt.Sprintf("%04x%s", len(req), req)); err != nil {
		return fmt.Errorf("adb: send %q: %w", req, err)
	}
	if err := readStatus(cn); err != nil {
		return fmt.Errorf("adb: %q: %w", req, err)
	}
	return nil
}

// readStatus reads OKAY, or FAIL and its message as a *ServerError.
func readStatus(r io.Reader) error {
	var st [4]byte
	if _, err := io.ReadFull(r, st[:]); err != nil {
		return fmt.Errorf("read status: %w", err)
	}
	switch string(st[:]) {
	case "OKAY":
		return nil
	case "FAIL":
		msg, err := readHexString(r)
		if err != nil {
			return fmt.Errorf("read FAIL message: %w", err)
		}
		return &ServerError{Msg: msg}
	}
	return fmt.Errorf("%w: status %q, want OKAY or FAIL", ErrProtocol, st[:])
}

// readHexString reads a 4-hex-digit length and that many bytes.
func readHexString(r io.Reader) (string, error) {
	var h [4]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return "", err
	}
	n, err := strconv.ParseUint(string(h[:]), 16, 16)
	if err != nil {
		return "", fmt.Errorf("%w: length %q is not 4 hex digits", ErrProtocol, h[:])
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return "", fmt.Errorf("read %d-byte reply: %w", n, err)
	}
	return string(b), nil
}

// query runs a host request that answers with one length-prefixed string.
func (c *Client) query(ctx context.Context, req string) (string, error) {
	cn, err := c.dial(ctx)
	if err != nil {
		return "", err
	}
	defer cn.Close()
	if err := cn.request(req); err != nil {
		return "", ctxErr(ctx, err)
	}
	s, err := readHexString(cn)
	if err != nil {
		return "", ctxErr(ctx, fmt.Errorf("adb: %q: %w", req, err))
	}
	return s, nil
}

// transport opens a socket switched to the device serial, then to service.
func (c *Client) transport(ctx context.Context, serial, service string) (*conn, error) {
	cn, err := c.dial(ctx)
	if err != nil {
		return nil, err
	}
	if err := cn.request("host:transport:" + serial); err != nil {
		cn.Close()
		return nil, ctxErr(ctx, fmt.Errorf("device %s: %w", serial, err))
	}
	if err := cn.request(service); err != nil {
		cn.Close()
		return nil, ctxErr(ctx, fmt.Errorf("device %s: %w", serial, err))
	}
	return cn, nil
}

// ctxErr prefers the context's error when the context caused the failure.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil && err != nil {
		return fmt.Errorf("%w (%w)", ctx.Err(), err)
	}
	return err
}

// Version returns the adb server's protocol version (41 for current servers).
func (c *Client) Version(ctx context.Context) (int, error) {
	s, err := c.query(ctx, "host:version")
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("adb: host:version: %w: reply %q", ErrProtocol, s)
	}
	return int(v), nil
}

// Features returns what the device and the server both support (shell_v2,
// stat_v2, ls_v2, sendrecv_v2, ...).
func (c *Client) Features(ctx context.Context, serial string) ([]string, error) {
	if c.features != nil {
		return c.features, nil
	}
	s, err := c.query(ctx, "host-serial:"+serial+":features")
	if err != nil {
		return nil, fmt.Errorf("device %s: %w", serial, err)
	}
	var fs []string
	for f := range strings.SplitSeq(strings.TrimSpace(s), ",") {
		if f != "" {
			fs = append(fs, f)
		}
	}
	return fs, nil
}
