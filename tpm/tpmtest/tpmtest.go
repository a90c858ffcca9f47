// Package tpmtest holds the conformance suite of the TPM transports, [TestTPM], which the simulator, swtpm and the
// device (/dev/tpmrm0, when the machine has one) all run, as golang.org/x/mod/sumdb/storage.TestStorage does for
// its storage: a new transport proves itself by passing it. It also starts software TPMs for tests: swtpm,
// manufactured with EK certificates from its own local CA in a temporary directory, served on a Unix socket until
// the test ends.
//
// Tests that need swtpm fail (never silently skip) when its tools are missing, telling to run scripts/setup; set
// ATTESTA_SKIP_SWTPM=1 to skip them instead.
package tpmtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/attesta/attesta/internal/testwait"
)

// RequireTools fails t when a tool is missing from PATH, unless ATTESTA_SKIP_SWTPM=1 asks to skip.
func RequireTools(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("ATTESTA_SKIP_SWTPM") == "1" {
				t.Skipf("%s not installed and ATTESTA_SKIP_SWTPM=1", tool)
			}
			t.Fatalf("%s not found in PATH: run scripts/setup to install swtpm, swtpm-tools, tpm2-tools and openssl "+
				"(or set ATTESTA_SKIP_SWTPM=1 to skip the swtpm and interop tests)", tool)
		}
	}
}

// Swtpm is a running swtpm.
type Swtpm struct {
	// Spec is the transport spec for tpm.Open: "swtpm:<socket>".
	Spec string
	// StateDir holds swtpm's persistent state (NV, seeds, clock).
	StateDir string
	// LocalCA is the directory of the CA that swtpm_localca made, at run time, to sign this TPM's EK certificates:
	// EKCAs reads its certificates.
	LocalCA string

	sock string
	proc *exec.Cmd
}

// Start manufactures a new swtpm and serves it until the test ends.
func Start(t testing.TB) *Swtpm {
	t.Helper()
	if os.Getenv("ATTESTA_SKIP_SWTPM") == "1" {
		t.Skip("ATTESTA_SKIP_SWTPM=1")
	}
	RequireTools(t, "swtpm", "swtpm_setup", "swtpm_localca")
	// Unix socket paths are limited to 108 bytes, and t.TempDir can be longer.
	dir, err := os.MkdirTemp("", "swtpm")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := &Swtpm{StateDir: filepath.Join(dir, "state"), sock: filepath.Join(dir, "tpm.sock")}
	s.Spec = "swtpm:" + s.sock
	cfg := filepath.Join(dir, "cfg")
	s.LocalCA = filepath.Join(cfg, "localca")
	for _, d := range []string{s.StateDir, cfg} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	writeConfig(t, cfg)
	setup := exec.Command("swtpm_setup", "--tpm2", "--tpmstate", s.StateDir,
		"--create-ek-cert", "--ecc", "--config", filepath.Join(cfg, "swtpm_setup.conf"), "--overwrite")
	if out, err := setup.CombinedOutput(); err != nil {
		t.Fatalf("swtpm_setup: %v\n%s", err, out)
	}
	s.start(t)
	t.Cleanup(s.stop)
	return s
}

// EKCAs returns the PEM certificates of the local CA that signed the EK certificates (its root and its issuing
// certificate), as a TPM manufacturer publishes its EK CAs.
func (s *Swtpm) EKCAs(t testing.TB) []byte {
	t.Helper()
	var out []byte
	for _, name := range []string{"swtpm-localca-rootca-cert.pem", "issuercert.pem"} {
		b, err := os.ReadFile(filepath.Join(s.LocalCA, name))
		if err != nil {
			t.Fatalf("swtpm local CA: %v", err)
		}
		out = append(out, b...)
	}
	return out
}

// PowerCycle stops swtpm without an orderly TPM2_Shutdown (as a power loss would) and starts it again on the same
// state: PCRs return to their boot values, persistent state stays.
func (s *Swtpm) PowerCycle(t testing.TB) {
	t.Helper()
	s.stop()
	s.start(t)
}

// Stopped runs fn while swtpm is stopped, to let a test alter its state files, then starts it again.
func (s *Swtpm) Stopped(t testing.TB, fn func()) {
	t.Helper()
	s.stop()
	fn()
	s.start(t)
}

func writeConfig(t testing.TB, cfg string) {
	t.Helper()
	files := map[string]string{
		"swtpm-localca.conf": fmt.Sprintf("statedir = %[1]s/localca\nsigningkey = %[1]s/localca/signkey.pem\n"+
			"issuercert = %[1]s/localca/issuercert.pem\ncertserial = %[1]s/localca/certserial\n", cfg),
		"swtpm-localca.options": "--platform-manufacturer Attesta\n--platform-version 1.0\n--platform-model test\n",
		"swtpm_setup.conf": fmt.Sprintf("create_certs_tool = swtpm_localca\ncreate_certs_tool_config = %[1]s/swtpm-localca.conf\n"+
			"create_certs_tool_options = %[1]s/swtpm-localca.options\nactive_pcr_banks = sha256\n", cfg),
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(cfg, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func (s *Swtpm) start(t testing.TB) {
	t.Helper()
	os.Remove(s.sock)
	os.Remove(s.sock + ".ctrl")
	cmd := exec.Command("swtpm", "socket", "--tpm2", "--tpmstate", "dir="+s.StateDir,
		"--server", "type=unixio,path="+s.sock, "--ctrl", "type=unixio,path="+s.sock+".ctrl",
		"--flags", "not-need-init,startup-clear")
	if err := cmd.Start(); err != nil {
		t.Fatalf("start swtpm: %v", err)
	}
	// The socket file appears at bind, before listen: wait until a connection succeeds, as long as the test may
	// (a loaded machine starts swtpm slowly).
	err := testwait.UntilCtx(t, t.Context(), func() bool {
		c, err := net.Dial("unix", s.sock)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("swtpm did not listen on %s: %v", s.sock, err)
	}
	s.proc = cmd
}

func (s *Swtpm) stop() {
	if s.proc != nil {
		s.proc.Process.Signal(syscall.SIGTERM)
		s.proc.Wait()
		s.proc = nil
	}
}
