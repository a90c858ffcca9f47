package mirror

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Sentinel errors.
var (
	// ErrConflict is a key the mirror already holds with other content than the box has for it: a mirror that was
	// written by someone else, or a fork. Nothing is overwritten; the queue stops on it.
	ErrConflict = errors.New("mirror: object already stored with other content")
	// ErrNotLocked is a bucket without Object Lock: it could not keep anything from an early deletion.
	ErrNotLocked = errors.New("mirror: bucket has no Object Lock")
	// ErrNotFound is an object the mirror does not hold.
	ErrNotFound = errors.New("mirror: object not found")
	// ErrRefused is a mirror that does not verify (truncated, rewound, forked, or damaged); the error names the
	// first bad index or object.
	ErrRefused = errors.New("mirror: refused")
)

// Target is where a mirror lives: a bucket and a key prefix, written s3://BUCKET/PREFIX.
type Target struct {
	Bucket string
	Prefix string // without leading or trailing slash; may be empty
}

// ParseURL reads s3://BUCKET[/PREFIX].
func ParseURL(s string) (Target, error) {
	u, err := url.Parse(s)
	if err != nil {
		return Target{}, fmt.Errorf("mirror: %q: %w", s, err)
	}
	if u.Scheme != "s3" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return Target{}, fmt.Errorf("mirror: %q: want s3://BUCKET/PREFIX", s)
	}
	p := strings.Trim(u.Path, "/")
	if strings.Contains(p, "//") || strings.Contains(p, "..") {
		return Target{}, fmt.Errorf("mirror: %q: prefix %q has an empty or '..' element", s, p)
	}
	return Target{Bucket: u.Host, Prefix: p}, nil
}

// String is the target's URL.
func (t Target) String() string {
	if t.Prefix == "" {
		return "s3://" + t.Bucket
	}
	return "s3://" + t.Bucket + "/" + t.Prefix
}

// Remote is how to reach the object store.
type Remote struct {
	Endpoint  string // host:port
	Secure    bool   // HTTPS
	AccessKey string
	SecretKey string
	Region    string
	// Transport, when set, carries the requests (tests use it to cut the network).
	Transport http.RoundTripper
}

// Lock is what protects an object: compliance-mode retention until Until (none when zero) and a legal hold.
type Lock struct {
	Until time.Time `json:"until,omitzero"`
	Hold  bool      `json:"hold,omitempty"`
}

// Bucket is a mirror's bucket with Object Lock, seen through minio-go; keys are relative to the target's prefix.
type Bucket struct {
	c      *minio.Client
	target Target
}

// Dial connects to the object store; it checks nothing yet (see EnsureLocked).
func Dial(r Remote, t Target) (*Bucket, error) {
	c, err := minio.New(r.Endpoint, &minio.Options{
		Creds:           credentials.NewStaticV4(r.AccessKey, r.SecretKey, ""),
		Secure:          r.Secure,
		Region:          r.Region,
		Transport:       r.Transport,
		TrailingHeaders: true,
		MaxRetries:      1,
	})
	if err != nil {
		return nil, fmt.Errorf("mirror: object store %s: %w", r.Endpoint, err)
	}
	return &Bucket{c: c, target: t}, nil
}

// Target is the bucket's target.
func (b *Bucket) Target() Target { return b.target }

func (b *Bucket) key(k string) string {
	if b.target.Prefix == "" {
		return k
	}
	return b.target.Prefix + "/" + k
}

