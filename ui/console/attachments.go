package console

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
	"gatehouse/internal/safefile"
)

// attachmentsPane lists a ticket's files (View Attachments): a attaches a
// file by path, s saves the highlighted one to a path (never over an
// existing file), d deletes it (Edit Attachments).
type attachmentsPane struct {
	c      *Common
	t      domain.TicketRow
	table  *table
	list   []domain.Attachment
	hidden bool
	err    error
	w, h   int
	paneForm
}

const (
	attachAdd = iota
	attachSave
)

func newAttachmentsPane(c *Common) *attachmentsPane {
	return &attachmentsPane{c: c, table: newTable(c, "no attachments",
		column{title: "Name", width: 16, flex: 1},
		column{title: "Type", width: 26},
		column{title: "Size", width: 9},
		column{title: "Added", width: 16})}
}

func (p *attachmentsPane) reader(n domain.TicketNumber) func() func() {
	hidden := !p.c.Access.Has(domain.AttachView)
	return func() func() {
		var list []domain.Attachment
		var err error
		if !hidden {
			list, err = p.c.Svc.Attachments(p.c.Ctx, n)
		}
		return func() { p.list, p.err = list, err }
	}
}

func (p *attachmentsPane) Load(t *domain.TicketDetail) {
	p.t = t.TicketRow
	p.hidden = !p.c.Access.Has(domain.AttachView)
	keys := make([]string, len(p.list))
	rows := make([][]string, len(p.list))
	for i, a := range p.list {
		keys[i] = strconv.FormatUint(a.ID, 10)
		rows[i] = []string{a.Name, a.MIME, byteSize(a.Size), p.c.stamp(a.Created)}
	}
	p.table.SetRows(keys, rows)
}

// byteSize is a size for people: 512 B, 3.4 KiB, 1.2 MiB.
func byteSize(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

func (p *attachmentsPane) current() (domain.Attachment, bool) {
	k := p.table.Key()
	for _, a := range p.list {
		if strconv.FormatUint(a.ID, 10) == k {
			return a, true
		}
	}
	return domain.Attachment{}, false
}

func (p *attachmentsPane) Capturing() bool { return p.form != nil }

// canAdd: Edit Attachments, or Add Attachments via Add Page (the store
// allows that one on the actor's own new tickets only).
func (p *attachmentsPane) canAdd() bool {
	a := &p.c.Access
	return a.Has(domain.AttachEdit) || a.Has(domain.TicketAttach)
}

// Claims takes a, s and d before the ticket actions on this tab.
func (p *attachmentsPane) Claims(k tea.KeyPressMsg) bool {
	ck := p.c.Keys.Collab
	return key.Matches(k, ck.AddFile) || key.Matches(k, ck.SaveFile) || key.Matches(k, ck.DeleteFile)
}

func (p *attachmentsPane) Update(msg tea.Msg) tea.Cmd {
	if p.form != nil {
		var submit tea.Cmd
		cmd := updateForm(&p.form, msg, func() tea.Cmd { submit = p.submit(); return nil })
		return tea.Batch(cmd, submit)
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	ck := p.c.Keys.Collab
	switch {
	case key.Matches(k, ck.AddFile):
		if !p.canAdd() {
			refuse(p.c, domain.AttachEdit)
			return nil
		}
		p.open(attachAdd, "Attach a file to "+p.t.Label, "", fmt.Sprintf("up to %d MiB; the type is detected from the content", domain.MaxAttachment>>20))
	case key.Matches(k, ck.SaveFile):
		if p.hidden {
			refuse(p.c, domain.AttachView)
			return nil
		}
		a, ok := p.current()
		if !ok {
			return nil
		}
		p.open(attachSave, "Save "+a.Name+" to", a.Name, "an existing file is never overwritten")
	case key.Matches(k, ck.DeleteFile):
		if !p.c.Access.Has(domain.AttachEdit) {
			refuse(p.c, domain.AttachEdit)
			return nil
		}
		a, ok := p.current()
		if !ok {
			return nil
		}
		svc, n := p.c.Svc, p.t.Number
		return ask(fmt.Sprintf("Delete the attachment %s (%s) from %s? This cannot be undone.", a.Name, byteSize(a.Size), p.t.Label),
			collabDo(nil, func() (string, error) { return "deleted attachment " + a.Name, svc.DeleteAttachment(p.c.Ctx, n, a.ID) }))
	default:
		p.table.Update(k)
	}
	return nil
}

func (p *attachmentsPane) open(kind int, title, path, note string) {
	p.form = newForm(p.c, title).text("Path", path, "a file path; ~ is your home", func(s string) error {
		if s == "" {
			return domain.Errorf(domain.EInvalid, "a path is required")
		}
		return nil
	})
	p.form.note = note
	p.kind, p.busy = kind, false
	p.form.SetSize(p.w, p.h)
}

// submit reads or writes the file in the command, never in Update.
func (p *attachmentsPane) submit() tea.Cmd {
	if p.busy {
		return nil
	}
	f, svc, t := p.form, p.c.Svc, p.t
	path, err := p.c.localFile(f.Value(0))
	if err != nil {
		p.c.Fail(err)
		return nil
	}
	p.busy = true
	if p.kind == attachAdd {
		return collabDo(f, func() (string, error) {
			data, err := readAttachment(path)
			if err != nil {
				return "", err
			}
			a, err := svc.Attach(p.c.Ctx, t.Number, filepath.Base(path), data)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("attached %s (%s, %s) to %s", a.Name, a.MIME, byteSize(a.Size), t.Label), nil
		})
	}
	a, _ := p.current()
	return collabDo(f, func() (string, error) {
		n, err := saveAttachment(p.c.Ctx, svc, t.Number, a.ID, path)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("saved %s (%s) to %s", a.Name, byteSize(n), path), nil
	})
}

// readAttachment reads a file to attach, refusing directories and files
// over the limit before reading them.
func readAttachment(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, domain.Errorf(domain.EInvalid, "cannot read %s: %v", path, err)
	}
	if st.IsDir() {
		return nil, domain.Errorf(domain.EInvalid, "%s is a directory, not a file", path)
	}
	if st.Size() > domain.MaxAttachment {
		return nil, domain.Errorf(domain.EInvalid, "%s is %.1f MiB: attachments are limited to %d MiB", path, float64(st.Size())/(1<<20), domain.MaxAttachment>>20)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, domain.Errorf(domain.EInvalid, "cannot read %s: %v", path, err)
	}
	return data, nil
}

// saveAttachment writes an attachment's content to a new file (O_EXCL:
// an existing file is never overwritten).
func saveAttachment(ctx context.Context, svc domain.Service, number domain.TicketNumber, id domain.ID, path string) (int64, error) {
	_, data, err := svc.AttachmentData(ctx, number, id)
	if err != nil {
		return 0, err
	}
	if err := writeNew(path, data); err != nil {
		return 0, err
	}
	return int64(len(data)), nil
}

// writeNew creates path with data, complete or not at all; it fails when
// anything exists at path (safefile.WriteNew).
func writeNew(path string, data []byte) error {
	return safefile.WriteNew(path, func(w io.Writer) error { _, err := w.Write(data); return err })
}

func (p *attachmentsPane) View() string {
	st := p.c.Styles
	if p.form != nil {
		v := p.form.View()
		if p.busy {
			v += "\n" + st.Dim.Render("working…")
		}
		return v
	}
	var hints []string
	if p.canAdd() {
		hints = append(hints, "a attaches a file")
	}
	if p.hidden {
		out := hiddenLine(p.c, "attachments", domain.AttachView)
		if len(hints) > 0 {
			out += "\n" + st.Dim.Render(strings.Join(hints, " · "))
		}
		return out
	}
	if p.err != nil {
		return st.Error.Render("✗ " + errText(p.err))
	}
	var total int64
	for _, a := range p.list {
		total += a.Size
	}
	hints = append(hints, "s saves to a path")
	if p.c.Access.Has(domain.AttachEdit) {
		hints = append(hints, "d deletes")
	}
	head := fmt.Sprintf("%s, %s · %s", plural(len(p.list), "file"), byteSize(total), strings.Join(hints, " · "))
	return st.Dim.Render(head) + "\n" + p.table.View()
}

func (p *attachmentsPane) SetSize(w, h int) {
	p.w, p.h = w, h
	p.table.SetSize(w, h-1)
	if p.form != nil {
		p.form.SetSize(w, h)
	}
}

func (p *attachmentsPane) ShortHelp() []key.Binding {
	if p.form != nil {
		return p.form.ShortHelp()
	}
	ck := p.c.Keys.Collab
	var out []key.Binding
	if p.canAdd() {
		out = append(out, ck.AddFile)
	}
	if !p.hidden {
		out = append(out, ck.SaveFile)
	}
	if p.c.Access.Has(domain.AttachEdit) {
		out = append(out, ck.DeleteFile)
	}
	return out
}

func (p *attachmentsPane) FullHelp() [][]key.Binding { return nil }
