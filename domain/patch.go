package domain

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Rev is a record's version: it moves on with every write to the record, so
// a form that opened at one version can tell that someone wrote since, and
// who last wrote it and when travel with it (the audit trail has no index by
// record).
type Rev struct {
	Version   uint64    `json:"version"`
	ChangedBy string    `json:"changed_by,omitempty"` // username; "system" for a periodic job
	ChangedAt time.Time `json:"changed_at,omitzero"`
	// OnTopOf is set only on a record a patch has just returned, when the
	// record had moved on since the patch's base: the last change the patch
	// landed on top of ("changed by su2 at 14:02; your changes were applied
	// on top"). It is never stored.
	OnTopOf *Rev `json:"-"`
}

// Revision is the record's Rev, for code that handles records of any kind.
func (r *Rev) Revision() *Rev { return r }

// VersionOrFirst is the version of a record; records written before
// versions existed are at version 1.
func (r Rev) VersionOrFirst() uint64 { return max(r.Version, 1) }

// Field is one part of a record as a patch, a conflict and the audit see it:
// a stable key ("name", "flag:ticket.close"), what people call it, and its
// value as people read it.
type Field struct {
	Key   string
	Label string
	Value string
	// List names the set the field is a member of ("flags"): the audit
	// shows a change of its members as "flags: +ticket.close −ticket.report".
	List string
}

// FieldChange is one changed field of an audit event. A set's change
// (Set) carries the whole set before and after and reads "+added −removed".
type FieldChange struct {
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
	Set    bool   `json:"set,omitempty"`
}

func (c FieldChange) String() string {
	if !c.Set {
		return c.Field + ": " + orDash(c.Before) + " → " + orDash(c.After)
	}
	added, removed := c.Diff()
	var parts []string
	for _, a := range added {
		parts = append(parts, "+"+a)
	}
	for _, r := range removed {
		parts = append(parts, "−"+r)
	}
	return c.Field + ": " + strings.Join(parts, " ")
}

