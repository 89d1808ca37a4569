package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gatehouse/domain"
)

// Every stored value starts with a version byte so encodings can change
// without a flag day. Small, rare entities are JSON; tickets, history and
// audit events, the bulk of the file, use a compact binary form that decodes
// about ten times faster than JSON.
const (
	vJSON1   byte = 1
	vBinary1 byte = 1
	// vBinary2 adds a record's version (tickets) or an update's changed
	// fields (audit events) after the version 1 fields.
	vBinary2 byte = 2
)

var errShort = errors.New("record is truncated")

func encJSON(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append([]byte{vJSON1}, b...), nil
}

func decJSON(b []byte, v any) error {
	if len(b) == 0 || b[0] != vJSON1 {
		return fmt.Errorf("unknown record version %v", head(b))
	}
	if err := json.Unmarshal(b[1:], v); err != nil {
		return err
	}
	firstVersion(v)
	return nil
}

func head(b []byte) any {
	if len(b) == 0 {
		return "(empty)"
	}
	return b[0]
}

// enc appends fields in a fixed order.
type enc struct{ b []byte }

func (e *enc) u(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *enc) i(v int64)  { e.b = binary.AppendVarint(e.b, v) }
func (e *enc) s(v string) { e.u(uint64(len(v))); e.b = append(e.b, v...) }
func (e *enc) t(v time.Time) {
	if v.IsZero() {
		e.i(0)
		return
	}
	e.i(v.UnixNano())
}
func (e *enc) ids(v []uint64) {
	e.u(uint64(len(v)))
	for _, x := range v {
		e.u(x)
	}
}

// dec reads what enc wrote; the first error sticks.
type dec struct {
	b   []byte
	err error
}

func (d *dec) u() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errShort
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) i() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errShort
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) s() string {
	n := d.u()
	if d.err != nil {
		return ""
	}
	if uint64(len(d.b)) < n {
		d.err = errShort
		return ""
	}
	v := string(d.b[:n]) // copies: bbolt's slice dies with the transaction
	d.b = d.b[n:]
	return v
}

func (d *dec) t() time.Time {
	v := d.i()
	if v == 0 {
		return time.Time{}
	}
	return time.Unix(0, v).UTC()
}

func (d *dec) ids() []uint64 {
	n := d.u()
	if d.err != nil || n > uint64(len(d.b)) {
		if d.err == nil {
			d.err = errShort
		}
		return nil
	}
	if n == 0 {
		return nil
	}
	out := make([]uint64, n)
	for i := range out {
		out[i] = d.u()
	}
	return out
}

func encTicket(t *domain.Ticket) []byte {
	e := enc{b: make([]byte, 0, 112+len(t.Title)+len(t.Description))}
	e.b = append(e.b, vBinary2)
	e.u(t.ID)
	e.u(uint64(t.Number))
	e.u(uint64(t.Status))
	e.u(t.Reporter)
	e.u(t.Assignee)
	e.u(t.Building)
	e.u(uint64(t.Parent))
	e.t(t.Created)
	e.t(t.Updated)
	e.t(t.Closed)
	e.s(t.Title)
	e.s(t.ProblemType)
	e.s(t.CommonProblem)
	e.s(t.Priority)
	e.s(t.Room)
	e.ids(t.Teams)
	e.ids(t.VisibleTo)
	e.s(t.Description)
	e.u(t.Version)
	e.s(t.ChangedBy)
	e.t(t.ChangedAt)
	return e.b
}

func decTicket(b []byte, t *domain.Ticket) error {
	if len(b) == 0 || (b[0] != vBinary1 && b[0] != vBinary2) {
		return fmt.Errorf("unknown ticket record version %v", head(b))
	}
	d := dec{b: b[1:]}
	t.ID = d.u()
	t.Number = domain.TicketNumber(d.u())
	t.Status = domain.Status(d.u())
	t.Reporter = d.u()
	t.Assignee = d.u()
	t.Building = d.u()
	t.Parent = domain.TicketNumber(d.u())
	t.Created = d.t()
	t.Updated = d.t()
	t.Closed = d.t()
	t.Title = d.s()
	t.ProblemType = d.s()
	t.CommonProblem = d.s()
	t.Priority = d.s()
	t.Room = d.s()
	t.Teams = d.ids()
	t.VisibleTo = d.ids()
	t.Description = d.s()
	t.Rev = domain.Rev{Version: 1}
	if b[0] == vBinary2 {
		t.Version = max(d.u(), 1)
		t.ChangedBy = d.s()
		t.ChangedAt = d.t()
	}
	return d.err
}

