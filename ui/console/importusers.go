package console

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"gatehouse/domain"
)

// importPhase is where the user import dialog stands. Reading and the
// import itself run in commands; the phase says which result is awaited.
type importPhase uint8

const (
	importPath    importPhase = iota // typing the file's path
	importReading                    // reading, parsing and the dry run
	importPreview                    // the dry run's result, waiting for a confirmation
	importRunning                    // the real import: hashing, then one transaction
)

// previewRows caps the preview table: enough to check the columns were
// read right, without formatting 10,000 rows for a glance.
const previewRows = 1000

// canImportUsers is the import screen's gate: an import creates users,
// which needs users:edit (the store checks again on every call).
func canImportUsers(a *domain.Access) bool { return a.Level(domain.ModUsers) >= domain.LevelEdit }

// openImport is the Users screen's import key: it opens the import, or
// says in the status line why the acting user may not.
func openImport(c *Common) tea.Cmd {
	if err := c.Access.RequireLevel(domain.ModUsers, domain.LevelEdit); err != nil {
		c.Fail(err)
		return nil
	}
	return switchTo("importusers", "")
}

// importKeys is the import key for the Users screen's help, offered only
// to those who may import.
func importKeys(c *Common) []key.Binding {
	if !canImportUsers(&c.Access) {
		return nil
	}
	return []key.Binding{c.Keys.Import.Open}
}

// Messages of the import's commands; gen drops the result of a read or
// import the user has since cancelled or replaced.
type (
	importReadMsg struct {
		gen int
		imp domain.UserImport
		rep domain.ImportReport
		err error
	}
	importStartMsg    struct{ gen int }
	importProgressMsg struct{ gen, done, total int }
	importConfirmMsg  struct{ gen int }
	importDoneMsg     struct {
		gen int
		rep domain.ImportReport
		err error
	}
)

// importScreen imports users from a CSV file on the machine the console
// runs on: a dry run first, shown as a preview with every bad row, then
// the real import (all or nothing) with a progress bar while temporary
// passwords are hashed.
type importScreen struct {
	c        *Common
	phase    importPhase
	path     textinput.Model
	gen      int
	read     string              // the path as typed when the file was read
	fileErr  error               // the file could not be read as a user list
	imp      domain.UserImport   // the parsed file
	rep      domain.ImportReport // the dry run's report, or the failed import's
	err      error               // the dry run's or the import's refusal
	nbad     int                 // rows with at least one problem
	rows     *table
	probs    []string // the problems, wrapped to the width
	probTop  int      // first problem line shown
	onProbs  bool     // the arrows scroll the problems, not the rows
	bar      progress.Model
	done     int
	total    int
	progress chan importProgressMsg
	w, h     int
}

func newImportScreen(c *Common) *importScreen {
	s := &importScreen{c: c, rows: newTable(c, "no rows",
		column{title: "Line", width: 7},
		column{title: "Username", width: 10, flex: 1},
		column{title: "Name", width: 12, flex: 2},
		column{title: "Email", width: 16, flex: 2},
		column{title: "Groups", width: 12, flex: 3},
		column{title: "Through", width: 10}),
		bar: progress.New(progress.WithFillCharacters('█', '░')),
	}
	s.path = textinput.New()
	s.path.Prompt = ""
	s.path.Placeholder = "/path/to/users.csv"
	st := s.path.Styles()
	st.Cursor.Blink = false
	s.path.SetStyles(st)
	s.path.Focus()
	return s
}

// location reads the file's dates (Until) as the organization's days.
func (s *importScreen) location() *time.Location { return s.c.zone() }

// readFile opens, parses and dry-runs the file in a command: reading and
// hashing nothing in Update keeps the console responsive on big files.
func (s *importScreen) readFile() tea.Cmd {
	path := strings.TrimSpace(s.path.Value())
	if path == "" {
		s.c.Fail(domain.Errorf(domain.EInvalid, "type the path of a CSV file"))
		return nil
	}
	file, err := s.c.localFile(path)
	if err != nil {
		s.c.Fail(err)
		return nil
	}
	s.gen++
	s.phase, s.read, s.fileErr = importReading, path, nil
	s.path.Blur()
	gen, svc, loc := s.gen, s.c.Svc, s.location()
	return func() tea.Msg {
		imp, err := parseImportFile(file, loc)
		if err != nil {
			return importReadMsg{gen: gen, err: domain.Errorf(domain.ErrorCode(err), "%s: %s", path, errText(err))}
		}
		rep, err := svc.ImportUsers(s.c.Ctx, imp, domain.ImportOptions{DryRun: true, Source: filepath.Base(path)})
		return importReadMsg{gen: gen, imp: imp, rep: rep, err: err}
	}
}

