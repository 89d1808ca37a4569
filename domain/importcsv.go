package domain

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Columns of a user import file. The first six are TroubleTrakkerPRO's
// required fields; the rest are optional. Headers match case-insensitively,
// in any order.
const (
	ColFirst     = "First Name"
	ColLast      = "Last Name"
	ColEmail     = "Email Address"
	ColUsername  = "Username"
	ColPassword  = "Temporary Password"
	ColGroup     = "Group Name"
	ColPhone     = "Phone"
	ColKind      = "Kind"
	ColBuildings = "Buildings"
	ColReportsTo = "Reports To"
	ColUntil     = "Until"
	// Columns only an update import (ParseUsersCSVUpdate) reads.
	ColStatus    = "Status"     // active or deactivated
	ColGroupMode = "Group Mode" // replace (the default) or add
)

// updateColumns are the columns an update import reads besides
// UserCSVColumns; exports do not write them.
var updateColumns = []string{ColStatus, ColGroupMode}

// UserCSVColumns lists every column in the order exports write them.
var UserCSVColumns = []string{ColFirst, ColLast, ColEmail, ColUsername, ColPassword, ColGroup,
	ColPhone, ColKind, ColBuildings, ColReportsTo, ColUntil}

// requiredColumns are the columns a header must have. A row may leave
// Temporary Password empty (the user then signs in with an SSH key only);
// the other five need a value.
var requiredColumns = UserCSVColumns[:6]

// listSep splits the list columns (Group Name, Buildings): ";" always, and
// "," too for building codes, which cannot contain one.
const listSep = ";"

// ParseUsersCSV reads a user import file: UTF-8 with or without a byte
// order mark, CRLF or LF line ends, quoted fields holding commas and line
// breaks. It returns the rows that parsed and a problem for every bad
// field of every row, each with its line; dates (Until, YYYY-MM-DD) are
// read in loc (time.Local when nil) and keep the membership through the end
// of that day. The error is for a file that cannot be read as a user list
// at all: broken quoting, a missing or unknown column, no rows. Checks that
// need the data (groups, buildings, names already taken) are the store's.
func ParseUsersCSV(r io.Reader, loc *time.Location) (UserImport, error) {
	rows, problems, err := parseUsersCSV(r, loc, false)
	return UserImport{Rows: rows, Problems: problems}, err
}

// ParseUsersCSVUpdate reads an update import (import users --update): rows
// name existing users by Username, the one required column, and change
// what they give. A cell left empty keeps the stored value; a cell of "-"
// clears it (Phone, Buildings, Reports To, Until; Group Name "-" ends every
// membership). Status (active or deactivated) and Group Mode (replace, the
// default, or add) are read too. Temporary Password must stay empty: an
// update does not set passwords (user password does).
func ParseUsersCSVUpdate(r io.Reader, loc *time.Location) (UserImport, error) {
	rows, problems, err := parseUsersCSV(r, loc, true)
	return UserImport{Rows: rows, Problems: problems, Update: true}, err
}

