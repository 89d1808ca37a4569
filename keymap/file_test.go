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
		{"[list]\nnew = a\n", `keys.toml:2: action list.new: a key is a quoted string`},
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
