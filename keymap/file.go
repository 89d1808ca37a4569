package keymap

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// FileName is the keymap file under the user's configuration directory.
const FileName = "keys.toml"

// DefaultPath is $XDG_CONFIG_HOME/gatehouse/keys.toml, or
// ~/.config/gatehouse/keys.toml when XDG_CONFIG_HOME is unset (as the XDG
// base directory specification says, on every system alike).
func DefaultPath() (string, error) {
	if dir := os.Getenv("XDG_CONFIG_HOME"); dir != "" && filepath.IsAbs(dir) {
		return filepath.Join(dir, "gatehouse", FileName), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("keymap: no home directory for ~/.config/gatehouse/%s: %w", FileName, err)
	}
	return filepath.Join(home, ".config", "gatehouse", FileName), nil
}

// Load returns the default keys with the overrides of the keymap file:
// path when given (--keys; it must exist), else DefaultPath when that file
// exists. A file that does not check out is refused whole, naming its line.
func Load(path string) (KeyMap, error) {
	explicit := path != ""
	if !explicit {
		var err error
		if path, err = DefaultPath(); err != nil {
			return Default(), nil // no home: no file to read, the defaults stand
		}
	}
	f, err := os.Open(path)
	if err != nil {
		if !explicit && errors.Is(err, fs.ErrNotExist) {
			return Default(), nil
		}
		return KeyMap{}, fmt.Errorf("keymap: %w", err)
	}
	defer func() { _ = f.Close() }() // read-only: a close error loses nothing
	return Parse(f, path)
}

// entry is one binding of the key map reached by its file name.
type entry struct {
	scope, action string
	b             *key.Binding
	line          int // the file line that set it; 0 for a default
}

// entries lists every binding of km as scope.action, both the lower-case
// field names ("list.new", "global.quit"); the file names them so.
func entries(km *KeyMap) []*entry {
	var out []*entry
	v := reflect.ValueOf(km).Elem()
	for i := range v.NumField() {
		sec := v.Field(i)
		scope := strings.ToLower(v.Type().Field(i).Name)
		for j := range sec.NumField() {
			b, ok := sec.Field(j).Addr().Interface().(*key.Binding)
			if !ok {
				continue
			}
			out = append(out, &entry{scope: scope, action: strings.ToLower(sec.Type().Field(j).Name), b: b})
		}
	}
	return out
}

// fixed are bindings a file may not move: the number keys stand for the
// screens' numbers.
var fixed = map[string]bool{"global.screens": true}

// maxFileSize bounds a keymap file: a few hundred lines at most in use.
const maxFileSize = 1 << 20