func parseImportFile(path string, loc *time.Location) (domain.UserImport, error) {
	f, err := os.Open(path)
	if err != nil {
		return domain.UserImport{}, domain.Errorf(domain.EInvalid, "cannot read the file: %v", unwrapPathError(err))
	}
	defer func() { _ = f.Close() }() // read-only: everything needed was read or the parse error says why
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return domain.UserImport{}, domain.Errorf(domain.EInvalid, "a directory, not a file")
	}
	return domain.ParseUsersCSV(f, loc)
}

// unwrapPathError drops the path an *os.PathError repeats.
func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// start runs the real import in a command; temporary passwords report
// their hashing through a channel that waitProgress turns into messages.
// With confirm it proceeds past the R4 warning the user was asked about.
func (s *importScreen) start(confirm bool) tea.Cmd {
	s.phase, s.err = importRunning, nil
	s.done, s.total = 0, s.rep.Passwords
	gen, svc, imp := s.gen, s.c.Svc, s.imp
	opts := domain.ImportOptions{Source: filepath.Base(s.read), Confirm: confirm}
	var ch chan importProgressMsg
	if s.total > 0 {
		ch = make(chan importProgressMsg, 1)
		// one caller at a time: after the drain the buffer is empty, so the
		// send never blocks the hashing; a slow screen sees the latest count
		opts.Progress = func(done, total int) {
			select {
			case <-ch:
			default:
			}
			ch <- importProgressMsg{gen: gen, done: done, total: total}
		}
	}
	s.progress = ch
	run := func() tea.Msg {
		rep, err := svc.ImportUsers(s.c.Ctx, imp, opts)
		if ch != nil {
			close(ch)
		}
		return importDoneMsg{gen: gen, rep: rep, err: err}
	}
	return tea.Batch(run, s.waitProgress())
}

func (s *importScreen) waitProgress() tea.Cmd {
	ch := s.progress
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		p, ok := <-ch
		if !ok {
			return nil
		}
		return p
	}
}

// reset forgets the file and empties the path: the next import starts
// afresh. Results still on their way are dropped by the generation.
func (s *importScreen) reset() {
	s.gen++
	s.phase, s.read, s.fileErr, s.err = importPath, "", nil, nil
	s.imp, s.rep, s.nbad = domain.UserImport{}, domain.ImportReport{}, 0
	s.probs, s.probTop, s.onProbs, s.progress = nil, 0, false, nil
	s.rows.SetRows(nil, nil)
	s.path.SetValue("")
	s.path.Focus()
}

// cancel leaves for the Users screen; nothing was written.
func (s *importScreen) cancel() tea.Cmd {
	s.reset()
	s.c.Ok("import cancelled: nothing was written")
	return switchTo("users", "")
}

// showPreview fills the rows table and the problem list from a dry run,
// or from a refused import.
func (s *importScreen) showPreview(rep domain.ImportReport, err error) {
	s.phase, s.rep, s.err = importPreview, rep, err
	bad := map[int]bool{}
	for _, p := range rep.Problems {
		bad[p.Line] = true
	}
	s.nbad = len(bad)
	loc := s.location()
	n := min(len(s.imp.Rows), previewRows)
	keys, rows := make([]string, n), make([][]string, n)
	for i, r := range s.imp.Rows[:n] {
		line := fmt.Sprint(r.Line)
		if bad[r.Line] {
			line = "✗ " + line
		}
		until := dash(domain.LastDay(r.Until, loc))
		keys[i] = fmt.Sprint(i)
		rows[i] = []string{line, r.Username, dash(strings.TrimSpace(r.First + " " + r.Last)), dash(r.Email),
			dash(strings.Join(r.Groups, ", ")), until}
	}
	s.rows.SetRows(keys, rows)
	s.rows.cursor, s.rows.offset = 0, 0
	s.probTop, s.onProbs = 0, len(rep.Problems) > 0
	s.layout()
}

// badRows counts the rows with at least one problem.
func (s *importScreen) badRows() int { return s.nbad }

