// Package demo runs the whole product end to end on embedded defaults: the simulator TPM, a sample acquisition, a
// phone over ADB (a fake phone that speaks the protocol), an iPhone backup (generated, encrypted), WhatsApp Web (the replica in Chromium), the attestation
// self-check and a full verification. It is development code: `attesta demo` exists only in the development build
// (without the nosim tag), and the appliance image links none of it.
package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/attesta/attesta/appliance"
	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/bundle/verifycmd"
	"github.com/attesta/attesta/capture/android/msgstore/msgstoretest"
	"github.com/attesta/attesta/capture/web"
	"github.com/attesta/attesta/capture/web/webtest"
	"github.com/attesta/attesta/certify"
	"github.com/attesta/attesta/delivery/drive"
	"github.com/attesta/attesta/delivery/drive/drivetest"
	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/usb"
	"github.com/attesta/attesta/usb/adbtest"
)

// Run runs the product end to end on embedded defaults, printing each step to w: the simulator TPM, a sample
// acquisition journaled with encrypted blobs, a signed checkpoint, the attestation self-check, an auditor's
// attestation folder, an export of the journal, and a full verification. Data goes to dir/data, deliveries to
// dir/out. Running it again continues the same journal with the same keys.
func Run(ctx context.Context, dir, version string, w io.Writer) error {
	step := newStepper(w)
	out := filepath.Join(dir, "out")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}

	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o700); err != nil {
		return err
	}
	gdrive, err := drivetest.Start() // the studio's Google Drive, on loopback
	if err != nil {
		return err
	}
	defer gdrive.Close()
	step.begin("Start a local witness (C2SP tlog-witness) that cosigns the journal's checkpoints")
	wit, err := startWitness(ctx, filepath.Join(dir, "witness"))
	if err != nil {
		return step.fail(err)
	}
	defer wit.close()
	witnessKey := filepath.Join(out, "witness.vkey")
	if err := wit.s.WriteVerifierKey(witnessKey); err != nil {
		return step.fail(err)
	}
	step.ok("%s at %s; its key in %s", wit.s.VerifierKey(), wit.url, witnessKey)

	store, mc, recoveryKey, err := demoStore(ctx, dir)
	if err != nil {
		return err
	}
	if store != nil {
		defer store.Stop()
	}
	step.begin("Start the appliance (TPM: reference simulator, development only)")
	a, err := appliance.Open(ctx, appliance.Config{DataDir: data, TPM: "sim", Version: version, Mirror: mc, // logs to data/attesta.log
		Witnesses: []appliance.WitnessConfig{{URL: wit.url, VKey: wit.s.VerifierKey()}}, Drive: demoDriveConfig(gdrive)})
	if err != nil {
		return step.fail(err)
	}
	closeA := sync.OnceValue(a.Close)
	defer closeA()
	if err := wit.s.AddLog(a.Journal().VerifierKey()); err != nil {
		return step.fail(err)
	}
	step.ok("appliance %s, journal %s with %d leaves", a.ID(), a.Origin(), a.Journal().Size())
	step.detail("signing key (ECDSA P-256, in the TPM, PCR policy %s): sha256 %s", a.Identity().PCRSelection, appliance.KeyDigest(a.Identity().SigningKey))
	step.detail("attestation key (restricted, endorsement hierarchy): sha256 %s", appliance.KeyDigest(a.Identity().AK))

	step.begin("Start-up self-test and attestation check")
	res, err := a.CheckAttestation(ctx)
	if err != nil {
		return step.fail(err)
	}
	if !res.OK {
		return step.fail(fmt.Errorf("attestation failed: %v", res.Failures))
	}
	step.ok("quote verified, PCRs as provisioned, key certified by the AK, clock %d ms (leaf %d)", res.Clock.Clock, res.Leaf)

	step.begin("Journal a sample acquisition")
	acq, arts, err := demoAcquisition(ctx, a)
	if err != nil {
		return step.fail(err)
	}
	for _, art := range arts {
		step.detail("%-10s %8d bytes  sha256 %s  leaf %d", art.Kind, art.Ref.Size, art.Ref.SHA256, art.Leaf.Index)
	}
	cp, err := acq.Finish(ctx, "complete")
	if err != nil {
		return step.fail(err)
	}
	step.ok("acquisition %s of case %s: %d artifacts, encrypted with the case key", acq.ID, acq.Case, len(arts))

	step.begin("Checkpoint signed by the TPM-resident key (C2SP signed note)")
	step.block(string(cp.Note))
	if err := durable.WriteNew(filepath.Join(out, fmt.Sprintf("checkpoint-%d", cp.Size)), cp.Note, 0o644); err != nil {
		return step.fail(err)
	}

	step.begin("Inclusion proof of the first artifact in that checkpoint")
	if err := demoProof(ctx, a, arts[0].Leaf, cp); err != nil {
		return step.fail(err)
	}
	step.ok("leaf %d is in the tree of size %d with root %x…", arts[0].Leaf.Index, cp.Size, cp.Root[:8])

	step.begin("Attestation folder for an auditor")
	attDir := filepath.Join(out, fmt.Sprintf("attestation-%d-%s", a.Journal().Size(), time.Now().UTC().Format("20060102T150405Z")))
	att, err := a.Attest(ctx, attDir, nil)
	if err != nil {
		return step.fail(err)
	}
	step.ok("%s (%d files, nonce %s…); check it with the commands in VERIFY.txt", attDir, len(att.Files), att.Nonce[:16])

	step.begin("Export the journal for an auditor (C2SP tlog-tiles, checkpoints, consistency proofs)")
	expDir := filepath.Join(out, fmt.Sprintf("journal-%d", a.Journal().Size()))
	if err := appliance.ExportJournal(ctx, a.Journal(), expDir); err != nil {
		return step.fail(err)
	}
	step.ok("%s", expDir)

	step.begin("Enroll with the studio's authority (a local one, in DIR/authority): EK, credential activation, certificate")
	rootPEM, statusList, fresh, err := demoEnroll(ctx, a, dir, out)
	if err != nil {
		return step.fail(err)
	}
	step.ok("enrolled (this run: %v); reports now carry its chain; root %s, status list %s", fresh, rootPEM, statusList)

	step.begin("Certify a chat from a phone on USB (a fake phone speaking ADB, through Debian's adb server)")
	run := fmt.Sprint(a.Journal().Size())
	delivery, how, err := demoExtract(ctx, a, filepath.Join(dir, "samples", run), filepath.Join(out, "deliveries-"+run))
	if err != nil {
		return step.fail(err)
	}
	step.ok("%s: delivery folder %s", how, delivery)
	delivered := []string{delivery}
	vopts := bundle.VerifyOptions{Key: a.Journal().VerifierKey(), AK: a.Identity().AK, RequireAttestation: true,
		Witnesses: []string{wit.s.VerifierKey()}, MinWitnesses: 1}
	if err := verifycmd.TrustFiles(&vopts, rootPEM, statusList); err != nil {
		return step.fail(err)
	}
	drep, err := bundle.Verify(ctx, delivery, vopts)
	if err != nil {
		return step.fail(err)
	}
	for _, c := range drep.Checks {
		if c.Outcome == bundle.Pass && (c.Name == "legal-value" || c.Name == "key-certification" || c.Name == "tlog-proof" || c.Name == bundle.CheckTrust || c.Name == bundle.CheckWitness) {
			step.detail("%s: %s", c.Name, c.EN)
		}
	}

	step.begin("Certify a chat from an iPhone (an encrypted iTunes/Finder backup, made on the spot)")
	iphone, err := demoIOS(ctx, a, filepath.Join(dir, "samples", run), filepath.Join(out, "deliveries-iphone-"+run))
	if err != nil {
		return step.fail(err)
	}
	step.ok("iPhone backup: %d certified of %d → %s, verified (its receipt fields are inferred; quoting replies prove)",
		iphone.Certified, iphone.Messages, iphone.Folder)
	delivered = append(delivered, iphone.Folder)

	step.begin("Certify chats over WhatsApp Web (the replica on loopback; the client's scan is simulated)")
	if webOutcomes, err := demoWeb(ctx, a, filepath.Join(out, "deliveries-web-"+run)); err != nil {
		return step.fail(err)
	} else if webOutcomes == nil {
		step.detail("skipped: Chromium is not installed at %s (scripts/setup installs it)", web.DefaultChromium)
	} else {
		for _, o := range webOutcomes {
			step.detail("%s: %d certified of %d → %s %s", o.Entry.Phone, o.Certified, o.Messages, filepath.Base(o.Folder), o.Problem)
			if o.Folder != "" {
				if _, err := bundle.Verify(ctx, o.Folder, certify.VerifyOptions(a.Journal().VerifierKey())); err != nil {
					return step.fail(err)
				}
				delivered = append(delivered, o.Folder)
			}
		}
		step.ok("every delivery verified; the capture caused no read receipt")
	}

	step.begin("Deposit the deliveries on the studio's Google Drive (a Drive v3 server on loopback; the studio's authorization is simulated)")
	links, err := demoDrive(ctx, a, gdrive, delivered, step)
	if err != nil {
		return step.fail(err)
	}
	linksFile := filepath.Join(out, "links.txt")
	if err := drive.WriteLinks(linksFile, links); err != nil {
		return step.fail(err)
	}
	step.ok("%d folders on Drive, every file checked against Drive's MD5 and SHA-256 and the manifest; the links, as the service sends them (also in %s):", len(links), linksFile)
	step.block(drive.FormatLinks(links))
	if err := demoDriveVerify(ctx, gdrive, links[0], filepath.Join(out, "from-drive-"+run), vopts); err != nil {
		return step.fail(err)
	}
	step.detail("%s downloaded back from Drive verifies, byte for byte", links[0].Name)

	step.begin("Verify everything: leaves, hashes, checkpoints, blobs")
	rep, err := a.VerifyJournal(ctx, cp.Note)
	if err != nil {
		return step.fail(err)
	}
	step.ok("%d leaves, %d checkpoints, %d blobs verified in %v", rep.Size, rep.Checkpoints, rep.BlobsOK, rep.Duration.Round(time.Millisecond))

	restored := filepath.Join(dir, "restored-"+run)
	if store != nil {
		if err := demoMirror(ctx, step, a); err != nil {
			return err
		}
		last, err := a.Journal().Latest(ctx)
		if err != nil {
			return step.fail(err)
		}
		vkey := a.Journal().VerifierKey()
		if err := closeA(); err != nil {
			return step.fail(err)
		}
		if err := demoRestore(ctx, step, mc, recoveryKey, restored, vkey, last.Note, wit.s.VerifierKey()); err != nil {
			return err
		}
	} else {
		step.begin("Mirror to an object store with Object Lock")
		step.detail("skipped: MinIO is not built (scripts/setup builds it once)")
	}

	fmt.Fprintf(w, "\nData: %s (logs in attesta.log)\nDeliveries: %s\n", data, out)
	fmt.Fprintf(w, "\nCheck it yourself:\n")
	fmt.Fprintf(w, "  attesta verify %s\n", delivery)
	fmt.Fprintf(w, "  attesta verify --root %s --status %s %s\n", rootPEM, statusList, delivery)
	fmt.Fprintf(w, "  attesta verify --witness %s --min-witnesses 1 %s\n", witnessKey, delivery)
	fmt.Fprintf(w, "  attesta verify --root %s --status %s %s   # downloaded back from Drive\n", rootPEM, statusList,
		filepath.Join(out, "from-drive-"+run, links[0].Name))
	fmt.Fprintf(w, "  attesta verify --key \"$(cat %s)\" --checkpoint %s %s\n",
		filepath.Join(expDir, "vkey"), filepath.Join(out, fmt.Sprintf("checkpoint-%d", cp.Size)), filepath.Join(data, "journal.db"))
	fmt.Fprintf(w, "  (cd %s && sh -ec \"$(sed -n 's/^\\$ //p' VERIFY.txt)\")   # tpm2-tools and openssl only\n", attDir)
	if store != nil {
		fmt.Fprintf(w, "\nRestore the box from its mirror yourself (the demo's object store, started again by hand):\n")
		fmt.Fprintf(w, "  %s &\n", store.Command("127.0.0.1:9000"))
		fmt.Fprintf(w, "  attesta restore --from %s --recovery-key %s --data %s --endpoint 127.0.0.1:9000 --insecure --credentials %s --witness %s --min-witnesses 1 --tpm sim\n",
			mc.To, recoveryKey, restored+"-again", mc.CredentialsFile, witnessKey)
	}
	fmt.Fprintln(w, "\nThe touch UI (cases, remote sessions, phones, share links, journal): README.md, \"Try it against the WhatsApp Web replica\".")
	return nil
}

