package adbtest

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"github.com/attesta/attesta/usb/internal/shellproto"
)

// service returns the handler for an OPEN request, or nil if the phone does not
// offer it.
func (p *Phone) service(name string) func(*stream) error {
	switch {
	case name == "sync:":
		return p.serveSync
	case strings.HasPrefix(name, "exec:"):
		cmd := strings.TrimPrefix(name, "exec:")
		return func(s *stream) error { return p.serveShell(s, cmd, false) }
	case strings.HasPrefix(name, "shell:"), strings.HasPrefix(name, "shell,"):
		args, cmd, _ := strings.Cut(name, ":")
		v2 := slices.Contains(strings.Split(args, ","), "v2")
		return func(s *stream) error { return p.serveShell(s, cmd, v2) }
	}
	return nil
}

// serveShell runs one command line. With v2 the output is framed with the
// shell protocol and ends with the exit status; v1 merges stdout and stderr.
func (p *Phone) serveShell(s *stream, cmdline string, v2 bool) error {
	var stdout, stderr bytes.Buffer
	var code int
	if strings.TrimSpace(cmdline) == "" {
		fmt.Fprintln(&stderr, "interactive shell is not available on this phone")
		code = 1
	} else if v2 {
		code = p.run(cmdline, &stdout, &stderr)
	} else {
		code = p.run(cmdline, &stdout, &stdout)
	}
	if !v2 {
		_, err := s.Write(stdout.Bytes())
		return err
	}
	go io.Copy(io.Discard, s) // stdin and close-stdin packets are acknowledged and ignored
	var out []byte
	if stdout.Len() > 0 {
		out = shellproto.Append(out, shellproto.IDStdout, stdout.Bytes())
	}
	if stderr.Len() > 0 {
		out = shellproto.Append(out, shellproto.IDStderr, stderr.Bytes())
	}
	out = shellproto.Append(out, shellproto.IDExit, []byte{byte(code)})
	_, err := s.Write(out)
	return err
}

// run interprets a command line: commands separated by ";" or "&&", each a
// pipeline whose later stages may be grep. It returns the last exit status.
func (p *Phone) run(cmdline string, stdout, stderr io.Writer) int {
	code := 0
	for _, seq := range strings.Split(cmdline, ";") {
		for i, part := range strings.Split(seq, "&&") {
			if i > 0 && code != 0 {
				break
			}
			code = p.pipeline(strings.TrimSpace(part), stdout, stderr)
		}
	}
	return code
}

func (p *Phone) pipeline(line string, stdout, stderr io.Writer) int {
	if line == "" {
		return 0
	}
	if strings.ContainsAny(line, "><") {
		p.writeAttempts.Add(1)
		fmt.Fprintln(stderr, "/system/bin/sh: can't create: Read-only file system")
		return 1
	}
	stages := strings.Split(line, "|")
	var buf bytes.Buffer
	code := p.command(fields(stages[0]), &buf, stderr)
	for _, st := range stages[1:] {
		args := fields(st)
		if len(args) == 0 || args[0] != "grep" {
			fmt.Fprintf(stderr, "/system/bin/sh: %s: only grep may follow a pipe here\n", strings.TrimSpace(st))
			return 127
		}
		var next bytes.Buffer
		code = grep(args[1:], &buf, &next, stderr)
		buf = next
	}
	stdout.Write(buf.Bytes())
	return code
}

// writers are commands that would change the phone; they are refused.
var writers = map[string]bool{"rm": true, "mv": true, "cp": true, "touch": true, "mkdir": true, "rmdir": true, "chmod": true, "chown": true, "dd": true, "ln": true, "am": true, "install": true, "setprop": true, "reboot": true, "settings": true, "content": true, "bu": true}

func (p *Phone) command(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return 0
	}
	switch name := args[0]; {
	case writers[name]:
		p.writeAttempts.Add(1)
		fmt.Fprintf(stderr, "%s: Read-only file system\n", name)
		return 1
	case name == "echo":
		fmt.Fprintln(stdout, strings.Join(args[1:], " "))
	case name == "id":
		fmt.Fprintln(stdout, "uid=2000(shell) gid=2000(shell) groups=2000(shell),1004(input),1007(log),1011(adb),1015(sdcard_rw),1028(sdcard_r),3001(net_bt_admin),3002(net_bt),3003(inet),3006(net_bw_stats),3009(readproc) context=u:r:shell:s0")
	case name == "getprop":
		p.getprop(args[1:], stdout)
	case name == "ls":
		return p.ls(args[1:], stdout, stderr)
	case name == "cat":
		return p.cat(args[1:], stdout, stderr)
	case name == "dumpsys":
		return p.dumpsys(args[1:], stdout, stderr)
	case name == "pm" || (name == "cmd" && len(args) > 1 && args[1] == "package"):
		if name == "cmd" {
			args = args[1:]
		}
		return p.pm(args[1:], stdout, stderr)
	default:
		fmt.Fprintf(stderr, "/system/bin/sh: %s: inaccessible or not found\n", name)
		return 127
	}
	return 0
}

