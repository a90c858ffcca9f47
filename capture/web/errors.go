package web

import (
	"errors"
	"fmt"
)

// Sentinel errors callers branch on.
var (
	// ErrUnsupportedBuild: the running WhatsApp Web build lacks a module the bridge needs. The error
	// ([*ModuleError]) names the module and the build.
	ErrUnsupportedBuild = errors.New("whatsapp web build not supported by the bridge")
	// ErrNotLinked: the QR code was not scanned (the device was not linked) in time.
	ErrNotLinked = errors.New("whatsapp web not linked")
	// ErrLinkLost: the linked device was logged out, or the browser went away, during a capture. What was acquired
	// is kept; [Session.Resume] completes the rest after a new link.
	ErrLinkLost = errors.New("whatsapp web link lost")
	// ErrWrongAccount: the account that linked the session is not the declared sender, or not the one linked
	// before. The error ([*AccountError]) names both; nothing was read from the account.
	ErrWrongAccount = errors.New("whatsapp web linked by the wrong account")
)

// AccountError says which account linked the session and which one was expected.
type AccountError struct {
	Linked   string // E.164, or the own id when it has no number
	Expected string // E.164
	Reason   string
}

func (e *AccountError) Error() string {
	linked := e.Linked
	if linked == "" {
		linked = "unknown"
	}
	return fmt.Sprintf("linked account %s, expected %s: %s", linked, e.Expected, e.Reason)
}

func (e *AccountError) Unwrap() error { return ErrWrongAccount }
