package mirror_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/journal/blob/blobtest"
	"github.com/attesta/attesta/mirror"
)

func envInt(name string, def int64) int64 {
	if n, err := strconv.ParseInt(os.Getenv(name), 10, 64); err == nil {
		return n
	}
	return def
}

// TestScaleBenchmark is `make bench-mirror`: N simulated appliances (journals and blob stores) mirrored to one
// object store. It reports the upload throughput of the first mirror of everything, how far behind the mirror runs
// while every box journals at a steady rate, and how many tiles a verifier reads for one inclusion proof at several
// tree sizes. Sizes come from ATTESTA_BENCH_APPLIANCES (10), ATTESTA_BENCH_LEAVES (per box, 100000),
// ATTESTA_BENCH_BLOB_BYTES (in all, 10 GB), ATTESTA_BENCH_STEADY_SECONDS (30), ATTESTA_BENCH_RATE (leaves a second
// per box, 100); it runs only when ATTESTA_BENCH_MIRROR is set.
func TestScaleBenchmark(t *testing.T) {
	if os.Getenv("ATTESTA_BENCH_MIRROR") == "" {
		t.Skip("the scale benchmark runs with ATTESTA_BENCH_MIRROR=1 (make bench-mirror)")
	}
	ctx := t.Context()
	n := int(envInt("ATTESTA_BENCH_APPLIANCES", 10))
	leaves := envInt("ATTESTA_BENCH_LEAVES", 100_000)
	blobBytes := envInt("ATTESTA_BENCH_BLOB_BYTES", 10<<30)
	steady := time.Duration(envInt("ATTESTA_BENCH_STEADY_SECONDS", 30)) * time.Second
	rate := envInt("ATTESTA_BENCH_RATE", 100)
	const blobSize = 4 << 20
	perBox := blobBytes / int64(n)
	blobsPerBox := max(1, perBox/blobSize)

	srv := newEnv(t).srv
	type appl struct {
		b *box
		e *env
		m *mirror.Mirror
	}
	boxes := make([]*appl, n)
	began := time.Now()
	var wg sync.WaitGroup
	var failed atomic.Value
	for i := range boxes {
		e := newEnvOn(t, srv, "fleet", fmt.Sprintf("box%02d", i))
		b := openBox(t, ctx, filepath.Join(t.TempDir(), "box"), newKey(t), blobtest.NewWrapper())
		boxes[i] = &appl{b: b, e: e}
		wg.Go(func() {
			if err := populate(ctx, b, leaves, blobsPerBox, perBox/blobsPerBox, int64(i)); err != nil {
				failed.Store(err)
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		t.Fatal(err)
	}
	t.Logf("populated %d boxes × %d leaves, %d blobs of %d bytes each per box, in %v", n, leaves, blobsPerBox, perBox/blobsPerBox, time.Since(began).Round(time.Second))

	// 1. Everything at once: upload throughput.
	for _, a := range boxes {
		a.m = a.e.open(t, a.b, time.Hour)
	}
	began = time.Now()
	for _, a := range boxes {
		wg.Go(func() {
			if err := a.m.Sync(ctx); err != nil {
				failed.Store(err)
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		t.Fatal(err)
	}
	took := time.Since(began)
	var objects int64
	for _, a := range boxes {
		objects += a.m.Uploads()
	}
	total := float64(int64(n) * blobsPerBox * (perBox / blobsPerBox))
	report := fmt.Sprintf("initial mirror of %d boxes: %d objects, %.2f GB of blobs + %d leaves, in %v: %.1f MB/s, %.0f objects/s\n",
		n, objects, total/1e9, int64(n)*leaves, took.Round(time.Millisecond), total/1e6/took.Seconds(), float64(objects)/took.Seconds())

	t.Log(report)

	// 2. Steady load: each box journals `rate` leaves a second (one 64 KB blob a second among them) while serve's
	// loop mirrors every second; the lag is sampled every 250 ms.
	sctx, stop := context.WithTimeout(ctx, steady)
	defer stop()
	var lagMu sync.Mutex
	var lags []uint64
	for i, a := range boxes {
		wg.Go(func() { a.m.Run(sctx, time.Second) })
		wg.Go(func() {
			tick := time.NewTicker(time.Second / time.Duration(max(1, rate/10)))
			defer tick.Stop()
			r := rand.NewChaCha8([32]byte{byte(i), 1})
			for k := 0; ; k++ {
				select {
				case <-sctx.Done():
					return
				case <-tick.C:
				}
				es := make([]journal.Entry, 10)
				for j := range es {
					es[j] = journal.Entry{Type: "ui-event", Fields: map[string]any{"n": k*10 + j}}
				}
				if k%10 == 0 {
					c := make([]byte, 64<<10)
					r.Read(c)
					ref, err := a.b.blobs.Put(sctx, "steady", bytes.NewReader(c))
					if err != nil {
						return
					}
					es[0] = journal.Entry{Type: journal.TypeArtifact, Case: "steady", Fields: map[string]any{"sha256": ref.SHA256, "size": ref.Size}}
				}
				if _, err := a.b.j.AppendBatch(sctx, es); err != nil && sctx.Err() == nil {
					failed.Store(err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-sctx.Done():
				return
			case <-tick.C:
			}
			for _, a := range boxes {
				lagMu.Lock()
				lags = append(lags, a.m.Status().Behind())
				lagMu.Unlock()
			}
		}
	})
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		t.Fatal(err)
	}
	sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
	if len(lags) > 0 {
		var sum uint64
		for _, l := range lags {
			sum += l
		}
		mean := float64(sum) / float64(len(lags))
		report += fmt.Sprintf("steady load, %d leaves/s per box for %v, mirrored every second: behind by %.0f leaves on average (%.1f s of journaling), median %d, p99 %d, max %d\n",
			rate, steady, mean, mean/float64(rate), lags[len(lags)/2], lags[len(lags)*99/100], lags[len(lags)-1])
	}

	// 3. Tile reads for one inclusion proof, from the mirror's newest checkpoint, with a cold cache: small boxes
	// mirrored once, and a box of the fleet.
	for _, size := range []int64{1_000, 10_000} {
		e := newEnvOn(t, srv, "fleet", "small"+strconv.FormatInt(size, 10))
		b := openBox(t, ctx, filepath.Join(t.TempDir(), "box"), newKey(t), blobtest.NewWrapper())
		if err := populate(ctx, b, size, 0, 0, size); err != nil {
			t.Fatal(err)
		}
		if err := e.open(t, b, time.Hour).Sync(ctx); err != nil {
			t.Fatal(err)
		}
		reads, n := tileReadsForProof(t, ctx, e.bucket, b)
		report += fmt.Sprintf("inclusion proof in a tree of %d leaves: %d tile reads (%d levels of 256-wide tiles)\n", n, reads, levels(n))
	}
	reads, size := tileReadsForProof(t, ctx, boxes[0].e.bucket, boxes[0].b)
	report += fmt.Sprintf("inclusion proof in a tree of %d leaves: %d tile reads (%d levels of 256-wide tiles)\n", size, reads, levels(size))
	t.Log("\n" + report)
	if out := os.Getenv("ATTESTA_BENCH_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(report), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func levels(n int64) int {
	l := 1
	for n > 256 {
		n = (n + 255) / 256
		l++
	}
	return l
}

// populate fills a box: blobs artifacts of blobSize random bytes, then events up to leaves, in batches.
func populate(ctx context.Context, b *box, leaves, blobs, blobSize, seed int64) error {
	r := rand.NewChaCha8([32]byte{byte(seed)})
	buf := make([]byte, blobSize)
	var es []journal.Entry
	for i := int64(0); i < blobs && blobSize > 0; i++ {
		r.Read(buf)
		caseID := "case-" + strconv.FormatInt(i%20, 10)
		ref, err := b.blobs.Put(ctx, caseID, bytes.NewReader(buf))
		if err != nil {
			return err
		}
		es = append(es, journal.Entry{Type: journal.TypeArtifact, Case: caseID, Fields: map[string]any{"sha256": ref.SHA256, "size": ref.Size}})
	}
	for i := int64(len(es)); i < leaves; i++ {
		es = append(es, journal.Entry{Type: "ui-event", Fields: map[string]any{"n": i}})
	}
	for len(es) > 0 {
		k := min(len(es), 2000)
		if _, err := b.j.AppendBatch(ctx, es[:k]); err != nil {
			return err
		}
		es = es[k:]
	}
	return nil
}

// countingReader counts the tiles a proof reads from the mirror.
type countingReader struct {
	ctx   context.Context
	b     *mirror.Bucket
	reads int
}

func (r *countingReader) Height() int { return journal.TileHeight }

func (r *countingReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		d, err := r.b.Get(r.ctx, journal.TilePath(t.L, t.N, t.W), 1<<20)
		if err != nil {
			return nil, err
		}
		r.reads++
		out[i] = d
	}
	return out, nil
}

func (r *countingReader) SaveTiles([]tlog.Tile, [][]byte) {}

// tileReadsForProof proves a random leaf against the mirror's newest checkpoint from the mirror's tiles, and counts
// the tiles read; it returns the count and the tree size.
func tileReadsForProof(t *testing.T, ctx context.Context, bucket *mirror.Bucket, b *box) (int, int64) {
	t.Helper()
	text, err := bucket.Get(ctx, mirror.KeyCheckpoint, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	v, err := journal.NewNoteVerifier(b.vkey(t))
	if err != nil {
		t.Fatal(err)
	}
	cp, err := journal.ParseCheckpoint(text, v)
	if err != nil {
		t.Fatal(err)
	}
	tree := tlog.Tree{N: int64(cp.Size), Hash: cp.Root}
	cr := &countingReader{ctx: ctx, b: bucket}
	leaf := rand.Int64N(tree.N)
	proof, err := tlog.ProveRecord(tree.N, leaf, tlog.TileHashReader(tree, cr))
	if err != nil {
		t.Fatal(err)
	}
	data, err := b.j.LeafBytes(ctx, uint64(leaf))
	if err != nil {
		t.Fatal(err)
	}
	if err := tlog.CheckRecord(proof, tree.N, tree.Hash, leaf, tlog.RecordHash(data)); err != nil {
		t.Fatal(err)
	}
	return cr.reads, tree.N
}