// Parse reads a keymap file (name is for messages) over the default keys.
// The file is TOML (github.com/pelletier/go-toml/v2):
//
//	# comment
//	[list]
//	new = "a"
//	delete = ["x", "delete"]
//	[global]
//	quit = 'ctrl+q'
//
// A [scope] header picks a group of keys (global, nav, list, form, …) and
// each key/value sets one action of it to a key or a list of keys; the
// help shows them joined with "/". A dotted key names the scope itself
// (list.new = "a" before any header, or list = { new = "a" }), as TOML
// reads it. Scope and action names are case-insensitive. It is refused,
// naming the line, when it is not TOML, on an unknown scope or action, a
// key Bubble Tea never reports, an action set twice, and two actions of
// one scope on the same key.
func Parse(r io.Reader, name string) (KeyMap, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return KeyMap{}, fmt.Errorf("keymap: reading %s: %w", name, err)
	}
	if len(data) > maxFileSize {
		return KeyMap{}, fmt.Errorf("keymap: %s is larger than %d KiB: not a keymap file", name, maxFileSize>>10)
	}
	km := Default()
	all := entries(&km)
	f := &fileParse{name: name, byName: map[string]*entry{}, scopes: map[string]bool{}}
	for _, e := range all {
		f.byName[e.scope+"."+e.action] = e
		f.scopes[e.scope] = true
	}
	f.p.Reset(data)
	var table []string // the [scope] header in force, lower-cased
	for f.p.NextExpression() {
		expr := f.p.Expression()
		switch expr.Kind {
		case unstable.Table:
			parts, line := f.key(expr.Key())
			if len(parts) != 1 {
				return KeyMap{}, f.fail(line, "[%s]: a header names one scope, such as [list]", strings.Join(parts, "."))
			}
			if !f.scopes[parts[0]] {
				return KeyMap{}, f.fail(line, "unknown scope [%s]: expected one of %s", parts[0], strings.Join(sortedKeys(f.scopes), ", "))
			}
			table = parts
		case unstable.ArrayTable:
			parts, line := f.key(expr.Key())
			return KeyMap{}, f.fail(line, "[[%s]]: expected a [scope] header", strings.Join(parts, "."))
		case unstable.KeyValue:
			if err := f.keyValue(table, expr); err != nil {
				return KeyMap{}, err
			}
		}
	}
	if err := f.p.Error(); err != nil {
		return KeyMap{}, f.syntax(err)
	}
	// what the walk above does not judge (a table defined twice, a dotted
	// key and a header for one table) is TOML's own rule: the decoder says
	if err := toml.Unmarshal(data, new(map[string]any)); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			line, _ := de.Position()
			return KeyMap{}, f.fail(line, "not TOML: %s", strings.TrimPrefix(de.Error(), "toml: "))
		}
		return KeyMap{}, fmt.Errorf("keymap: %s: not TOML: %w", name, err)
	}
	// two actions of one scope on a key, or an action on a key the shell
	// reads first on every screen (global): reported on the file's line.
	// Pairs the defaults already share stay allowed: some scopes serve
	// several tabs (collab, gov, import) whose keys never meet.
	shared := defaultShared()
	for _, e := range all {
		if e.line == 0 {
			continue
		}
		for _, o := range all {
			if o == e || (o.scope != e.scope && o.scope != "global" && e.scope != "global") {
				continue
			}
			for _, k := range e.b.Keys() {
				if slices.Contains(o.b.Keys(), k) && !shared[pair(e, o, k)] {
					return KeyMap{}, f.fail(e.line, "key %q of %s.%s is already %s.%s's (one key, one action in [%s] and on every screen for [global])", k, e.scope, e.action, o.scope, o.action, o.scope)
				}
			}
		}
	}
	return km, nil
}

// fileParse is one keymap file being read.
type fileParse struct {
	name   string
	p      unstable.Parser
	byName map[string]*entry // "list.new"
	scopes map[string]bool
}

func (f *fileParse) fail(line int, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", f.name, line, fmt.Sprintf(format, args...))
}

// line is the file line a node starts on.
func (f *fileParse) line(n *unstable.Node) int { return f.p.Shape(n.Raw).Start.Line }

// key is a (dotted) key's parts, lower-cased, and the line it starts on.
func (f *fileParse) key(it unstable.Iterator) ([]string, int) {
	var parts []string
	line := 0
	for it.Next() {
		n := it.Node()
		if line == 0 {
			line = f.line(n)
		}
		parts = append(parts, strings.ToLower(string(n.Data)))
	}
	return parts, line
}

// syntax is a parser error with the line it points at.
func (f *fileParse) syntax(err error) error {
	var pe *unstable.ParserError
	if !errors.As(err, &pe) {
		return fmt.Errorf("keymap: %s: not TOML: %w", f.name, err)
	}
	// the highlight is a slice of the file: its offset is what its
	// capacity lacks of the file's (as Parser.Range finds it, without the
	// panic on a slice that is not one)
	data, line := f.p.Data(), 1
	if off := cap(data) - cap(pe.Highlight); pe.Highlight != nil && off >= 0 && off <= len(data) {
		line += bytes.Count(data[:off], []byte{'\n'})
	}
	msg := "not TOML: " + pe.Message
	if strings.Contains(pe.Message, "start of value") {
		msg += ` (a key is a quoted string such as "ctrl+s", or a list of them)`
	}
	return f.fail(line, "%s", msg)
}

