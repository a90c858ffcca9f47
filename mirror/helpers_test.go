package mirror_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/journal/blob"
	"github.com/attesta/attesta/journal/blob/blobtest"
	"github.com/attesta/attesta/mirror"
	"github.com/attesta/attesta/mirror/s3test"
)

const testOrigin = "attesta/0123456789abcdef"

// policy is the retention register of the tests: a lock per case, else one until an hour after its first use.
type policy struct {
	mu    sync.Mutex
	locks map[string]mirror.Lock
	def   time.Time // the default lock's end, fixed at first use
}

func (p *policy) CaseLock(_ context.Context, id string) (mirror.Lock, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if l, ok := p.locks[id]; ok {
		return l, nil
	}
	if p.def.IsZero() {
		p.def = time.Now().Add(time.Hour)
	}
	return mirror.Lock{Until: p.def}, nil
}

func (p *policy) set(id string, l mirror.Lock) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.locks == nil {
		p.locks = map[string]mirror.Lock{}
	}
	p.locks[id] = l
}

// box is the part of an appliance the mirror reads: a journal signed by a software key and a blob store.
type box struct {
	dir   string
	key   *ecdsa.PrivateKey
	j     *journal.Journal
	blobs *blob.Store
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// openBox opens (creating) the box in dir with key.
func openBox(t testing.TB, ctx context.Context, dir string, key *ecdsa.PrivateKey, w blob.KeyWrapper) *box {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	j, err := journal.Open(ctx, filepath.Join(dir, "journal.db"), journal.Options{Origin: testOrigin, Signer: key, CheckpointEvery: 8})
	if err != nil {
		t.Fatal(err)
	}
	bs, err := blob.Open(filepath.Join(dir, "blobs"), w)
	if err != nil {
		t.Fatal(err)
	}
	b := &box{dir: dir, key: key, j: j, blobs: bs}
	t.Cleanup(func() { b.close() })
	return b
}

func (b *box) close() {
	if b.j != nil {
		b.j.Close()
		b.blobs.Close()
		b.j = nil
	}
}

// artifact stores content as a blob of caseID and journals it.
func (b *box) artifact(t testing.TB, ctx context.Context, caseID string, content []byte) blob.Ref {
	t.Helper()
	ref, err := b.blobs.Put(ctx, caseID, bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.j.Append(ctx, journal.Entry{Type: journal.TypeArtifact, Case: caseID, Fields: map[string]any{
		"sha256": ref.SHA256, "size": ref.Size, "key_id": ref.KeyID}}); err != nil {
		t.Fatal(err)
	}
	return ref
}

// events appends n ordinary leaves.
func (b *box) events(t testing.TB, ctx context.Context, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if _, err := b.j.Append(ctx, journal.Entry{Type: "ui-event", Fields: map[string]any{"n": i}}); err != nil {
			t.Fatal(err)
		}
	}
}

func (b *box) vkey(t testing.TB) string {
	vk, err := journal.VerifierKey(testOrigin, &b.key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return vk
}

// env is a MinIO server, a bucket with Object Lock and the recovery key.
type env struct {
	srv    *s3test.Server
	target mirror.Target
	bucket *mirror.Bucket
	raw    *minio.Client // a plain S3 client, not the mirror's: what anyone with the credentials could do
	id     *age.X25519Identity
	policy *policy
}

func newEnv(t testing.TB) *env {
	t.Helper()
	srv := s3test.Start(t)
	return newEnvOn(t, srv, "evidence", "box1")
}

func newEnvOn(t testing.TB, srv *s3test.Server, bucket, prefix string) *env {
	t.Helper()
	target := mirror.Target{Bucket: bucket, Prefix: prefix}
	b, err := mirror.Dial(srv.Remote(), target)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.EnsureLocked(t.Context(), true); err != nil {
		t.Fatal(err)
	}
	raw, err := minio.New(srv.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(srv.AccessKey, srv.SecretKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return &env{srv: srv, target: target, bucket: b, raw: raw, id: id, policy: &policy{}}
}

func (e *env) open(t testing.TB, b *box, keep time.Duration) *mirror.Mirror {
	t.Helper()
	m, err := mirror.Open(mirror.Options{Dir: filepath.Join(b.dir, "mirror"), Journal: b.j, Blobs: b.blobs, Bucket: e.bucket,
		Recipient: e.id.Recipient(), Policy: e.policy, JournalRetention: keep})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// restore fetches the mirror and rebuilds it into a new box with a new key and a new key wrapper.
func (e *env) restore(t testing.TB, ctx context.Context, dir string, opts mirror.FetchOptions) (*box, *mirror.Snapshot, *mirror.RebuildReport) {
	t.Helper()
	snap, err := mirror.Fetch(ctx, e.bucket, opts)
	if err != nil {
		t.Fatal(err)
	}
	nb := openBox(t, ctx, dir, newKey(t), blobtest.NewWrapper())
	rep, err := snap.Rebuild(ctx, e.bucket, nb.j, nb.blobs, []age.Identity{e.id})
	if err != nil {
		t.Fatal(err)
	}
	return nb, snap, rep
}

// checkOneVersion checks that nothing was stored twice with different content: every key but "checkpoint" has
// exactly one version. It returns the number of versions of each key.
func (e *env) checkOneVersion(t testing.TB, ctx context.Context) map[string]int {
	t.Helper()
	versions := map[string]int{}
	for o, err := range e.bucket.List(ctx, "", true) {
		if err != nil {
			t.Fatal(err)
		}
		versions[o.Key]++
	}
	for k, n := range versions {
		if n != 1 && k != mirror.KeyCheckpoint {
			t.Errorf("%s has %d versions", k, n)
		}
	}
	return versions
}

func (e *env) key(k string) string { return e.target.Prefix + "/" + k }

func pemKey(t testing.TB, k *ecdsa.PrivateKey) []byte {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func parsePEMKey(b []byte) (*ecdsa.PrivateKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("no PEM block")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, err
	}
	return k.(*ecdsa.PrivateKey), nil
}
