package cli_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"gatehouse/ui/cli"
)

func TestParseGlobal(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want cli.Global
		rest []string
	}{
		{"after the command words", args("user", "list", "--json"), cli.Global{JSON: true}, args("user", "list")},
		{"before and between", args("--db", "/tmp/x.db", "group", "--as=bob", "show", "Users", "--yes"),
			cli.Global{DB: "/tmp/x.db", As: "bob", Yes: true}, args("group", "show", "Users")},
		{"command flags stay", args("ticket", "list", "--status", "open", "--demo"), cli.Global{Demo: true},
			args("ticket", "list", "--status", "open")},
		{"help", args("group", "-h"), cli.Global{Help: true}, args("group")},
		{"explicit false", args("user", "list", "--json=false"), cli.Global{}, args("user", "list")},
		{"after -- nothing is global", args("ticket", "create", "--", "--json"), cli.Global{}, args("ticket", "create", "--", "--json")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, rest, err := cli.ParseGlobal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if g != tt.want || !reflect.DeepEqual(rest, tt.rest) {
				t.Errorf("ParseGlobal(%q) = %+v %q, want %+v %q", tt.in, g, rest, tt.want, tt.rest)
			}
		})
	}
	for _, bad := range [][]string{args("user", "list", "--as"), args("--db="), args("--json=maybe")} {
		if _, _, err := cli.ParseGlobal(bad); err == nil {
			t.Errorf("ParseGlobal(%q): want an error", bad)
		}
	}
}

func TestGlobalFlagsAfterCommandWords(t *testing.T) {
	h := newHarness(t)
	h.ok("user", "create", "jdoe", "--first", "Jane")
	var users []map[string]any
	h.jsonOf(&users, "user", "list") // --json after the words
	if len(users) != 2 || users[0]["username"] == nil {
		t.Fatalf("user list --json = %v, want admin and jdoe", users)
	}
	// --as after the command words acts as that user: jdoe has no group, so
	// the store refuses the listing.
	h.fails(args("group", "create", "X", "--as", "jdoe"), "jdoe")
	// --yes after the command words confirms.
	h.ok("group", "create", "Escalated", "--description", "x")
	h.ok("group", "grant", "Escalated", "buildings:edit", "--yes")
}

func TestHelp(t *testing.T) {
	var out, errb bytes.Buffer
	if code := cli.Run(t.Context(), nil, args("help"), cli.Options{}, &out, &errb); code != 0 {
		t.Fatalf("help: exit %d, stderr %s", code, errb.String())
	}
	for _, want := range []string{
		"gatehouse group grant G PRIV...",
		"gatehouse user join U G [--from YYYY-MM-DD] [--until YYYY-MM-DD] [--reason T]", "gatehouse user move U FROM TO [--reason T] [--remove-rules]", "gatehouse access review", "gatehouse jobs run",
		"gatehouse user key add U FILE.pub|-",
		"gatehouse team duplicate T NEW",
		"gatehouse building rule add C --type TYPE --tech U",
		"gatehouse ticket list [--status S] [--building C] [--assignee U|me|none] [--query Q]",
		"gatehouse can U PRIV [--ticket N]",
		"gatehouse who PRIV [--building C] [--ticket N]",
		"gatehouse audit [--actor U] [--entity E] [--limit N]",
		"--yes", "--demo", "through the end", // --until documented
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("usage lacks %q", want)
		}
	}
	if out.String() != cli.Usage() {
		t.Error("`gatehouse help` differs from Usage()")
	}
	out.Reset()
	cli.Help(&out, args("ticket"))
	if !strings.Contains(out.String(), "gatehouse ticket close N") || strings.Contains(out.String(), "gatehouse group") {
		t.Errorf("help ticket should list only ticket commands:\n%s", out.String())
	}
	out.Reset()
	cli.Help(&out, args("help", "privileges"))
	for _, want := range []string{"buildings:none|view|edit", "discussion.post", "remote.ssh", "Manage Buildings"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help privileges lacks %q", want)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		args  []string
		wants []string
	}{
		{args("frob"), []string{`unknown command "frob"`}},
		{args("group"), []string{"needs a subcommand", "usage: gatehouse group list"}},
		{args("group", "frob"), []string{"unknown command `gatehouse group frob`", "gatehouse group grant G PRIV..."}},
		{args("group", "frob", "Users"), []string{"unknown command `gatehouse group frob`\n"}},
		{args("user", "key"), []string{"`gatehouse user key` needs a subcommand", "gatehouse user key add U"}},
		{args("user", "key", "frob", "jdoe"), []string{"unknown command `gatehouse user key frob`\n", "gatehouse user key list U"}},
		{args("group", "show"), []string{"missing G", "usage: gatehouse group show G"}},
		{args("group", "grant", "Users"), []string{"missing PRIV", "usage: gatehouse group grant G PRIV..."}},
		{args("group", "create", "X", "--bogus"), []string{"unknown flag --bogus", "usage: gatehouse group create G"}},
		{args("ticket", "create", "--title", "x"), []string{"--building is required"}},
		{args("ticket", "create", "--title"), []string{"--title needs a value"}},
		{args("user", "show", "a", "b"), []string{`unexpected argument "b"`}},
		{args("user", "terminate", "a"), []string{"--reason is required"}},
		{args("user", "set", "admin"), []string{"nothing to change"}},
		{args("user", "create", "x", "--superuser=perhaps"), []string{"expected true or false"}},
	}
	for _, tt := range tests {
		t.Run(show(tt.args), func(t *testing.T) {
			h.t = t
			h.fails(tt.args, tt.wants...)
			if strings.Join(tt.args, " ") != "user set admin" && cli.Check(tt.args) == nil {
				t.Errorf("Check(%q) = nil, want the same usage error", tt.args)
			}
		})
	}
	if err := cli.Check(args("ticket", "list", "--status", "open")); err != nil {
		t.Errorf("Check(ticket list --status open) = %v", err)
	}
}
