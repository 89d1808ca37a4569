package keymap

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
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

// Parse reads a keymap file (name is for messages) over the default keys.
// The format is a small part of TOML:
//
//	# comment
//	[list]
//	new = "a"
//	delete = ["x", "delete"]
//
// A [scope] header picks a group of keys (global, nav, list, form, …) and
// each line sets one action of it to a key or a list of keys; the help
// shows them joined with "/". It is refused, naming the line, on an unknown
// scope or action, a key Bubble Tea never reports, and two actions of one
// scope on the same key.
func Parse(r io.Reader, name string) (KeyMap, error) {
	km := Default()
	all := entries(&km)
	byName := map[string]*entry{}
	scopes := map[string]bool{}
	for _, e := range all {
		byName[e.scope+"."+e.action] = e
		scopes[e.scope] = true
	}
	fail := func(line int, format string, args ...any) (KeyMap, error) {
		return KeyMap{}, fmt.Errorf("%s:%d: %s", name, line, fmt.Sprintf(format, args...))
	}
	sc := bufio.NewScanner(r)
	scope, n := "", 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(stripComment(sc.Text()))
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "[") {
			if !strings.HasSuffix(line, "]") {
				return fail(n, "expected a [scope] header, got %q", line)
			}
			scope = strings.ToLower(strings.TrimSpace(line[1 : len(line)-1]))
			if !scopes[scope] {
				return fail(n, "unknown scope [%s]: expected one of %s", scope, strings.Join(sortedKeys(scopes), ", "))
			}
			continue
		}
		act, val, ok := strings.Cut(line, "=")
		if !ok {
			return fail(n, "expected action = \"key\", got %q", line)
		}
		act = strings.ToLower(strings.TrimSpace(act))
		if scope == "" {
			return fail(n, "action %q comes before any [scope] header", act)
		}
		full := scope + "." + act
		e, ok := byName[full]
		if !ok {
			return fail(n, "unknown action %q in [%s]", act, scope)
		}
		if fixed[full] {
			return fail(n, "action %s cannot be remapped: the number keys are the screens' numbers", full)
		}
		if e.line != 0 {
			return fail(n, "action %s is set twice (first on line %d)", full, e.line)
		}
		keys, err := parseKeys(strings.TrimSpace(val))
		if err != nil {
			return fail(n, "action %s: %v", full, err)
		}
		e.b.SetKeys(keys...)
		e.b.SetHelp(strings.Join(keys, "/"), e.b.Help().Desc)
		e.line = n
	}
	if err := sc.Err(); err != nil {
		return KeyMap{}, fmt.Errorf("keymap: reading %s: %w", name, err)
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
					return fail(e.line, "key %q of %s.%s is already %s.%s's (one key, one action in [%s] and on every screen for [global])", k, e.scope, e.action, o.scope, o.action, o.scope)
				}
			}
		}
	}
	return km, nil
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

// stripComment drops a # comment that is not inside a quoted key.
func stripComment(s string) string {
	in := false
	for i, r := range s {
		switch {
		case r == '"' && (i == 0 || s[i-1] != '\\'):
			in = !in
		case r == '#' && !in:
			return s[:i]
		}
	}
	return s
}

// parseKeys reads "k" or ["k1", "k2"] and checks every key.
func parseKeys(v string) ([]string, error) {
	var quoted []string
	if strings.HasPrefix(v, "[") {
		if !strings.HasSuffix(v, "]") {
			return nil, fmt.Errorf("a list of keys ends with ]: %s", v)
		}
		for part := range strings.SplitSeq(v[1:len(v)-1], ",") {
			if part = strings.TrimSpace(part); part != "" {
				quoted = append(quoted, part)
			}
		}
		if len(quoted) == 0 {
			return nil, errors.New("the list of keys is empty")
		}
	} else {
		quoted = []string{v}
	}
	keys := make([]string, 0, len(quoted))
	for _, q := range quoted {
		k, err := strconv.Unquote(q)
		if err != nil || !strings.HasPrefix(q, `"`) {
			return nil, fmt.Errorf("a key is a quoted string such as \"ctrl+s\", got %s", q)
		}
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
