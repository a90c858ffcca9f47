package main

import (
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/attesta/attesta/authority"
	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/internal/strictjson"
	"github.com/attesta/attesta/tpm/attest"
)

// authorityFlags are the flags every authority subcommand takes.
type authorityFlags struct {
	dir, passFile string
}

func (f *authorityFlags) register(fs interface {
	StringVar(p *string, name, value, usage string)
}) {
	fs.StringVar(&f.dir, "dir", "", "the authority's directory (required)")
	fs.StringVar(&f.passFile, "passphrase-file", "", "file whose first line is the CA keys' passphrase (default $ATTESTA_AUTHORITY_PASSPHRASE)")
}

func (f *authorityFlags) passphrase() ([]byte, error) {
	if f.passFile == "" {
		if p := os.Getenv("ATTESTA_AUTHORITY_PASSPHRASE"); p != "" {
			return []byte(p), nil
		}
		return nil, usagef("--passphrase-file (or $ATTESTA_AUTHORITY_PASSPHRASE) is required")
	}
	b, err := os.ReadFile(f.passFile)
	if err != nil {
		return nil, usagef("--passphrase-file: %v", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return []byte(strings.TrimRight(line, "\r")), nil
}

func (f *authorityFlags) open() (*authority.Authority, error) {
	if f.dir == "" {
		return nil, usagef("--dir is required")
	}
	pass, err := f.passphrase()
	if err != nil {
		return nil, err
	}
	return authority.Open(f.dir, pass)
}

var authoritySubcommands = map[string]func(ctx context.Context, e *env, args []string) error{
	"init": authorityInit, "challenge": authorityChallenge, "issue": authorityIssue, "revoke": authorityRevoke,
	"status": authorityStatus, "poll": authorityPoll, "epoch": authorityEpoch,
}

// runAuthority is the registration authority, run on the studio's or provider's own machine.
func runAuthority(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("want a subcommand: init, challenge, issue, revoke, epoch, poll or status")
	}
	sub, ok := authoritySubcommands[args[0]]
	if !ok {
		return usagef("unknown subcommand %q: want init, challenge, issue, revoke, epoch, poll or status", args[0])
	}
	return sub(ctx, e, args[1:])
}

// policyFile is a PCR policy as an operator writes it ("attesta.pcr-policy/v1", values in hex).
type policyFile struct {
	Format    string   `json:"format"`
	Name      string   `json:"name"`
	Selection string   `json:"selection"`
	Values    []string `json:"values"`
}

// readPolicy reads a PCR policy file, or takes the policy of an enrollment request (the measured values of a
// reference appliance of the image).
func readPolicy(path string) (authority.PCRPolicy, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return authority.PCRPolicy{}, usagef("--pcr-policy: %v", err)
	}
	if req, err := attest.DecodeRequest(path, b); err == nil {
		return authority.PCRPolicy{Name: "from enrollment of " + req.ApplianceID, Selection: req.PCRSelection, Values: req.PCRValues}, nil
	}
	var pf policyFile
	if err := strictjson.DecodeFormat(path, b, "attesta.pcr-policy/v1", &pf); err != nil {
		return authority.PCRPolicy{}, usagef("--pcr-policy: neither an enrollment request nor a policy: %v", err)
	}
	p := authority.PCRPolicy{Name: pf.Name, Selection: pf.Selection}
	for i, v := range pf.Values {
		raw, err := hex.DecodeString(v)
		if err != nil {
			return p, usagef("--pcr-policy %s: value %d: %v", path, i, err)
		}
		p.Values = append(p.Values, raw)
	}
	return p, nil
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func authorityInit(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "authority init", "authority init --dir DIR --name NAME --passphrase-file FILE (--pcr-policy FILE... | --image-key PEM...) [--ek-roots PEM] [--accept-uncertified-ek]")
	var f authorityFlags
	f.register(fs)
	name := fs.String("name", "", "the authority's name (the studio or the provider), in its certificates")
	ekRoots := fs.String("ek-roots", "", "PEM file of the TPM manufacturers' EK CA certificates to trust")
	uncert := fs.Bool("accept-uncertified-ek", false, "also enroll TPMs without an EK certificate (flagged in their certificates)")
	var policies multiFlag
	fs.Var(&policies, "pcr-policy", "an image's PCR policy (attesta.pcr-policy/v1, or an enrollment request of a reference box); repeatable")
	var imageKeys multiFlag
	fs.Var(&imageKeys, "image-key", "an image key's public half (PEM), for boxes whose signing key is under the authorized policy; repeatable")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if f.dir == "" || *name == "" || len(policies)+len(imageKeys) == 0 {
		return usagef("--dir, --name and --pcr-policy or --image-key are required")
	}
	pass, err := f.passphrase()
	if err != nil {
		return err
	}
	opts := authority.InitOptions{Name: *name, Passphrase: pass, AcceptUncertifiedEK: *uncert}
	if *ekRoots != "" {
		if opts.EKRoots, err = os.ReadFile(*ekRoots); err != nil {
			return usagef("--ek-roots: %v", err)
		}
	}
	for _, p := range policies {
		pol, err := readPolicy(p)
		if err != nil {
			return err
		}
		opts.Policies = append(opts.Policies, pol)
	}
	for _, p := range imageKeys {
		data, err := os.ReadFile(p)
		var pub *ecdsa.PublicKey
		if err == nil {
			pub, err = attest.ParseImageKey(data)
		}
		var k authority.ImageKey
		if err == nil {
			k, err = authority.NewImageKey(strings.TrimSuffix(filepath.Base(p), filepath.Ext(p)), pub)
		}
		if err != nil {
			return usagef("--image-key %s: %v", p, err)
		}
		opts.ImageKeys = append(opts.ImageKeys, k)
	}
	if err := authority.Init(f.dir, opts); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "authority %q created in %s; its root certificate, for verifiers: %s\n", *name, f.dir, filepath.Join(f.dir, authority.RootCertFile))
	return nil
}

