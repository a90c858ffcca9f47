package demo

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/attesta/attesta/appliance"
	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/delivery/drive"
	"github.com/attesta/attesta/delivery/drive/drivetest"
)

// demoDriveConfig points the appliance at the Drive and OAuth server on loopback.
func demoDriveConfig(srv *drivetest.Server) appliance.DriveConfig {
	return appliance.DriveConfig{ClientID: "attesta-demo.apps.googleusercontent.com", ClientSecret: "demo",
		Endpoint: srv.Endpoint(), DeviceAuthURL: srv.DeviceAuthURL(), TokenURL: srv.TokenURL(), RevokeURL: srv.RevokeURL()}
}

// demoDrive authorizes the studio's Drive with the device flow (the studio's approval simulated on the server) and
// deposits the delivery folders there, each session folder's links then listed in its index. A token of an earlier
// run, whose server is gone, is revoked first.
func demoDrive(ctx context.Context, a *appliance.Appliance, srv *drivetest.Server, folders []string, step *stepper) ([]drive.Link, error) {
	tokens := a.Offsite().Drive().Tokens()
	if tokens.Authorized(drive.StudioAccount) {
		if err := tokens.Revoke(ctx, drive.StudioAccount, "", "demo: a new run, a new Drive server"); err != nil {
			return nil, err
		}
	}
	dc, err := tokens.Authorize(ctx, drive.StudioAccount, "")
	if err != nil {
		return nil, err
	}
	step.detail("device flow: open %s and type %s (scope %s)", dc.URL, dc.UserCode, drive.Scope)
	srv.Approve(dc.UserCode)
	<-dc.Done
	if dc.Err != nil {
		return nil, dc.Err
	}
	bySession := map[string][]string{}
	var sessions []string
	for _, f := range folders {
		dir := filepath.Dir(f)
		if bySession[dir] == nil {
			sessions = append(sessions, dir)
		}
		bySession[dir] = append(bySession[dir], f)
	}
	var links []drive.Link
	for _, dir := range sessions {
		l, err := a.Offsite().Drive().Deliver(ctx, "demo-case", drive.StudioAccount, bySession[dir], nil)
		if err != nil {
			return nil, err
		}
		links = append(links, l...)
	}
	if len(links) != len(folders) {
		return nil, fmt.Errorf("%d links for %d delivery folders", len(links), len(folders))
	}
	return links, nil
}

// demoDriveVerify downloads a folder back from Drive and verifies it as a recipient would.
func demoDriveVerify(ctx context.Context, srv *drivetest.Server, l drive.Link, dir string, vopts bundle.VerifyOptions) error {
	id, ok := srv.FolderOfLink(l.URL)
	if !ok {
		return fmt.Errorf("link %s is not a folder of the Drive server", l.URL)
	}
	got := filepath.Join(dir, l.Name)
	if err := srv.Export(id, got); err != nil {
		return err
	}
	rep, err := bundle.Verify(ctx, got, vopts)
	if err != nil {
		return err
	}
	if !rep.OK() {
		return fmt.Errorf("%s downloaded from Drive does not verify", l.Name)
	}
	return nil
}
