// Package cli is gatehouse's scriptable command line. Every command calls
// domain.Service only, bound to the acting user, so authorization is exactly
// the console's. The command names, flags and exit statuses are a contract
// (DESIGN "Command line"): errors go to stderr prefixed "gatehouse: " with
// exit status 1, success is 0.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"gatehouse/domain"
)

// Options are the global settings a command runs with.
type Options struct {
	JSON  bool      // machine-readable output on stdout
	Yes   bool      // proceed past a warning (EWarning) such as R4 elevation
	Stdin io.Reader // read by `user key add U -`; os.Stdin when nil
	// Location is where dates typed are days and times are shown; the
	// organization's time zone when nil (domain.Organization.Zone).
	Location *time.Location
	// Now is the clock for date checks; time.Now when nil.
	Now func() time.Time
	// IfVersion (--if-version) is the version the record a write names
	// must be at; nil for none.
	IfVersion *uint64
}

// command is one leaf of the command tree, such as "group grant".
type command struct {
	path     string // command words: "group grant"
	args     string // positional arguments as usage shows them: "G PRIV..."
	opts     string // flags as usage shows them
	min, max int    // positional argument counts; max -1 is unbounded
	flags    []flagSpec
	required []string // flags that must be given
	// bulk: the positional arguments name several records of one kind
	// (U [U...]): --if-version, which names one record's version, is refused
	bulk bool
	// run is nil for file-level commands (demo, serve, backup, …): they
	// work on the data file itself, so main runs them (see File).
	run func(c *call) error
}

// oneRecordWrite reports whether the command, with these arguments, may
// take --if-version: it changes the one record its first argument names
// (or the organization's settings), not several (bulk, --query) and not
// none (a read).
func (c *command) oneRecordWrite(p *parsed) bool {
	if c.bulk || p.set["query"] || p.set["all"] || c.min == 0 && c.max > 0 && len(p.pos) == 0 {
		return false
	}
	words := strings.Fields(c.path)
	switch words[len(words)-1] {
	case "list", "show", "members", "messages", "attachments", "can", "who", "audit", "export", "check",
		"test", "as-of", "diff", "run", "report", "save", "send", "import", "backup", "preview":
		return false
	}
	return true
}

// usage is the command's one-line synopsis.
func (c *command) usage() string {
	s := "gatehouse " + c.path
	if c.args != "" {
		s += " " + c.args
	}
	if c.opts != "" {
		s += " " + c.opts
	}
	return s
}

func (c *command) flag(name string) (flagSpec, bool) {
	for _, f := range c.flags {
		if f.name == name {
			return f, true
		}
	}
	return flagSpec{}, false
}

// argNames lists the required positional names of the synopsis ("G", "PRIV").
func (c *command) argNames() []string {
	var out []string
	for _, w := range strings.Fields(c.args) {
		if !strings.HasPrefix(w, "[") {
			out = append(out, strings.TrimSuffix(w, "..."))
		}
	}
	return out
}

// commands is the command tree in usage order. Later issues add families
// (serve, import, export, backup, check, outbox, demo, compact) by
// appending their leaves here.
var commands = concat(groupCommands(), userCommands(), teamCommands(),
	buildingCommands(), ticketCommands(), accessCommands(), outboxCommands(), mailCommands(), collabCommands(),
	reportCommands(), dataCommands(), guardCommands(), requestCommands(), reviewCommands(), historyCommands(), accessReviewCommands(), jobsCommands(), ticketEditCommands(), groupSettingCommands(), settingCommands(), fileCommands())

// fileCommands are run by main on the data file; listing them here keeps
// help, usage and typo checks in one place.
func fileCommands() []*command {
	return []*command{
		{path: "serve", opts: "[--listen 127.0.0.1:2222] [--password-auth] [--idle 30m] [--max-sessions 50] " +
			"[--max-startups 10:30:100] [--max-startups-per-address 5] [--login-grace 2m]",
			flags: []flagSpec{{"listen", true}, {"password-auth", false}, {"idle", true}, {"max-sessions", true},
				{"max-startups", true}, {"max-startups-per-address", true}, {"login-grace", true}}},
		{path: "compact"},
		{path: "outcome", args: "WRITE-ID", min: 1, max: 1},
		{path: "demo", opts: "[--users N] [--tickets M] --out FILE", flags: []flagSpec{{"users", true}, {"tickets", true}, {"out", true}},
			required: []string{"out"}},
	}
}

// FileArgs are a file-level command's parsed arguments.
type FileArgs struct {
	Command string   // "demo", "backup", …
	Pos     []string // positional arguments
	flags   *parsed
}

// Flag returns a flag's value ("" when not given) and whether it was given.
func (f FileArgs) Flag(name string) (string, bool) { return f.flags.str(name), f.flags.has(name) }

