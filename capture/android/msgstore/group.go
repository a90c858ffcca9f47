package msgstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// groupChats is how many chats announced by [DB.WillRead] share one read of each child table.
const groupChats = 8

// WillRead announces that the chats will be read with [DB.Messages], in this order (certify reads the chats of an
// acquisition list one after the other). The receipts and the other tables read per message (message_media) of
// each run of eight of them are then read once for the eight, in ascending message row id, and kept until each of
// the eight has been read, instead of sought message by message for each chat: the messages of a chat usually lie
// among other chats' (one in 200 in a backup of 200 chats written in turns), so a chat's seeks each land on a
// page of their own, while the same seeks in row id order for eight chats share their pages. The records are the
// same either way; a chat not announced, or read after its run was dropped, is read as before. Memory holds the
// child rows of at most two runs of chats being read. The legacy layout ignores it. It replaces any earlier
// announcement.
func (d *DB) WillRead(chats []ChatInfo) {
	d.groupsMu.Lock()
	defer d.groupsMu.Unlock()
	d.groups, d.groupList = map[int64]*chatGroup{}, nil
	if d.schema.Layout != LayoutModern {
		return
	}
	var ids []int64
	for _, c := range chats {
		if c.RowID != 0 && d.groups[c.RowID] == nil && !slices.Contains(ids, c.RowID) {
			ids = append(ids, c.RowID)
		}
		if len(ids) == groupChats {
			d.addGroup(ids)
			ids = nil
		}
	}
	if len(ids) > 0 {
		d.addGroup(ids)
	}
}

func (d *DB) addGroup(ids []int64) {
	g := &chatGroup{ids: ids, seq: len(d.groupList), pending: len(ids), tables: map[string]*groupRows{}}
	d.groupList = append(d.groupList, g)
	for _, id := range ids {
		d.groups[id] = g
	}
}

// chatGroup is a run of announced chats and the child rows read for them, by table.
type chatGroup struct {
	ids []int64
	seq int // its place in DB.groupList

	mu      sync.Mutex
	pending int // chats of the group not yet read
	tables  map[string]*groupRows
	gone    bool // dropped: its chats are read on their own
}

// groupRows is a child table's rows of a group's messages, in ascending message row id then _id: each row is the
// message row id and then the table's columns, width values, in blocks of groupBlock rows (a slice grown to hold
// them all would have left twice their size to collect).
type groupRows struct {
	width  int
	blocks [][]any
}

const groupBlock = 1024

func (r *groupRows) add(vals []any) {
	if n := len(r.blocks); n == 0 || len(r.blocks[n-1]) == cap(r.blocks[n-1]) {
		r.blocks = append(r.blocks, make([]any, 0, groupBlock*r.width))
	}
	last := &r.blocks[len(r.blocks)-1]
	*last = append(*last, vals...)
}

// row returns the i-th row, nil past the last.
func (r *groupRows) row(i int) []any {
	b, at := i/groupBlock, i%groupBlock*r.width
	if b >= len(r.blocks) || at >= len(r.blocks[b]) {
		return nil
	}
	return r.blocks[b][at : at+r.width : at+r.width]
}

// group returns the announced run the chat belongs to, nil when there is none. It drops the rows of the runs
// before the one before it, whose chats were then not all read, so that at most two runs hold rows.
func (d *DB) group(chat int64) *chatGroup {
	d.groupsMu.Lock()
	defer d.groupsMu.Unlock()
	g := d.groups[chat]
	if g != nil {
		for _, old := range d.groupList[:max(g.seq-1, 0)] {
			old.mu.Lock()
			old.tables, old.gone = nil, true
			old.mu.Unlock()
		}
	}
	return g
}

// done records that the chat has been read; the last chat of a group drops the group's rows.
func (d *DB) done(chat int64) {
	g := d.group(chat)
	if g == nil {
		return
	}
	d.groupsMu.Lock()
	delete(d.groups, chat)
	d.groupsMu.Unlock()
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.pending--; g.pending == 0 {
		g.tables, g.gone = nil, true
	}
}

// rows returns the group's rows of table t, reading them on first use. nil, nil means the group has been dropped.
func (g *chatGroup) rows(ctx context.Context, d *DB, t *table) (*groupRows, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.gone {
		return nil, nil
	}
	if r := g.tables[t.name]; r != nil {
		return r, nil
	}
	marks := strings.Repeat(",?", len(g.ids))[1:]
	query := "SELECT r.message_row_id, r.* FROM " + t.name + " r WHERE r.message_row_id IN" +
		" (SELECT m._id FROM message m WHERE m.chat_row_id IN (" + marks + ")) ORDER BY r.message_row_id, r._id"
	if !slices.Contains(t.cols, "_id") {
		query = strings.TrimSuffix(query, ", r._id")
	}
	args := make([]any, len(g.ids))
	for i, id := range g.ids {
		args[i] = id
	}
	c, err := openCursor(ctx, d.db, query, 1+len(t.cols), args...)
	if err != nil {
		return nil, fmt.Errorf("read table %s: %w", t.name, err)
	}
	defer c.close()
	r := &groupRows{width: 1 + len(t.cols)}
	for {
		ok, err := c.next()
		if err != nil {
			return nil, fmt.Errorf("read table %s: %w", t.name, err)
		}
		if !ok {
			break
		}
		r.add(c.vals)
	}
	g.tables[t.name] = r
	d.groupReads.Add(1)
	return r, nil
}
