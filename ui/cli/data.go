package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gatehouse/domain"
	"gatehouse/internal/safefile"
)

// dataCommands move data in and out in bulk and look after the file
// (domain.DataService).
func dataCommands() []*command {
	return []*command{
		{path: "import users", args: "FILE.csv", opts: "[--dry-run]", min: 1, max: 1,
			flags: []flagSpec{{"dry-run", false}}, run: importUsers},
		{path: "import all", args: "FILE.json", min: 1, max: 1, run: importAll},
		{path: "export", opts: "[--format json|csv] [--out FILE]", max: 0,
			flags: []flagSpec{{"format", true}, {"out", true}}, run: exportData},
		{path: "backup", args: "FILE", min: 1, max: 1, run: backupFile},
		{path: "check", opts: "[--repair]", max: 0, flags: []flagSpec{{"repair", false}}, run: checkFile},
	}
}

// openInput opens FILE, or standard input for "-".
func (c *call) openInput(path string) (io.ReadCloser, error) {
	if path == "-" {
		return io.NopCloser(c.opts.Stdin), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, domain.Errorf(domain.EInvalid, "cannot read %s: %v", path, err)
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		_ = f.Close() // opened read-only and never read: nothing to lose
		return nil, domain.Errorf(domain.EInvalid, "%s is a directory, not a file", path)
	}
	return f, nil
}

// isTerminal reports whether w is a terminal, where a progress line that
// rewrites itself reads well (in a log it would be noise).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

type importJSON struct {
	Imported  int                 `json:"imported"`
	DryRun    bool                `json:"dry_run,omitempty"`
	Passwords int                 `json:"passwords"`
	Users     []string            `json:"users"`
	Problems  []domain.RowProblem `json:"problems"`
}

func importUsers(c *call) error {
	in, err := c.openInput(c.pos(0))
	if err != nil {
		return err
	}
	imp, err := domain.ParseUsersCSV(in, c.zone())
	_ = in.Close() // read-only: everything needed was read or err says why
	if err != nil {
		return domain.Errorf(domain.ErrorCode(err), "%s: %v", c.pos(0), err)
	}
	opts := domain.ImportOptions{DryRun: c.args.has("dry-run"), Source: filepath.Base(c.pos(0)), Confirm: c.opts.Yes}
	if isTerminal(c.errOut) {
		last := -1
		opts.Progress = func(done, total int) {
			if pct := done * 100 / total; pct != last || done == total {
				last = pct
				fmt.Fprintf(c.errOut, "\rhashing temporary passwords: %d/%d (%d%%)", done, total, pct)
				if done == total {
					fmt.Fprintln(c.errOut)
				}
			}
		}
	}
	rep, err := c.svc.ImportUsers(c.ctx, imp, opts)
	if c.opts.JSON {
		out := importJSON{DryRun: rep.DryRun, Passwords: rep.Passwords, Users: rep.Created, Problems: rep.Problems}
		if err == nil {
			out.Imported = len(rep.Created)
		}
		if out.Users == nil {
			out.Users = []string{}
		}
		if out.Problems == nil {
			out.Problems = []domain.RowProblem{}
		}
		if jerr := c.json(out); jerr != nil {
			return jerr
		}
		return err
	}
	if err != nil {
		return withLines(err, rep.Problems)
	}
	pw := ""
	if rep.Passwords > 0 {
		pw = fmt.Sprintf(", %d with a temporary password to change at first login", rep.Passwords)
	}
	if rep.DryRun {
		return c.result("dry run: %d users would be imported%s; nothing was written", len(rep.Created), pw)
	}
	return c.result("imported %d users from %s%s", len(rep.Created), c.pos(0), pw)
}

// withLines appends one line per item to an error's message, so a failing
// command lists every problem on stderr and prints nothing on stdout.
func withLines[T fmt.Stringer](err error, items []T) error {
	if len(items) == 0 {
		return err
	}
	var b strings.Builder
	b.WriteString(err.Error())
	for _, it := range items {
		b.WriteString("\n  " + oneLine(it.String()))
	}
	return domain.Errorf(domain.ErrorCode(err), "%s", b.String())
}

func importAll(c *call) error {
	in, err := c.openInput(c.pos(0))
	if err != nil {
		return err
	}
	rep, err := c.svc.ImportAll(c.ctx, in)
	_ = in.Close() // read-only: everything needed was read or err says why
	if err != nil {
		return err
	}
	if c.opts.JSON {
		return c.json(rep)
	}
	total := 0
	for _, n := range rep.Records {
		total += n
	}
	return c.result("imported %d records (%d users, %d tickets); the owner account is now %s",
		total, rep.Records["users"], rep.Records["tickets"], rep.Owner)
}

func exportData(c *call) error {
	format := domain.ExportJSON
	if f := c.args.str("format"); f != "" {
		var err error
		if format, err = domain.ParseExportFormat(f); err != nil {
			return usageErr(c.cmd, "--format %q: use json or csv", f)
		}
	}
	path := c.args.str("out")
	if !c.args.has("out") || path == "-" {
		return c.svc.Export(c.ctx, c.raw, format) // data, not display: written as is
	}
	// a failed export never leaves half a file under the name asked for,
	// and only a regular file is replaced (safefile)
	if err := safefile.Write(path, func(w io.Writer) error { return c.svc.Export(c.ctx, w, format) }); err != nil {
		return err
	}
	return c.result("exported to %s (%s)", path, format)
}

func backupFile(c *call) error {
	if err := c.svc.Backup(c.ctx, c.pos(0)); err != nil {
		return err
	}
	return c.result("backed up to %s and verified it", c.pos(0))
}

func checkFile(c *call) error {
	rep, err := c.svc.Check(c.ctx, c.args.has("repair"))
	if c.opts.JSON {
		if rep.Findings == nil {
			rep.Findings = []domain.Finding{}
		}
		if jerr := c.json(rep); jerr != nil {
			return jerr
		}
	}
	if err != nil {
		return withLines(err, rep.Findings)
	}
	if !rep.Clean() {
		hint := ""
		if !c.args.has("repair") && slices.ContainsFunc(rep.Findings, func(f domain.Finding) bool { return f.Fixable }) {
			hint = "; `gatehouse check --repair` fixes those it can"
		}
		var lines []string
		for _, r := range rep.Repaired {
			lines = append(lines, "repaired: "+r)
		}
		for _, f := range rep.Findings {
			lines = append(lines, f.String())
		}
		return withLines(domain.Errorf(domain.EConflict, "%s%s", rep.Summary(), hint), stringers(lines))
	}
	if c.opts.JSON {
		return nil
	}
	w := bufio.NewWriter(c.out)
	for _, r := range rep.Repaired {
		fmt.Fprintln(w, "repaired: "+oneLine(r))
	}
	fmt.Fprintln(w, rep.Summary())
	return w.Flush()
}

type stringer string

func (s stringer) String() string { return string(s) }

func stringers(ss []string) []stringer {
	out := make([]stringer, len(ss))
	for i, s := range ss {
		out[i] = stringer(s)
	}
	return out
}
