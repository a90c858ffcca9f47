package adbtest

import (
	"errors"
	"sync"

	"github.com/attesta/attesta/usb/internal/aproto"
)

var errStreamClosed = errors.New("stream closed")

// stream is one OPENed service. Writes wait for the host's OKAY before the next
// WRTE; the host's WRTE is acknowledged only when the service reads it.
type stream struct {
	c             *conn
	local, remote uint32

	in      chan []byte
	acks    chan struct{}
	done    chan struct{}
	once    sync.Once
	closeMu sync.Mutex
	sentCls bool
	pending []byte
}

func newStream(c *conn, local, remote uint32) *stream {
	return &stream{c: c, local: local, remote: remote, in: make(chan []byte, 1), acks: make(chan struct{}, 1), done: make(chan struct{})}
}

// received queues a WRTE from the host. The host may not send another before
// our OKAY, so a full queue is a protocol violation.
func (s *stream) received(p []byte) error {
	select {
	case s.in <- p:
		return nil
	default:
		return errors.New("host sent WRTE before OKAY")
	}
}

func (s *stream) acked() {
	select {
	case s.acks <- struct{}{}:
	default:
	}
}

func (s *stream) remoteClosed() {
	s.closeMu.Lock()
	s.sentCls = true // the host closed first: no CLSE back
	s.closeMu.Unlock()
	s.once.Do(func() { close(s.done) })
}

// Read returns host data, acknowledging each WRTE as it is taken.
func (s *stream) Read(p []byte) (int, error) {
	if len(s.pending) == 0 {
		select {
		case data := <-s.in:
			s.pending = data
			if err := s.c.send(aproto.Packet{Command: aproto.CmdOKAY, Arg0: s.local, Arg1: s.remote}); err != nil {
				return 0, err
			}
		case <-s.done:
			select {
			case data := <-s.in:
				s.pending = data
			default:
				return 0, errStreamClosed
			}
		}
	}
	n := copy(p, s.pending)
	s.pending = s.pending[n:]
	return n, nil
}

// Write sends p as WRTE packets of at most the negotiated payload, one at a time.
func (s *stream) Write(p []byte) (int, error) {
	s.c.wmu.Lock()
	limit := int(s.c.maxPayload)
	s.c.wmu.Unlock()
	written := 0
	for len(p) > 0 {
		n := min(len(p), limit)
		select {
		case <-s.done:
			return written, errStreamClosed
		default:
		}
		if err := s.c.send(aproto.Packet{Command: aproto.CmdWRTE, Arg0: s.local, Arg1: s.remote, Payload: p[:n]}); err != nil {
			return written, err
		}
		select {
		case <-s.acks:
		case <-s.done:
			return written, errStreamClosed
		}
		written += n
		p = p[n:]
	}
	return written, nil
}

// Close ends the stream, telling the host unless it closed first.
func (s *stream) Close() error {
	s.closeMu.Lock()
	send := !s.sentCls
	s.sentCls = true
	s.closeMu.Unlock()
	s.once.Do(func() { close(s.done) })
	s.c.forget(s)
	if send {
		return s.c.send(aproto.Packet{Command: aproto.CmdCLSE, Arg0: s.local, Arg1: s.remote})
	}
	return nil
}
