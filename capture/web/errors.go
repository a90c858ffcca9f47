package web

import "errors"

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
)
