package msgstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"slices"
)

// scanRows runs query and, for each row, scans it into dest and calls row; what names the read in errors ("read
// table chat").
func scanRows(ctx context.Context, db *sql.DB, what, query string, args []any, dest []any, row func()) error {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		row()
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// cursor scans a query whose result is one or more `t.*` column groups (optionally after a leading parent id). A
// goroutine of its own steps the statement and scans rows in batches ahead of the reader, so that SQLite's work on
// the main query and on each child table runs beside the building of records, on another core when there is one;
// the batches are recycled, so memory is a few batches per cursor whatever the size of the chat.
type cursor struct {
	vals  []any         // the current row, valid until the next call to next
	full  chan *batch   // scanned batches, in order
	free  chan *batch   // batches the reader is done with
	stop  chan struct{} // closed by close: the reader left
	ended chan struct{} // closed by the scanning goroutine once it has closed the rows
	cur   *batch
	at    int
	err   error
}

// batch is cursorBatch rows of a cursor's columns, the first n scanned; err ends the stream after them.
type batch struct {
	vals []driver.Value
	n    int
	err  error
}

// cursorBatch is how many rows a cursor scans ahead per hand-over, and cursorDepth how many batches it holds.
const (
	cursorBatch = 128
	cursorDepth = 2
)

func openCursor(ctx context.Context, db *sql.DB, query string, ncols int, args ...any) (*cursor, error) {
	named := make([]driver.NamedValue, len(args))
	for i, a := range args {
		v, err := driver.DefaultParameterConverter.ConvertValue(a)
		if err != nil {
			return nil, fmt.Errorf("argument %d: %w", i+1, err)
		}
		named[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	c := &cursor{full: make(chan *batch, cursorDepth), free: make(chan *batch, cursorDepth+1),
		stop: make(chan struct{}), ended: make(chan struct{})}
	for range cursorDepth + 1 {
		c.free <- &batch{vals: make([]driver.Value, ncols*cursorBatch)}
	}
	c.vals = make([]any, ncols)
	opened := make(chan error, 1) // one value: whether the query started
	go func() {
		defer close(c.ended)
		defer conn.Close()
		started := false
		err := conn.Raw(func(dc any) error {
			q, ok := dc.(driver.QueryerContext)
			if !ok {
				return fmt.Errorf("the SQLite driver's connection %T cannot query", dc)
			}
			rows, err := q.QueryContext(ctx, query, named)
			if err != nil {
				return err
			}
			started = true
			opened <- nil
			defer rows.Close()
			c.scan(ctx, rows, ncols)
			return nil
		})
		if !started {
			if err == nil {
				err = errors.New("the query did not start")
			}
			opened <- err
		}
	}()
	if err := <-opened; err != nil {
		<-c.ended
		return nil, err
	}
	return c, nil
}

// scan fills batches with the driver's rows until they end, fail, ctx ends, or the reader leaves. The values go straight
// from the driver into the batch: database/sql's Scan would only copy them once more (blobs included, which the
// SQLite driver already hands over as copies of their own).
func (c *cursor) scan(ctx context.Context, rows driver.Rows, ncols int) {
	defer close(c.full)
	for {
		var b *batch
		select {
		case b = <-c.free:
		case <-c.stop:
			return
		}
		b.n, b.err = 0, ctx.Err()
		for b.err == nil && b.n < cursorBatch {
			if err := rows.Next(b.vals[b.n*ncols : (b.n+1)*ncols]); err != nil {
				b.err = err
				break
			}
			b.n++
		}
		select {
		case c.full <- b:
		case <-c.stop:
			return
		}
		if b.err != nil {
			return
		}
	}
}

// next advances; it returns false at the end or on an error, which err then reports.
func (c *cursor) next() (bool, error) {
	for c.cur == nil || c.at == c.cur.n {
		if c.cur != nil {
			if c.cur.err != nil {
				return c.end(c.cur.err)
			}
			c.free <- c.cur
			c.cur = nil
		}
		b, ok := <-c.full
		if !ok {
			return c.end(c.err)
		}
		c.cur, c.at = b, 0
	}
	ncols := len(c.vals)
	for i, v := range c.cur.vals[c.at*ncols : (c.at+1)*ncols] {
		c.vals[i] = v
	}
	c.at++
	return true, nil
}

// end records why the rows ended; io.EOF is the clean end.
func (c *cursor) end(err error) (bool, error) {
	c.err = err
	if errors.Is(err, io.EOF) {
		return false, nil
	}
	return false, err
}

// close stops the scanning goroutine and waits until it has closed the rows.
func (c *cursor) close() error {
	close(c.stop)
	<-c.ended
	return nil
}

// joined is a cursor over a query that joins tables, the first the messages table, each found by its key column;
// each row is cut into one row per table.
type joined struct {
	c      *cursor
	tables []*table
	keys   []col
	parts  []row
}

func openJoined(ctx context.Context, db *sql.DB, query string, tables []*table, keys []col, args ...any) (*joined, error) {
	ncols := 0
	for _, t := range tables {
		ncols += len(t.cols)
	}
	c, err := openCursor(ctx, db, query, ncols, args...)
	if err != nil {
		return nil, fmt.Errorf("read table %s: %w", tables[0].name, err)
	}
	return &joined{c: c, tables: tables, keys: keys}, nil
}

// each calls f with the message row id and the parts of every row, in order, until the rows end or f fails.
func (j *joined) each(f func(id int64, parts []row) error) error {
	for {
		ok, err := j.c.next()
		if err != nil {
			return fmt.Errorf("read table %s: %w", j.tables[0].name, err)
		}
		if !ok {
			return nil
		}
		j.parts = split(j.parts[:0], j.c.vals, j.tables, j.keys)
		parts := j.parts
		id, _ := parts[0].int(colID)
		if err := f(id, parts); err != nil {
			return err
		}
	}
}

func (j *joined) close() error { return j.c.close() }

// split cuts the current row into one row per table; a LEFT JOIN that found nothing (key column NULL) gives a row
// with nil vals. The rows share the cursor's buffer and are valid until the next call to next. They are appended
// to out.
func split(out []row, vals []any, tables []*table, keys []col) []row {
	out = slices.Grow(out, len(tables))[:len(tables)]
	off := 0
	for i, t := range tables {
		r := row{t: t, vals: vals[off : off+len(t.cols)]}
		off += len(t.cols)
		if r.value(keys[i]) == nil {
			r.vals = nil
		}
		out[i] = r
	}
	return out
}

// child is a cursor over the rows of a table that belong to the parent rows of another cursor, both in ascending
// parent id: a merge join, so that receipts are read in one pass instead of one query per message.
type child struct {
	t      *table
	c      *cursor
	rows   *groupRows // instead of c: rows read for a group of chats
	at     int        // the next of rows
	have   bool
	parent int64
	cur    []any // the row read ahead, whose parent is parent
	done   bool
	// the rows take returns and their values, reused by the next call
	out  []row
	vals []any
}

func openChild(ctx context.Context, db *sql.DB, t *table, query string, args ...any) (*child, error) {
	c, err := openCursor(ctx, db, query, 1+len(t.cols), args...)
	if err != nil {
		return nil, fmt.Errorf("read table %s: %w", t.name, err)
	}
	return &child{t: t, c: c}, nil
}

// take returns the rows whose parent id is id, skipping those of earlier parents. The rows and their values are
// valid until the next call.
func (ch *child) take(id int64) ([]row, error) {
	if ch == nil {
		return nil, nil
	}
	ch.out, ch.vals = ch.out[:0], ch.vals[:0]
	for {
		if !ch.have {
			if ch.done {
				return ch.taken(), nil
			}
			vals, err := ch.next()
			if err != nil {
				return nil, fmt.Errorf("read table %s: %w", ch.t.name, err)
			}
			if vals == nil {
				ch.done = true
				return ch.taken(), nil
			}
			parent, _ := asInt(vals[0])
			ch.parent, ch.cur, ch.have = parent, vals, true
		}
		if ch.parent > id {
			return ch.taken(), nil
		}
		if ch.parent == id {
			ch.vals = append(ch.vals, ch.cur[1:]...)
			ch.out = append(ch.out, row{t: ch.t})
		}
		ch.have = false
	}
}

// next is the next row, the parent id first; nil at the end.
func (ch *child) next() ([]any, error) {
	if ch.rows != nil {
		vals := ch.rows.row(ch.at)
		ch.at++
		return vals, nil
	}
	ok, err := ch.c.next()
	if !ok || err != nil {
		return nil, err
	}
	return ch.c.vals, nil
}

// taken points the rows taken at their values, once vals has stopped growing.
func (ch *child) taken() []row {
	n := len(ch.t.cols)
	for i := range ch.out {
		ch.out[i].vals = ch.vals[i*n : (i+1)*n : (i+1)*n]
	}
	return ch.out
}

func (ch *child) close() {
	if ch != nil && ch.c != nil {
		ch.c.close()
	}
}