// File reports whether the command words name a file-level command, and
// parses them; main runs such commands without a session.
func File(args []string) (FileArgs, bool, error) {
	c, rest, err := find(args)
	if err != nil || c.run != nil {
		return FileArgs{}, false, nil
	}
	p, err := parseArgs(c, rest)
	if err != nil {
		return FileArgs{}, true, err
	}
	return FileArgs{Command: c.path, Pos: p.pos, flags: p}, true, nil
}

func concat(lists ...[]*command) []*command {
	var out []*command
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// families are the first command words, in usage order.
func families() []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range commands {
		f, _, _ := strings.Cut(c.path, " ")
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

// usageError is a mistake in the command line itself; it prints the
// synopsis of the command (or family) that was meant.
type usageError struct {
	msg   string
	lines []string
}

func (e *usageError) Error() string { return e.msg }

func usageErr(c *command, format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...), lines: []string{c.usage()}}
}

// find resolves the command words at the start of args: the longest path
// that matches, and the arguments after it.
func find(args []string) (*command, []string, error) {
	words := 0
	for words < len(args) && !strings.HasPrefix(args[words], "-") {
		words++
	}
	for n := min(words, 3); n > 0; n-- {
		path := strings.ToLower(strings.Join(args[:n], " "))
		for _, c := range commands {
			if c.path == path {
				return c, args[n:], nil
			}
		}
	}
	if len(args) == 0 {
		return nil, nil, &usageError{msg: "missing command", lines: familyLines("")}
	}
	// Name the deepest family the words reach ("user key"), not the
	// positional arguments after it.
	fam := strings.ToLower(args[0])
	if len(familyLines(fam)) == 0 {
		return nil, nil, &usageError{msg: fmt.Sprintf("unknown command %q (see `gatehouse help`)", args[0])}
	}
	for i := 1; i < words; i++ {
		sub := fam + " " + strings.ToLower(args[i])
		if len(familyLines(sub)) == 0 {
			return nil, nil, &usageError{msg: fmt.Sprintf("unknown command `gatehouse %s`", sub), lines: familyLines(fam)}
		}
		fam = sub
	}
	return nil, nil, &usageError{msg: fmt.Sprintf("`gatehouse %s` needs a subcommand", fam), lines: familyLines(fam)}
}

// familyLines are the synopses under a family ("" for every command).
func familyLines(fam string) []string {
	var out []string
	for _, c := range commands {
		if fam == "" || c.path == fam || strings.HasPrefix(c.path, fam+" ") {
			out = append(out, c.usage())
		}
	}
	return out
}

// Check reports whether args name a known command with valid flags and
// argument counts, so main can refuse a typo before opening the file.
func Check(args []string) error {
	c, rest, err := find(args)
	if err != nil {
		return err
	}
	_, err = parseArgs(c, rest)
	return err
}

// IsHelp reports whether the command words ask for help (`gatehouse help ...`).
func IsHelp(args []string) bool { return len(args) > 0 && strings.EqualFold(args[0], "help") }

// Help prints the usage of the named family or command, or the full usage.
func Help(w io.Writer, words []string) {
	if IsHelp(words) {
		words = words[1:]
	}
	if len(words) > 0 && strings.EqualFold(words[0], "privileges") {
		privileges(w)
		return
	}
	if len(words) > 0 {
		if lines := familyLines(strings.ToLower(words[0])); len(lines) > 0 {
			fmt.Fprintln(w, "usage:")
			for _, l := range lines {
				fmt.Fprintln(w, "  "+l)
			}
			fmt.Fprint(w, notes)
			return
		}
	}
	fmt.Fprint(w, Usage())
}

// privileges prints the catalog: every id PRIV accepts, by category.
func privileges(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "PRIV\tCATEGORY\tLABEL")
	for _, cat := range domain.Categories {
		for _, p := range domain.Catalog {
			if p.Category != cat {
				continue
			}
			id := p.ID
			if p.IsModule {
				id += ":none|view|edit"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", id, p.Category, p.Label)
		}
	}
	_ = tw.Flush() // printing to the terminal: a failed write has nowhere else to go
}

// Usage is the full usage text.
func Usage() string {
	var b strings.Builder
	b.WriteString(`gatehouse: helpdesk permissions and ticket triage in one file.

usage:
  gatehouse [global flags]                 open the console (first run seeds defaults)
  gatehouse --demo                         open demo.db beside the data file, seeded
                                           with a sample district on first use
`)
	for _, f := range families() {
		b.WriteString("\n")
		for _, l := range familyLines(f) {
			b.WriteString("  " + l + "\n")
		}
	}
	b.WriteString(`
global flags (before or after the command words):
  --db PATH       data file (default $GATEHOUSE_DB, else $XDG_DATA_HOME/gatehouse/gatehouse.db,
                  else ~/.local/share/gatehouse/gatehouse.db)
  --store etcd://HOST:PORT[,HOST:PORT…][/PREFIX]
                  keep the data on an etcd cluster instead of a file (default
                  $GATEHOUSE_STORE; prefix "gatehouse"; see docs/etcd.md)
  --as USERNAME   act as that user (default: the owner account); authorization applies
  --json          machine-readable output on stdout (lists: an array; show: an object)
  --yes           proceed past a warning such as R4 elevation; without it a warning
                  exits 1 and changes nothing
  --if-version N   change the record the command names only if it is still at version N
                  (--json prints "version"); otherwise exit 1, naming who changed it
  --demo          use demo.db in the data file's directory
  --keys FILE     the console's keymap file (default $XDG_CONFIG_HOME/gatehouse/keys.toml,
                  else ~/.config/gatehouse/keys.toml; serve: every session's)
  -h, --help      this text
`)
	b.WriteString(notes)
	return b.String()
}