func parseUsersCSV(r io.Reader, loc *time.Location, update bool) ([]ImportRow, []RowProblem, error) {
	if loc == nil {
		loc = time.Local
	}
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && string(b) == "\uFEFF" {
		_, _ = br.Discard(3) // cannot fail: Peek just buffered these 3 bytes
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, Errorf(EInvalid, "the file is empty: expected a header line with the columns %s", strings.Join(requiredColumns, ", "))
	}
	if err != nil {
		return nil, nil, csvError(err)
	}
	cols, err := headerColumns(header, update)
	if err != nil {
		return nil, nil, err
	}
	type record struct {
		line   int
		fields []string
	}
	var recs []record
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a line of spaces
		}
		recs = append(recs, record{line, rec})
	}
	// rows are independent: parse them on every core, then check the
	// file-wide duplicates in order
	rows := make([]ImportRow, len(recs))
	rowProblems := make([][]RowProblem, len(recs))
	workers := max(1, min(runtime.NumCPU(), len(recs)/256))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(recs); i += workers {
				rows[i], rowProblems[i] = parseRow(recs[i].line, recs[i].fields, cols, len(header), loc, update)
			}
		})
	}
	wg.Wait()
	var problems []RowProblem
	seenUser := make(map[string]int, len(rows))
	seenEmail := make(map[string]int, len(rows))
	for i := range rows {
		row, ps, line := &rows[i], rowProblems[i], recs[i].line
		if row.Username != "" {
			k := strings.ToLower(row.Username)
			if first, ok := seenUser[k]; ok {
				ps = append(ps, RowProblem{line, ColUsername, fmt.Sprintf("username %q is already on line %d of this file", row.Username, first)})
			} else {
				seenUser[k] = line
			}
		}
		if row.Email != "" {
			k := strings.ToLower(row.Email)
			if first, ok := seenEmail[k]; ok {
				ps = append(ps, RowProblem{line, ColEmail, fmt.Sprintf("email %s is already on line %d of this file", row.Email, first)})
			} else {
				seenEmail[k] = line
			}
		}
		problems = append(problems, ps...)
	}
	if len(rows) == 0 {
		return nil, nil, Errorf(EInvalid, "the file has a header but no users")
	}
	return rows, problems, nil
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return Errorf(EInvalid, "line %d, character %d: %v: the file is not valid CSV (a field with a quote must be quoted as a whole, and its quotes doubled)",
			pe.Line, pe.Column, pe.Err)
	}
	return Errorf(EInvalid, "cannot read the file: %v", err)
}

// canonicalColumn maps a header cell to its column name, ignoring case
// and extra spaces.
func canonicalColumn(h string, update bool) (string, bool) {
	h = strings.Join(strings.Fields(h), " ")
	known := UserCSVColumns
	if update {
		known = append(slices.Clip(known), updateColumns...)
	}
	for _, c := range known {
		if strings.EqualFold(c, h) {
			return c, true
		}
	}
	return "", false
}