// EnsureLocked creates the bucket with Object Lock when create is set and it does not exist, and checks that Object
// Lock is enabled on it (ErrNotLocked otherwise).
func (b *Bucket) EnsureLocked(ctx context.Context, create bool) error {
	ok, err := b.c.BucketExists(ctx, b.target.Bucket)
	if err != nil {
		return fmt.Errorf("mirror: bucket %s: %w", b.target.Bucket, err)
	}
	if !ok {
		if !create {
			return fmt.Errorf("mirror: bucket %s: %w", b.target.Bucket, ErrNotFound)
		}
		if err := b.c.MakeBucket(ctx, b.target.Bucket, minio.MakeBucketOptions{ObjectLocking: true}); err != nil {
			return fmt.Errorf("mirror: create bucket %s with Object Lock: %w", b.target.Bucket, err)
		}
	}
	enabled, _, _, _, err := b.c.GetObjectLockConfig(ctx, b.target.Bucket)
	if err != nil || enabled != "Enabled" {
		return fmt.Errorf("mirror: bucket %s: %w (%v)", b.target.Bucket, ErrNotLocked, err)
	}
	return nil
}

// Put stores an object that must never change: with If-None-Match so that the server refuses to replace a key it
// holds, a SHA-256 checksum the server verifies on receipt, compliance-mode retention and legal hold per lock. A key
// already there with the same SHA-256 counts as stored; with another, the error wraps ErrConflict. The stored
// object's checksum is read back and compared.
func (b *Bucket) Put(ctx context.Context, key string, data []byte, lock Lock) error {
	sum := sha256.Sum256(data)
	return b.put(ctx, key, func() (io.Reader, int64) { return bytes.NewReader(data), int64(len(data)) }, sum[:], lock, false)
}

// PutIfAbsent is Put for an object any copy of which will do (an escrowed key: each encryption differs, every one
// holds the key its name says): a key the store already holds is left as it is, whatever its content.
func (b *Bucket) PutIfAbsent(ctx context.Context, key string, data []byte, lock Lock) error {
	err := b.Put(ctx, key, data, lock)
	if errors.Is(err, ErrConflict) {
		return nil
	}
	return err
}

// PutFile is Put for content read twice from open (first to learn its digest, then to upload it), for large files.
func (b *Bucket) PutFile(ctx context.Context, key string, open func() (io.ReadCloser, int64, error), lock Lock) error {
	rc, _, err := open()
	if err != nil {
		return fmt.Errorf("mirror: put %s: %w", key, err)
	}
	h := sha256.New()
	_, err = io.Copy(h, rc)
	rc.Close()
	if err != nil {
		return fmt.Errorf("mirror: put %s: %w", key, err)
	}
	var body io.ReadCloser
	defer func() {
		if body != nil {
			body.Close()
		}
	}()
	src := func() (io.Reader, int64) {
		var n int64
		body, n, err = open()
		if err != nil {
			return errReader{err}, 0
		}
		return body, n
	}
	return b.put(ctx, key, src, h.Sum(nil), lock, false)
}