// Diff lists a set change's added and removed members.
func (c FieldChange) Diff() (added, removed []string) {
	b, a := splitItems(c.Before), splitItems(c.After)
	for _, x := range a {
		if !slices.Contains(b, x) {
			added = append(added, x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			removed = append(removed, x)
		}
	}
	return added, removed
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func splitItems(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ", ")
}

// CompareFields lists the keys whose values differ between two readings of
// one record, in before's order, and the audit's changes: a plain field
// one each, a set (the fields of one List) once, whole before and after.
// Both readings come from one schema, so their fields line up; after is
// put in before's order when they do not.
func CompareFields(before, after []Field) (keys []string, changes []FieldChange) {
	after = alignFields(before, after)
	var lists map[string]int // a changed set → its change's index
	for i, b := range before {
		a := after[i]
		if a.Value == b.Value {
			continue
		}
		keys = append(keys, b.Key)
		if b.List == "" {
			changes = append(changes, FieldChange{Field: b.Label, Before: b.Value, After: a.Value})
			continue
		}
		if _, ok := lists[b.List]; !ok {
			if lists == nil {
				lists = map[string]int{}
			}
			lists[b.List] = len(changes)
			changes = append(changes, FieldChange{Field: b.List, Set: true})
		}
	}
	for list, at := range lists {
		var bs, as []string
		for i, b := range before {
			if b.List != list {
				continue
			}
			_, item, _ := strings.Cut(b.Key, ":")
			if b.Value != "" {
				bs = append(bs, item)
			}
			if after[i].Value != "" {
				as = append(as, item)
			}
		}
		changes[at].Before, changes[at].After = strings.Join(bs, ", "), strings.Join(as, ", ")
	}
	return keys, changes
}

// alignFields returns after in before's order (a field after lacks reads
// as empty).
func alignFields(before, after []Field) []Field {
	aligned := len(before) == len(after)
	for i := 0; aligned && i < len(before); i++ {
		aligned = before[i].Key == after[i].Key
	}
	if aligned {
		return after
	}
	byKey := make(map[string]Field, len(after))
	for _, f := range after {
		byKey[f.Key] = f
	}
	out := make([]Field, len(before))
	for i, b := range before {
		if f, ok := byKey[b.Key]; ok {
			out[i] = f
		} else {
			out[i] = Field{Key: b.Key, Label: b.Label, List: b.List}
		}
	}
	return out
}

// FieldConflict is one field both sides changed: what is stored now
// (theirs, written by By at At) and what the patch would write (mine).
type FieldConflict struct {
	Key    string    `json:"key"`
	Label  string    `json:"label"`
	Theirs string    `json:"theirs"`
	Mine   string    `json:"mine"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

// Conflict refuses a write whose record moved on since the version it was
// based on: nothing is written. Fields lists each field both sides changed
// (a patch); it is empty when the caller asked for an exact version
// (--if-version) and the record is at another.
type Conflict struct {
	Entity  string // "group", "user", …
	Name    string // what people call the record
	Base    uint64 // the version the write was based on
	Version uint64 // the version now
	By      string // who wrote the version now
	At      time.Time
	Fields  []FieldConflict
}

func (c *Conflict) Error() string {
	when := c.At.Format("2006-01-02 15:04 MST")
	if len(c.Fields) == 0 {
		by := fmt.Sprintf(" (changed by %s at %s)", orDash(c.By), when)
		if c.By == "" && c.At.IsZero() {
			by = "" // a record not written since versions began
		}
		return fmt.Sprintf("%s %s is at version %d, not %d%s; nothing was changed", c.Entity, c.Name, c.Version, c.Base, by)
	}
	var parts []string
	for _, f := range c.Fields {
		parts = append(parts, fmt.Sprintf("%s is %s (by %s), yours %s", f.Label, quoteValue(f.Theirs), f.By, quoteValue(f.Mine)))
	}
	return fmt.Sprintf("%s %s was changed by %s at %s since you opened it (version %d, now %d): %s; nothing was saved",
		c.Entity, c.Name, orDash(c.By), when, c.Base, c.Version, strings.Join(parts, "; "))
}

func quoteValue(s string) string {
	if s == "" {
		return "empty"
	}
	return strconv.Quote(s)
}

// AsConflict returns the conflict behind err, if that is what it is.
func AsConflict(err error) (*Conflict, bool) {
	c, ok := errorAs[*Conflict](err)
	return c, ok
}

type ifVersionKey struct{}

// WithIfVersion makes a write on one record a conditional one: it is refused
// with a Conflict, changing nothing, unless the record its first argument
// names is at version v (the CLI's --if-version, HTTP's If-Match).
func WithIfVersion(ctx context.Context, v uint64) context.Context {
	return context.WithValue(ctx, ifVersionKey{}, v)
}

// IfVersion is the version WithIfVersion asked for.
func IfVersion(ctx context.Context) (uint64, bool) {
	v, ok := ctx.Value(ifVersionKey{}).(uint64)
	return v, ok
}

// fieldDef reads and writes one field of a T for patches, conflicts and the
// audit: get returns the value, set stores one of get's type.
type fieldDef[T any] struct {
	key   string
	label string
	list  string
	ref   string // the value is the ID (or IDs) of a record of this kind: shown by name
	get   func(*T) any
	set   func(*T, any)
	show  func(any, Names) string // nil: showValue, or the names of ref
}

// Names says what people call a record another one refers to by ID: ref is
// "user", "group", "team" or "building". The store answers from the
// transaction a write runs in.
type Names func(ref string, id ID) string

// schema is the fields of one kind of record.
type schema[T any] struct {
	defs  []fieldDef[T]
	index map[string]int
}

func newSchema[T any](defs []fieldDef[T]) *schema[T] {
	s := &schema[T]{defs: defs, index: make(map[string]int, len(defs))}
	for i, d := range defs {
		if _, dup := s.index[d.key]; dup {
			panic("domain: field " + d.key + " declared twice")
		}
		s.index[d.key] = i
	}
	return s
}

func (s *schema[T]) text(d *fieldDef[T], v any, names Names) string {
	switch {
	case d.show != nil:
		return d.show(v, names)
	case d.ref != "" && names != nil:
		switch x := v.(type) {
		case ID:
			return nameOf(names, d.ref, x)
		case []ID:
			out := make([]string, len(x))
			for i, id := range x {
				out[i] = nameOf(names, d.ref, id)
			}
			return strings.Join(out, ", ")
		}
	}
	return showValue(v)
}

// nameOf is what people call the record id of kind ref ("" for none).
func nameOf(names Names, ref string, id ID) string {
	switch {
	case id == 0:
		return ""
	case names == nil:
		return "#" + strconv.FormatUint(id, 10)
	}
	return names(ref, id)
}

// fields reads every field of rec; names (nil: numbers) shows references.
func (s *schema[T]) fields(rec *T, names Names) []Field {
	out := make([]Field, len(s.defs))
	for i := range s.defs {
		d := &s.defs[i]
		out[i] = Field{Key: d.key, Label: d.label, Value: s.text(d, d.get(rec), names), List: d.list}
	}
	return out
}

// diff is the patch that turns before into after.
func (s *schema[T]) diff(before, after *T) patch {
	var p patch
	for i := range s.defs {
		d := &s.defs[i]
		if a := d.get(after); s.text(d, d.get(before), nil) != s.text(d, a, nil) {
			p.put(d.key, a)
		}
	}
	return p
}

// apply sets the patch's fields on rec.
func (s *schema[T]) apply(rec T, p patch) T {
	for _, k := range p.keys {
		i, ok := s.index[k]
		if !ok {
			panic("domain: patch names unknown field " + k)
		}
		s.defs[i].set(&rec, p.vals[k])
	}
	return rec
}

// patch is the fields an edit sets, by key, in the order they were set.
type patch struct {
	// Base is the version the edit started from (the form's opened
	// record). A field changed by someone else since then that the patch
	// would change too is a Conflict; other fields land on top. 0: apply
	// to whatever is stored.
	Base uint64
	keys []string
	vals map[string]any
}

func (p *patch) put(key string, v any) {
	if p.vals == nil {
		p.vals = map[string]any{}
	}
	if _, ok := p.vals[key]; !ok {
		p.keys = append(p.keys, key)
	}
	p.vals[key] = v
}

// Empty reports whether the patch sets nothing.
func (p patch) Empty() bool { return len(p.keys) == 0 }

// Sets reports whether the patch sets the field.
func (p patch) Sets(key string) bool { _, ok := p.vals[key]; return ok }

// Keys are the fields the patch sets.
func (p patch) Keys() []string { return slices.Clone(p.keys) }

// Drop removes fields from the patch ("take theirs" on a conflict).
func (p *patch) Drop(keys ...string) {
	for _, k := range keys {
		if _, ok := p.vals[k]; ok {
			delete(p.vals, k)
			p.keys = slices.DeleteFunc(p.keys, func(x string) bool { return x == k })
		}
	}
}

// showValue is how a field's value reads in the audit and on a conflict.
func showValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "yes"
		}
		return ""
	case int:
		if x == 0 {
			return ""
		}
		return strconv.Itoa(x)
	case []string:
		return strings.Join(x, ", ")
	case time.Time:
		if x.IsZero() {
			return ""
		}
		return x.UTC().Format(time.RFC3339)
	case ID:
		if x == 0 {
			return ""
		}
		return "#" + strconv.FormatUint(x, 10)
	case []ID:
		out := make([]string, len(x))
		for i, id := range x {
			out[i] = "#" + strconv.FormatUint(id, 10)
		}
		return strings.Join(out, ", ")
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// str, flag, num and strs adapt typed accessors to fieldDef's.
func str[T any](key, label string, p func(*T) *string) fieldDef[T] {
	return fieldDef[T]{key: key, label: label, get: func(r *T) any { return *p(r) }, set: func(r *T, v any) { *p(r) = v.(string) }}
}

func flag[T any](key, label string, p func(*T) *bool) fieldDef[T] {
	return fieldDef[T]{key: key, label: label, get: func(r *T) any { return *p(r) }, set: func(r *T, v any) { *p(r) = v.(bool) }}
}

func num[T any](key, label string, p func(*T) *int) fieldDef[T] {
	return fieldDef[T]{key: key, label: label, get: func(r *T) any { return *p(r) }, set: func(r *T, v any) { *p(r) = v.(int) }}
}

func strs[T any](key, label string, p func(*T) *[]string) fieldDef[T] {
	return fieldDef[T]{key: key, label: label, get: func(r *T) any { return slices.Clone(*p(r)) }, set: func(r *T, v any) { *p(r) = slices.Clone(v.([]string)) }}
}

func ids[T any](key, label, ref string, p func(*T) *[]ID) fieldDef[T] {
	return fieldDef[T]{key: key, label: label, ref: ref, get: func(r *T) any { return slices.Clone(*p(r)) }, set: func(r *T, v any) { *p(r) = slices.Clone(v.([]ID)) }}
}

func date[T any](key, label string, p func(*T) *time.Time) fieldDef[T] {
	return fieldDef[T]{key: key, label: label, get: func(r *T) any { return *p(r) }, set: func(r *T, v any) { *p(r) = v.(time.Time) }}
}

func id[T any](key, label, ref string, p func(*T) *ID) fieldDef[T] {
	return fieldDef[T]{key: key, label: label, ref: ref, get: func(r *T) any { return *p(r) }, set: func(r *T, v any) { *p(r) = v.(ID) }}
}
