package keymap

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A file overrides only what it names; help shows the new keys.
func TestParse_OverridesOnlyNamedActions(t *testing.T) {
	km, err := Parse(strings.NewReader(`# my keys
[list]
new = "a"            # add, as in lazygit
delete = ["ctrl+d", "delete"]

[Global]
quit = "ctrl+q"
`), "keys.toml")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(km.List.New.Keys(), []string{"a"}) || km.List.New.Help().Key != "a" || km.List.New.Help().Desc != Default().List.New.Help().Desc {
		t.Errorf("list.new: keys %v help %+v", km.List.New.Keys(), km.List.New.Help())
	}
	if km.List.Delete.Help().Key != "ctrl+d/delete" {
		t.Errorf("list.delete help %q", km.List.Delete.Help().Key)
	}
	if !slices.Equal(km.Global.Quit.Keys(), []string{"ctrl+q"}) {
		t.Errorf("global.quit %v", km.Global.Quit.Keys())
	}
	if !slices.Equal(km.List.Edit.Keys(), Default().List.Edit.Keys()) {
		t.Errorf("list.edit changed to %v though the file does not name it", km.List.Edit.Keys())
	}
}

// A bad file is refused whole with its name, the line and the action.
func TestParse_ErrorsNameLineAndAction(t *testing.T) {
	for _, c := range []struct{ file, want string }{
		{"[list]\nnew = \"a\"\nfrobnicate = \"f\"\n", `keys.toml:3: unknown action "frobnicate" in [list]`},
		{"[lists]\n", `keys.toml:1: unknown scope [lists]`},
		{"[list]\n\nnew = \"ctrl+\"\n", `keys.toml:3: action list.new: bad key "ctrl+"`},
		{"[list]\nnew = \"hyper+x\"\n", `keys.toml:2: action list.new: bad key "hyper+x"`},
		{"[list]\nnew = a\n", `keys.toml:2: not TOML: unexpected character U+0061 'a' at start of value (a key is a quoted string`},
		{"[list]\nnew = 1\n", `keys.toml:2: action list.new: a key is a quoted string such as "ctrl+s", got 1`},
		{"[list]\nnew = \"e\"\n", `keys.toml:2: key "e" of list.new is already list.edit's`},
		{"[list]\nnew = \"a\"\nedit = \"a\"\n", `keys.toml:2: key "a" of list.new is already list.edit's`},
		{"[list]\nnew = \"q\"\n", `keys.toml:2: key "q" of list.new is already global.quit's`},
		{"[list]\nnew = \"a\"\nnew = \"b\"\n", `keys.toml:3: action list.new is set twice (first on line 2)`},
		{"new = \"a\"\n", `keys.toml:1: action "new" comes before any [scope] header`},
		{"[global]\nscreens = \"x\"\n", `keys.toml:2: action global.screens cannot be remapped`},
	} {
		_, err := Parse(strings.NewReader(c.file), "keys.toml")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("file %q: err %v, want %q", c.file, err, c.want)
		}
	}
}

// Keys the defaults already share across a scope's tabs may be set again.
func TestParse_KeepsDefaultSharedKeys(t *testing.T) {
	if _, err := Parse(strings.NewReader("[collab]\nreply = \"r\"\n"), "keys.toml"); err != nil {
		t.Fatal(err)
	}
}

