package journal

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/attesta/attesta/internal/testpki"
)

// The crash test re-executes the test binary; these variables switch it into
// the child that appends until it is killed.
const (
	crashDirEnv = "ATTESTA_JOURNAL_CRASH_DIR"
	crashKeyEnv = "ATTESTA_JOURNAL_CRASH_KEY" // PKCS#8, base64; made by the parent at run time
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashDirEnv); dir != "" {
		os.Exit(crashChild(dir, os.Getenv(crashKeyEnv)))
	}
	os.Exit(m.Run())
}

// crashChild appends single leaves and small batches forever, printing
// "<seq> <hex leaf bytes>" for each leaf only after Append has returned.
func crashChild(dir, key64 string) int {
	der, err := base64.StdEncoding.DecodeString(key64)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: key:", err)
		return 3
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: key:", err)
		return 3
	}
	ctx := context.Background()
	j, err := Open(ctx, filepath.Join(dir, "journal.db"), Options{Origin: testOrigin, Signer: k.(*ecdsa.PrivateKey), CheckpointEvery: 5})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 4
	}
	pid := os.Getpid()
	for i := 0; ; i++ {
		n := 1
		if i%4 == 3 {
			n = 1 + i%7
		}
		batch := make([]Entry, n)
		for b := range batch {
			batch[b] = Entry{Type: "crash-test", Fields: map[string]any{"pid": pid, "i": i, "b": b}}
		}
		leaves, err := j.AppendBatch(ctx, batch)
		if err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			return 5
		}
		var out bytes.Buffer
		for _, l := range leaves {
			fmt.Fprintf(&out, "%d %x\n", l.Index, l.Data)
		}
		os.Stdout.Write(out.Bytes())
	}
}

// TestCrashSafety SIGKILLs appending children at random points and checks
// that every acknowledged leaf survives, byte for byte, and the journal
// verifies. (SIGKILL keeps the page cache: this tests the atomicity of each
// commit and the order of commit and acknowledgement, not power loss.)
func TestCrashSafety(t *testing.T) {
	key := testpki.Key(t)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	env := append(os.Environ(), crashDirEnv+"="+dir, crashKeyEnv+"="+base64.StdEncoding.EncodeToString(der))
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	acked := map[uint64]string{}
	const rounds = 20
	for round := range rounds {
		delay := time.Duration(rng.IntN(150)) * time.Millisecond
		if round == 0 {
			delay = 300 * time.Millisecond // let the first child create the journal
		}
		lines, stderr := runAndKill(t, env, delay)
		for _, line := range lines {
			seqText, data, ok := strings.Cut(line, " ")
			seq, err := strconv.ParseUint(seqText, 10, 64)
			if !ok || err != nil {
				t.Fatalf("round %d: bad child line %q", round, line)
			}
			if prev, dup := acked[seq]; dup && prev != data {
				t.Fatalf("round %d: leaf %d acknowledged twice with different bytes: an acknowledged leaf was lost", round, seq)
			}
			acked[seq] = data
		}
		if strings.TrimSpace(stderr) != "" {
			t.Fatalf("round %d: child failed: %s", round, stderr)
		}
	}
	if len(acked) == 0 {
		t.Fatal("no leaf was acknowledged")
	}

	j, err := Open(t.Context(), filepath.Join(dir, "journal.db"), Options{Origin: testOrigin, Signer: key, CheckpointEvery: 5})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	for seq, want := range acked {
		got, err := j.LeafBytes(t.Context(), seq)
		if err != nil {
			t.Fatalf("acknowledged leaf %d: %v", seq, err)
		}
		if hex.EncodeToString(got) != want {
			t.Fatalf("acknowledged leaf %d changed", seq)
		}
	}
	rep, err := j.Verify(t.Context(), VerifyOptions{Verifier: testVerifier(t, key)})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.SelfTest(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d rounds: %d leaves acknowledged, %d in the journal, %d checkpoints", rounds, len(acked), rep.Size, rep.Checkpoints)
}

// runAndKill starts a child, SIGKILLs it after delay, and returns the
// complete lines it printed and its standard error.
func runAndKill(t *testing.T, env []string, delay time.Duration) ([]string, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan []string)
	go func() {
		var lines []string
		r := bufio.NewReader(out)
		for {
			line, err := r.ReadString('\n')
			if err != nil { // EOF: a partial last line was not acknowledged
				done <- lines
				return
			}
			lines = append(lines, strings.TrimSuffix(line, "\n"))
		}
	}()
	time.Sleep(delay)
	cmd.Process.Signal(syscall.SIGKILL)
	lines := <-done
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("child was not killed (it exited: %v): %s", err, stderr.String())
	}
	io.Copy(io.Discard, out)
	return lines, stderr.String()
}