const notes = `
G and T are group and team names (case-insensitive), U usernames, C building codes,
N ticket numbers with or without prefix (T-000123 or 123). PRIV is a privilege id
(ticket.close, discussion.post, ...) or module:level (buildings:edit, users:view);
a bare module id means edit; "gatehouse help privileges" lists every id.
--until YYYY-MM-DD keeps the membership through the end of that day, local time;
--from YYYY-MM-DD starts it at the beginning of that day (it grants nothing before).
--status takes new, assigned, in_progress, closed, reopened or open (every state
but closed), several separated by commas. Errors go to stderr with exit status 1;
success is 0.
`

// call is one command being run.
type call struct {
	ctx    context.Context // ends on SIGINT/SIGTERM: long commands stop
	svc    domain.Service
	opts   Options
	out    io.Writer // stdout for people: control characters shown escaped unless --json
	raw    io.Writer // stdout as given, for data (export to stdout)
	errOut io.Writer // progress lines, when it is a terminal
	cmd    *command
	args   *parsed
	org    *domain.Organization
}

// Run runs one command (args are the command words and their flags, global
// flags already taken out) as the service's acting user and returns the exit
// status: 0 on success, 1 on any failure, with the message on stderr.
// Cancelling ctx stops the command's service calls.
func Run(ctx context.Context, svc domain.Service, args []string, opts Options, stdout, stderr io.Writer) int {
	if IsHelp(args) {
		Help(stdout, args)
		return 0
	}
	c, rest, err := find(args)
	if err == nil {
		var p *parsed
		if p, err = parseArgs(c, rest); err == nil {
			if opts.Stdin == nil {
				opts.Stdin = os.Stdin
			}
			if opts.Now == nil {
				opts.Now = time.Now
			}
			if c.run == nil {
				err = fmt.Errorf("`gatehouse %s` works on the data file and is run by the gatehouse command itself", c.path)
			} else if opts.IfVersion != nil && !c.oneRecordWrite(p) {
				err = fmt.Errorf("--if-version applies to a command that changes one record; `gatehouse %s` does not", c.path)
			} else {
				if opts.IfVersion != nil {
					// the store checks it in the write's transaction
					ctx = domain.WithIfVersion(ctx, *opts.IfVersion)
				}
				out := io.Writer(stdout)
				var pw *printableWriter
				if !opts.JSON {
					pw = &printableWriter{w: stdout}
					out = pw
				}
				err = c.run(&call{ctx: ctx, svc: svc, opts: opts, out: out, raw: stdout, errOut: stderr, cmd: c, args: p})
				if pw != nil {
					if ferr := pw.flush(); err == nil {
						err = ferr
					}
				}
			}
		}
	}
	if err == nil {
		return 0
	}
	PrintError(stderr, err)
	return 1
}

// PrintError writes an error the way every command does: "gatehouse: "
// and the message, the synopsis for usage mistakes, and how to confirm a
// warning.
func PrintError(w io.Writer, err error) {
	if domain.IsWarning(err) {
		msg := err.Error()
		if m, ok := strings.CutSuffix(msg, "confirm to proceed"); ok {
			msg = m + "re-run with --yes to proceed"
		} else {
			msg += " (re-run with --yes to proceed)"
		}
		fmt.Fprintln(w, "gatehouse: "+domain.PrintableText(msg))
		return
	}
	// a message may quote stored text: never send its control characters
	fmt.Fprintf(w, "gatehouse: %s\n", domain.PrintableText(err.Error()))
	// a write sent to etcd whose answer was lost (the store's
	// OutcomeUnknownError, found by its method: the CLI does not import
	// the store): running the command again might apply it twice
	var unknown interface{ OutcomeUnknown() string }
	if errors.As(err, &unknown) {
		fmt.Fprintf(w, "gatehouse: it may or may not have been applied: run `gatehouse outcome %s` (with the same --store) before running this command again\n",
			domain.PrintableLine(unknown.OutcomeUnknown(), 80))
	}
	var ue *usageError
	if errors.As(err, &ue) {
		for i, l := range ue.lines {
			if i == 0 {
				fmt.Fprintln(w, "usage: "+l)
			} else {
				fmt.Fprintln(w, "       "+l)
			}
		}
	}
}

// pos is the i-th positional argument.
func (c *call) pos(i int) string { return c.args.pos[i] }
