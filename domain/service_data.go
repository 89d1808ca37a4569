package domain

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// DataService moves data in and out of the file in bulk and looks after the
// file itself. Bulk operations are all or nothing: one transaction each.
type DataService interface {
	// ImportUsers creates every row's user with their memberships in one
	// transaction, or none. Every problem of every row, the parser's and
	// the store's, is reported with its line and column, and any problem
	// means nothing is written; temporary passwords
	// are hashed on all cores before the transaction starts, and their
	// owners must change them at the first password login. Needs users:edit,
	// and the R3/R12 membership rules hold for each group named.
	ImportUsers(ctx context.Context, imp UserImport, opts ImportOptions) (ImportReport, error)
	// Export writes the file's data: "json" is every entity, lossless and
	// re-importable with ImportAll (superuser only: it carries password
	// hashes); "csv" is the user list in the import's columns (users:view).
	Export(ctx context.Context, w io.Writer, format ExportFormat) error
	// ImportAll loads a JSON export into a file that holds nothing but its
	// seed, replacing the seed (superuser only). The acting session's user
	// is gone afterwards: open a new session.
	ImportAll(ctx context.Context, r io.Reader) (ImportAllReport, error)
	// Check runs bbolt's consistency check and the invariants of the data;
	// with repair it fixes what can be fixed in one transaction and reports
	// what it changed (superuser or the owner account).
	Check(ctx context.Context, repair bool) (CheckReport, error)
	// Backup writes a consistent copy of the live file to path and verifies
	// it by opening it (superuser or the owner account).
	Backup(ctx context.Context, path string) error
	// BackupToDataDir backs up into the backups/ folder beside the data
	// file under a new, dated name, and returns that path: the backup an
	// SSH session makes, which must not name paths on the server.
	BackupToDataDir(ctx context.Context) (string, error)
}

// ExportFormat is what Export writes.
type ExportFormat string

// Export formats.
const (
	ExportJSON ExportFormat = "json" // every entity, lossless, re-importable
	ExportCSV  ExportFormat = "csv"  // the user list in the import's columns
)

// ParseExportFormat reads an export format; an unknown one is an EInvalid
// error naming the choices.
func ParseExportFormat(s string) (ExportFormat, error) {
	switch f := ExportFormat(strings.ToLower(strings.TrimSpace(s))); f {
	case ExportJSON, ExportCSV:
		return f, nil
	}
	return "", Errorf(EInvalid, "export format %q: use json or csv", s)
}

// UserImport is a parsed import file: its rows and the problems parsing
// found in them.
type UserImport struct {
	Rows     []ImportRow
	Problems []RowProblem
}

// ImportRow is one user of a bulk import as the file gives it.
type ImportRow struct {
	Line      int // the file line the row starts on (the header is line 1)
	First     string
	Last      string
	Email     string
	Username  string
	Password  string   // temporary password; "" leaves the user without one (SSH keys only)
	Groups    []string // group names
	Phone     string
	Kind      Kind
	Buildings []string  // building codes
	ReportsTo string    // a username in the file or already in the store
	Until     time.Time // the memberships end here; zero: no expiry
}

// RowProblem is one reason one row cannot be imported.
type RowProblem struct {
	Line   int    `json:"line"`
	Column string `json:"column,omitempty"`
	Reason string `json:"reason"`
}

func (p RowProblem) String() string {
	if p.Column == "" {
		return fmt.Sprintf("line %d: %s", p.Line, p.Reason)
	}
	return fmt.Sprintf("line %d, %s: %s", p.Line, p.Column, p.Reason)
}

// ImportOptions tune ImportUsers.
type ImportOptions struct {
	DryRun bool // validate and report only
	// Confirm proceeds past the R4 warning for rows whose groups make a
	// Building Administrator a full administrator.
	Confirm bool
	Source  string // the file's name, for the audit trail
	// Progress is called after each password is hashed, from one goroutine
	// at a time, with the number done and the total; it may be nil.
	Progress func(done, total int)
}

// ImportReport says what an import did, or would do in a dry run.
type ImportReport struct {
	Rows      int          `json:"rows"`
	Created   []string     `json:"created,omitempty"` // usernames in file order
	Passwords int          `json:"passwords"`         // rows with a temporary password
	Problems  []RowProblem `json:"problems,omitempty"`
	DryRun    bool         `json:"dry_run,omitempty"`
}

// ImportRefused is the error of an import with problems: nothing was written.
func ImportRefused(problems []RowProblem) error {
	lines := map[int]bool{}
	for _, p := range problems {
		lines[p.Line] = true
	}
	first := problems[0].String()
	more := ""
	if len(problems) > 1 {
		more = fmt.Sprintf(" (and %d more)", len(problems)-1)
	}
	rows := fmt.Sprintf("%d rows have", len(lines))
	if len(lines) == 1 {
		rows = "1 row has"
	}
	return Errorf(EInvalid, "%s problems, nothing was imported: %s%s", rows, first, more)
}

// ImportAllReport counts what ImportAll loaded, by section of the export.
type ImportAllReport struct {
	Records map[string]int `json:"records"`
	Owner   string         `json:"owner"`
}

// Finding is one thing Check found wrong.
type Finding struct {
	Area    string `json:"area"` // "bbolt", a bucket or index name, "teams", …
	Problem string `json:"problem"`
	Fixable bool   `json:"fixable"` // check --repair fixes it
}

func (f Finding) String() string {
	s := f.Area + ": " + f.Problem
	if !f.Fixable {
		s += " (not fixable by --repair)"
	}
	return s
}

// CheckReport is the outcome of Check: what is wrong now and, after a
// repair, what it changed.
type CheckReport struct {
	Findings []Finding `json:"findings"`
	Repaired []string  `json:"repaired,omitempty"`
}

// Clean reports whether nothing is wrong.
func (r CheckReport) Clean() bool { return len(r.Findings) == 0 }

// Summary is one line for a status bar or a terminal.
func (r CheckReport) Summary() string {
	var parts []string
	if len(r.Repaired) > 0 {
		parts = append(parts, fmt.Sprintf("repaired %d problems", len(r.Repaired)))
	}
	if len(r.Findings) == 0 {
		parts = append(parts, "the file is consistent")
	} else {
		parts = append(parts, fmt.Sprintf("%d problems found", len(r.Findings)))
	}
	return strings.Join(parts, "; ")
}
