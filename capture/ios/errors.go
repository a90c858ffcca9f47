package ios

import "errors"

// Errors callers branch on. Each error returned wraps one of them and names the file concerned.
var (
	// ErrNotBackup: the folder lacks a file every backup has, or one of them is not what it should be.
	ErrNotBackup = errors.New("not an iOS backup")
	// ErrIncomplete: the backup was not finished (Status.plist), or a file is shorter or longer than its index says.
	ErrIncomplete = errors.New("incomplete or truncated backup")
	// ErrPasswordRequired: the backup is encrypted and no password was given.
	ErrPasswordRequired = errors.New("the backup is encrypted: its password is required")
	// ErrWrongPassword: the password does not unlock the backup's keybag.
	ErrWrongPassword = errors.New("wrong backup password")
	// ErrKeybag: the keybag (Manifest.plist BackupKeyBag) or a wrapped key is damaged.
	ErrKeybag = errors.New("damaged backup keybag")
	// ErrNotInBackup: the backup's index has no such file.
	ErrNotInBackup = errors.New("file not in the backup")
	// ErrCorrupt: a file's encryption or padding is wrong, or the index entry describing it is malformed.
	ErrCorrupt = errors.New("corrupt backup file")
)
