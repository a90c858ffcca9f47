package bundle

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// verificaCommands returns the commands of VERIFICA.txt: a line starting with "$ " begins one, the lines after it
// starting with "> " continue it.
func verificaCommands(text string) []string {
	var cmds []string
	cur := -1
	for _, l := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(l, "$ "):
			cmds = append(cmds, l[2:])
			cur = len(cmds) - 1
		case strings.HasPrefix(l, "> ") && cur >= 0:
			cmds[cur] += "\n" + l[2:]
		default:
			cur = -1
		}
	}
	return cmds
}

// runVerifica runs every command of the folder's VERIFICA.txt exactly as written, with sh in the folder, and
// returns the commands that failed with their output.
func runVerifica(t *testing.T, dir string) map[string]string {
	t.Helper()
	requireTools(t, "sh", "openssl", "sha256sum", "base64", "od", "sed", "grep", "find", "cmp")
	cmds := verificaCommands(string(mustRead(t, filepath.Join(dir, verificaFile))))
	if len(cmds) < 10 {
		t.Fatalf("VERIFICA.txt has %d commands", len(cmds))
	}
	failed := map[string]string{}
	for _, c := range cmds {
		cmd := exec.CommandContext(t.Context(), "sh", "-c", c)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir(), "LC_ALL=C.UTF-8")
		out, err := cmd.CombinedOutput()
		if err != nil {
			failed[c] = string(out) + err.Error()
		}
	}
	return failed
}

func requireTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed to run VERIFICA.txt: %v", tool, err)
		}
	}
}

// TestVerificaSteps runs VERIFICA.txt on a good delivery (every step passes) and on damaged copies (the step that
// checks the damaged part fails).
func TestVerificaSteps(t *testing.T) {
	f := newFixture(t)
	m := f.chatManifest(t, 5, 20)
	good := f.deliver(t, m, Delivery{}, WriteOptions{})
	if failed := runVerifica(t, good); len(failed) > 0 {
		for c, out := range failed {
			t.Errorf("step failed on a good delivery:\n%s\n%s", c, out)
		}
	}
	art := m.Artifacts[1].Path
	tests := []struct {
		name   string
		damage func(t *testing.T, dir string)
		step   string // a substring of the step that must fail
	}{
		{"artifact byte", func(t *testing.T, dir string) {
			p := filepath.Join(dir, art)
			b := mustRead(t, p)
			b[0] ^= 1
			mustWrite(t, p, b)
		}, "sha256sum -c SHA256SUMS"},
		{"extra artifact", func(t *testing.T, dir string) {
			mustWrite(t, filepath.Join(dir, "artifacts", "extra.png"), []byte("planted"))
		}, "Nessun file estraneo"},
		{"SHA256SUMS rewritten", func(t *testing.T, dir string) {
			p := filepath.Join(dir, art)
			b := mustRead(t, p)
			b[0] ^= 1
			mustWrite(t, p, b)
			sums := mustRead(t, filepath.Join(dir, sumsFile))
			sums = bytes.Replace(sums, []byte(m.Artifacts[1].SHA256), []byte(sha256Hex(b)), 1)
			mustWrite(t, filepath.Join(dir, sumsFile), sums)
		}, "SHA256SUMS: OK"},
		{"message status", func(t *testing.T, dir string) {
			replaceOnce(t, filepath.Join(dir, manifestFile), `"status": "sent"`, `"status": "read"`)
		}, "Corpo del manifesto"},
		{"member after journal block", func(t *testing.T, dir string) {
			p := filepath.Join(dir, manifestFile)
			mustWrite(t, p, append(bytes.TrimSuffix(mustRead(t, p), []byte("}\n")), []byte(`, "messages": []}`+"\n")...))
		}, "Blocco journal"},
		{"checkpoint", func(t *testing.T, dir string) {
			p := filepath.Join(dir, checkpointFile)
			lines := strings.SplitN(string(mustRead(t, p)), "\n", 3)
			lines[0] += "x"
			mustWrite(t, p, []byte(strings.Join(lines, "\n")))
		}, `-signature "$D/sig"`},
		{"proof hash", func(t *testing.T, dir string) {
			p := filepath.Join(dir, proofFile)
			pr, _ := ParseProof(mustRead(t, p))
			pr.Hashes[len(pr.Hashes)-1][5] ^= 1
			mustWrite(t, p, pr.Marshal())
		}, "Inclusione: OK"},
		{"vkey swapped", func(t *testing.T, dir string) {
			other := newFixture(t)
			mustWrite(t, filepath.Join(dir, vkeyFile), []byte(other.j.VerifierKey()+"\n"))
		}, `-signature "$D/sig"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyDir(t, good)
			tt.damage(t, dir)
			failed := runVerifica(t, dir)
			found := false
			for c := range failed {
				if strings.Contains(c, tt.step) {
					found = true
				}
			}
			if !found {
				t.Errorf("no failed step containing %q; failed: %d steps", tt.step, len(failed))
			}
			if _, err := Verify(t.Context(), dir, VerifyOptions{}); err == nil {
				t.Errorf("Verify passes the damaged delivery")
			}
		})
	}
}
