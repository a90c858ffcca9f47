package appliance

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"filippo.io/age"

	"github.com/attesta/attesta/mirror"
	"github.com/attesta/attesta/witness"
)

// MirrorConfig is where the appliance publishes its journal and sealed blobs (package mirror): an S3-compatible
// object store with Object Lock. An empty To means no mirror.
type MirrorConfig struct {
	// To is the target, s3://BUCKET/PREFIX.
	To string `json:"to"`
	// Endpoint is the object store's S3 API, host:port.
	Endpoint string `json:"endpoint"`
	// Insecure speaks plain HTTP to the endpoint (a store on loopback or on the studio's own network); default HTTPS.
	Insecure bool   `json:"insecure"`
	Region   string `json:"region"`
	// CredentialsFile holds the access key on its first line and the secret key on its second. Default: the
	// environment's AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
	CredentialsFile string `json:"credentials_file"`
	// RecoveryRecipient is the studio's offline recovery key, an age X25519 recipient ("age1…"), given at
	// provisioning: every case key is escrowed to it in the mirror. Required with To.
	RecoveryRecipient string `json:"recovery_recipient"`
	// Every is the period of serve's mirror rounds. Default: one minute.
	Every Duration `json:"every"`
	// JournalRetention is how long the journal's objects are locked. Default: mirror.DefaultJournalRetention.
	JournalRetention Duration `json:"journal_retention"`
	// CreateBucket creates the bucket, with Object Lock, when it does not exist.
	CreateBucket bool `json:"create_bucket"`
}

// DefaultMirrorEvery is the period of serve's mirror rounds when MirrorConfig.Every is zero.
const DefaultMirrorEvery = time.Minute

// remote reads the endpoint and the credentials.
func (c MirrorConfig) remote() (mirror.Remote, error) {
	r := mirror.Remote{Endpoint: c.Endpoint, Secure: !c.Insecure, Region: c.Region,
		AccessKey: os.Getenv("AWS_ACCESS_KEY_ID"), SecretKey: os.Getenv("AWS_SECRET_ACCESS_KEY")}
	if r.Endpoint == "" {
		return r, errors.New("appliance: mirror: endpoint is required")
	}
	if c.CredentialsFile != "" {
		f, err := os.Open(c.CredentialsFile)
		if err != nil {
			return r, fmt.Errorf("appliance: mirror: credentials: %w", err)
		}
		defer f.Close()
		s := bufio.NewScanner(f)
		var lines []string
		for s.Scan() && len(lines) < 2 {
			lines = append(lines, strings.TrimSpace(s.Text()))
		}
		if len(lines) != 2 || lines[0] == "" || lines[1] == "" {
			return r, fmt.Errorf("appliance: mirror: credentials %s: want the access key and the secret key on two lines", c.CredentialsFile)
		}
		r.AccessKey, r.SecretKey = lines[0], lines[1]
	}
	return r, nil
}

// bucket connects to the configured target.
func (c MirrorConfig) bucket(ctx context.Context) (*mirror.Bucket, error) {
	target, err := mirror.ParseURL(c.To)
	if err != nil {
		return nil, fmt.Errorf("appliance: mirror: %w", err)
	}
	r, err := c.remote()
	if err != nil {
		return nil, err
	}
	b, err := mirror.Dial(r, target)
	if err != nil {
		return nil, err
	}
	if err := b.EnsureLocked(ctx, c.CreateBucket); err != nil {
		return nil, err
	}
	return b, nil
}

// Mirroring is the appliance's mirror (package mirror), opened on first use.
type Mirroring struct {
	a  *Appliance
	mu sync.Mutex
	m  *mirror.Mirror
}

// Open opens the configured mirror's queue (DATA/mirror), once; nil, nil when none is configured.
func (g *Mirroring) Open(ctx context.Context) (*mirror.Mirror, error) {
	a := g.a
	c := a.cfg.Mirror
	if c.To == "" {
		return nil, nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.m != nil {
		return g.m, nil
	}
	rcpt, err := age.ParseX25519Recipient(c.RecoveryRecipient)
	if err != nil {
		return nil, fmt.Errorf("appliance: mirror: recovery_recipient: %w", err)
	}
	b, err := c.bucket(ctx)
	if err != nil {
		return nil, err
	}
	opts := mirror.Options{Dir: filepath.Join(a.cfg.DataDir, "mirror"), Journal: a.journal, Blobs: a.blobs,
		Bucket: b, Recipient: rcpt, Policy: casePolicy{a}, JournalRetention: time.Duration(c.JournalRetention), Logger: a.log}
	if len(a.cfg.Witnesses) > 0 {
		// The witness client's store, read here: the newest cosigned checkpoint goes to the mirror each round.
		st, err := witness.OpenStore(filepath.Join(a.cfg.DataDir, "witness", "cosignatures"))
		if err != nil {
			return nil, fmt.Errorf("appliance: mirror: %w", err)
		}
		opts.Witnessed = func() ([]byte, error) {
			c, err := st.Latest()
			if errors.Is(err, fs.ErrNotExist) {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			return c.Note, nil
		}
	}
	m, err := mirror.Open(opts)
	if err != nil {
		return nil, err
	}
	g.m = m
	return m, nil
}

// Run publishes to the mirror every MirrorConfig.Every until ctx ends (serve). It returns at once when no mirror is
// configured; a mirror that cannot be opened is retried.
func (g *Mirroring) Run(ctx context.Context) {
	a := g.a
	if a.cfg.Mirror.To == "" {
		return
	}
	every := time.Duration(a.cfg.Mirror.Every)
	if every == 0 {
		every = DefaultMirrorEvery
	}
	for {
		m, err := g.Open(ctx)
		if err == nil {
			m.Run(ctx, every)
			return
		}
		a.log.ErrorContext(ctx, "mirror unavailable", slog.Any("error", err))
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

// Status is the mirror's progress for the home screen; ok is false when no mirror is configured or opened.
func (g *Mirroring) Status() (mirror.Status, bool) {
	g.mu.Lock()
	m := g.m
	g.mu.Unlock()
	if m == nil {
		return mirror.Status{}, false
	}
	return m.Status(), true
}

// casePolicy is the retention register seen by the mirror: a case is locked until its retention ends, and held
// while it is on legal hold.
type casePolicy struct{ a *Appliance }

func (p casePolicy) CaseLock(ctx context.Context, id string) (mirror.Lock, error) {
	c, err := p.a.desk.Case(ctx, id)
	if err != nil {
		return mirror.Lock{}, err
	}
	return mirror.Lock{Until: c.RetainUntil, Hold: c.Hold != ""}, nil
}