// ticketText returns a ticket record's title and description without
// decoding it (no allocation), for free-text search over the whole file.
func ticketText(b []byte) (title, desc []byte, ok bool) {
	if len(b) == 0 || (b[0] != vBinary1 && b[0] != vBinary2) {
		return nil, nil, false
	}
	b = b[1:]
	skip := func() bool { // one varint
		_, n := binary.Uvarint(b)
		if n <= 0 {
			return false
		}
		b = b[n:]
		return true
	}
	str := func() ([]byte, bool) {
		l, n := binary.Uvarint(b)
		if n <= 0 || uint64(len(b)-n) < l {
			return nil, false
		}
		v := b[n : n+int(l)]
		b = b[n+int(l):]
		return v, true
	}
	ids := func() bool {
		c, n := binary.Uvarint(b)
		if n <= 0 || c > uint64(len(b)) {
			return false
		}
		b = b[n:]
		for range c {
			if !skip() {
				return false
			}
		}
		return true
	}
	for range 10 { // id, number, status, reporter, assignee, building, parent, created, updated, closed
		if !skip() {
			return nil, nil, false
		}
	}
	if title, ok = str(); !ok {
		return nil, nil, false
	}
	for range 4 { // problem type, common problem, priority, room
		if _, ok = str(); !ok {
			return nil, nil, false
		}
	}
	for range 2 { // teams, visible-to groups
		if !ids() {
			return nil, nil, false
		}
	}
	desc, ok = str()
	return title, desc, ok
}

func encHistory(h *domain.HistoryEntry) []byte {
	e := enc{b: []byte{vBinary1}}
	e.u(h.Ticket)
	e.t(h.At)
	e.u(h.Actor)
	e.s(h.Action)
	e.s(h.Detail)
	e.s(h.Comment)
	return e.b
}

func decHistory(b []byte, h *domain.HistoryEntry) error {
	if len(b) == 0 || b[0] != vBinary1 {
		return fmt.Errorf("unknown history record version %v", head(b))
	}
	d := dec{b: b[1:]}
	h.Ticket = d.u()
	h.At = d.t()
	h.Actor = d.u()
	h.Action = d.s()
	h.Detail = d.s()
	h.Comment = d.s()
	return d.err
}

func encAudit(a *domain.AuditEvent) []byte {
	v := vBinary1
	if len(a.Changes) > 0 {
		v = vBinary2
	}
	e := enc{b: []byte{v}}
	e.u(a.ID)
	e.t(a.At)
	e.u(a.Actor)
	e.s(a.ActorName)
	e.s(a.Entity)
	e.u(a.EntityID)
	e.s(a.Name)
	e.s(a.Action)
	e.s(a.Before)
	e.s(a.After)
	if v == vBinary2 {
		e.u(uint64(len(a.Changes)))
		for _, c := range a.Changes {
			e.s(c.Field)
			e.s(c.Before)
			e.s(c.After)
			if c.Set {
				e.u(1)
			} else {
				e.u(0)
			}
		}
	}
	return e.b
}

func decAudit(b []byte, a *domain.AuditEvent) error {
	if len(b) == 0 || (b[0] != vBinary1 && b[0] != vBinary2) {
		return fmt.Errorf("unknown audit record version %v", head(b))
	}
	d := dec{b: b[1:]}
	a.ID = d.u()
	a.At = d.t()
	a.Actor = d.u()
	a.ActorName = d.s()
	a.Entity = d.s()
	a.EntityID = d.u()
	a.Name = d.s()
	a.Action = d.s()
	a.Before = d.s()
	a.After = d.s()
	a.Changes = nil
	if b[0] == vBinary2 {
		n := d.u()
		if n > uint64(len(b)) {
			return fmt.Errorf("audit record claims %d changes in %d bytes", n, len(b))
		}
		for ; n > 0 && d.err == nil; n-- {
			c := domain.FieldChange{Field: d.s(), Before: d.s(), After: d.s(), Set: d.u() == 1}
			a.Changes = append(a.Changes, c)
		}
	}
	return d.err
}

// groupRecord stores a group's flags and levels by id, so adding a flag to
// the catalog never reinterprets stored bits.
type groupRecord struct {
	domain.Group
	FlagIDs []string          `json:"flags"`
	Levels  map[string]string `json:"levels"`
}

func encGroup(g *domain.Group) ([]byte, error) {
	r := groupRecord{Group: *g, FlagIDs: g.Flags.IDs(), Levels: map[string]string{}}
	for m := domain.Module(0); m < domain.NumModules; m++ {
		if g.Levels[m] != domain.LevelNone {
			r.Levels[m.String()] = g.Levels[m].String()
		}
	}
	return encJSON(r)
}

func decGroup(b []byte, g *domain.Group) error {
	var r groupRecord
	if err := decJSON(b, &r); err != nil {
		return err
	}
	*g = r.Group
	g.Flags = domain.FlagSet{}
	for _, id := range r.FlagIDs {
		if p, ok := domain.Lookup(id); ok && !p.IsModule {
			g.Flags.Add(p.Flag)
		}
	}
	g.Levels = domain.ModuleLevels{}
	for id, l := range r.Levels {
		p, ok := domain.Lookup(id)
		lv, ok2 := domain.ParseLevel(l)
		if ok && ok2 && p.IsModule {
			g.Levels[p.Module] = lv
		}
	}
	return nil
}