// demoAcquisition journals a sample acquisition: a rendered screenshot, a message set and a transcript.
func demoAcquisition(ctx context.Context, a *appliance.Appliance) (*certify.Acquisition, []certify.Artifact, error) {
	acq, err := a.Certify().StartAcquisition(ctx, "demo-case", "demo", map[string]any{"source_version": "sample data"})
	if err != nil {
		return nil, nil, err
	}
	messages, _ := json.MarshalIndent([]map[string]any{
		{"id": "3EB0C431C26A1916B6A1", "from_me": true, "sent_at": "2026-01-12T09:30:00Z", "type": "chat",
			"text": "Le comunico la disdetta del contratto con decorrenza 1 marzo.", "status": "read"},
		{"id": "3A5D9E1F0B7C2A8E4D6F", "from_me": false, "sent_at": "2026-01-12T10:02:11Z", "type": "chat",
			"text": "Ricevuto, grazie.", "status": "read"},
	}, "", "  ")
	var shot bytes.Buffer
	if err := png.Encode(&shot, sampleScreenshot()); err != nil {
		return nil, nil, err
	}
	inputs := []struct {
		kind string
		data []byte
	}{
		{"screenshot", shot.Bytes()},
		{"messages", messages},
		{"transcript", []byte("[12/01/2026, 10:30] Studio: Le comunico la disdetta del contratto con decorrenza 1 marzo.\n[12/01/2026, 11:02] Cliente: Ricevuto, grazie.\n")},
	}
	var arts []certify.Artifact
	for _, in := range inputs {
		art, err := acq.AddArtifact(ctx, in.kind, bytes.NewReader(in.data))
		if err != nil {
			return nil, nil, err
		}
		arts = append(arts, art)
	}
	return acq, arts, nil
}

