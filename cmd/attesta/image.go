package main

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/attesta/attesta/appliance"
	"github.com/attesta/attesta/image/update"
	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/tpm"
	"github.com/attesta/attesta/tpm/attest"
)

// The box's places (image/rootfs): the pinned image key, the ESP's mount point, the partitions by GPT name.
const (
	defaultImageKey   = "/etc/attesta/image-key.pem"
	defaultESP        = "/efi"
	defaultPartitions = "/dev/disk/by-partlabel"
)

// runImage handles A/B updates of the appliance image: bundle (the build makes the signed update file), update (the
// box installs one into its inactive slot), settle (each boot: bless the new slot or record the fall-back).
func runImage(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("want a subcommand: update, settle or bundle")
	}
	switch args[0] {
	case "update":
		return runImageUpdate(ctx, e, args[1:])
	case "settle":
		return runImageSettle(ctx, e, args[1:])
	case "bundle":
		return runImageBundle(ctx, e, args[1:])
	}
	return usagef("unknown subcommand %q: want update, settle or bundle", args[0])
}

// bootFlags say where the box's boot pieces are; tests point them at a disk image file and an ESP folder.
type bootFlags struct {
	esp, partitions, disk, cmdline, osRelease string
}

func (b *bootFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&b.esp, "esp", defaultESP, "where the EFI system partition is mounted")
	fs.StringVar(&b.partitions, "partitions", defaultPartitions, "folder of the disk's partitions by GPT name")
	fs.StringVar(&b.disk, "disk", "", "a disk image file to update instead of the box's partitions (its GPT names the slots)")
	fs.StringVar(&b.cmdline, "cmdline", "/proc/cmdline", "the running kernel's command line (attesta.slot=)")
	fs.StringVar(&b.osRelease, "os-release", "/usr/lib/os-release", "the running image's os-release (IMAGE_VERSION=)")
}

func (b *bootFlags) target() update.Disk {
	if b.disk != "" {
		return update.ImageFile{Path: b.disk}
	}
	return update.PartLabels{Dir: b.partitions}
}

// recordTo appends leaves to the appliance's journal.
func recordTo(a *appliance.Appliance) update.Record {
	return func(ctx context.Context, e journal.Entry) error {
		_, err := a.Journal().Append(ctx, e)
		if errors.Is(err, journal.ErrCheckpoint) {
			return nil // the leaf is durable; the appliance's attestation check deals with an unusable key
		}
		return err
	}
}

func runImageUpdate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "image update", "image update [--key PEM] [--tries N] [--esp DIR] [--disk FILE] [--config FILE] [--data DIR] [--tpm SPEC] FILE")
	config := boxConfig(fs)
	var b bootFlags
	b.register(fs)
	keyFile := fs.String("key", defaultImageKey, "the pinned image key (PEM public key)")
	tries := fs.Int("tries", update.DefaultTries, "boots the new image gets before the box falls back to the running one")
	pos, err := parseFlags(fs, args, 1)
	if err != nil {
		return err
	}
	keyPEM, err := os.ReadFile(*keyFile)
	if err != nil {
		return fmt.Errorf("image update: %w", err)
	}
	key, err := update.ParsePublicKey(*keyFile, keyPEM)
	if err != nil {
		return err
	}
	booted, err := update.ReadBooted(b.cmdline, b.osRelease)
	if err != nil {
		return err
	}
	// The file is checked before the appliance opens: a bad file is refused without touching anything.
	bundle, err := update.Open(pos[0], key)
	if err != nil {
		return err
	}
	cfg, err := config()
	if err != nil {
		return err
	}
	a, err := appliance.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	u := &update.Updater{Key: key, Disk: b.target(), ESP: b.esp, Booted: booted, Tries: *tries, Record: recordTo(a)}
	if err := updatePolicy(ctx, a, cfg, u); err != nil {
		return err
	}
	res, err := u.Install(ctx, bundle)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "image %s written to slot %s (running %s in slot %s); boot entry %s with %d tries\n",
		res.Version, res.Slot, booted.Version, booted.Slot, res.Entry, *tries)
	if res.Policy != "" {
		fmt.Fprintf(e.stdout, "signed TPM policy version %d of image %s written to the ESP as %s\n", res.PolicyVersion, res.Version, res.Policy)
	}
	fmt.Fprintln(e.stdout, "restart the box: the new image is blessed once its self-test passes, else the box falls back")
	return nil
}

