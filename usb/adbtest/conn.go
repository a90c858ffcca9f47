package adbtest

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"

	"github.com/attesta/attesta/usb/internal/aproto"
)

// conn is one host connection: the transport adbd runs per USB or TCP link.
type conn struct {
	p  *Phone
	nc net.Conn
	rd *aproto.Reader

	wmu        sync.Mutex
	checksum   bool   // write data_check (negotiated version below skip-checksum)
	maxPayload uint32 // negotiated

	smu     sync.Mutex
	streams map[uint32]*stream
	nextID  uint32
	wg      sync.WaitGroup

	dmu       sync.Mutex
	fileBytes int64 // file data sent on this connection, for SetDisconnectAfter
}

func newConn(p *Phone, nc net.Conn) *conn {
	rd := aproto.NewReader(nc)
	rd.MaxPayload = aproto.MaxPayloadV1 // until CNXN negotiates more
	return &conn{p: p, nc: nc, rd: rd, checksum: true, maxPayload: aproto.MaxPayloadV1, streams: map[uint32]*stream{}}
}

func (c *conn) send(pkt aproto.Packet) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return aproto.WritePacket(c.nc, pkt, c.checksum)
}

// serve runs the handshake, then dispatches packets until the host goes away.
func (c *conn) serve() error {
	defer func() {
		c.nc.Close()
		c.smu.Lock()
		for _, s := range c.streams {
			s.remoteClosed()
		}
		c.smu.Unlock()
		c.wg.Wait()
	}()
	if err := c.handshake(); err != nil {
		return err
	}
	for {
		pkt, err := c.rd.ReadPacket()
		if err != nil {
			return err
		}
		if err := c.dispatch(pkt); err != nil {
			return err
		}
	}
}

// handshake reads the host's CNXN, runs AUTH when configured and answers CNXN.
func (c *conn) handshake() error {
	pkt, err := c.rd.ReadPacket()
	if err != nil {
		return fmt.Errorf("read host CNXN: %w", err)
	}
	if pkt.Command != aproto.CmdCNXN {
		return fmt.Errorf("handshake: got %s, want CNXN", pkt)
	}
	version := min(pkt.Arg0, aproto.Version)
	if version < aproto.VersionMin {
		return fmt.Errorf("handshake: host protocol version %#x too old", pkt.Arg0)
	}
	maxPayload := min(pkt.Arg1, c.p.cfg.MaxPayload)
	c.p.log.Debug("adbtest: host connected", slog.String("banner", string(bytes.TrimRight(pkt.Payload, "\x00"))))
	if c.p.cfg.Auth != AuthNone {
		if err := c.authenticate(); err != nil {
			return err
		}
	}
	err = c.send(aproto.Packet{Command: aproto.CmdCNXN, Arg0: aproto.Version, Arg1: c.p.cfg.MaxPayload, Payload: []byte(c.p.banner())})
	c.wmu.Lock()
	c.checksum = version < aproto.VersionSkipChecksum
	c.maxPayload = maxPayload
	c.wmu.Unlock()
	c.rd.Version, c.rd.MaxPayload = version, maxPayload
	return err
}

// authenticate challenges the host until it signs a token with a trusted key
// or offers a key the user allows.
func (c *conn) authenticate() error {
	token, err := c.sendToken()
	if err != nil {
		return err
	}
	for {
		pkt, err := c.rd.ReadPacket()
		if err != nil {
			return fmt.Errorf("auth: %w", err)
		}
		if pkt.Command != aproto.CmdAUTH {
			continue // adbd ignores everything else until the host is authorized
		}
		switch pkt.Arg0 {
		case aproto.AuthSignature:
			if c.p.keyAccepted(token, pkt.Payload) {
				return nil
			}
			if token, err = c.sendToken(); err != nil {
				return err
			}
		case aproto.AuthRSAPublicKey:
			pub, err := aproto.ParsePublicKey(pkt.Payload)
			if err != nil {
				return fmt.Errorf("auth: %w", err)
			}
			if c.p.offerKey(pub) {
				return nil
			}
		default:
			return fmt.Errorf("auth: unexpected AUTH type %d", pkt.Arg0)
		}
	}
}

func (c *conn) sendToken() ([]byte, error) {
	token := make([]byte, aproto.TokenSize)
	rand.Read(token)
	return token, c.send(aproto.Packet{Command: aproto.CmdAUTH, Arg0: aproto.AuthToken, Payload: token})
}

func (c *conn) dispatch(pkt aproto.Packet) error {
	switch pkt.Command {
	case aproto.CmdOPEN:
		return c.open(pkt)
	case aproto.CmdOKAY, aproto.CmdWRTE, aproto.CmdCLSE:
		c.smu.Lock()
		s := c.streams[pkt.Arg1]
		c.smu.Unlock()
		if s == nil || (s.remote != pkt.Arg0 && pkt.Command != aproto.CmdCLSE) {
			return nil // late packet for a stream already gone; adbd ignores it too
		}
		switch pkt.Command {
		case aproto.CmdOKAY:
			s.acked()
		case aproto.CmdWRTE:
			return s.received(pkt.Payload)
		case aproto.CmdCLSE:
			s.remoteClosed()
		}
		return nil
	case aproto.CmdCNXN:
		return errors.New("host restarted the connection")
	default:
		return nil // AUTH after connect, SYNC: ignored
	}
}

func (c *conn) open(pkt aproto.Packet) error {
	service := string(bytes.TrimRight(pkt.Payload, "\x00"))
	handler := c.p.service(service)
	if handler == nil {
		c.p.log.Debug("adbtest: unknown service", slog.String("service", service))
		return c.send(aproto.Packet{Command: aproto.CmdCLSE, Arg0: 0, Arg1: pkt.Arg0})
	}
	c.smu.Lock()
	c.nextID++
	s := newStream(c, c.nextID, pkt.Arg0)
	c.streams[s.local] = s
	c.smu.Unlock()
	if err := c.send(aproto.Packet{Command: aproto.CmdOKAY, Arg0: s.local, Arg1: s.remote}); err != nil {
		return err
	}
	c.wg.Go(func() {
		defer s.Close()
		if err := handler(s); err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, errStreamClosed) {
			c.p.log.Debug("adbtest: service failed", slog.String("service", service), slog.Any("error", err))
		}
	})
	return nil
}

func (c *conn) forget(s *stream) {
	c.smu.Lock()
	defer c.smu.Unlock()
	delete(c.streams, s.local)
}

// maybeDisconnect applies SetDisconnectAfter to a chunk of n file bytes about to
// be sent: it returns how many of them may go out and whether the connection
// must drop afterwards.
func (c *conn) maybeDisconnect(n int) (allowed int, drop bool) {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	limit := c.p.disconnectAfter.Load()
	if limit <= 0 {
		return n, false
	}
	left := limit - c.fileBytes
	if int64(n) < left {
		c.fileBytes += int64(n)
		return n, false
	}
	if !c.p.disconnectAfter.CompareAndSwap(limit, 0) {
		return n, false
	}
	return int(max(left, 0)), true
}
