package tpm

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attesta/attesta/internal/testpki"
	"github.com/google/go-tpm/tpm2"
)

var cryptoSHA256 = crypto.SHA256

func TestOpenBadSpec(t *testing.T) {
	for _, spec := range []string{"", "tpm", "simulator", "swtpm:", "tcp:localhost:2321", "dev/tpmrm0"} {
		t.Run(spec, func(t *testing.T) {
			_, err := Open(t.Context(), spec, t.TempDir())
			if !errors.Is(err, ErrBadSpec) {
				t.Fatalf("Open(%q) = %v, want ErrBadSpec", spec, err)
			}
			if !strings.Contains(err.Error(), `"sim"`) || !strings.Contains(err.Error(), "swtpm:PATH") {
				t.Errorf("error %q does not list the accepted forms", err)
			}
		})
	}
}

func TestOpenMissingTransport(t *testing.T) {
	for _, spec := range []string{"/dev/attesta-no-such-tpm", "swtpm:/nonexistent/tpm.sock", "swtpm:/etc/hostname"} {
		t.Run(spec, func(t *testing.T) {
			_, err := Open(t.Context(), spec, t.TempDir())
			if err == nil || errors.Is(err, ErrBadSpec) {
				t.Fatalf("Open(%q) = %v, want an error naming the path", spec, err)
			}
			path := spec[strings.Index(spec, "/"):]
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name %s", err, path)
			}
		})
	}
}

func TestSimulatorSingleton(t *testing.T) {
	dir := t.TempDir()
	tp := openT(t, simBackend(), dir)
	if _, err := Open(t.Context(), "sim", t.TempDir()); !errors.Is(err, ErrSimulatorInUse) {
		t.Fatalf("second Open(sim) = %v, want ErrSimulatorInUse", err)
	}
	if err := tp.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tp.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := tp.ReadClock(t.Context()); !errors.Is(err, ErrClosed) {
		t.Errorf("ReadClock after Close = %v, want ErrClosed", err)
	}
	openT(t, simBackend(), dir).Close()
}

func TestSimSeed(t *testing.T) {
	dir := t.TempDir()
	openT(t, simBackend(), dir).Close()
	path := filepath.Join(dir, simSeedFile)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s mode %v, want 0600", path, fi.Mode().Perm())
	}
	if err := os.WriteFile(path, []byte("not a number\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Open(t.Context(), "sim", dir)
	if !errors.Is(err, ErrCorruptState) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Open with a bad seed = %v, want ErrCorruptState naming %s", err, path)
	}
	// A failed Open must not keep the simulator.
	openT(t, simBackend(), t.TempDir()).Close()
}

// TestProvisionBadState damages the state directory in various ways: each
// must fail clearly and leave the files as they were.
func TestProvisionBadState(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, dir string)
		want   error
	}{
		{"provision.json not JSON", rewrite(ProvisionFile, func(b []byte) []byte { return b[:len(b)/2] }), ErrCorruptState},
		{"unknown format", rewrite(ProvisionFile, func(b []byte) []byte {
			return bytes.Replace(b, []byte("provision/v1"), []byte("provision/v9"), 1)
		}), ErrCorruptState},
		{"altered PCR value", rewrite(ProvisionFile, func(b []byte) []byte {
			i := bytes.Index(b, []byte(`"pcr_values"`))
			i += bytes.IndexByte(b[i:], '[')
			i += bytes.IndexByte(b[i:], '"') + 1
			b[i] = "10"[b[i]&1] // another hex digit: still valid JSON and hex
			return b
		}), ErrCorruptState},
		{"altered certification", rewrite(ProvisionFile, func(b []byte) []byte {
			i := bytes.Index(b, []byte(`"msg": "ff544347`)) + len(`"msg": "ff544347`) + 40
			b[i] = "10"[b[i]&1]
			return b
		}), ErrCorruptState},
		{"truncated blob", rewrite(SigningKeyFile, func(b []byte) []byte { return b[:len(b)-3] }), ErrCorruptState},
		{"missing blob", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, SigningKeyFile)) }, ErrCorruptState},
		{"other simulator seed", rewrite(simSeedFile, func(b []byte) []byte { return []byte("42\n") }), ErrStateMismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tp := openT(t, simBackend(), dir)
			provisionT(t, tp)
			tp.Close()
			tc.damage(t, dir)
			before := snapshot(t, dir)
			tp = openT(t, simBackend(), dir)
			_, err := tp.Provision(t.Context(), ProvisionOptions{})
			t.Log(err)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Provision = %v, want %v", err, tc.want)
			}
			if _, err := tp.Signer(t.Context()); !errors.Is(err, ErrNotProvisioned) {
				t.Errorf("Signer after failed Provision = %v", err)
			}
			tp.Close()
			if after := snapshot(t, dir); !equalSnapshots(before, after) {
				t.Errorf("failed Provision changed the state directory")
			}
		})
	}
}

