package ui

import (
	"context"
	"time"
)

// CloudRestores guides the cloud-backup path, for a chat WhatsApp Web does not show: the studio's lab phone,
// wiped, registers WhatsApp with the client's number; the client relays the verification code through their remote
// page; WhatsApp restores the client's cloud backup (Google Drive on Android, iCloud on iPhone); then the phone's
// usual extraction over USB certifies the list. Each step is journaled with who, when and which phone, and heads
// the deliveries' chain of custody. The steps come in the order of the Cloud* constants; a step out of order, an
// unknown platform or phone, or a missing confirmation wraps [ErrInvalid]; an unknown restore wraps [ErrNotFound].
type CloudRestores interface {
	// StartCloudRestore identifies the lab phone on USB and records that it was wiped (the CloudWiped step).
	StartCloudRestore(ctx context.Context, req CloudStart) (CloudRestore, error)
	// CloudStep records the next step of restore id: CloudRegistering, CloudCodeRelayed or CloudRestored.
	CloudStep(ctx context.Context, id string, step CloudStepInput) (CloudRestore, error)
	// ExtractCloud starts the job that extracts the restored chats from the lab phone and certifies the list.
	ExtractCloud(ctx context.Context, id string, req CloudExtraction) (JobInfo, error)
	// CloudRestores lists a case's restores, newest first; CloudRestore returns one.
	CloudRestores(ctx context.Context, caseID string) ([]CloudRestore, error)
	CloudRestore(ctx context.Context, id string) (CloudRestore, error)
}

// The platforms of the cloud-backup path.
const (
	CloudAndroid = "android" // Google Drive → lab Android phone → ADB
	CloudIPhone  = "iphone"  // iCloud → lab iPhone → its backup over USB
)

// The steps of a cloud restore, in order.
const (
	CloudWiped       = "wiped"        // the lab phone was wiped before use
	CloudRegistering = "registering"  // WhatsApp's registration with the client's number started on it
	CloudCodeRelayed = "code-relayed" // the client relayed the verification code through their remote page
	CloudRestored    = "restored"     // WhatsApp restored the cloud backup, of BackupDate
	CloudExtracting  = "extracting"   // the extraction job started (Job)
)

// CloudStart starts a cloud restore on a lab phone.
type CloudStart struct {
	Case     string
	Platform string // CloudAndroid or CloudIPhone
	Device   string // the lab phone: an ADB serial or an iPhone's UDID; empty: the only one attached
	Wiped    bool   // the technician confirms the phone was wiped (factory reset) before this restore
	Operator string
}

// CloudStepInput is one step after the first.
type CloudStepInput struct {
	Step       string
	Operator   string // the technician; for CloudCodeRelayed, empty: the client acted
	Link       string // CloudCodeRelayed: the SHA-256 of the remote link's token
	BackupDate string // CloudRestored: the backup's date as WhatsApp showed it, YYYY-MM-DD
}

// CloudExtraction is the extraction at the end of a cloud restore.
type CloudExtraction struct {
	List     string
	Key      string // Android: the 64-digit key of the end-to-end backup made on the lab phone after the restore
	Operator string
}

// CloudRestore is a cloud restore as the screens show it.
type CloudRestore struct {
	ID          string
	Case        string
	Platform    string
	Device      string // the lab phone's serial or UDID
	DeviceModel string
	Steps       []CloudStepInfo
	Job         string // the extraction job, once started
}

// CloudStepInfo is a step done.
type CloudStepInfo struct {
	Step       string
	At         time.Time
	Operator   string
	BackupDate string
	Leaf       uint64
}

// Last returns the last step done.
func (c CloudRestore) Last() string {
	if len(c.Steps) == 0 {
		return ""
	}
	return c.Steps[len(c.Steps)-1].Step
}
