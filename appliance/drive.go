package appliance

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/attesta/attesta/appliance/desk"
	"github.com/attesta/attesta/certify"
	"github.com/attesta/attesta/delivery/drive"
)

// DriveConfig is the Google Drive the deliveries of a case may go to (package delivery/drive): the appliance's
// OAuth client (a "TVs and Limited Input devices" client of the studio's Google Cloud project), through which the
// studio authorizes its own Drive and each client, from their phone, theirs. Empty ClientID: no Drive.
type DriveConfig struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	// Endpoint is the Drive API's base URL; empty for Google's. The OAuth URLs default to Google's too.
	Endpoint      string `json:"endpoint"`
	DeviceAuthURL string `json:"device_auth_url"`
	TokenURL      string `json:"token_url"`
	RevokeURL     string `json:"revoke_url"`
	// Parent is the Drive folder the delivery folders go in on the studio's Drive; empty for My Drive.
	Parent string `json:"parent"`
	// Wait bounds how long the end of a session waits for its folders to be on Drive before it reports them as
	// still uploading (the queue goes on in the background). Default: 10 minutes.
	Wait Duration `json:"wait"`
}

// openDrive opens the Drive token store and upload queue when a Drive is configured; nil when none is.
func openDrive(a *Appliance) (*DriveDelivery, error) {
	c := a.cfg.Drive
	if c.ClientID == "" {
		return nil, nil
	}
	oauth := drive.GoogleOAuth(c.ClientID, c.ClientSecret)
	for _, u := range []struct {
		dst *string
		src string
	}{{&oauth.DeviceAuthURL, c.DeviceAuthURL},
		{&oauth.TokenURL, c.TokenURL}, {&oauth.RevokeURL, c.RevokeURL}} {
		if u.src != "" {
			*u.dst = u.src
		}
	}
	tokens, err := drive.OpenTokens(filepath.Join(a.cfg.DataDir, "drive-tokens"), oauth, a.tpm, recorder{a}, nil)
	if err != nil {
		return nil, fmt.Errorf("appliance: %w", err)
	}
	q, err := drive.OpenQueue(filepath.Join(a.cfg.DataDir, "drive-queue"), drive.Deps{Tokens: tokens, Recorder: recorder{a},
		Endpoint: c.Endpoint, Parent: c.Parent, Logger: a.log})
	if err != nil {
		return nil, fmt.Errorf("appliance: %w", err)
	}
	// A folder finished in the background (after a restart, or past the session's wait) gets its link in its
	// session's index too.
	q.OnDone = func(l drive.Link) {
		dir := filepath.Dir(l.Folder)
		if err := certify.RewriteIndexLinks(dir, map[string]string{l.Name: l.URL}); err != nil {
			a.log.Error("Drive link not listed in the session index", slog.Any("error", err))
		}
	}
	return &DriveDelivery{log: a.log, wait: time.Duration(c.Wait), tokens: tokens, queue: q}, nil
}

// DriveDelivery deposits delivery folders on Google Drive: the token store (sealed by the TPM) and the durable
// upload queue of package delivery/drive. It is the desk's desk.Drive.
type DriveDelivery struct {
	log    *slog.Logger
	wait   time.Duration
	tokens *drive.Tokens
	queue  *drive.Queue
}

var _ desk.Drive = (*DriveDelivery)(nil)

// Tokens is the Drive token store.
func (d *DriveDelivery) Tokens() *drive.Tokens { return d.tokens }

// Queue is the Drive upload queue.
func (d *DriveDelivery) Queue() *drive.Queue { return d.queue }

// Run uploads the pending delivery folders until ctx ends; it returns at once on a nil DriveDelivery.
func (d *DriveDelivery) Run(ctx context.Context) {
	if d == nil {
		return
	}
	if err := d.queue.Run(ctx); err != nil && ctx.Err() == nil {
		d.log.ErrorContext(ctx, "Drive queue stopped", slog.Any("error", err))
	}
}

// Deliver puts a session's delivery folders (all in one folder) on a Drive account (drive.StudioAccount, or the
// case id for the client's own), restricted to emails when there are any, and waits until they are all there (or
// DriveConfig.Wait passes: the rest stays queued, and each folder's link reaches the session's index when it is
// done). It returns the links of that session folder's deliveries done.
func (d *DriveDelivery) Deliver(ctx context.Context, caseID, account string, folders, emails []string) ([]drive.Link, error) {
	if len(folders) == 0 {
		return nil, nil
	}
	for _, f := range folders {
		if err := d.queue.Enqueue(ctx, drive.Job{Case: caseID, Account: account, Folder: f, Emails: emails}); err != nil {
			return nil, fmt.Errorf("appliance: %w", err)
		}
	}
	wait := d.wait
	if wait <= 0 {
		wait = 10 * time.Minute
	}
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	derr := d.queue.Drain(wctx)
	links := d.queue.Links(filepath.Dir(folders[0]))
	if derr != nil && ctx.Err() == nil {
		for _, p := range d.queue.Pending() {
			if p.LastErr != nil {
				derr = p.LastErr // why the folders wait: a token, a full Drive, the network
				break
			}
		}
		return links, fmt.Errorf("appliance: Drive upload still under way after %v: %w", wait, derr)
	}
	return links, derr
}

// Authorize starts the device flow for account; once it is granted, the folders waiting for it go at once.
func (d *DriveDelivery) Authorize(ctx context.Context, account, caseID string) (*drive.DeviceCode, error) {
	dc, err := d.tokens.Authorize(ctx, account, caseID)
	if err != nil {
		return nil, err
	}
	go func() {
		<-dc.Done
		if dc.Err == nil {
			d.queue.RetryNow()
		}
	}()
	return dc, nil
}

// Pending returns the device code account waits on.
func (d *DriveDelivery) Pending(account string) (*drive.DeviceCode, bool) {
	return d.tokens.Pending(account)
}

// Authorized reports whether account has a token.
func (d *DriveDelivery) Authorized(account string) bool { return d.tokens.Authorized(account) }

// Revoke revokes and destroys account's token, journaled.
func (d *DriveDelivery) Revoke(ctx context.Context, account, caseID, reason string) error {
	return d.tokens.Revoke(ctx, account, caseID, reason)
}

// Links returns the links of the delivery folders in dir that are on Drive.
func (d *DriveDelivery) Links(dir string) []drive.Link { return d.queue.Links(dir) }

// ForgetCase ends what the appliance keeps on Drive for an erased case (drive.Queue.ForgetCase).
func (d *DriveDelivery) ForgetCase(ctx context.Context, caseID string) ([]string, error) {
	return d.queue.ForgetCase(ctx, caseID)
}