// Replace stores a new version of a key that changes (the newest checkpoint): earlier versions stay, each under its
// own retention. The stored version's checksum is read back and compared.
func (b *Bucket) Replace(ctx context.Context, key string, data []byte, lock Lock) error {
	sum := sha256.Sum256(data)
	return b.put(ctx, key, func() (io.Reader, int64) { return bytes.NewReader(data), int64(len(data)) }, sum[:], lock, true)
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func (b *Bucket) put(ctx context.Context, key string, src func() (io.Reader, int64), sum []byte, lock Lock, replace bool) error {
	opts := minio.PutObjectOptions{
		DisableMultipart: true,
		Checksum:         minio.ChecksumSHA256,
		UserMetadata:     map[string]string{"Sha256": hex.EncodeToString(sum)},
		ContentType:      "application/octet-stream",
	}
	if !lock.Until.IsZero() && lock.Until.After(time.Now()) {
		opts.Mode = minio.Compliance
		opts.RetainUntilDate = lock.Until.UTC().Truncate(time.Second).Add(time.Second)
	}
	if lock.Hold {
		opts.LegalHold = minio.LegalHoldEnabled
	}
	if !replace {
		opts.SetMatchETagExcept("*")
	}
	r, n := src()
	h := sha256.New()
	info, err := b.c.PutObject(ctx, b.target.Bucket, b.key(key), io.TeeReader(r, h), n, opts)
	if err != nil {
		if !replace && isPreconditionFailed(err) {
			return b.checkSame(ctx, key, sum)
		}
		return fmt.Errorf("mirror: put %s: %w", key, err)
	}
	if got := h.Sum(nil); !bytes.Equal(got, sum) {
		// The source changed between the two reads: what was sent is not what was promised.
		return fmt.Errorf("mirror: put %s: content changed while uploading (sent %x, expected %x)", key, got, sum)
	}
	return b.verify(ctx, key, info.VersionID, sum)
}

// verify reads the stored object's SHA-256 checksum back and compares it with sum.
func (b *Bucket) verify(ctx context.Context, key, version string, sum []byte) error {
	st, err := b.c.StatObject(ctx, b.target.Bucket, b.key(key), minio.StatObjectOptions{Checksum: true, VersionID: version})
	if err != nil {
		return fmt.Errorf("mirror: verify %s: %w", key, err)
	}
	want := base64.StdEncoding.EncodeToString(sum)
	if st.ChecksumSHA256 != want {
		return fmt.Errorf("mirror: verify %s: stored checksum %q, sent %q", key, st.ChecksumSHA256, want)
	}
	return nil
}

// checkSame compares an existing object's SHA-256 with sum: equal is success (an upload the box did before it was
// stopped), different is ErrConflict.
func (b *Bucket) checkSame(ctx context.Context, key string, sum []byte) error {
	st, err := b.c.StatObject(ctx, b.target.Bucket, b.key(key), minio.StatObjectOptions{Checksum: true})
	if err != nil {
		return fmt.Errorf("mirror: put %s: exists, but: %w", key, err)
	}
	if st.ChecksumSHA256 == base64.StdEncoding.EncodeToString(sum) {
		return nil
	}
	return fmt.Errorf("mirror: put %s: stored SHA-256 %s, the box has %x: %w", key, st.UserMetadata["Sha256"], sum, ErrConflict)
}

func isPreconditionFailed(err error) bool {
	r := minio.ToErrorResponse(err)
	return r.StatusCode == http.StatusPreconditionFailed || r.Code == "PreconditionFailed"
}

func isNotFound(err error) bool {
	r := minio.ToErrorResponse(err)
	return r.StatusCode == http.StatusNotFound || r.Code == "NoSuchKey"
}

// Get reads an object (the newest version); a missing one is ErrNotFound. At most limit bytes are read.
func (b *Bucket) Get(ctx context.Context, key string, limit int64) ([]byte, error) {
	o, err := b.c.GetObject(ctx, b.target.Bucket, b.key(key), minio.GetObjectOptions{})
	if err != nil {
		return nil, b.getErr(key, err)
	}
	defer o.Close()
	data, err := io.ReadAll(io.LimitReader(o, limit+1))
	if err != nil {
		return nil, b.getErr(key, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("mirror: get %s: larger than %d bytes", key, limit)
	}
	return data, nil
}

// Open streams an object.
func (b *Bucket) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	o, err := b.c.GetObject(ctx, b.target.Bucket, b.key(key), minio.GetObjectOptions{})
	if err != nil {
		return nil, b.getErr(key, err)
	}
	if _, err := o.Stat(); err != nil {
		o.Close()
		return nil, b.getErr(key, err)
	}
	return o, nil
}

func (b *Bucket) getErr(key string, err error) error {
	if isNotFound(err) {
		return fmt.Errorf("mirror: get %s: %w", key, ErrNotFound)
	}
	return fmt.Errorf("mirror: get %s: %w", key, err)
}

// Object is one version of a stored object.
type Object struct {
	Key     string // relative to the prefix
	Version string
	Size    int64
}

// List returns the objects under prefix (relative to the target's), every version with versions set.
func (b *Bucket) List(ctx context.Context, prefix string, versions bool) iter.Seq2[Object, error] {
	return func(yield func(Object, error) bool) {
		full := b.key(prefix)
		for o := range b.c.ListObjects(ctx, b.target.Bucket, minio.ListObjectsOptions{Prefix: full, Recursive: true, WithVersions: versions}) {
			if o.Err != nil {
				yield(Object{}, fmt.Errorf("mirror: list %s: %w", prefix, o.Err))
				return
			}
			if o.IsDeleteMarker {
				continue
			}
			k := strings.TrimPrefix(o.Key, b.target.Prefix+"/")
			if b.target.Prefix == "" {
				k = o.Key
			}
			if !yield(Object{Key: k, Version: o.VersionID, Size: o.Size}, nil) {
				return
			}
		}
	}
}

// SetLock extends an object version's retention to lock.Until (a compliance retention can only grow: an earlier
// date is left as it is) and sets or clears its legal hold.
func (b *Bucket) SetLock(ctx context.Context, o Object, lock Lock) error {
	if !lock.Until.IsZero() {
		_, cur, err := b.c.GetObjectRetention(ctx, b.target.Bucket, b.key(o.Key), o.Version)
		if err != nil && !isNoRetention(err) {
			return fmt.Errorf("mirror: retention of %s: %w", o.Key, err)
		}
		if cur == nil || cur.Before(lock.Until) {
			mode := minio.Compliance
			until := lock.Until.UTC().Truncate(time.Second).Add(time.Second)
			err := b.c.PutObjectRetention(ctx, b.target.Bucket, b.key(o.Key), minio.PutObjectRetentionOptions{
				Mode: &mode, RetainUntilDate: &until, VersionID: o.Version})
			if err != nil {
				return fmt.Errorf("mirror: retention of %s: %w", o.Key, err)
			}
		}
	}
	status := minio.LegalHoldDisabled
	if lock.Hold {
		status = minio.LegalHoldEnabled
	}
	if err := b.c.PutObjectLegalHold(ctx, b.target.Bucket, b.key(o.Key), minio.PutObjectLegalHoldOptions{
		Status: &status, VersionID: o.Version}); err != nil {
		return fmt.Errorf("mirror: legal hold of %s: %w", o.Key, err)
	}
	return nil
}

// RetainUntil is the end of an object version's retention; zero when it has none.
func (b *Bucket) RetainUntil(ctx context.Context, o Object) (time.Time, error) {
	_, until, err := b.c.GetObjectRetention(ctx, b.target.Bucket, b.key(o.Key), o.Version)
	if err != nil && !isNoRetention(err) {
		return time.Time{}, fmt.Errorf("mirror: retention of %s: %w", o.Key, err)
	}
	if until == nil {
		return time.Time{}, nil
	}
	return *until, nil
}

func isNoRetention(err error) bool {
	r := minio.ToErrorResponse(err)
	return r.Code == "NoSuchObjectLockConfiguration" || r.StatusCode == http.StatusNotFound
}

// Remove deletes one object version. The store refuses while the version's retention runs or a legal hold is on
// it; the error then wraps ErrLocked.
func (b *Bucket) Remove(ctx context.Context, o Object) error {
	err := b.c.RemoveObject(ctx, b.target.Bucket, b.key(o.Key), minio.RemoveObjectOptions{VersionID: o.Version})
	if err == nil {
		return nil
	}
	if isLocked(err) {
		return fmt.Errorf("mirror: remove %s (version %s): %w: %w", o.Key, o.Version, ErrLocked, err)
	}
	return fmt.Errorf("mirror: remove %s (version %s): %w", o.Key, o.Version, err)
}

// isLocked says whether the store refused for a retention or a legal hold: AWS answers 403 AccessDenied, MinIO 400
// InvalidRequest "Object is WORM protected".
func isLocked(err error) bool {
	r := minio.ToErrorResponse(err)
	return r.StatusCode == http.StatusForbidden || r.Code == "AccessDenied" || r.Code == "ObjectLocked" ||
		r.Code == "InvalidRequest" && strings.Contains(r.Message, "WORM")
}

// ErrLocked is a deletion the object store refused because the object is under retention or legal hold.
var ErrLocked = errors.New("mirror: object is locked")

// hashOf is the hex SHA-256 of data.
func hashOf(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}
