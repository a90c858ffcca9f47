package desk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"

	"github.com/attesta/attesta/certify"
	"github.com/attesta/attesta/delivery/drive"
	"github.com/attesta/attesta/ui"
)

var _ ui.DriveAccess = (*Desk)(nil)

// maxDeliveryEmails bounds the addresses a case may restrict its Drive folders to.
const maxDeliveryEmails = 20

// validateDelivery checks a new case's delivery target and the addresses typed for it.
func validateDelivery(target, emails string) (string, []string, error) {
	switch target {
	case "", ui.DeliveryAppliance:
		if strings.TrimSpace(emails) != "" {
			return "", nil, fmt.Errorf("%w: e-mail addresses restrict Google Drive folders: choose a Drive first", ui.ErrInvalid)
		}
		return "", nil, nil
	case ui.DeliveryStudioDrive, ui.DeliveryClientDrive:
	default:
		return "", nil, fmt.Errorf("%w: delivery target %q: choose the appliance, the studio's Drive or the client's Drive", ui.ErrInvalid, target)
	}
	var list []string
	for _, e := range strings.FieldsFunc(emails, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\t' }) {
		local, domain, ok := strings.Cut(e, "@")
		if !ok || local == "" || !strings.Contains(domain, ".") || strings.ContainsAny(e, "<>\"'") || len(e) > 254 {
			return "", nil, fmt.Errorf("%w: %q is not an e-mail address", ui.ErrInvalid, e)
		}
		if !slices.Contains(list, strings.ToLower(e)) {
			list = append(list, strings.ToLower(e))
		}
	}
	if len(list) > maxDeliveryEmails {
		return "", nil, fmt.Errorf("%w: at most %d e-mail addresses", ui.ErrInvalid, maxDeliveryEmails)
	}
	return target, list, nil
}

// account is the Drive account a case's deliveries go to; "" for the appliance only.
func (c caseRecord) account() string {
	switch c.Delivery {
	case ui.DeliveryStudioDrive:
		return drive.StudioAccount
	case ui.DeliveryClientDrive:
		return c.ID
	}
	return ""
}

// driveInfo adds the authorization of the Drive a case delivers to (the client's, or the studio's) to its info.
func (d *desk) driveInfo(c caseRecord, info *ui.CaseInfo) {
	account := c.account()
	if d.deps.Drive == nil || account == "" {
		return
	}
	info.DriveAuthorized = d.deps.Drive.Authorized(account)
	if dc, ok := d.deps.Drive.Pending(account); ok {
		info.DriveCode = &ui.DriveCode{URL: dc.URL, UserCode: dc.UserCode, Expires: dc.Expires}
	}
}

// DriveEnabled reports whether the appliance has a Google Drive configured.
func (k *Desk) DriveEnabled() bool { return k.deps.Drive != nil }

// AuthorizeDrive starts the device flow for the Drive a case delivers to: the client's (its code then also shows on
// the client's remote page), or the studio's (on the technician's screen only).
func (k *Desk) AuthorizeDrive(ctx context.Context, caseID string) (ui.DriveCode, error) {
	_, c, err := k.workCase(ctx, caseID)
	if err != nil {
		return ui.DriveCode{}, err
	}
	account := c.account()
	if account == "" || k.deps.Drive == nil {
		return ui.DriveCode{}, fmt.Errorf("%w: case %s does not deliver to a Google Drive", ui.ErrInvalid, caseID)
	}
	if dc, ok := k.deps.Drive.Pending(account); ok {
		return ui.DriveCode{URL: dc.URL, UserCode: dc.UserCode, Expires: dc.Expires}, nil
	}
	leafCase := caseID
	if account == drive.StudioAccount {
		leafCase = ""
	}
	// The flow outlives the request that started it: it ends when the account's owner answers or the code expires.
	dc, err := k.deps.Drive.Authorize(context.WithoutCancel(ctx), account, leafCase)
	if err != nil {
		return ui.DriveCode{}, err
	}
	return ui.DriveCode{URL: dc.URL, UserCode: dc.UserCode, Expires: dc.Expires}, nil
}

// RevokeDrive revokes the appliance's access to the client's Drive of a case.
func (k *Desk) RevokeDrive(ctx context.Context, caseID, by string) error {
	if _, _, err := k.workCase(ctx, caseID); err != nil {
		return err
	}
	if k.deps.Drive == nil {
		return fmt.Errorf("%w: no Google Drive is configured", ui.ErrInvalid)
	}
	return k.deps.Drive.Revoke(ctx, caseID, caseID, "revoked from the touch UI by "+strings.TrimSpace(by))
}

// forgetDrive ends what the appliance keeps on Drive for an erased case.
func (d *desk) forgetDrive(ctx context.Context, id string) error {
	if d.deps.Drive == nil {
		return nil
	}
	released, err := d.deps.Drive.ForgetCase(ctx, id)
	if err != nil {
		return err
	}
	if len(released) > 0 {
		// The client is told through the studio: the folders stay theirs, the appliance no longer reaches them.
		d.deps.Log.InfoContext(ctx, "deliveries left on the client's Google Drive, access revoked", slog.String("case", id),
			slog.Int("folders", len(released)))
	}
	return nil
}

// toDrive puts a finished session's deliveries on the case's Drive and records each folder's link with its chat.
func (s *jobStore) toDrive(ctx context.Context, j *job, c caseRecord, outcomes []certify.ChatOutcome) error {
	account := c.account()
	if account == "" || s.deps.Drive == nil {
		return nil
	}
	var folders []string
	for _, o := range outcomes {
		if o.Folder != "" {
			folders = append(folders, o.Folder)
		}
	}
	if len(folders) == 0 {
		return nil
	}
	s.progress(j, "caricamento su Google Drive", len(outcomes), len(outcomes), true)
	links, err := s.deps.Drive.Deliver(ctx, c.ID, account, folders, c.DeliveryEmails)
	lineOf := map[string]int{}
	for _, o := range outcomes {
		lineOf[filepath.Clean(o.Folder)] = o.Entry.Line
	}
	s.mu.Lock()
	for _, l := range links {
		line, ok := lineOf[filepath.Clean(l.Folder)]
		for i := range j.secret.Chats {
			if ok && j.secret.Chats[i].Line == line {
				j.secret.Chats[i].DriveLink = l.URL
			}
		}
	}
	s.mu.Unlock()
	if errors.Is(err, drive.ErrNotAuthorized) {
		return fmt.Errorf("appliance: the client has not authorized the appliance on their Google Drive yet: the folders wait for it: %w", err)
	}
	return err
}

// withDriveLinks fills in the Drive link of each chat whose folder reached Drive after its job ended (in the
// background, or after a restart). s.mu must be held.
func (s *jobStore) withDriveLinks(ji ui.JobInfo) ui.JobInfo {
	if s.deps.Drive == nil || s.outDir == "" {
		return ji
	}
	var links map[string]string
	for i, c := range ji.Chats {
		if c.Folder == "" || c.DriveLink != "" {
			continue
		}
		if links == nil {
			links = map[string]string{}
			for _, l := range s.deps.Drive.Links(s.outDir) {
				links[l.Name] = l.URL
			}
		}
		ji.Chats[i].DriveLink = links[c.Folder]
	}
	return ji
}