// keyValue applies one key/value under the [scope] header table (nil
// before any header): a dotted key extends the table, and an inline table
// is its keys under its own.
func (f *fileParse) keyValue(table []string, kv *unstable.Node) error {
	parts, line := f.key(kv.Key())
	path := append(slices.Clone(table), parts...)
	v := kv.Value()
	if v.Kind == unstable.InlineTable {
		for it := v.Children(); it.Next(); {
			if c := it.Node(); c.Kind == unstable.KeyValue {
				if err := f.keyValue(path, c); err != nil {
					return err
				}
			}
		}
		return nil
	}
	switch {
	case len(path) == 1:
		return f.fail(line, "action %q comes before any [scope] header", path[0])
	case len(path) > 2:
		return f.fail(line, "%s names no action: an action is scope.action (list.new), or its name under a [scope] header", strings.Join(path, "."))
	}
	scope, act := path[0], path[1]
	if !f.scopes[scope] {
		return f.fail(line, "unknown scope [%s]: expected one of %s", scope, strings.Join(sortedKeys(f.scopes), ", "))
	}
	full := scope + "." + act
	e, ok := f.byName[full]
	if !ok {
		return f.fail(line, "unknown action %q in [%s]", act, scope)
	}
	if fixed[full] {
		return f.fail(line, "action %s cannot be remapped: the number keys are the screens' numbers", full)
	}
	if e.line != 0 {
		return f.fail(line, "action %s is set twice (first on line %d)", full, e.line)
	}
	keys, err := f.keys(v)
	if err != nil {
		return f.fail(line, "action %s: %v", full, err)
	}
	e.b.SetKeys(keys...)
	e.b.SetHelp(strings.Join(keys, "/"), e.b.Help().Desc)
	e.line = line
	return nil
}

// keys reads a string or a list of strings and checks every key.
func (f *fileParse) keys(v *unstable.Node) ([]string, error) {
	var vals []*unstable.Node
	if v.Kind == unstable.Array {
		for it := v.Children(); it.Next(); {
			if n := it.Node(); n.Kind != unstable.Comment {
				vals = append(vals, n)
			}
		}
		if len(vals) == 0 {
			return nil, errors.New("the list of keys is empty")
		}
	} else {
		vals = []*unstable.Node{v}
	}
	keys := make([]string, 0, len(vals))
	for _, n := range vals {
		if n.Kind != unstable.String {
			got := string(f.p.Raw(n.Raw))
			switch n.Kind {
			case unstable.Array:
				got = "a list inside the list"
			case unstable.InlineTable:
				got = "a table"
			}
			return nil, fmt.Errorf("a key is a quoted string such as \"ctrl+s\", got %s", got)
		}
		k := string(n.Data)
		if err := checkKey(k); err != nil {
			return nil, err
		}
		if slices.Contains(keys, k) {
			return nil, fmt.Errorf("key %q is listed twice", k)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// pair names two bindings and a key, in either order.
func pair(a, b *entry, k string) string {
	x, y := a.scope+"."+a.action, b.scope+"."+b.action
	if x > y {
		x, y = y, x
	}
	return x + "|" + y + "|" + k
}

// defaultShared lists the keys two default bindings already share.
func defaultShared() map[string]bool {
	km := Default()
	all := entries(&km)
	out := map[string]bool{}
	for i, e := range all {
		for _, o := range all[i+1:] {
			for _, k := range e.b.Keys() {
				if slices.Contains(o.b.Keys(), k) {
					out[pair(e, o, k)] = true
				}
			}
		}
	}
	return out
}

// named are the key names Bubble Tea v2 reports (tea.KeyPressMsg.String).
var named = map[string]bool{"enter": true, "tab": true, "backspace": true, "esc": true, "space": true,
	"up": true, "down": true, "left": true, "right": true, "insert": true, "delete": true,
	"pgup": true, "pgdown": true, "home": true, "end": true,
	"f1": true, "f2": true, "f3": true, "f4": true, "f5": true, "f6": true,
	"f7": true, "f8": true, "f9": true, "f10": true, "f11": true, "f12": true}

// checkKey accepts what a key press prints as: one character, or a named
// key, after ctrl+, alt+ and shift+ in that order ("ctrl+alt+x").
func checkKey(k string) error {
	base := k
	for _, mod := range []string{"ctrl+", "alt+", "shift+"} {
		if b, ok := strings.CutPrefix(base, mod); ok && b != "" {
			base = b
		}
	}
	if named[base] || (utf8.RuneCountInString(base) == 1 && base != " ") {
		return nil
	}
	return fmt.Errorf("bad key %q: expected one character or a named key (enter, esc, tab, space, up, pgdown, f1, …), with ctrl+, alt+ or shift+ before it", k)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