// problemRows says how many rows have problems: "1 of 3 rows has problems".
func (s *importScreen) problemRows() string {
	if s.nbad == 1 {
		return fmt.Sprintf("1 of %d rows has problems", len(s.imp.Rows))
	}
	return fmt.Sprintf("%d of %d rows have problems", s.nbad, len(s.imp.Rows))
}

func (s *importScreen) Reload() tea.Cmd {
	if s.phase == importPath {
		s.path.Focus()
	}
	return nil
}

func (s *importScreen) Dirty() bool { return s.phase == importPreview }

// Capturing keeps every key while typing the path, and while reading or
// importing, so no screen switch loses the result on its way.
func (s *importScreen) Capturing() bool { return s.phase != importPreview }

func (s *importScreen) Hint() string {
	if s.phase == importPreview && len(s.rep.Problems) > 0 {
		return "fix the file, then r reads it again; e changes the path"
	}
	return ""
}

func (s *importScreen) SetSize(w, h int) {
	s.w, s.h = w, h
	s.path.SetWidth(max(10, min(60, w-10)))
	s.bar.SetWidth(max(20, min(60, w-4)))
	s.layout()
}

// summary is the preview's verdict, wrapped to the width, and whether it
// is a refusal.
func (s *importScreen) summary() (string, bool) {
	n := len(s.imp.Rows)
	switch {
	case s.badRows() > 0:
		return s.wrap("✗ " + s.problemRows() + ": nothing can be imported until the file is fixed."), true
	case s.err != nil:
		return s.wrap("✗ " + oneLine(errText(s.err))), true
	}
	sum := "✓ " + plural(n, "user") + " would be created"
	if p := s.rep.Passwords; p > 0 {
		sum += fmt.Sprintf(", %d with a temporary password to change at first login", p)
	}
	return s.wrap(sum + "."), false
}

// headHeight counts the preview's lines above the rows table: the title,
// the summary and the table's label.
func (s *importScreen) headHeight() int {
	sum, _ := s.summary()
	return 2 + strings.Count(sum, "\n") + 1
}

// tableHeight is the rows table's height (with its header): all that is
// left on a clean preview, a third of it beside a list of problems.
func (s *importScreen) tableHeight() int {
	left := s.h - s.headHeight()
	if len(s.rep.Problems) == 0 {
		return max(2, left)
	}
	return max(2, min(len(s.rows.rows)+1, (left-1)/3))
}

func (s *importScreen) probHeight() int { return max(1, s.h-s.headHeight()-1-s.tableHeight()) }

// layout sizes the table and wraps the problems to the width.
func (s *importScreen) layout() {
	s.rows.SetSize(s.w, s.tableHeight())
	s.probs = s.probs[:0]
	width := max(20, s.w-4)
	for _, p := range s.rep.Problems {
		text := fmt.Sprintf("line %d", p.Line)
		if p.Column != "" {
			text += " · " + p.Column
		}
		text += ": " + p.Reason
		for i, l := range strings.Split(ansi.Wrap(text, width, ""), "\n") {
			if i == 0 {
				s.probs = append(s.probs, "  "+l)
			} else {
				s.probs = append(s.probs, "    "+l)
			}
		}
	}
	s.scrollProbs(0)
}

func (s *importScreen) scrollProbs(d int) {
	s.probTop = max(0, min(s.probTop+d, len(s.probs)-s.probHeight()))
}

