package console

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
)

// dataFileScreen backs up, checks and repairs the data file from inside the
// console. A running console or server holds the file, so `gatehouse
// backup` and `check` from another process cannot open it; this is where a
// live file is backed up. The store allows it to a superuser or the owner.
type dataFileScreen struct {
	c      *Common
	path   *form // the backup destination, kept while the screen lives
	typing bool
	report []string
	busy   string
	w, h   int
	body   *scroller
}

// fileDoneMsg carries a finished backup, check or repair.
type fileDoneMsg struct {
	what   string
	report domain.CheckReport
	dest   string // where a backup went
	err    error
}

func newDataFileScreen(c *Common) *dataFileScreen {
	s := &dataFileScreen{c: c, body: &scroller{c: c}}
	s.path = newForm(c, "Back up the data file to").text("File", "", "/path/to/backup.db", func(v string) error {
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("a file path is required")
		}
		return nil
	})
	return s
}

func (s *dataFileScreen) Reload() tea.Cmd { s.render(); return nil }

func (s *dataFileScreen) render() {
	k := s.c.Keys.File
	lines := []string{
		s.c.Styles.Title.Render("Data file"),
		"Back up (" + k.Backup.Help().Key + "): a consistent copy taken in one read transaction while everyone keeps working,",
		"verified, then put in place; an earlier backup is never replaced by a failed one.",
		"Check (" + k.Check.Help().Key + "): bbolt's consistency check and the domain's invariants.",
		"Repair (" + k.Repair.Help().Key + "): fixes what check finds, in one transaction, with an audit event.",
		"",
	}
	if s.c.remote {
		lines[1] = "Back up (" + k.Backup.Help().Key + "): into the backups/ folder beside the data file on the server, under a new dated name;"
		lines[2] = "a consistent copy taken in one read transaction while everyone keeps working, verified, then put in place."
	}
	if s.c.jobFailures != nil {
		if fails := s.c.jobFailures(); len(fails) > 0 {
			lines = append(lines, s.c.Styles.Title.Render("Background jobs failed")+" (expiry records, scheduled tasks, overdue notices, alerts; they retry every minute):")
			for _, f := range fails {
				lines = append(lines, "✗ "+f)
			}
			lines = append(lines, "")
		}
	}
	if s.busy != "" {
		lines = append(lines, s.busy+"…")
	}
	s.body.lines = append(lines, s.report...)
	s.body.clamp()
}

func (s *dataFileScreen) run(what string, fn func() (domain.CheckReport, error)) tea.Cmd {
	s.busy, s.report = what, nil
	s.render()
	return func() tea.Msg {
		r, err := fn()
		return fileDoneMsg{what: what, report: r, err: err}
	}
}

func (s *dataFileScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case fileDoneMsg:
		s.busy = ""
		if msg.err != nil {
			s.c.Fail(msg.err)
			s.report = []string{"✗ " + msg.err.Error()}
		} else if msg.what == "backing up" {
			s.c.Ok("backed up to %s and verified", msg.dest)
			s.report = []string{"✓ backed up to " + msg.dest + " and verified"}
		} else {
			s.c.Ok("%s", msg.report.Summary())
			s.report = []string{msg.report.Summary()}
			for _, r := range msg.report.Repaired {
				s.report = append(s.report, "  repaired: "+r)
			}
			for _, f := range msg.report.Findings {
				s.report = append(s.report, "  "+f.String())
			}
		}
		s.render()
		return nil
	case tea.KeyPressMsg:
		if s.typing {
			submit, cancel, cmd := s.path.Update(msg)
			switch {
			case cancel:
				s.typing = false
			case submit:
				s.typing = false
				dest := strings.TrimSpace(s.path.Value(0))
				return s.backup(func() (string, error) { return dest, s.c.Svc.Backup(s.c.Ctx, dest) })
			}
			return cmd
		}
		if s.busy != "" {
			return nil
		}
		k := s.c.Keys.File
		switch {
		case key.Matches(msg, k.Backup):
			return s.startBackup()
		case key.Matches(msg, k.Check):
			return s.check()
		case key.Matches(msg, k.Repair):
			return ask("Repair the data file? Index entries are rebuilt and dangling rows dropped, in one transaction.",
				s.run("repairing", func() (domain.CheckReport, error) { return s.c.Svc.Check(s.c.Ctx, true) }))
		default:
			s.body.Update(msg)
		}
	}
	return nil
}

// startBackup asks for the destination (what was typed before stays).
// Over SSH it asks nothing: a typed path would be a path on the server, so
// the backup goes to the data directory's backups/ folder, newly named.
func (s *dataFileScreen) startBackup() tea.Cmd {
	if s.c.remote {
		return s.backup(func() (string, error) { return s.c.Svc.BackupToDataDir(s.c.Ctx) })
	}
	s.typing = true
	s.path.setFocus(0)
	s.path.rebase() // the kept path is where esc returns to without asking
	return nil
}

// backup runs fn, which backs up and says where to.
func (s *dataFileScreen) backup(fn func() (string, error)) tea.Cmd {
	s.busy, s.report = "backing up", nil
	s.render()
	return func() tea.Msg {
		dest, err := fn()
		return fileDoneMsg{what: "backing up", dest: dest, err: err}
	}
}

// check runs the consistency check without repairing.
func (s *dataFileScreen) check() tea.Cmd {
	return s.run("checking", func() (domain.CheckReport, error) { return s.c.Svc.Check(s.c.Ctx, false) })
}

func (s *dataFileScreen) View() string {
	if s.typing {
		return s.path.View()
	}
	return s.body.View()
}

func (s *dataFileScreen) SetSize(w, h int) {
	s.w, s.h = w, h
	s.path.SetSize(w, h)
	s.body.SetSize(w, h)
}

func (s *dataFileScreen) Dirty() bool     { return s.typing && strings.TrimSpace(s.path.Value(0)) != "" }
func (s *dataFileScreen) Capturing() bool { return s.typing }
func (s *dataFileScreen) Hint() string    { return "" }

func (s *dataFileScreen) ShortHelp() []key.Binding {
	if s.typing {
		return s.path.ShortHelp()
	}
	k := s.c.Keys.File
	return []key.Binding{k.Backup, k.Check, k.Repair}
}

func (s *dataFileScreen) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }
