package appliance

import (
	"context"
	"errors"
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

// openDrive opens the Drive token store and upload queue when a Drive is configured.
func openDrive(a *Appliance) error {
	c := a.cfg.Drive
	if c.ClientID == "" {
		return nil
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
		return fmt.Errorf("appliance: %w", err)
	}
	q, err := drive.OpenQueue(filepath.Join(a.cfg.DataDir, "drive-queue"), drive.Deps{Tokens: tokens, Recorder: recorder{a},
		Endpoint: c.Endpoint, Parent: c.Parent, Logger: a.log})
	if err != nil {
		return fmt.Errorf("appliance: %w", err)
	}
	// A folder finished in the background (after a restart, or past the session's wait) gets its link in its
	// session's index too.
	q.OnDone = func(l drive.Link) {
		dir := filepath.Dir(l.Folder)
		if err := certify.RewriteIndexLinks(dir, map[string]string{l.Name: l.URL}); err != nil {
			a.log.Error("Drive link not listed in the session index", slog.Any("error", err))
		}
	}
	a.driveTokens, a.driveQueue = tokens, q
	return nil
}

// ErrNoDrive: no Google Drive is configured.
var ErrNoDrive = errors.New("appliance: no Google Drive configured (drive.client_id)")

// DriveTokens is the Drive token store; nil when no Drive is configured.
func (a *Appliance) DriveTokens() *drive.Tokens { return a.driveTokens }

// DriveQueue is the Drive upload queue; nil when no Drive is configured.
func (a *Appliance) DriveQueue() *drive.Queue { return a.driveQueue }

// RunDriveQueue uploads the pending delivery folders until ctx ends; it returns at once without a Drive.
func (a *Appliance) RunDriveQueue(ctx context.Context) {
	if a.driveQueue == nil {
		return
	}
	if err := a.driveQueue.Run(ctx); err != nil && ctx.Err() == nil {
		a.log.ErrorContext(ctx, "Drive queue stopped", slog.Any("error", err))
	}
}

// DeliverToDrive puts a session's delivery folders (all in one folder) on a Drive account (drive.StudioAccount, or
// the case id for the client's own), restricted to emails when there are any, waits until they are all there
// (or Drive.Wait passes: the rest stays queued) and lists the links of that session folder's deliveries in its
// index. It returns the links of the folders done.
func (a *Appliance) DeliverToDrive(ctx context.Context, caseID, account string, folders, emails []string) ([]drive.Link, error) {
	if a.driveQueue == nil {
		return nil, ErrNoDrive
	}
	if len(folders) == 0 {
		return nil, nil
	}
	for _, f := range folders {
		if err := a.driveQueue.Enqueue(ctx, drive.Job{Case: caseID, Account: account, Folder: f, Emails: emails}); err != nil {
			return nil, fmt.Errorf("appliance: %w", err)
		}
	}
	wait := time.Duration(a.cfg.Drive.Wait)
	if wait <= 0 {
		wait = 10 * time.Minute
	}
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	derr := a.driveQueue.Drain(wctx)
	links := a.driveQueue.Links(filepath.Dir(folders[0]))
	if derr != nil && ctx.Err() == nil {
		return links, fmt.Errorf("appliance: Drive upload still under way after %v: %w", wait, derr)
	}
	return links, derr
}

// driveDesk is the Drive as the desk uses it; nil without a Drive.
func (a *Appliance) driveDesk() desk.Drive {
	if a.driveQueue == nil {
		return nil
	}
	return driveTarget{a}
}

// driveTarget implements desk.Drive over the appliance's token store and queue.
type driveTarget struct{ a *Appliance }

var _ desk.Drive = driveTarget{}

func (d driveTarget) Deliver(ctx context.Context, caseID, account string, folders, emails []string) ([]drive.Link, error) {
	return d.a.DeliverToDrive(ctx, caseID, account, folders, emails)
}

func (d driveTarget) Authorize(ctx context.Context, account, caseID string) (*drive.DeviceCode, error) {
	return d.a.driveTokens.Authorize(ctx, account, caseID)
}

func (d driveTarget) Pending(account string) (*drive.DeviceCode, bool) {
	return d.a.driveTokens.Pending(account)
}

func (d driveTarget) Authorized(account string) bool { return d.a.driveTokens.Authorized(account) }

func (d driveTarget) Revoke(ctx context.Context, account, caseID, reason string) error {
	return d.a.driveTokens.Revoke(ctx, account, caseID, reason)
}

func (d driveTarget) ForgetCase(ctx context.Context, caseID string) ([]string, error) {
	return d.a.driveQueue.ForgetCase(ctx, caseID)
}
