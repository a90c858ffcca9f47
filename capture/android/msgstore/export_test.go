package msgstore

// SetTableRows makes the database believe every table holds n rows, to force one way of reading child tables.
func SetTableRows(d *DB, names []string, n int64) {
	d.countsMu.Lock()
	defer d.countsMu.Unlock()
	d.counts = map[string]int64{}
	for _, name := range names {
		d.counts[name] = n
	}
}

// OpenConns is how many connections the database holds, busy or idle.
func OpenConns(d *DB) int { return d.db.Stats().OpenConnections }

// GroupReads is how many times a child table has been read for a group of announced chats.
func GroupReads(d *DB) int64 { return d.groupReads.Load() }