// inOut parses the --in/--out pair of challenge and issue.
func inOut(e *env, name, synopsis string, args []string) (*authorityFlags, []byte, string, error) {
	fs := newFlags(e, name, synopsis)
	var f authorityFlags
	f.register(fs)
	in := fs.String("in", "", "input file (required)")
	out := fs.String("out", "", "new output file (required)")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return nil, nil, "", err
	}
	if *in == "" || *out == "" {
		return nil, nil, "", usagef("--in and --out are required")
	}
	if err := newOut(*out, ""); err != nil {
		return nil, nil, "", err
	}
	b, err := os.ReadFile(*in)
	if err != nil {
		return nil, nil, "", usagef("--in: %v", err)
	}
	return &f, b, *out, nil
}

func authorityChallenge(_ context.Context, e *env, args []string) error {
	f, req, out, err := inOut(e, "authority challenge", "authority challenge --dir DIR --passphrase-file FILE --in REQUEST --out CHALLENGE", args)
	if err != nil {
		return err
	}
	a, err := f.open()
	if err != nil {
		return err
	}
	ch, err := a.Challenge(req)
	if err != nil {
		return err
	}
	if err := durable.WriteNew(out, attest.EncodeFile(ch), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "request checked; challenge %s for appliance %s written to %s (answer: attesta enroll --activate %s --out ANSWER)\n",
		ch.ID, ch.ApplianceID, out, out)
	return nil
}

func authorityIssue(_ context.Context, e *env, args []string) error {
	f, ans, out, err := inOut(e, "authority issue", "authority issue --dir DIR --passphrase-file FILE --in ANSWER --out CHAIN.pem", args)
	if err != nil {
		return err
	}
	a, err := f.open()
	if err != nil {
		return err
	}
	chain, err := a.Issue(ans)
	if err != nil {
		return err
	}
	if err := durable.WriteNew(out, authority.PEMChain(chain...), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "certificate issued: %s, serial %s; chain written to %s (install: attesta enroll --install %s)\n",
		chain[0].Subject.CommonName, chain[0].SerialNumber.Text(16), out, out)
	return nil
}

// authorityEpoch countersigns a new key epoch of an appliance whose TPM was replaced (authority.Epoch).
func authorityEpoch(_ context.Context, e *env, args []string) error {
	f, req, out, err := inOut(e, "authority epoch", "authority epoch --dir DIR --passphrase-file FILE --in EPOCH-REQUEST --out EPOCH", args)
	if err != nil {
		return err
	}
	a, err := f.open()
	if err != nil {
		return err
	}
	ep, err := a.Epoch(req)
	if err != nil {
		return err
	}
	if err := durable.WriteNew(out, ep, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "new key epoch countersigned: %s (install on the appliance: attesta keys epoch --install %s)\n", out, out)
	return nil
}