// updatePolicy tells u the box's signed-policy setting: with an image key (image_key) the update must carry the new
// slot's signed TPM policy of that key, not below the TPM's anti-rollback counter.
func updatePolicy(ctx context.Context, a *appliance.Appliance, cfg appliance.Config, u *update.Updater) error {
	if cfg.ImageKey == "" {
		return nil
	}
	data, err := os.ReadFile(cfg.ImageKey)
	if err == nil {
		u.PolicyKey, err = attest.ParseImageKey(data)
	}
	if err != nil {
		return fmt.Errorf("image update: image_key %s: %w", cfg.ImageKey, err)
	}
	// A key still under the literal PCR policy has no counter yet: every version is then above it.
	if c, err := a.TPM().PolicyCounter(ctx); err == nil {
		u.MinPolicyVersion = c
	}
	return nil
}

// runImageSettle runs at every boot before the appliance starts: when the running slot is on trial it opens the
// appliance (its start-up self-test) and blesses the slot, or marks it bad and fails (the unit then reboots into
// the old slot); a newer image that used up its tries is recorded as a fall-back.
func runImageSettle(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "image settle", "image settle [--esp DIR] [--config FILE] [--data DIR] [--tpm SPEC]")
	config := boxConfig(fs)
	var b bootFlags
	b.register(fs)
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	booted, err := update.ReadBooted(b.cmdline, b.osRelease)
	if err != nil {
		return err
	}
	p, err := update.Check(b.esp, booted)
	if err != nil {
		return err
	}
	if p.Empty() {
		fmt.Fprintf(e.stdout, "image %s in slot %s: nothing to settle\n", booted.Version, booted.Slot)
		return nil
	}
	cfg, err := config()
	if err != nil {
		return err
	}
	a, err := appliance.Open(ctx, cfg)
	if err == nil && p.Trial != nil {
		if err = signsUnderPolicy(ctx, a); err != nil {
			a.Close()
		}
	}
	if err != nil {
		if bad, merr := update.MarkBad(b.esp, booted); bad {
			return fmt.Errorf("image %s in slot %s failed its start-up self-test, marked bad: the next boot falls back: %w", booted.Version, booted.Slot, err)
		} else if merr != nil {
			return errors.Join(err, merr)
		}
		return err
	}
	defer a.Close()
	p, err = update.Settle(ctx, b.esp, booted, recordTo(a))
	if err != nil {
		return err
	}
	for _, f := range p.Fallback {
		fmt.Fprintf(e.stdout, "image %s (slot %s) failed after %d boots: fell back to %s in slot %s (journaled)\n",
			f.Version, f.Slot, f.Done, booted.Version, booted.Slot)
	}
	if p.Trial != nil {
		fmt.Fprintf(e.stdout, "image %s in slot %s passed its start-up self-test after %d boot(s): blessed (journaled)\n",
			booted.Version, booted.Slot, p.Trial.Done)
		advanceAfterBless(ctx, e, a)
	}
	return nil
}

// signsUnderPolicy is the new image's part of the start-up self-test on a box under signed TPM policies: the signing
// key signs a test digest under the signed policy in force. The image failed when its PCRs differ from every signed
// policy at hand or its policy is older than the TPM accepts; other refusals (the tamper index) are not the image's
// doing and are left to the appliance's own checks.
func signsUnderPolicy(ctx context.Context, a *appliance.Appliance) error {
	if a.TPM().Policy() == nil {
		return nil
	}
	s, err := a.TPM().Signer(ctx)
	if err != nil {
		return err
	}
	digest := sha256.Sum256([]byte("attesta image settle: the new image signs"))
	_, err = s.SignDigest(ctx, digest[:])
	if errors.Is(err, tpm.ErrPCRMismatch) || errors.Is(err, tpm.ErrPolicyRolledBack) {
		return fmt.Errorf("the signing key does not sign under the new image's signed TPM policy: %w", err)
	}
	return nil
}