// demoProof proves leaf's inclusion in cp and checks the proof against cp's root.
func demoProof(ctx context.Context, a *appliance.Appliance, leaf journal.Leaf, cp *journal.Checkpoint) error {
	proof, err := a.Journal().InclusionProof(ctx, leaf.Index, cp.Size)
	if err != nil {
		return err
	}
	return tlog.CheckRecord(proof, int64(cp.Size), cp.Root, int64(leaf.Index), leaf.Hash)
}

// sampleScreenshot draws a small chat-like picture: two bubbles, one with blue ticks.
func sampleScreenshot() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 360, 200))
	fill := func(r image.Rectangle, c color.Color) {
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				img.Set(x, y, c)
			}
		}
	}
	fill(img.Bounds(), color.RGBA{0xef, 0xea, 0xe2, 0xff})
	fill(image.Rect(120, 20, 340, 80), color.RGBA{0xd9, 0xfd, 0xd3, 0xff})
	fill(image.Rect(300, 66, 306, 72), color.RGBA{0x53, 0xbd, 0xeb, 0xff})
	fill(image.Rect(309, 66, 315, 72), color.RGBA{0x53, 0xbd, 0xeb, 0xff})
	fill(image.Rect(20, 110, 200, 160), color.White)
	return img
}

// demoExtract certifies the sample chat as a studio would: from a phone over ADB when Debian's adb is installed (a
// fake phone serving the sample backup and photo), else from the backup file the client handed over.
func demoExtract(ctx context.Context, a *appliance.Appliance, samples, outDir string) (folder, how string, err error) {
	if err := os.MkdirAll(samples, 0o700); err != nil {
		return "", "", err
	}
	root := filepath.Join(samples, "phone")
	dbDir := filepath.Join(root, filepath.FromSlash(certify.PhoneDatabases))
	photo := filepath.Join(root, filepath.FromSlash(certify.PhoneWhatsApp), filepath.FromSlash(msgstoretest.SampleImagePath))
	for _, d := range []string{dbDir, filepath.Dir(photo)} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return "", "", err
		}
	}
	backup := filepath.Join(dbDir, "msgstore.db.crypt15")
	key, err := msgstoretest.WriteCrypt15(ctx, backup, msgstoretest.Sample(time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC)))
	if err != nil {
		return "", "", err
	}
	if err := os.WriteFile(photo, msgstoretest.SampleImage(), 0o600); err != nil {
		return "", "", err
	}
	list, err := evidence.ParseList(strings.NewReader("numero;nominativo;dal;al\n3331112222;Mario Rossi;2026-01-10;2026-01-20\n"),
		evidence.ListOptions{Now: time.Now()})
	if err != nil {
		return "", "", err
	}
	job := certify.AndroidBackupJob{Key: key, List: list, MaxMessages: 5, Case: "demo-case", Operator: "demo", OutDir: outDir,
		Client: "Studio Legale Esempio", Purpose: "prova della ricezione della disdetta del contratto"}

	var outcomes []certify.ChatOutcome
	if _, lookErr := exec.LookPath("adb"); lookErr != nil {
		how = "adb is not installed (scripts/setup installs it): from the backup file instead"
		job.Backup = backup
		outcomes, err = a.Certify().ExtractAndroidBackup(ctx, job)
	} else {
		how = "phone SM-A546B over ADB, backup and photo pulled read-only"
		outcomes, err = demoPhone(ctx, a, root, filepath.Join(samples, "adb-home"), job)
	}
	if err != nil {
		return "", "", err
	}
	if len(outcomes) != 1 || outcomes[0].Folder == "" {
		return "", "", fmt.Errorf("no delivery: %+v", outcomes)
	}
	return outcomes[0].Folder, how, nil
}