func authorityRevoke(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "authority revoke", "authority revoke --dir DIR --passphrase-file FILE --appliance ID --operator NAME --reason TEXT")
	var f authorityFlags
	f.register(fs)
	id := fs.String("appliance", "", "the appliance id")
	op := fs.String("operator", "", "who decides the revocation")
	reason := fs.String("reason", "", "why")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if *id == "" || *op == "" || *reason == "" {
		return usagef("--appliance, --operator and --reason are required")
	}
	a, err := f.open()
	if err != nil {
		return err
	}
	if err := a.Revoke(*id, *op, *reason); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "appliance %s revoked; status list: %s\n", *id, filepath.Join(f.dir, authority.StatusFile))
	return nil
}

func authorityStatus(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "authority status", "authority status --dir DIR --passphrase-file FILE")
	var f authorityFlags
	f.register(fs)
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	a, err := f.open()
	if err != nil {
		return err
	}
	aps, err := a.Appliances()
	if err != nil {
		return err
	}
	if len(aps) == 0 {
		fmt.Fprintln(e.stdout, "no appliance enrolled")
	}
	for _, ap := range aps {
		last := "never"
		if ap.LastGood != nil {
			last = ap.LastGood.Format("2006-01-02T15:04:05Z")
		}
		h := ap.History[len(ap.History)-1]
		fmt.Fprintf(e.stdout, "%s  %-8s since %s (%s)  last good attestation %s  certificate %s\n",
			ap.ID, ap.State(), h.At.Format("2006-01-02T15:04:05Z"), h.Reason, last, ap.CertSerial)
	}
	return nil
}

// authorityPoll asks appliances for a fresh attestation (GET URL/attest?nonce=HEX), checks each and records the
// result in the registry and the signed status list: one appliance (--appliance, at --url or at the address recorded
// for it), or every enrolled, unrevoked appliance with a recorded address. With --every it keeps polling until
// interrupted; otherwise it exits 1 when any appliance failed.
func authorityPoll(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "authority poll", "authority poll --dir DIR --passphrase-file FILE [--appliance ID [--url URL]] [--every DURATION]")
	var f authorityFlags
	f.register(fs)
	id := fs.String("appliance", "", "the appliance id (default: every appliance whose address is recorded)")
	url := fs.String("url", "", "the appliance's address, e.g. http://box.studio.lan:8080 (recorded for later polls)")
	every := fs.Duration("every", 0, "poll again at this interval until interrupted (default: once)")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if *url != "" && *id == "" {
		return usagef("--url needs --appliance")
	}
	a, err := f.open()
	if err != nil {
		return err
	}
	if *url != "" {
		if err := a.SetURL(*id, strings.TrimRight(*url, "/")); err != nil {
			return err
		}
	}
	for {
		failed, err := pollRound(ctx, e, a, *id)
		if err != nil {
			return err
		}
		if *every <= 0 {
			if failed > 0 {
				return fmt.Errorf("%w: %d appliance(s) failed attestation (recorded in the status list)", errInvalid, failed)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(*every):
		}
	}
}

// pollRound polls one appliance (only, when not empty) or every one with a recorded address, and returns how many
// failed.
func pollRound(ctx context.Context, e *env, a *authority.Authority, only string) (int, error) {
	aps, err := a.Appliances()
	if err != nil {
		return 0, err
	}
	failed, polled := 0, 0
	for _, ap := range aps {
		if only != "" && ap.ID != only || ap.State() == authority.StateRevoked {
			continue
		}
		if ap.URL == "" {
			if only != "" {
				return 0, usagef("no address recorded for appliance %s: give --url", only)
			}
			continue
		}
		base := ap.URL
		res, err := a.Poll(ctx, ap.ID, func(ctx context.Context, nonce []byte) ([]byte, error) {
			return fetchAttestation(ctx, base+"/attest?nonce="+hex.EncodeToString(nonce))
		})
		if err != nil {
			return 0, err
		}
		polled++
		if res.OK {
			fmt.Fprintf(e.stdout, "%s: attestation good\n", ap.ID)
		} else {
			failed++
			fmt.Fprintf(e.stdout, "%s: FAILING: %s\n", ap.ID, res.Reason)
		}
	}
	if polled == 0 {
		if only != "" {
			return 0, fmt.Errorf("appliance %s is not enrolled (or revoked)", only)
		}
		fmt.Fprintln(e.stdout, "no appliance to poll: give --appliance ID --url URL once")
	}
	return failed, nil
}

func fetchAttestation(ctx context.Context, url string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", url, resp.Status, strings.TrimSpace(string(body)))
	}
	return body, nil
}
