package demo

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"

	"github.com/attesta/attesta/appliance"
	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/mirror/localstore"
)

// demoTarget is where the demo mirrors: a bucket with Object Lock on the local MinIO.
const demoTarget = "s3://attesta-demo/box"

// demoStore starts the local object store when scripts/setup built it (nil, nil when it did not) and returns the
// mirror configuration for it, with the studio's recovery key made at the first run in DIR/recovery.key (in a real
// studio it never leaves its offline place; the box gets only its recipient).
func demoStore(ctx context.Context, dir string) (*localstore.Server, appliance.MirrorConfig, string, error) {
	var mc appliance.MirrorConfig
	bin, err := localstore.Binary()
	if err != nil {
		return nil, mc, "", nil
	}
	keyFile := filepath.Join(dir, "recovery.key")
	rcpt, err := recoveryRecipient(keyFile)
	if err != nil {
		return nil, mc, "", err
	}
	srv, err := localstore.New(ctx, bin, filepath.Join(dir, "objectstore"))
	if err != nil {
		return nil, mc, "", err
	}
	mc = appliance.MirrorConfig{To: demoTarget, Endpoint: srv.Endpoint, Insecure: true, CredentialsFile: srv.CredentialsFile(),
		RecoveryRecipient: rcpt, CreateBucket: true}
	return srv, mc, keyFile, nil
}

// recoveryRecipient reads the demo's recovery key, making it on the first run, and returns its recipient.
func recoveryRecipient(path string) (string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		id, err := age.GenerateX25519Identity()
		if err != nil {
			return "", err
		}
		text := "# the studio's offline recovery key (demo only: a real one is kept offline)\n# public key: " + id.Recipient().String() + "\n" + id.String() + "\n"
		if err := durable.WriteNew(path, []byte(text), 0o600); err != nil {
			return "", err
		}
		return id.Recipient().String(), nil
	}
	if err != nil {
		return "", err
	}
	ids, err := age.ParseIdentities(strings.NewReader(string(b)))
	if err != nil || len(ids) != 1 {
		return "", fmt.Errorf("demo: %s: %v", path, err)
	}
	x, ok := ids[0].(*age.X25519Identity)
	if !ok {
		return "", fmt.Errorf("demo: %s: not an X25519 identity", path)
	}
	return x.Recipient().String(), nil
}

// demoMirror publishes the box to the local object store.
func demoMirror(ctx context.Context, step *stepper, a *appliance.Appliance) error {
	step.begin("Mirror the journal and the sealed blobs to the local object store (MinIO, Object Lock in compliance mode)")
	m, err := a.Offsite().Mirror().Open(ctx)
	if err != nil {
		return step.fail(err)
	}
	if err := m.Sync(ctx); err != nil {
		return step.fail(err)
	}
	st := m.Status()
	step.ok("%s: tree size %d, %d behind; %d objects uploaded, each locked until its case's retention ends; case keys escrowed to the recovery key",
		st.Target, st.Published, st.Behind(), m.Uploads())
	return nil
}

// demoRestore rebuilds the box from the mirror in a second data directory, on a second simulated TPM.
func demoRestore(ctx context.Context, step *stepper, mc appliance.MirrorConfig, keyFile, data, vkey string, witnessed []byte, witnessVKey string) error {
	step.begin("Restore the box from the mirror onto a second data directory and a second simulated TPM")
	f, err := os.Open(keyFile)
	if err != nil {
		return step.fail(err)
	}
	ids, err := age.ParseIdentities(f)
	f.Close()
	if err != nil {
		return step.fail(err)
	}
	res, err := appliance.Restore(ctx, appliance.Config{DataDir: data, TPM: "sim", Mirror: mc},
		appliance.RestoreOptions{From: mc.To, Identities: ids, VerifierKeys: []string{vkey}, Witnessed: witnessed,
			Witnesses: []string{witnessVKey}, MinWitnesses: 1})
	if err != nil {
		return step.fail(err)
	}
	step.detail("the mirror holds the checkpoint of size %d cosigned by the local witness, and contains it", res.Witnessed.Size)
	step.ok("%d leaves verified against every mirrored checkpoint (%d tiles read), %d case keys re-sealed to the new TPM, %d blobs verified; its first checkpoint (size %d) extends the mirrored one (size %d)",
		res.Report.Leaves, res.TileReads, res.Report.Cases, res.Report.Blobs, res.First.Size, res.LastMirrored.Size)
	return nil
}
