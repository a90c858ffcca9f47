package usb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/attesta/attesta/usb/internal/shellproto"
)

// MaxShellOutput bounds what Shell keeps from a command, so that a hostile or
// broken phone cannot exhaust memory.
const MaxShellOutput = 16 << 20

// ErrOutputTooLarge reports a command that printed more than MaxShellOutput.
var ErrOutputTooLarge = errors.New("shell output too large")

// ShellResult is what a command printed and how it ended.
type ShellResult struct {
	Stdout []byte
	Stderr []byte // empty without shell v2, where stderr is merged into Stdout
	// ExitCode is the command's exit status, or -1 when the device does not
	// speak shell v2 and cannot report it.
	ExitCode int
}

// Shell runs cmd on the device with "shell,v2,raw:" when the device advertises
// shell_v2, else with "shell:". cmd is passed to the device's sh as is: quote
// arguments that come from outside.
func (c *Client) Shell(ctx context.Context, serial, cmd string) (ShellResult, error) {
	feats, err := c.Features(ctx, serial)
	if err != nil {
		return ShellResult{}, err
	}
	v2 := slices.Contains(feats, "shell_v2")
	service := "shell:" + cmd
	if v2 {
		service = "shell,v2,raw:" + cmd
	}
	cn, err := c.transport(ctx, serial, service)
	if err != nil {
		return ShellResult{}, fmt.Errorf("adb: shell %q: %w", cmd, err)
	}
	defer cn.Close()
	var res ShellResult
	if v2 {
		res, err = readShellV2(cn)
	} else {
		res.ExitCode = -1
		res.Stdout, err = io.ReadAll(io.LimitReader(cn, MaxShellOutput+1))
		if err == nil && len(res.Stdout) > MaxShellOutput {
			err = ErrOutputTooLarge
		}
	}
	if err != nil {
		return ShellResult{}, ctxErr(ctx, fmt.Errorf("adb: device %s: shell %q: %w", serial, cmd, err))
	}
	return res, nil
}

// readShellV2 demultiplexes shell v2 packets until the exit packet.
func readShellV2(r io.Reader) (ShellResult, error) {
	var out, errOut bytes.Buffer
	for {
		id, data, err := shellproto.Read(r)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return ShellResult{}, fmt.Errorf("%w: stream ended without an exit status", io.ErrUnexpectedEOF)
			}
			return ShellResult{}, err
		}
		switch id {
		case shellproto.IDStdout:
			out.Write(data)
		case shellproto.IDStderr:
			errOut.Write(data)
		case shellproto.IDExit:
			if len(data) != 1 {
				return ShellResult{}, fmt.Errorf("%w: exit packet of %d bytes", ErrProtocol, len(data))
			}
			return ShellResult{Stdout: out.Bytes(), Stderr: errOut.Bytes(), ExitCode: int(data[0])}, nil
		}
		if out.Len()+errOut.Len() > MaxShellOutput {
			return ShellResult{}, ErrOutputTooLarge
		}
	}
}