// demoPhone serves root as a phone on loopback, connects Debian's adb server to it, and extracts.
func demoPhone(ctx context.Context, a *appliance.Appliance, root, adbHome string, job certify.AndroidBackupJob) ([]certify.ChatOutcome, error) {
	phone, err := adbtest.Listen(adbtest.Config{Root: root, Model: "SM-A546B", Manufacturer: "samsung",
		AndroidVersion: "14", SDK: "34", Serial: "DEMO0001", Packages: map[string]string{"com.whatsapp": "2.26.1.10"},
		Auth: adbtest.AuthAcceptAny})
	if err != nil {
		return nil, err
	}
	defer phone.Close()
	if err := os.MkdirAll(adbHome, 0o700); err != nil {
		return nil, err
	}
	srv, err := adbtest.NewServer(ctx, adbHome)
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	c := usb.New(usb.Options{Addr: srv.Addr})
	wait, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := c.Connect(wait, phone.Addr()); err != nil {
		return nil, err
	}
	if err := c.WaitForState(wait, phone.Addr(), usb.StateDevice); err != nil {
		return nil, err
	}
	return a.Certify().ExtractADB(ctx, certify.ADBJob{ADB: srv.Addr, Serial: phone.Addr(), AndroidBackupJob: job})
}

// demoWeb captures two chats of the replica's sample scenario over WhatsApp Web in Chromium. It returns nil, nil
// when Chromium is not installed.
func demoWeb(ctx context.Context, a *appliance.Appliance, outDir string) ([]certify.ChatOutcome, error) {
	if _, err := os.Stat(web.DefaultChromium); err != nil {
		return nil, nil
	}
	sc, err := webtest.DefaultScenario("basic")
	if err != nil {
		return nil, err
	}
	srv, err := webtest.StartServer(sc)
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	list, err := evidence.ParseList(strings.NewReader("numero;nominativo;dal;al\n"+
		"3771151946;Emanuel Celano;2026-01-12;2026-01-14\n3286664444;Giulia Bianchi;2026-01-12;2026-01-14\n"),
		evidence.ListOptions{Now: time.Now()})
	if err != nil {
		return nil, err
	}
	outcomes, err := a.Certify().CaptureWeb(ctx, certify.WebJob{URL: srv.URL(), List: list, MaxMessages: 20, Case: "demo-case",
		Operator: "demo", OutDir: outDir, LinkTimeout: time.Minute, OnQR: func(web.QR) { srv.Scan() },
		Client: "Studio Legale Esempio", Purpose: "prova delle comunicazioni inviate ai clienti"})
	if err != nil {
		return nil, err
	}
	if r := srv.Receipts(); len(r) != 0 {
		return nil, fmt.Errorf("the capture caused %d receipts", len(r))
	}
	return outcomes, nil
}