// advanceAfterBless moves the TPM's anti-rollback counter up to the version of the signed policy in force (the new
// image's), journaled by the appliance, so that the old image's policy is refused from then on. A failure is said,
// not returned: the slot is blessed, and failing the unit would only restart the box; an administrator can run
// attesta keys policy advance.
func advanceAfterBless(ctx context.Context, e *env, a *appliance.Appliance) {
	p := a.TPM().Policy()
	if p == nil {
		return // the signing key is not under signed policies
	}
	got, err := appliance.AdvancePolicy(ctx, a, 0)
	if err != nil {
		fmt.Fprintf(e.stdout, "the TPM's policy counter was NOT advanced (older images can still sign; attesta keys policy advance retries): %v\n", err)
		return
	}
	fmt.Fprintf(e.stdout, "policy counter at %d: signed policies below version %d (older images) are refused (journaled)\n", got, got)
}

func runImageBundle(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "image bundle", "image bundle --key PEM --version V --roothash HEX --root FILE --uki-a FILE --uki-b FILE [--policy-a FILE --policy-b FILE] --out FILE")
	keyFile := fs.String("key", "", "the image key (PEM private key, ECDSA P-256)")
	version := fs.String("version", "", "the image's version")
	roothash := fs.String("roothash", "", "the root slot's dm-verity root hash")
	root := fs.String("root", "", "the root slot: squashfs and its hash tree")
	ukiA := fs.String("uki-a", "", "the signed UKI for slot a")
	ukiB := fs.String("uki-b", "", "the signed UKI for slot b")
	polA := fs.String("policy-a", "", "the signed TPM policy of the UKI for slot a (attesta keys policy sign)")
	polB := fs.String("policy-b", "", "the signed TPM policy of the UKI for slot b")
	out := fs.String("out", "", "new update file")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	for name, v := range map[string]string{"key": *keyFile, "version": *version, "root": *root, "uki-a": *ukiA, "uki-b": *ukiB, "out": *out} {
		if v == "" {
			return usagef("--%s is required", name)
		}
	}
	if (*polA == "") != (*polB == "") {
		return usagef("--policy-a and --policy-b go together")
	}
	for _, pf := range []string{*polA, *polB} {
		if pf == "" {
			continue
		}
		data, err := os.ReadFile(pf)
		var p *attest.SignedPolicy
		if err == nil {
			p, err = attest.ParsePolicy(pf, data)
		}
		if err != nil {
			return usagef("%v", err)
		}
		if p.ImageVersion != *version {
			return usagef("%s is the signed policy of image %s, not %s", pf, p.ImageVersion, *version)
		}
	}
	key, err := readSigner(*keyFile)
	if err != nil {
		return err
	}
	mtime := time.Unix(0, 0)
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return usagef("SOURCE_DATE_EPOCH %q: %v", s, err)
		}
		mtime = time.Unix(n, 0)
	}
	f, err := durable.Create(*out, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	srcs := []update.Source{{Name: update.RootName, Path: *root}, {Name: update.UKIName("a"), Path: *ukiA}, {Name: update.UKIName("b"), Path: *ukiB}}
	if *polA != "" {
		srcs = append(srcs, update.Source{Name: update.PolicyName("a"), Path: *polA}, update.Source{Name: update.PolicyName("b"), Path: *polB})
	}
	if err := update.Write(f, key, *version, *roothash, srcs, mtime); err != nil {
		return err
	}
	if err := f.Commit(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "update file %s: image %s\n", *out, *version)
	return nil
}

// readSigner reads a PEM private key (PKCS #8 or SEC 1).
func readSigner(path string) (crypto.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(data)
	if blk == nil {
		return nil, fmt.Errorf("image key %s: no PEM block", path)
	}
	var k any
	if blk.Type == "EC PRIVATE KEY" {
		k, err = x509.ParseECPrivateKey(blk.Bytes)
	} else {
		k, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("image key %s: %w", path, err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("image key %s: %T cannot sign", path, k)
	}
	return s, nil
}
