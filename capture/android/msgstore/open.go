package msgstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// DB is an open msgstore.db, read-only. It is safe for concurrent use.
type DB struct {
	path   string
	db     *sql.DB
	schema Schema

	jidsOnce sync.Once
	jids     *jidIndex
	jidsErr  error

	countsMu sync.Mutex
	counts   map[string]int64 // rows per table, for choosing how to read a child table (modern.go)

	groupsMu   sync.Mutex
	groups     map[int64]*chatGroup // announced chats not yet read, by chat row id ([DB.WillRead])
	groupList  []*chatGroup         // every announced run, in order
	groupReads atomic.Int64         // child tables read for a group
}

const sqliteMagic = "SQLite format 3\x00"

// Open opens the msgstore.db at path read-only and immutable, so that nothing is ever written next to the evidence
// file (no -wal, -shm or -journal), and detects its schema. Because an immutable database ignores a write-ahead
// log, Open refuses a database that has a -wal or -journal file beside it ([ErrSidecar]): its last transactions
// would silently be missing. Checkpoint a working copy first. Errors: [ErrNotSQLite], [ErrCorrupt],
// [ErrSidecar], [ErrUnknownSchema].
func Open(ctx context.Context, path string) (*DB, error) {
	sdb, err := openReadOnly(ctx, path)
	if err != nil {
		return nil, err
	}
	schema, err := detectSchema(ctx, sdb)
	if err != nil {
		sdb.Close()
		return nil, fmt.Errorf("msgstore: open %s: %w", path, classify(err))
	}
	return &DB{path: path, db: sdb, schema: schema}, nil
}

// Close releases the database.
func (d *DB) Close() error { return d.db.Close() }

// Path returns the file the database was opened from.
func (d *DB) Path() string { return d.path }

// Schema returns what Open found.
func (d *DB) Schema() Schema { return d.schema }

// Check runs SQLite's quick_check over the whole file and returns [ErrCorrupt] naming the first problem. Open does
// not run it because it reads every page; run it once per acquisition.
func (d *DB) Check(ctx context.Context) error {
	var res string
	if err := d.db.QueryRowContext(ctx, "PRAGMA quick_check(1)").Scan(&res); err != nil {
		return fmt.Errorf("msgstore: check %s: %w", d.path, classify(err))
	}
	if res != "ok" {
		return fmt.Errorf("msgstore: check %s: %w: %s", d.path, ErrCorrupt, clip(res))
	}
	return nil
}

// openReadOnly checks the file's header and surroundings, then opens it through an immutable read-only URI.
func openReadOnly(ctx context.Context, path string) (*sql.DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("msgstore: open %s: %w", path, err)
	}
	if err := checkFile(abs); err != nil {
		return nil, fmt.Errorf("msgstore: open %s: %w", path, err)
	}
	u := url.URL{Path: abs}
	// mode=ro: never write; immutable=1: no locks, no -shm, no journal; query_only: refuse writes in SQL too.
	dsn := "file:" + u.EscapedPath() + "?mode=ro&immutable=1&_query_only=1"
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("msgstore: open %s: %w", path, err)
	}
	// Messages runs up to eight cursors at once (messages; user and device receipts; media, quote, revocation,
	// edit and system action), each holding a connection until it has read its last row. The number of
	// connections is not capped: with a cap, reads of several chats at once could each hold part of it and wait
	// for the rest forever. The connections of two reads are kept for the next chats.
	sdb.SetMaxIdleConns(16)
	if err := sdb.PingContext(ctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("msgstore: open %s: %w", path, classify(err))
	}
	return sdb, nil
}

// checkFile refuses what SQLite would misreport or silently misread: a non-database, a file shorter than its
// header says, and a -wal or -journal sidecar.
func checkFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%w: not a regular file", ErrNotSQLite)
	}
	hdr := make([]byte, 100)
	n, err := io.ReadFull(f, hdr)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return err
	}
	if n < len(sqliteMagic) || !bytes.Equal(hdr[:len(sqliteMagic)], []byte(sqliteMagic)) {
		return fmt.Errorf("%w: no SQLite header in the first 16 bytes (encrypted backup or other file?)", ErrNotSQLite)
	}
	if n < len(hdr) {
		return fmt.Errorf("%w: %d bytes, shorter than the 100-byte header", ErrCorrupt, n)
	}
	if want, ok := headerSize(hdr); ok && fi.Size() < want {
		return fmt.Errorf("%w: header says %d bytes, file has %d", ErrCorrupt, want, fi.Size())
	}
	for _, suffix := range []string{"-wal", "-journal"} {
		if _, err := os.Stat(path + suffix); err == nil {
			return fmt.Errorf("%w: %s", ErrSidecar, filepath.Base(path+suffix))
		}
	}
	return nil
}

// headerSize is the database size the header declares (page size × page count), when the header's count is valid
// (its version-valid-for number matches the change counter, as SQLite requires).
func headerSize(hdr []byte) (int64, bool) {
	pageSize := int64(binary.BigEndian.Uint16(hdr[16:18]))
	if pageSize == 1 {
		pageSize = 65536
	}
	pages := int64(binary.BigEndian.Uint32(hdr[28:32]))
	change, valid := binary.BigEndian.Uint32(hdr[24:28]), binary.BigEndian.Uint32(hdr[92:96])
	if pageSize < 512 || pages == 0 || change != valid {
		return 0, false
	}
	return pageSize * pages, true
}

// classify wraps SQLite's corruption codes in ErrCorrupt so that callers can branch on them.
func classify(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_FORMAT:
			return fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
	}
	return err
}
