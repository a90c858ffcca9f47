package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"

	"github.com/attesta/attesta/appliance"
	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/internal/strictjson"
	"github.com/attesta/attesta/tpm"
	"github.com/attesta/attesta/tpm/attest"
)

// boxConfig registers the flags that say which box a keys command acts on: the common ones, --config (the
// appliance's configuration file, where image_key and tpm_policy live), and --image-key and --tpm-policy, which
// override it. The returned function builds the configuration once the flags are parsed.
func boxConfig(fs *flag.FlagSet) func() (appliance.Config, error) {
	var c commonFlags
	c.register(fs)
	cfgFile := fs.String("config", "", "the appliance's JSON configuration file (flags given explicitly override it)")
	imageKey := fs.String("image-key", "", "the image key's public half (PEM): new signing keys are bound to its signed policies")
	policy := fs.String("tpm-policy", "", "the image's signed PCR policy, or a folder of them")
	return func() (appliance.Config, error) {
		cfg := c.config()
		if *cfgFile != "" {
			fileCfg, err := appliance.LoadConfig(*cfgFile)
			if err != nil {
				return cfg, usagef("%v", err)
			}
			cfg = mergeConfig(fileCfg, cfg, explicitFlags(fs))
		}
		if *imageKey != "" {
			cfg.ImageKey = *imageKey
		}
		if *policy != "" {
			cfg.TPMPolicy = *policy
		}
		return cfg, nil
	}
}

// keysPolicy is the signed PCR policy's lifecycle: sign (the image build, with the image key), check (offline),
// show (the box: the policy in force, the anti-rollback counter, the tamper index, the PCRs against the policy),
// advance (the box, once an update booted well: older signed policies are refused from then on).
func keysPolicy(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("keys policy: want a subcommand: sign, check, show or advance")
	}
	switch args[0] {
	case "sign":
		return policySign(e, args[1:])
	case "check":
		return policyCheck(e, args[1:])
	case "show", "advance":
		return policyOnBox(ctx, e, args[0], args[1:])
	}
	return usagef("keys policy %s: want sign, check, show or advance", args[0])
}

// predictedPCRs is build/attesta.pcrs.json as image/imagetool writes it.
type predictedPCRs struct {
	Version    string            `json:"version"`
	Bank       string            `json:"bank"`
	PCRs       map[string]string `json:"pcrs"`
	UKI        string            `json:"uki_sha256"`
	Partitions []struct {
		Name   string `json:"name"`
		Size   int64  `json:"size"`
		SHA256 string `json:"sha256"`
	} `json:"partitions"`
	Note string `json:"note"`
}

func policySign(e *env, args []string) error {
	fs := newFlags(e, "keys policy sign", "keys policy sign --key IMAGE-KEY.pem --pcrs attesta.pcrs.json --version N [--pcr-selection sha256:4,7,11] --out FILE")
	keyFile := fs.String("key", "", "the image key: PEM, PKCS #8 or SEC 1, ECDSA P-256 (required)")
	pcrsFile := fs.String("pcrs", "", "the predicted PCRs of the image (build/attesta.pcrs.json; required)")
	version := fs.Uint64("version", 0, "the policy version, above every earlier release's (required, from 1)")
	selFlag := fs.String("pcr-selection", "", "the PCRs the policy binds (default: every PCR of --pcrs)")
	out := fs.String("out", "", "new file for the signed policy (required; never overwritten)")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if *keyFile == "" || *pcrsFile == "" || *out == "" || *version == 0 {
		return usagef("--key, --pcrs, --version (from 1) and --out are required")
	}
	key, err := readImageKey(*keyFile)
	if err != nil {
		return err
	}
	var pred predictedPCRs
	data, err := os.ReadFile(*pcrsFile)
	if err == nil {
		err = strictjson.Decode(*pcrsFile, data, &pred)
	}
	if err != nil {
		return usagef("--pcrs: %v", err)
	}
	if pred.Bank != "sha256" {
		return usagef("--pcrs %s: bank %q, want sha256", *pcrsFile, pred.Bank)
	}
	var sel attest.PCRSelection
	for k := range pred.PCRs {
		n, err := strconv.ParseUint(k, 10, 8)
		if err != nil {
			return usagef("--pcrs %s: PCR %q: not an index", *pcrsFile, k)
		}
		sel = append(sel, uint(n))
	}
	slices.Sort(sel)
	if *selFlag != "" {
		if sel, err = attest.ParsePCRSelection(*selFlag); err != nil {
			return usagef("--pcr-selection: %v", err)
		}
	}
	vals := make([][]byte, len(sel))
	for i, p := range sel {
		s, ok := pred.PCRs[strconv.FormatUint(uint64(p), 10)]
		if !ok {
			return usagef("--pcrs %s predicts no PCR %d", *pcrsFile, p)
		}
		if vals[i], err = hex.DecodeString(s); err != nil {
			return usagef("--pcrs %s: PCR %d: %v", *pcrsFile, p, err)
		}
	}
	pol, err := attest.SignPolicy(key, *version, pred.Version, sel, vals)
	if err != nil {
		return err
	}
	b, err := pol.Marshal()
	if err != nil {
		return err
	}
	if err := durable.WriteNew(*out, b, 0o644); err != nil {
		return fmt.Errorf("keys policy sign: %w", err)
	}
	fmt.Fprintf(e.stdout, "signed policy version %d for image %s over %s written to %s\n", pol.Version, pol.ImageVersion, pol.Selection, *out)
	return nil
}