func rewrite(name string, f func([]byte) []byte) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		path := filepath.Join(dir, name)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, f(b), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, e := range ents {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		m[e.Name()] = string(b)
	}
	return m
}

func equalSnapshots(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestProvisionSelection(t *testing.T) {
	tp := openT(t, simBackend(), t.TempDir())
	for _, sel := range []PCRSelection{{0, 7}, {24, AppPCR}, {7, 7, AppPCR}} {
		if _, err := tp.Provision(t.Context(), ProvisionOptions{PCRs: sel}); err == nil {
			t.Errorf("Provision accepted selection %v", sel)
		}
	}
	id, err := tp.Provision(t.Context(), ProvisionOptions{PCRs: PCRSelection{AppPCR, 7}})
	if err != nil {
		t.Fatal(err)
	}
	if id.PCRSelection.String() != "sha256:7,23" {
		t.Errorf("selection %s", id.PCRSelection)
	}
	signAndVerify(t, tp, "custom selection")
}

func TestSigner(t *testing.T) {
	tp := openT(t, simBackend(), t.TempDir())
	if _, err := tp.Signer(t.Context()); !errors.Is(err, ErrNotProvisioned) {
		t.Fatalf("Signer before Provision = %v", err)
	}
	if _, err := tp.WriteAttestation(t.Context(), t.TempDir(), nil); !errors.Is(err, ErrNotProvisioned) {
		t.Fatalf("WriteAttestation before Provision = %v", err)
	}
	provisionT(t, tp)
	s, err := tp.Signer(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte("x"))
	if _, err := s.Sign(rand.Reader, digest[:31], crypto.SHA256); err == nil {
		t.Error("Sign accepted a 31-byte digest")
	}
	if _, err := s.Sign(rand.Reader, make([]byte, 48), crypto.SHA384); err == nil {
		t.Error("Sign accepted SHA-384")
	}

	t.Run("x509", func(t *testing.T) {
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "attesta appliance"},
			NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour),
		}
		cert := testpki.Issue(t, tmpl, nil, s, s) // signed by the TPM
		if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
			t.Fatalf("certificate signed by the TPM does not verify: %v", err)
		}
	})

	t.Run("concurrent", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := range 8 {
			wg.Go(func() {
				d := sha256.Sum256([]byte{byte(i)})
				sig, err := s.SignDigest(t.Context(), d[:])
				if err == nil && !ecdsa.VerifyASN1(s.Public().(*ecdsa.PublicKey), d[:], sig) {
					err = errors.New("bad signature")
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
	})
}

func TestPCRSelectionText(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"sha256:0,1,2,3,4,5,6,7,23", "sha256:0,1,2,3,4,5,6,7,23", true},
		{"sha256:23,7", "sha256:7,23", true},
		{"sha256: 7 , 23", "sha256:7,23", true},
		{"sha1:0", "", false},
		{"sha256:", "", false},
		{"sha256:24", "", false},
		{"sha256:7,7", "", false},
		{"sha256:-1", "", false},
		{"0,1", "", false},
		{"sha256:1,,2", "", false},
	}
	for _, tc := range tests {
		sel, err := ParsePCRSelection(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParsePCRSelection(%q) error %v, want ok=%v", tc.in, err, tc.ok)
			continue
		}
		if tc.ok && sel.String() != tc.want {
			t.Errorf("ParsePCRSelection(%q) = %s, want %s", tc.in, sel, tc.want)
		}
	}
	if DefaultPCRSelection().String() != "sha256:0,1,2,3,4,5,6,7,23" {
		t.Errorf("default selection %s", DefaultPCRSelection())
	}
}

