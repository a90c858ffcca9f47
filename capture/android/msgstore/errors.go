package msgstore

import "errors"

// Sentinel errors callers branch on. Every error this package returns wraps at most one of them and names the file
// (and, where it helps, the table, column or row) it concerns.
var (
	// ErrNotSQLite reports a file that does not start with the SQLite header: not a database, or still encrypted.
	ErrNotSQLite = errors.New("not a SQLite database")
	// ErrUnknownSchema reports a database whose tables or columns are not a msgstore.db (or wa.db) this package
	// reads; the error text names what is missing and what was found.
	ErrUnknownSchema = errors.New("unknown schema")
	// ErrCorrupt reports a database SQLite cannot read: truncated, or with damaged pages.
	ErrCorrupt = errors.New("database corrupt or truncated")
	// ErrSidecar reports a -wal or -journal file next to the database. Opening read-only and immutable would ignore
	// it and silently miss its transactions, so the caller must decide (see [Open]).
	ErrSidecar = errors.New("write-ahead log or rollback journal next to the database")
	// ErrChatNotFound reports a phone number or JID with no chat in the database.
	ErrChatNotFound = errors.New("chat not found")
	// ErrAmbiguousChat reports a phone number that matches more than one one-to-one chat (typically a phone-number
	// chat and a LID chat for the same person); the caller picks from [DB.Chats].
	ErrAmbiguousChat = errors.New("more than one chat matches")
)