// Load: --keys must exist; the default path is optional; XDG_CONFIG_HOME
// picks the default path.
func TestLoad_PathRules(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	if _, err := Load(""); err != nil {
		t.Fatalf("no file at the default path: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.toml")); err == nil {
		t.Fatal("a missing --keys file was accepted")
	}
	p := filepath.Join(dir, "gatehouse", FileName)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("[list]\nnew = \"a\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	km, err := Load("")
	if err != nil || km.List.New.Help().Key != "a" {
		t.Fatalf("default path file: %v %v", km.List.New.Keys(), err)
	}
}

// The file is TOML: a comma or # inside a quoted key, literal strings,
// quoted and dotted keys (before any header, or as an inline table), any
// case in names, CRLF line ends. Today's line-based reader refused or
// misread the first three.
func TestParse_ReadsTOML(t *testing.T) {
	// the example first: the comma is a key, not a separator
	km, err := Parse(strings.NewReader("[list]\nnew = [\",\", \"a\"]\n"), "keys.toml")
	if err != nil || !slices.Equal(km.List.New.Keys(), []string{",", "a"}) {
		t.Fatalf("new = [\",\", \"a\"]: keys %q, err %v", km.List.New.Keys(), err)
	}
	km, err = Parse(strings.NewReader("# keys\r\n"+
		"list.new = [\",\", \"a\"]   # a comma, then a\r\n"+
		"List.Edit = \"#\" # the hash key\r\n"+
		"list.\"delete\" = '''\"'''\r\n"+
		"tickets = { Assign = 'ctrl+a' }\r\n"+
		"[GLOBAL]\r\n"+
		"\"quit\" = 'ctrl+q'\r\n"+
		"[nav]\r\n"+
		"PageDown = [\r\n  \"ctrl+f\",  # forward\r\n  \"pgdown\",\r\n]\r\n"), "keys.toml")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		got  []string
		want []string
	}{
		{"list.new", km.List.New.Keys(), []string{",", "a"}},
		{"tickets.assign", km.Tickets.Assign.Keys(), []string{"ctrl+a"}},
		{"global.quit", km.Global.Quit.Keys(), []string{"ctrl+q"}},
		{"nav.pagedown", km.Nav.PageDown.Keys(), []string{"ctrl+f", "pgdown"}},
		{"list.edit", km.List.Edit.Keys(), []string{"#"}},
		{"list.delete", km.List.Delete.Keys(), []string{`"`}},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if km.List.New.Help().Key != ",/a" {
		t.Errorf("list.new help %q", km.List.New.Help().Key)
	}
}

// What is not TOML, or TOML that names no action, is refused on its line.
func TestParse_RefusesWhatIsNotAKeymap(t *testing.T) {
	for _, c := range []struct{ file, want string }{
		{"[list]\nnew = \"a\n", `keys.toml:2: not TOML`},
		{"[list]\nnew = [\"a\" \"b\"]\n", `keys.toml:2: not TOML`},
		{"[list\n", `keys.toml:1: not TOML`},
		{"[list.new]\n", `keys.toml:1: [list.new]: a header names one scope`},
		{"[[list]]\n", `keys.toml:1: [[list]]: expected a [scope] header`},
		{"[list]\n\nlist.new = \"a\"\n", `keys.toml:3: list.list.new names no action`},
		{"list = { new = \"a\", bogus = \"b\" }\n", `keys.toml:1: unknown action "bogus" in [list]`},
		{"lists.new = \"a\"\n", `keys.toml:1: unknown scope [lists]`},
		{"[list]\nnew = \"a\"\nNEW = \"b\"\n", `keys.toml:3: action list.new is set twice (first on line 2)`},
		{"list.new = \"a\"\n[list]\nedit = \"b\"\n", `keys.toml:2: not TOML`},
		{"[list]\nnew = \"a\"\n[nav]\n[list]\nedit = \"b\"\n", `keys.toml:4: not TOML`},
		{"[list]\nnew = []\n", `keys.toml:2: action list.new: the list of keys is empty`},
		{"[list]\nnew = [\"a\", [\"b\"]]\n", `keys.toml:2: action list.new: a key is a quoted string such as "ctrl+s", got a list inside the list`},
		{"[list]\nnew = [\"a\", \"a\"]\n", `keys.toml:2: action list.new: key "a" is listed twice`},
		{"[list]\nnew = \"a\\nb\"\n", `keys.toml:2: action list.new: bad key`},
		{"# CRLF\r\n[list]\r\nnew = \"zz\"\r\n", `keys.toml:3: action list.new: bad key "zz"`},
	} {
		_, err := Parse(strings.NewReader(c.file), "keys.toml")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("file %q: err %v, want %q", c.file, err, c.want)
		}
	}
}

// The README's example keys.toml is a file Parse accepts.
func TestParse_READMEExample(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(b), "### Your keys (keys.toml)")
	_, block, ok2 := strings.Cut(sec, "```toml\n")
	block, _, ok3 := strings.Cut(block, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README.md has no ```toml example under \"Your keys (keys.toml)\"")
	}
	km, err := Parse(strings.NewReader(block), "README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(km.List.Edit.Keys(), []string{",", "f2"}) || !slices.Equal(km.Tickets.Assign.Keys(), []string{"ctrl+a"}) {
		t.Errorf("list.edit %q, tickets.assign %q", km.List.Edit.Keys(), km.Tickets.Assign.Keys())
	}
}