func TestStripEKCertHeader(t *testing.T) {
	der := []byte{0x30, 0x03, 0x02, 0x01, 0x05}
	tests := []struct {
		name string
		in   []byte
	}{
		{"plain", der},
		{"NV padding", append(bytes.Clone(der), 0xff, 0xff, 0x00)},
		{"vendor header", append([]byte{0x10, 0x01, 0x00, 0x00, 0x05}, der...)},
		{"vendor header and padding", append(append([]byte{0x10, 0x01, 0x00, 0x00, 0x05}, der...), 0xff)},
	}
	for _, tc := range tests {
		if got := stripEKCertHeader(tc.in); !bytes.Equal(got, der) {
			t.Errorf("%s: got %x, want %x", tc.name, got, der)
		}
	}
}

func TestVerifyCertificationRejects(t *testing.T) {
	tp := openT(t, simBackend(), t.TempDir())
	id := provisionT(t, tp)
	c := id.Certify
	otherPub := bytes.Clone(id.AKTPMT) // a real key, but not the certified one
	weak := eccSigningTemplate(false, nil)
	weak.ObjectAttributes.FixedTPM = false
	tests := []struct {
		name            string
		ak              crypto.PublicKey
		msg, sig, tpmt  []byte
		wantSig, wantOK bool
	}{
		{"good DER", id.AK, c.Msg, c.SigDER, id.SigningKeyTPMT, false, true},
		{"good TPMT_SIGNATURE", id.AK, c.Msg, c.Sig, id.SigningKeyTPMT, false, true},
		{"creation", id.AK, id.CertifyCreation.Msg, id.CertifyCreation.Sig, id.SigningKeyTPMT, false, true},
		{"other key's public", id.AK, c.Msg, c.Sig, otherPub, false, false},
		{"signature by the signing key", id.SigningKey, c.Msg, c.Sig, id.SigningKeyTPMT, true, false},
		{"quote is not a certification", id.AK, nil, nil, id.SigningKeyTPMT, false, false},
		{"truncated msg", id.AK, c.Msg[:len(c.Msg)-1], c.Sig, id.SigningKeyTPMT, true, false},
		{"garbage signature", id.AK, c.Msg, []byte{0x00, 0x18, 0x00}, id.SigningKeyTPMT, true, false},
		{"not fixedTPM", id.AK, c.Msg, c.Sig, mustMarshalPublic(weak), false, false},
	}
	q, err := tp.Quote(t.Context(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests[5].msg, tests[5].sig = q.Msg, q.Sig
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifyCertification(tc.ak, tc.msg, tc.sig, tc.tpmt)
			if tc.wantOK {
				if err != nil {
					t.Fatalf("VerifyCertification: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrAttestationInvalid) {
				t.Fatalf("VerifyCertification = %v, want ErrAttestationInvalid", err)
			}
			if tc.wantSig != errors.Is(err, ErrBadSignature) {
				t.Errorf("error %v: ErrBadSignature=%v, want %v", err, errors.Is(err, ErrBadSignature), tc.wantSig)
			}
		})
	}
}

func mustMarshalPublic(p tpm2.TPMTPublic) []byte { return tpm2.Marshal(p) }

func readFile(dir, name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, name)) }