func (s *importScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case importReadMsg:
		if msg.gen != s.gen || s.phase != importReading {
			return nil
		}
		if len(msg.imp.Rows) == 0 {
			s.phase, s.fileErr = importPath, msg.err
			s.c.Fail(msg.err)
			return s.path.Focus()
		}
		s.imp = msg.imp
		s.showPreview(msg.rep, msg.err)
		if msg.err != nil && len(msg.rep.Problems) == 0 {
			s.c.Fail(msg.err)
		}
		return nil
	case importStartMsg:
		if msg.gen != s.gen || s.phase != importPreview || len(s.rep.Problems) > 0 {
			return nil
		}
		return s.start(false)
	case importConfirmMsg:
		// the R4 question was answered yes: the import runs again, confirmed
		if msg.gen != s.gen || s.phase != importPreview {
			return nil
		}
		return s.start(true)
	case importProgressMsg:
		if msg.gen != s.gen || s.phase != importRunning {
			return nil
		}
		s.done, s.total = msg.done, msg.total
		return s.waitProgress()
	case importDoneMsg:
		if msg.gen != s.gen || s.phase != importRunning {
			return nil
		}
		if domain.IsWarning(msg.err) {
			// rows would make Building Administrators full administrators
			// (R4): nothing was written; ask, naming who gains what
			s.showPreview(msg.rep, nil)
			gen := s.gen
			return ask(errText(msg.err), func() tea.Msg { return importConfirmMsg{gen: gen} })
		}
		if msg.err != nil {
			s.showPreview(msg.rep, msg.err)
			s.c.Fail(msg.err)
			return nil
		}
		ok := fmt.Sprintf("created %s from %s", plural(len(msg.rep.Created), "user"), filepath.Base(s.read))
		if msg.rep.Passwords > 0 {
			ok += fmt.Sprintf(", %d with a temporary password", msg.rep.Passwords)
		}
		s.reset()
		s.c.Ok("%s", ok)
		return switchTo("users", "")
	case tea.KeyPressMsg:
		return s.key(msg)
	}
	if s.phase == importPath {
		var cmd tea.Cmd
		s.path, cmd = s.path.Update(msg)
		return cmd
	}
	return nil
}

func (s *importScreen) key(k tea.KeyPressMsg) tea.Cmd {
	ik := s.c.Keys.Import
	switch s.phase {
	case importRunning:
		return nil // one transaction: it cannot be stopped half way
	case importReading:
		if key.Matches(k, ik.Cancel) {
			return s.cancel()
		}
		return nil
	case importPath:
		switch {
		case key.Matches(k, ik.Cancel):
			return s.cancel()
		case key.Matches(k, ik.Read):
			return s.readFile()
		}
		var cmd tea.Cmd
		s.path, cmd = s.path.Update(k)
		s.fileErr = nil
		return cmd
	}
	n := s.c.Keys.Nav
	switch {
	case key.Matches(k, ik.Cancel):
		return s.cancel()
	case key.Matches(k, ik.Reread):
		return s.readFile()
	case key.Matches(k, ik.Path):
		s.gen++
		s.phase = importPath
		s.path.CursorEnd()
		return s.path.Focus()
	case key.Matches(k, ik.Confirm):
		if s.badRows() > 0 {
			s.c.Fail(domain.Errorf(domain.EInvalid, "%s, so nothing can be imported: fix the file, then r reads it again",
				s.problemRows()))
			return nil
		}
		gen := s.gen
		return ask(fmt.Sprintf("Import %s into gatehouse?", plural(len(s.imp.Rows), "user")), func() tea.Msg { return importStartMsg{gen: gen} })
	case key.Matches(k, s.c.Keys.Global.NextPane), key.Matches(k, s.c.Keys.Global.PrevPane):
		s.onProbs = !s.onProbs && len(s.rep.Problems) > 0
		return nil
	}
	if !s.onProbs {
		s.rows.Update(k)
		return nil
	}
	page := s.probHeight()
	switch {
	case key.Matches(k, n.Up):
		s.scrollProbs(-1)
	case key.Matches(k, n.Down):
		s.scrollProbs(1)
	case key.Matches(k, n.PageUp):
		s.scrollProbs(-page)
	case key.Matches(k, n.PageDown):
		s.scrollProbs(page)
	case key.Matches(k, n.Home):
		s.scrollProbs(-len(s.probs))
	case key.Matches(k, n.End):
		s.scrollProbs(len(s.probs))
	}
	return nil
}

// wrap fits a paragraph to the width.
func (s *importScreen) wrap(text string) string { return ansi.Wrap(text, max(20, s.w), "") }

func (s *importScreen) View() string {
	st := s.c.Styles
	switch s.phase {
	case importPath, importReading:
		var b strings.Builder
		b.WriteString(st.Title.Render("Import users from a CSV file") + "\n\n")
		b.WriteString("File  [" + s.path.View() + "]\n\n")
		b.WriteString(st.Dim.Render(s.wrap("The file is read on the machine the console runs on: over SSH, that is the "+
			"server's filesystem, not yours.")) + "\n")
		b.WriteString(st.Dim.Render(s.wrap("Columns, in any order: "+strings.Join(domain.UserCSVColumns[:6], ", ")+
			"; optional: "+strings.Join(domain.UserCSVColumns[6:], ", ")+". Groups and buildings: several separated by \";\"; "+
			"Until: YYYY-MM-DD.")) + "\n")
		b.WriteString(st.Dim.Render(s.wrap("enter reads the file and shows what would be imported (a dry run); nothing is "+
			"written until you confirm.")) + "\n")
		switch {
		case s.phase == importReading:
			b.WriteString("\nReading " + s.read + " and checking every row (dry run)…")
		case s.fileErr != nil:
			b.WriteString("\n" + st.Error.Render(s.wrap("✗ "+errText(s.fileErr))))
		}
		return b.String()
	case importRunning:
		return s.runningView()
	}
	return s.previewView()
}