// readImageKey reads the image key's private half.
func readImageKey(path string) (crypto.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("--key: %v", err)
	}
	block, rest := pem.Decode(data)
	if block != nil && block.Type == "EC PARAMETERS" { // openssl ecparam -genkey writes them first
		block, _ = pem.Decode(rest)
	}
	if block == nil {
		return nil, usagef("--key %s: no PEM block", path)
	}
	var k any
	switch block.Type {
	case "PRIVATE KEY":
		k, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, usagef("--key %s: PEM %q, want \"PRIVATE KEY\" or \"EC PRIVATE KEY\"", path, block.Type)
	}
	if err != nil {
		return nil, usagef("--key %s: %v", path, err)
	}
	ec, ok := k.(*ecdsa.PrivateKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, usagef("--key %s: want an ECDSA P-256 key", path)
	}
	return ec, nil
}

func policyCheck(e *env, args []string) error {
	fs := newFlags(e, "keys policy check", "keys policy check --image-key PUB.pem FILE")
	pubFile := fs.String("image-key", "", "the image key's public half (PEM; required)")
	files, err := parseFlags(fs, args, 1)
	if err != nil {
		return err
	}
	if *pubFile == "" {
		return usagef("--image-key is required")
	}
	data, err := os.ReadFile(*pubFile)
	if err != nil {
		return usagef("--image-key: %v", err)
	}
	pub, err := attest.ParseImageKey(data)
	if err != nil {
		return usagef("--image-key %s: %v", *pubFile, err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		var p *tpm.SignedPolicy
		if err == nil {
			p, err = attest.ParsePolicy(f, data)
		}
		if err == nil {
			err = p.Verify(pub)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s: VALID: policy version %d for image %s\n", f, p.Version, p.ImageVersion)
		for i, pcr := range p.Selection {
			fmt.Fprintf(e.stdout, "  PCR %d %x\n", pcr, p.Values[i])
		}
	}
	return nil
}

func policyOnBox(ctx context.Context, e *env, sub string, args []string) error {
	fs := newFlags(e, "keys policy "+sub, "keys policy "+sub+" [--version N] [--config FILE] [--image-key PUB.pem] [--tpm-policy FILE|DIR] [--data DIR] [--tpm SPEC]")
	config := boxConfig(fs)
	version := fs.Uint64("version", 0, "advance: the lowest policy version to accept from now on (default: the version in force)")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	cfg, err := config()
	if err != nil {
		return err
	}
	if sub == "advance" {
		a, err := appliance.Open(ctx, cfg)
		if err != nil {
			return err
		}
		defer a.Close()
		got, err := appliance.AdvancePolicy(ctx, a, *version)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "policy counter at %d: signed policies below version %d are refused (journaled)\n", got, got)
		return nil
	}
	t, _, err := appliance.OpenTPM(ctx, cfg)
	if err != nil {
		return err
	}
	defer t.Close()
	return showPolicy(ctx, e, t)
}

func showPolicy(ctx context.Context, e *env, t *tpm.TPM) error {
	id, err := t.Provision(ctx, tpm.ProvisionOptions{})
	if err != nil {
		return err
	}
	s, err := t.Signer(ctx)
	if err != nil {
		return err
	}
	kind := "under the literal PCR policy (attesta keys rotate --image-key moves it under the image key)"
	if id.ImagePolicyKey != nil {
		kind = "under the image key's signed policies"
	}
	test := sha256.Sum256([]byte("attesta keys policy show"))
	if _, err := s.SignDigest(ctx, test[:]); err != nil {
		fmt.Fprintf(e.stdout, "signing key: %s; it does NOT sign: %v\n", kind, err)
	} else {
		fmt.Fprintf(e.stdout, "signing key: %s; it signs\n", kind)
	}
	p := t.Policy()
	if p == nil {
		fmt.Fprintln(e.stdout, "signed policy: none in force")
	} else {
		fmt.Fprintf(e.stdout, "signed policy: version %d for image %s over %s\n", p.Version, p.ImageVersion, p.Selection)
		vals, err := t.ReadPCRs(ctx, p.Selection)
		if err != nil {
			return err
		}
		for _, m := range p.Diff(p.Selection, vals) {
			fmt.Fprintf(e.stdout, "  PCR %d differs: expected %x, actual %x\n", m.PCR, m.Expected, m.Actual)
		}
	}
	if c, err := t.PolicyCounter(ctx); err == nil {
		fmt.Fprintf(e.stdout, "policy counter: %d (lowest version accepted)\n", c)
	}
	if on, err := t.Tampered(ctx); err == nil {
		fmt.Fprintf(e.stdout, "tamper index: %s\n", map[bool]string{true: "SET (an administrator's unlock clears it)", false: "clear"}[on])
	}
	return nil
}