func (p *Phone) getprop(args []string, stdout io.Writer) {
	if len(args) > 0 {
		fmt.Fprintln(stdout, p.props[args[0]])
		return
	}
	for _, k := range slices.Sorted(maps.Keys(p.props)) {
		fmt.Fprintf(stdout, "[%s]: [%s]\n", k, p.props[k])
	}
}

func (p *Phone) ls(args []string, stdout, stderr io.Writer) int {
	var paths []string
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			paths = append(paths, a)
		}
	}
	if len(paths) == 0 {
		paths = []string{"/"}
	}
	code := 0
	for _, dp := range paths {
		name, err := rootPath(dp)
		if err == nil {
			var entries []fs.DirEntry
			if entries, err = fs.ReadDir(p.root.FS(), name); err == nil {
				for _, e := range entries {
					fmt.Fprintln(stdout, e.Name())
				}
				continue
			}
			if _, serr := p.root.Lstat(name); serr == nil {
				fmt.Fprintln(stdout, dp)
				continue
			}
		}
		fmt.Fprintf(stderr, "ls: %s: No such file or directory\n", dp)
		code = 1
	}
	return code
}

func (p *Phone) cat(args []string, stdout, stderr io.Writer) int {
	code := 0
	for _, dp := range args {
		name, err := rootPath(dp)
		var data []byte
		if err == nil {
			data, err = fs.ReadFile(p.root.FS(), name)
		}
		if err != nil {
			fmt.Fprintf(stderr, "cat: %s: No such file or directory\n", dp)
			code = 1
			continue
		}
		stdout.Write(data)
	}
	return code
}

func (p *Phone) dumpsys(args []string, stdout, stderr io.Writer) int {
	if len(args) < 1 || args[0] != "package" {
		fmt.Fprintf(stderr, "Can't find service: %s\n", strings.Join(args, " "))
		return 1
	}
	for _, pkg := range args[1:] {
		v, ok := p.cfg.Packages[pkg]
		if !ok {
			continue
		}
		fmt.Fprintf(stdout, "Packages:\n  Package [%s] (5e3c1a2):\n    userId=10213\n    pkg=Package{9b8f7a1 %s}\n", pkg, pkg)
		fmt.Fprintf(stdout, "    codePath=/data/app/~~Zx1/%s-Q2/\n    versionCode=%d minSdk=21 targetSdk=34\n    versionName=%s\n", pkg, versionCode(v), v)
		fmt.Fprintf(stdout, "    flags=[ HAS_CODE ALLOW_CLEAR_USER_DATA ]\n")
	}
	return 0
}

func versionCode(v string) int {
	code := 0
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r < '0' || r > '9' }) {
		for _, r := range f {
			code = code*10 + int(r-'0')
		}
		if code > 1e8 {
			break
		}
	}
	return code
}

func (p *Phone) pm(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: pm list packages | pm path PACKAGE")
		return 1
	}
	switch args[0] {
	case "list":
		if len(args) > 1 && args[1] == "packages" {
			for _, k := range slices.Sorted(maps.Keys(p.cfg.Packages)) {
				fmt.Fprintln(stdout, "package:"+k)
			}
			return 0
		}
	case "path":
		if len(args) > 1 {
			if _, ok := p.cfg.Packages[args[1]]; ok {
				fmt.Fprintf(stdout, "package:/data/app/~~Zx1/%s-Q2/base.apk\n", args[1])
				return 0
			}
			return 1
		}
	case "install", "uninstall", "clear", "disable", "enable", "grant", "revoke", "install-create":
		p.writeAttempts.Add(1)
		fmt.Fprintln(stderr, "Failure [read-only evidence phone]")
		return 1
	}
	fmt.Fprintf(stderr, "pm: unknown command %q\n", strings.Join(args, " "))
	return 1
}

// grep filters lines of in; -i ignores case, -v inverts, -F/-E are accepted
// and treated as fixed strings.
func grep(args []string, in io.Reader, out, stderr io.Writer) int {
	var fold, invert bool
	var pattern *string
	for _, a := range args {
		switch {
		case a == "-i":
			fold = true
		case a == "-v":
			invert = true
		case a == "-F" || a == "-E" || a == "-e":
		case pattern == nil:
			pattern = &a
		}
	}
	if pattern == nil {
		fmt.Fprintln(stderr, "usage: grep [-iv] PATTERN")
		return 2
	}
	data, _ := io.ReadAll(in)
	found := false
	pat := *pattern
	if fold {
		pat = strings.ToLower(pat)
	}
	for line := range strings.Lines(string(data)) {
		l := line
		if fold {
			l = strings.ToLower(l)
		}
		if strings.Contains(l, pat) != invert {
			io.WriteString(out, line)
			found = true
		}
	}
	if !found {
		return 1
	}
	return 0
}

// fields splits a command on blanks, honouring single and double quotes.
func fields(s string) []string {
	var out []string
	var cur strings.Builder
	var quote rune
	inField := false
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inField = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inField {
				out = append(out, cur.String())
				cur.Reset()
				inField = false
			}
		default:
			cur.WriteRune(r)
			inField = true
		}
	}
	if inField {
		out = append(out, cur.String())
	}
	return out
}