func (s *importScreen) runningView() string {
	st := s.c.Styles
	lines := []string{st.Title.Render(fmt.Sprintf("Importing %s from %s", plural(len(s.imp.Rows), "user"), s.read)), ""}
	if s.total > 0 {
		bar := s.bar
		bar.FullColor, bar.EmptyColor = st.Title.GetForeground(), st.Dim.GetForeground()
		lines = append(lines, fmt.Sprintf("Hashing temporary passwords on every core: %d/%d", s.done, s.total),
			bar.ViewAs(float64(s.done)/float64(s.total)), "")
	}
	if s.done == s.total {
		lines = append(lines, "Writing the users in one transaction…")
	}
	lines = append(lines, st.Dim.Render(s.wrap("Every user is created or none: the import cannot be stopped half way.")))
	return strings.Join(lines, "\n")
}

func (s *importScreen) previewView() string {
	st := s.c.Styles
	n := len(s.imp.Rows)
	var b strings.Builder
	b.WriteString(pad(st.Title.Render("Import users from "+s.read)+st.Dim.Render(" · dry run, nothing written yet"), s.w) + "\n")
	sum, bad := s.summary()
	if bad {
		b.WriteString(st.Error.Render(sum))
	} else {
		b.WriteString(st.OK.Render(sum))
	}
	nb := s.badRows()
	label := fmt.Sprintf("Rows · %d in the file", n)
	if n > previewRows {
		label += fmt.Sprintf(" · the first %d shown", previewRows)
	}
	if nb > 0 {
		label += " · ✗ marks a row with problems"
	}
	mark := func(on bool) string {
		if on && nb > 0 {
			return "▸ "
		}
		return "  "
	}
	b.WriteString("\n" + st.Title.Render(pad(mark(!s.onProbs)+label, s.w)) + "\n" + s.rows.View())
	if len(s.rep.Problems) == 0 {
		return b.String()
	}
	// pad the table to its height so the problems stay in place
	for i := len(s.rows.rows) + 1; i < s.tableHeight(); i++ {
		b.WriteString("\n")
	}
	h := s.probHeight()
	label = fmt.Sprintf("Problems · %d", len(s.rep.Problems))
	if len(s.probs) > h {
		label += fmt.Sprintf(" · lines %d–%d of %d", s.probTop+1, min(len(s.probs), s.probTop+h), len(s.probs))
	}
	label += " · tab switches pane"
	b.WriteString("\n" + st.Title.Render(pad(mark(s.onProbs)+label, s.w)))
	for _, l := range s.probs[s.probTop:min(len(s.probs), s.probTop+h)] {
		b.WriteString("\n" + pad(l, s.w))
	}
	return b.String()
}

func (s *importScreen) ShortHelp() []key.Binding {
	ik, n := s.c.Keys.Import, s.c.Keys.Nav
	switch s.phase {
	case importPath:
		return []key.Binding{ik.Read, ik.Cancel}
	case importReading:
		return []key.Binding{ik.Cancel}
	case importRunning:
		return nil
	}
	if len(s.rep.Problems) > 0 {
		return []key.Binding{ik.Reread, ik.Path, s.c.Keys.Global.NextPane, n.Up, n.Down, ik.Cancel}
	}
	return []key.Binding{ik.Confirm, ik.Reread, ik.Path, n.Up, n.Down, ik.Cancel}
}

func (s *importScreen) FullHelp() [][]key.Binding {
	ik, n := s.c.Keys.Import, s.c.Keys.Nav
	return [][]key.Binding{
		{ik.Read, ik.Reread, ik.Path, ik.Confirm, ik.Cancel},
		{s.c.Keys.Global.NextPane, n.Up, n.Down, n.PageUp, n.PageDown, n.Home, n.End},
	}
}