// headerColumns maps each column name to its index in a record.
// An update import needs only Username.
func headerColumns(header []string, update bool) (map[string]int, error) {
	cols := map[string]int{}
	for i, h := range header {
		if !utf8.ValidString(h) {
			return nil, Errorf(EInvalid, "line 1: the header is not UTF-8: save the file as UTF-8")
		}
		c, ok := canonicalColumn(h, update)
		if !ok {
			known := strings.Join(UserCSVColumns, ", ")
			if update {
				known += ", " + strings.Join(updateColumns, ", ")
			}
			return nil, Errorf(EInvalid, "line 1: unknown column %q (columns: %s)", strings.TrimSpace(h), known)
		}
		if _, dup := cols[c]; dup {
			return nil, Errorf(EInvalid, "line 1: column %q appears twice", c)
		}
		cols[c] = i
	}
	required := requiredColumns
	if update {
		required = []string{ColUsername}
	}
	var missing []string
	for _, c := range required {
		if _, ok := cols[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, Errorf(EInvalid, "line 1: missing required columns %s (the header must name %s)",
			strings.Join(missing, ", "), strings.Join(required, ", "))
	}
	return cols, nil
}

// rowCells reads the cells of one record for both kinds of import and
// collects the row's problems.
type rowCells struct {
	line int
	rec  []string
	cols map[string]int
	ps   []RowProblem
}

// newRowCells starts a record; a record of the wrong width is a problem.
func newRowCells(line int, rec []string, cols map[string]int, width int) *rowCells {
	c := &rowCells{line: line, rec: rec, cols: cols}
	if len(rec) != width {
		c.bad("", "the row has %d fields and the header %d (a field with a comma must be quoted)", len(rec), width)
	}
	return c
}

func (c *rowCells) bad(col, format string, args ...any) {
	c.ps = append(c.ps, RowProblem{c.line, col, fmt.Sprintf(format, args...)})
}

// raw is a column's cell as written, "" when the column is absent or the
// cell is not UTF-8 (a problem).
func (c *rowCells) raw(col string) string {
	i, ok := c.cols[col]
	if !ok || i >= len(c.rec) {
		return ""
	}
	v := c.rec[i]
	if !utf8.ValidString(v) {
		c.bad(col, "is not valid UTF-8: save the file as UTF-8")
		return ""
	}
	return v
}

// parseRow reads one record; every bad field adds a problem.
func parseRow(line int, rec []string, cols map[string]int, width int, loc *time.Location, update bool) (ImportRow, []RowProblem) {
	if update {
		return parseUpdateRow(line, rec, cols, width, loc)
	}
	row := ImportRow{Line: line}
	c := newRowCells(line, rec, cols, width)
	bad := c.bad
	get := func(col string) string {
		v := c.raw(col)
		if col == ColPassword {
			return v
		}
		// an export wrote '=… for =… (CSVCell): take the quote off again
		return UnCSVCell(strings.TrimSpace(v))
	}
	text := func(col string, required bool) string {
		v := get(col)
		switch {
		case v == "" && required:
			bad(col, "missing required field")
		case len(v) > 80:
			bad(col, "is longer than 80 characters")
		default:
			if err := CheckLine(col, v); err != nil {
				bad(col, "%v", err)
			}
		}
		return v
	}
	row.First = text(ColFirst, true)
	row.Last = text(ColLast, true)
	row.Phone = text(ColPhone, false)
	if row.Email = get(ColEmail); row.Email == "" {
		bad(ColEmail, "missing required field")
	} else if err := ValidateEmail(row.Email); err != nil {
		bad(ColEmail, "%v", err)
	}
	if row.Username = get(ColUsername); row.Username == "" {
		bad(ColUsername, "missing required field")
	} else if err := ValidateUsername(row.Username); err != nil {
		bad(ColUsername, "%v", err)
	}
	row.Password = get(ColPassword)
	if len(row.Password) > 1024 {
		bad(ColPassword, "is longer than 1024 bytes")
	}
	row.Groups = splitList(get(ColGroup), listSep)
	if len(row.Groups) == 0 {
		bad(ColGroup, "missing required field")
	}
	switch k := strings.ToLower(get(ColKind)); k {
	case "", "standard":
		row.Kind = KindStandard
	case "restricted":
		row.Kind = KindRestricted
	default:
		bad(ColKind, "%q is not a kind: use standard or restricted", k)
	}
	row.Buildings = splitList(get(ColBuildings), ";,")
	row.ReportsTo = get(ColReportsTo)
	if row.ReportsTo != "" && strings.EqualFold(row.ReportsTo, row.Username) {
		bad(ColReportsTo, "%s cannot report to themselves (R10)", row.Username)
	}
	if s := get(ColUntil); s != "" {
		// through the end of that day, as --until and the console's form
		// (the store refuses a day already over)
		if until, err := ParseThrough(ColUntil, s, loc, time.Time{}); err != nil {
			bad(ColUntil, "%q is not a date: use YYYY-MM-DD, such as 2026-06-30", s)
		} else {
			row.Until = until
		}
	}
	return row, c.ps
}

// Clear is the cell value that clears a field in an update import.
const Clear = "-"

// parseUpdateRow reads one row of an update import: only the cells with a
// value are recorded (row.Given), "-" clearing the field.
func parseUpdateRow(line int, rec []string, cols map[string]int, width int, loc *time.Location) (ImportRow, []RowProblem) {
	row := ImportRow{Line: line, Given: map[string]bool{}}
	c := newRowCells(line, rec, cols, width)
	bad := c.bad
	get := func(col string) string {
		v := UnCSVCell(strings.TrimSpace(c.raw(col)))
		if v != "" {
			row.Given[col] = true
		}
		return v
	}
	text := func(col string, clearable bool) string {
		v := get(col)
		switch {
		case v == Clear && clearable:
			return ""
		case v == Clear:
			bad(col, "cannot be cleared: leave the cell empty to keep it")
		case len(v) > 80:
			bad(col, "is longer than 80 characters")
		default:
			if err := CheckLine(col, v); err != nil {
				bad(col, "%v", err)
			}
		}
		return v
	}
	if row.Username = get(ColUsername); row.Username == "" {
		bad(ColUsername, "missing required field: it names the user to change")
	}
	row.First = text(ColFirst, false)
	row.Last = text(ColLast, false)
	row.Phone = text(ColPhone, true)
	if row.Email = get(ColEmail); row.Email != "" {
		if err := ValidateEmail(row.Email); err != nil {
			bad(ColEmail, "%v", err)
		}
	}
	if get(ColPassword) != "" {
		bad(ColPassword, "an update does not set passwords: leave the column empty and use user password")
	}
	if g := get(ColGroup); g != Clear {
		row.Groups = splitList(g, listSep)
	}
	switch k := strings.ToLower(get(ColKind)); k {
	case "":
	case "standard":
		row.Kind = KindStandard
	case "restricted":
		row.Kind = KindRestricted
	default:
		bad(ColKind, "%q is not a kind: use standard or restricted", k)
	}
	if b := get(ColBuildings); b != Clear {
		row.Buildings = splitList(b, ";,")
	}
	if row.ReportsTo = get(ColReportsTo); row.ReportsTo == Clear {
		row.ReportsTo = ""
	} else if row.ReportsTo != "" && strings.EqualFold(row.ReportsTo, row.Username) {
		bad(ColReportsTo, "%s cannot report to themselves (R10)", row.Username)
	}
	if s := get(ColUntil); s != "" && s != Clear {
		if until, err := ParseThrough(ColUntil, s, loc, time.Time{}); err != nil {
			bad(ColUntil, "%q is not a date: use YYYY-MM-DD, such as 2026-06-30, or - for no expiry", s)
		} else {
			row.Until = until
		}
	}
	switch st := strings.ToLower(get(ColStatus)); st {
	case "", "active":
		row.Status = StatusActive
	case "deactivated", "inactive":
		row.Status = StatusDeactivated
	default:
		bad(ColStatus, "%q is not a status: use active or deactivated", st)
	}
	switch m := strings.ToLower(get(ColGroupMode)); m {
	case "", "replace":
	case "add":
		row.AddGroups = true
	default:
		bad(ColGroupMode, "%q is not a group mode: use replace or add", m)
	}
	return row, c.ps
}

// splitList splits on any of seps, trims, and drops empty and repeated
// (case-insensitive) items.
func splitList(s, seps string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(seps, r) }) {
		p = strings.TrimSpace(p)
		if k := strings.ToLower(p); p != "" && !seen[k] {
			seen[k] = true
			out = append(out, p)
		}
	}
	return out
}

// WriteUsersCSV writes rows in the import's columns, so an export can be
// imported into another file. Until is written as the last whole day of
// access in loc (time.Local when nil): an expiry that is not at midnight is
// moved earlier to one that is, never later. Passwords are never written.
func WriteUsersCSV(w io.Writer, rows []ImportRow, loc *time.Location) error {
	if loc == nil {
		loc = time.Local
	}
	cw := NewCSVWriter(w, true) // CRLF: what spreadsheet programs write and expect
	if err := cw.Write(UserCSVColumns...); err != nil {
		return err
	}
	for _, r := range rows {
		until := ""
		if !r.Until.IsZero() {
			t := r.Until.In(loc)
			day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
			until = day.AddDate(0, 0, -1).Format("2006-01-02")
		}
		rec := []string{r.First, r.Last, r.Email, r.Username, "", strings.Join(r.Groups, listSep+" "),
			r.Phone, r.Kind.String(), strings.Join(r.Buildings, listSep+" "), r.ReportsTo, until}
		if err := cw.Write(rec...); err != nil {
			return err
		}
	}
	return cw.Flush()
}
