package android

import (
	"crypto/sha256"
	"hash/adler32"
	"io"
	"sync"
)

// The decrypter is a pipeline of four goroutines joined by channels of
// fixed buffers, so that it keeps two cores busy with memory that does not
// depend on the backup's size:
//
//	caller:   read ciphertext, SHA-256 and MD5 of the file, GCM (CTR + GHASH)
//	inflater: raw deflate into plaintext buffers           (consumePayload)
//	hasher:   SHA-256 of the plaintext                     (sink.hashAll)
//	writer:   adler-32 of the plaintext, write, writeback  (sink.writeAll)
//
// Inflating is the heaviest stage and has a core to itself when the data
// compresses like a real database; the other three share the second. A
// buffer is handed over, never copied: the stage that fills it passes it on
// and the stage that drains it gives it back on a free list, so a slow disk
// or a slow inflate stalls the stages before it instead of growing memory.

// pipeDepth is how many buffers each hand-over holds. At chunkSize each,
// the pipeline owns 3·pipeDepth·chunkSize bytes (3 MiB) whatever the size of
// the backup.
const pipeDepth = 4

// writebackEvery is how much plaintext is written between two writeback
// hints, so that the kernel writes the file out while it is produced and the
// commit's fsync finds little left to do.
const writebackEvery = 8 << 20

// chunks recycles the pipeline's buffers from one backup to the next, so that decrypting many backups does not
// allocate (and collect) a few megabytes each time.
var chunks = sync.Pool{New: func() any { return new([chunkSize]byte) }}

func getChunk() []byte { return chunks.Get().(*[chunkSize]byte)[:] }

// releaseChunks gives the buffers waiting in free back to the pool; the caller knows that nothing else holds them.
func releaseChunks(free chan []byte) {
	for {
		select {
		case b := <-free:
			chunks.Put((*[chunkSize]byte)(b[:chunkSize]))
		default:
			return
		}
	}
}

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
		p.free <- getChunk()[:0]
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

// sink hashes, checks and writes the plaintext on two goroutines of its
// own, so that the inflater does nothing but inflate: one computes the
// SHA-256 (and keeps a ZIP's tail), the other the zlib stream's adler-32 and
// writes. A write error is remembered and the rest is still hashed and
// drained, so that a full disk is reported as such and never stalls the
// inflater.
type sink struct {
	free, hash, write chan []byte
	done              chan sinkResult
	// set by the hashing goroutine before it closes write
	sum    [sha256.Size]byte
	zipEnd bool
}

type sinkResult struct {
	sum      [sha256.Size]byte
	adler    uint32 // adler-32 of the plaintext, when asked for
	zipEnd   bool
	writeErr error
}

// newSink starts a sink writing to out. zip keeps the tail to find a ZIP's
// end record; adler computes the adler-32 a zlib stream ends with.
func newSink(out io.Writer, zip, adler bool) *sink {
	s := &sink{free: make(chan []byte, 2*pipeDepth), hash: make(chan []byte, pipeDepth),
		write: make(chan []byte, pipeDepth), done: make(chan sinkResult, 1)}
	for range 2 * pipeDepth {
		s.free <- getChunk()
	}
	go s.hashAll(zip)
	go s.writeAll(out, adler)
	return s
}

func (s *sink) hashAll(zip bool) {
	h := sha256.New()
	var tw *tailWriter
	if zip {
		tw = &tailWriter{}
	}
	for b := range s.hash {
		h.Write(b)
		if tw != nil {
			tw.Write(b)
		}
		s.write <- b
	}
	h.Sum(s.sum[:0])
	s.zipEnd = tw != nil && tw.hasEOCD()
	close(s.write)
}

func (s *sink) writeAll(out io.Writer, adler bool) {
	var res sinkResult
	a := adler32.New()
	wb, _ := out.(writebacker)
	var written, hinted int64
	for b := range s.write {
		if adler {
			a.Write(b)
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
	res.sum, res.zipEnd, res.adler = s.sum, s.zipEnd, a.Sum32()
	s.done <- res
}

// get returns an empty buffer of length chunkSize to fill.
func (s *sink) get() []byte { return <-s.free }

// put hands the filled buffer b (from get) to the sink.
func (s *sink) put(b []byte) { s.hash <- b }

// finish waits for everything put to be hashed and written, and releases the buffers.
func (s *sink) finish() sinkResult {
	close(s.hash)
	res := <-s.done
	releaseChunks(s.free)
	return res
}
