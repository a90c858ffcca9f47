package android

import (
	"crypto/sha256"
	"io"
)

// The decrypter is a pipeline of three goroutines joined by channels of
// fixed buffers, so that it keeps two cores busy with memory that does not
// depend on the backup's size:
//
//	caller:   read ciphertext, SHA-256 and MD5 of the file, GCM (CTR + GHASH)
//	inflater: zlib inflate into plaintext buffers          (consumePayload)
//	sink:     SHA-256 of the plaintext, write, writeback hint
//
// Inflating is the heaviest stage; the other two share the second core. A
// buffer is handed over, never copied: the stage that fills it passes it on
// and the stage that drains it gives it back on a free list, so a slow disk
// or a slow inflate stalls the stages before it instead of growing memory.

// pipeDepth is how many buffers each hand-over holds. At chunkSize each,
// the pipeline owns 2·pipeDepth·chunkSize bytes (2 MiB) whatever the size of
// the backup.
const pipeDepth = 4

// writebackEvery is how much plaintext is written between two writeback
// hints, so that the kernel writes the file out while it is produced and the
// commit's fsync finds little left to do.
const writebackEvery = 8 << 20

// chunkPipe hands decrypted chunks from the decrypting goroutine to the
// inflating one. It is an io.Reader on the receiving side.
type chunkPipe struct {
	full, free chan []byte
	err        error // why the sender stopped; read after full is closed
	// receiving side
	cur, curBuf []byte
}

func newChunkPipe() *chunkPipe {
	p := &chunkPipe{full: make(chan []byte, pipeDepth), free: make(chan []byte, pipeDepth)}
	for range pipeDepth {
		p.free <- make([]byte, 0, chunkSize)
	}
	return p
}

// get returns an empty buffer of capacity chunkSize, waiting for the
// receiver to give one back.
func (p *chunkPipe) get() []byte { return (<-p.free)[:0] }

// send passes b, from get, to the receiver.
func (p *chunkPipe) send(b []byte) { p.full <- b }

// close ends the stream: the receiver reads err (io.EOF when nil) once it
// has consumed what was sent.
func (p *chunkPipe) close(err error) {
	if err == nil {
		err = io.EOF
	}
	p.err = err
	close(p.full)
}

func (p *chunkPipe) Read(b []byte) (int, error) {
	for len(p.cur) == 0 {
		if p.curBuf != nil {
			p.free <- p.curBuf
			p.curBuf = nil
		}
		c, ok := <-p.full
		if !ok {
			return 0, p.err
		}
		p.cur, p.curBuf = c, c
	}
	n := copy(b, p.cur)
	p.cur = p.cur[n:]
	return n, nil
}

// writebacker is a file that can be asked to start writing out a range
// (internal/durable's File).
type writebacker interface {
	StartWriteback(off, n int64)
}

// sink hashes and writes the plaintext on its own goroutine. A write error
// is remembered and the rest is still hashed and drained, so that a full
// disk is reported as such and never stalls the inflater.
type sink struct {
	full, free chan []byte
	done       chan sinkResult
}

type sinkResult struct {
	sum      [sha256.Size]byte
	zipEnd   bool
	writeErr error
}

func newSink(out io.Writer, zip bool) *sink {
	s := &sink{full: make(chan []byte, pipeDepth), free: make(chan []byte, pipeDepth), done: make(chan sinkResult, 1)}
	for range pipeDepth {
		s.free <- make([]byte, chunkSize)
	}
	go s.run(out, zip)
	return s
}

func (s *sink) run(out io.Writer, zip bool) {
	var res sinkResult
	h := sha256.New()
	var tw *tailWriter
	if zip {
		tw = &tailWriter{}
	}
	wb, _ := out.(writebacker)
	var written, hinted int64
	for b := range s.full {
		h.Write(b)
		if tw != nil {
			tw.Write(b)
		}
		if res.writeErr == nil {
			n, err := out.Write(b)
			written += int64(n)
			if err == nil && n < len(b) {
				err = io.ErrShortWrite
			}
			res.writeErr = err
		}
		if wb != nil && written-hinted >= writebackEvery {
			wb.StartWriteback(hinted, written-hinted)
			hinted = written
		}
		s.free <- b[:cap(b)]
	}
	h.Sum(res.sum[:0])
	res.zipEnd = tw != nil && tw.hasEOCD()
	s.done <- res
}

// get returns an empty buffer of length chunkSize to fill.
func (s *sink) get() []byte { return <-s.free }

// put hands the filled buffer b (from get) to the sink.
func (s *sink) put(b []byte) { s.full <- b }

// finish waits for everything put to be hashed and written.
func (s *sink) finish() sinkResult {
	close(s.full)
	return <-s.done
}
