package tpm

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// backend is a TPM the conformance suite runs against.
type backend struct {
	name string
	spec string
	// reset power-cycles the TPM (PCRs back to their boot values) while
	// keeping its persistent state, as a reboot of the appliance would.
	// For the simulator, closing and reopening already does that.
	reset func(t *testing.T)
	// hasEKCert says whether the TPM was manufactured with EK certificates.
	hasEKCert bool
}

func simBackend() backend {
	return backend{name: "sim", spec: "sim", reset: func(*testing.T) {}}
}

// requireTools fails the test (never silently skips) when an external tool
// is missing, unless ATTESTA_SKIP_SWTPM=1 asks to skip.
func requireTools(t testing.TB, tools ...string) {
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

// swtpmBackend manufactures a swtpm TPM with EK certificates (its own local
// CA in a temp dir, nothing under /var/lib) and serves it on a unix socket
// until the test ends.
func swtpmBackend(t *testing.T) backend {
	t.Helper()
	if os.Getenv("ATTESTA_SKIP_SWTPM") == "1" {
		t.Skip("ATTESTA_SKIP_SWTPM=1")
	}
	requireTools(t, "swtpm", "swtpm_setup", "swtpm_localca")
	// Unix socket paths are limited to 108 bytes; t.TempDir can be long.
	dir, err := os.MkdirTemp("", "swtpm")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	state, cfg := filepath.Join(dir, "state"), filepath.Join(dir, "cfg")
	for _, d := range []string{state, cfg} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	writeSwtpmConfig(t, cfg)
	setup := exec.CommandContext(t.Context(), "swtpm_setup", "--tpm2", "--tpmstate", state,
		"--create-ek-cert", "--ecc", "--config", filepath.Join(cfg, "swtpm_setup.conf"), "--overwrite")
	if out, err := setup.CombinedOutput(); err != nil {
		t.Fatalf("swtpm_setup: %v\n%s", err, out)
	}
	sock := filepath.Join(dir, "tpm.sock")
	var proc *exec.Cmd
	start := func() {
		proc = startSwtpm(t, state, sock)
	}
	stop := func() {
		if proc != nil {
			proc.Process.Signal(syscall.SIGTERM)
			proc.Wait()
			proc = nil
		}
	}
	start()
	t.Cleanup(stop)
	return backend{
		name: "swtpm", spec: "swtpm:" + sock, hasEKCert: true,
		reset: func(t *testing.T) { stop(); start() },
	}
}

func writeSwtpmConfig(t *testing.T, cfg string) {
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

func startSwtpm(t *testing.T, state, sock string) *exec.Cmd {
	t.Helper()
	os.Remove(sock)
	os.Remove(sock + ".ctrl")
	cmd := exec.Command("swtpm", "socket", "--tpm2", "--tpmstate", "dir="+state,
		"--server", "type=unixio,path="+sock, "--ctrl", "type=unixio,path="+sock+".ctrl",
		"--flags", "not-need-init,startup-clear")
	if err := cmd.Start(); err != nil {
		t.Fatalf("start swtpm: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		// The socket file appears at bind, before listen: wait for a
		// connection to succeed.
		if c, err := net.Dial("unix", sock); err == nil {
			c.Close()
			return cmd
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("swtpm did not create %s within 10s", sock)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// runShell runs a command line as VERIFY.txt gives it, in dir.
func runShell(t *testing.T, dir, line string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "sh", "-c", line)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}
