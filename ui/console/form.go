package console

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"gatehouse/domain"
)

type fieldKind uint8

const (
	fieldText fieldKind = iota
	fieldToggle
	fieldChoice
	fieldArea
)

// field is one row of a form: a text input with live validation, a yes/no
// toggle, or a choice cycled with space.
type field struct {
	label    string
	kind     fieldKind
	input    textinput.Model
	area     textarea.Model
	validate func(string) error
	on       bool
	options  []string
	choice   int
	err      string
	// selected: the pre-filled value is selected, so the first typed key
	// replaces it (as in any dialog) and backspace clears it.
	selected bool
	// pick, when set, offers the entities this field names while typing.
	pick *pick
}

// form is the shared create/edit component: typed text is never lost, a
// field's error shows beside it as you type, and the store's refusal goes
// to the status line while the values stay.
type form struct {
	c      *Common
	title  string
	note   string
	fields []*field
	focus  int
	w, h   int
	// initial holds each field's value when built: esc on a changed form
	// asks before the typed text is thrown away, as the matrix does.
	initial []string
	asking  bool
	loading bool // the pick fields' items were asked for
}

func newForm(c *Common, title string) *form { return &form{c: c, title: title} }

func (f *form) text(label, value, placeholder string, validate func(string) error) *form {
	in := textinput.New()
	in.Prompt = ""
	in.Placeholder = placeholder
	st := in.Styles()
	st.Cursor.Blink = false // a steady cursor keeps frames (and goldens) stable
	in.SetStyles(st)
	in.SetValue(value)
	in.SetWidth(40)
	f.fields = append(f.fields, &field{label: label, kind: fieldText, input: in, validate: validate, selected: value != ""})
	f.initial = append(f.initial, value)
	if len(f.fields) == 1 {
		f.fields[0].input.Focus()
	}
	return f
}

// area adds a multi-line text field (a description, a message, a work
// report): enter starts a new line, a paste keeps its lines, and ctrl+s
// saves the form.
func (f *form) area(label, value, placeholder string, validate func(string) error) *form {
	ta := textarea.New()
	ta.Prompt = ""
	ta.Placeholder = placeholder
	ta.ShowLineNumbers = false
	st := ta.Styles()
	st.Cursor.Blink = false
	st.Focused.CursorLine = st.Focused.Text
	ta.SetStyles(st)
	ta.CharLimit = 0
	ta.SetValue(value)
	ta.SetWidth(40)
	ta.SetHeight(4)
	ta.KeyMap.InsertNewline = f.c.Keys.Form.Newline
	f.fields = append(f.fields, &field{label: label, kind: fieldArea, area: ta, validate: validate, selected: value != ""})
	f.initial = append(f.initial, value)
	if len(f.fields) == 1 {
		f.fields[0].area.Focus()
	}
	return f
}

// secret adds a text field that shows a mask instead of what is typed (a
// password): it starts empty, so a stored secret is never put on screen.
func (f *form) secret(label, placeholder string) *form {
	f.text(label, "", placeholder, nil)
	f.fields[len(f.fields)-1].input.EchoMode = textinput.EchoPassword
	return f
}

// Raw reads text field i untrimmed (a password may hold spaces).
func (f *form) Raw(i int) string { return f.fields[i].input.Value() }

func (f *form) toggle(label string, on bool) *form {
	f.fields = append(f.fields, &field{label: label, kind: fieldToggle, on: on})
	f.initial = append(f.initial, map[bool]string{true: "yes"}[on])
	return f
}

func (f *form) choose(label string, options []string, current string) *form {
	if len(options) == 0 {
		options = []string{""} // nothing to choose yet: "—", never an index out of range
	}
	fl := &field{label: label, kind: fieldChoice, options: options}
	for i, o := range options {
		if o == current {
			fl.choice = i
		}
	}
	f.fields = append(f.fields, fl)
	f.initial = append(f.initial, fl.options[min(fl.choice, max(0, len(options)-1))])
	fl.pick = &pick{query: newPickQuery()}
	return f
}

// Value reads field i: the text, "yes"/"" for a toggle, or the chosen option.
func (f *form) Value(i int) string {
	fl := f.fields[i]
	switch fl.kind {
	case fieldToggle:
		if fl.on {
			return "yes"
		}
		return ""
	case fieldChoice:
		if len(fl.options) == 0 {
			return ""
		}
		return fl.options[fl.choice]
	case fieldArea:
		return strings.TrimSpace(fl.area.Value())
	}
	return strings.TrimSpace(fl.input.Value())
}

// labelWidth is the label column: 16 cells, or the longest label so none
// is cut ("Record visibility"), up to a third of the width.
func (f *form) labelWidth() int {
	w := 16
	for _, fl := range f.fields {
		if fl.kind != fieldArea {
			w = max(w, lipgloss.Width(fl.label))
		}
	}
	return min(w, max(16, f.w/3))
}

// changed reports whether any field differs from the value it was built with.
func (f *form) changed() bool {
	for i := range f.fields {
		if i < len(f.initial) && f.raw(i) != f.initial[i] {
			return true
		}
	}
	return false
}

// fieldChanged reports whether field i differs from the value it was built
// with: what a patch of the form's record sends.
func (f *form) fieldChanged(i int) bool { return i < len(f.initial) && f.raw(i) != f.initial[i] }

// rebase takes the current values as the ones esc returns to without
// asking (a form kept open between uses).
func (f *form) rebase() {
	f.initial = f.initial[:0]
	for i := range f.fields {
		f.initial = append(f.initial, f.raw(i))
	}
}

// raw is field i's value untrimmed, as changed compares it.
func (f *form) raw(i int) string {
	switch fl := f.fields[i]; fl.kind {
	case fieldText:
		return fl.input.Value()
	case fieldArea:
		return fl.area.Value()
	}
	return f.Value(i)
}

// On reads toggle i.
func (f *form) On(i int) bool { return f.fields[i].on }

func (f *form) SetSize(w, h int) {
	f.w, f.h = w, h
	for _, fl := range f.fields {
		switch fl.kind {
		case fieldText:
			fl.input.SetWidth(max(10, min(40, w-f.labelWidth()-8)))
		case fieldArea:
			fl.area.SetWidth(max(10, min(60, w-22)))
			fl.area.SetHeight(max(2, min(5, h-len(f.fields)-8)))
		}
	}
}

func (f *form) setFocus(i int) {
	if len(f.fields) == 0 {
		return
	}
	i = (i + len(f.fields)) % len(f.fields)
	switch fl := f.fields[f.focus]; fl.kind {
	case fieldText:
		fl.input.Blur()
	case fieldArea:
		fl.area.Blur()
	}
	if p := f.fields[f.focus].pick; p != nil {
		p.close()
	}
	f.focus = i
	switch fl := f.fields[f.focus]; fl.kind {
	case fieldText:
		fl.input.Focus()
		fl.input.CursorEnd()
		fl.selected = fl.input.Value() != ""
	case fieldArea:
		fl.area.Focus()
		fl.selected = fl.area.Value() != ""
	}
}

// valid checks every field; on the first error it focuses that field.
func (f *form) valid() bool {
	for i, fl := range f.fields {
		if (fl.kind != fieldText && fl.kind != fieldArea) || fl.validate == nil {
			continue
		}
		if err := fl.validate(f.Value(i)); err != nil {
			fl.err = errText(err)
			f.setFocus(i)
			return false
		}
		fl.err = ""
	}
	return true
}

// Update returns submit when the form is valid and the user saved, cancel
// when they pressed esc (after "discard changes?" when something was typed).
// The first message also asks for the items of the pick fields, in a
// command, so opening a form never waits on the store.
func (f *form) Update(msg tea.Msg) (submit, cancel bool, cmd tea.Cmd) {
	if m, ok := msg.(pickItemsMsg); ok {
		for _, fl := range f.fields {
			if fl.pick == m.to {
				m.to.loaded(m.items, m.err)
				f.narrow(fl)
			}
		}
		return false, false, nil
	}
	load := f.loadPicks()
	submit, cancel, cmd = f.update(msg)
	if submit || cancel {
		// the owner may drop the commands of a closing form: a form that
		// stays open (a refusal) asks again on its next message
		f.loading = false
		return submit, cancel, cmd
	}
	return submit, cancel, tea.Batch(load, cmd)
}

func (f *form) update(msg tea.Msg) (submit, cancel bool, cmd tea.Cmd) {
	fl := f.fields[f.focus]
	k, isKey := msg.(tea.KeyPressMsg)
	if !isKey {
		_, paste := msg.(tea.PasteMsg)
		switch fl.kind {
		case fieldText:
			if paste && fl.selected {
				fl.input.SetValue("")
			}
			fl.input, cmd = fl.input.Update(msg)
		case fieldArea:
			if paste && fl.selected {
				fl.area.SetValue("")
			}
			if pm, ok := msg.(tea.PasteMsg); ok {
				// a pasted CRLF is one line break, as the store keeps it
				pm.Content = strings.ReplaceAll(strings.ReplaceAll(pm.Content, "\r\n", "\n"), "\r", "\n")
				msg = pm
			}
			fl.area, cmd = fl.area.Update(msg)
		}
		if paste {
			fl.selected = false
			f.edited(fl)
		}
		return false, false, cmd
	}
	if f.asking {
		switch {
		case key.Matches(k, f.c.Keys.Confirm.Yes):
			f.asking = false
			return false, true, nil
		case key.Matches(k, f.c.Keys.Confirm.No):
			f.asking = false
		}
		return false, false, nil
	}
	fk, pk := f.c.Keys.Form, f.c.Keys.Picker
	if p := fl.pick; p != nil && p.open {
		switch {
		case key.Matches(k, pk.Close):
			p.close()
			return false, false, nil
		case key.Matches(k, pk.Up):
			p.cursor = max(0, p.cursor-1)
			return false, false, nil
		case key.Matches(k, pk.Down):
			p.cursor = min(max(0, len(p.shown)-1), p.cursor+1)
			return false, false, nil
		case key.Matches(k, pk.Take) && len(p.shown) > 0 && fl.kind == fieldText &&
			strings.EqualFold(strings.TrimSpace(p.term(fl)), p.shown[p.cursor].value):
			// the typed name is the highlighted one: enter saves, as without a picker
			f.take(fl, p.shown[p.cursor].value)
		case key.Matches(k, pk.Take) && len(p.shown) > 0:
			f.take(fl, p.shown[p.cursor].value)
			return false, false, nil
		case key.Matches(k, pk.Take) && fl.kind == fieldChoice:
			p.close() // nothing matches: the choice stays as it was
			return false, false, nil
		case fl.kind == fieldChoice && !key.Matches(k, fk.Next, fk.Prev, fk.Submit, fk.Cancel):
			p.query, cmd = p.query.Update(msg)
			f.narrow(fl)
			return false, false, cmd
		}
	}
	area := fl.kind == fieldArea
	switch {
	case key.Matches(k, fk.Cancel):
		if f.changed() {
			f.asking = true
			return false, false, nil
		}
		return false, true, nil
	case key.Matches(k, fk.Submit) && !(area && key.Matches(k, fk.Newline)):
		return f.valid(), false, nil
	case key.Matches(k, fk.LeaveNext) || !area && key.Matches(k, fk.Next):
		f.setFocus(f.focus + 1)
		return false, false, nil
	case key.Matches(k, fk.LeavePrev) || !area && key.Matches(k, fk.Prev):
		f.setFocus(f.focus - 1)
		return false, false, nil
	case fl.kind == fieldToggle && key.Matches(k, fk.Toggle):
		fl.on = !fl.on
	case fl.kind == fieldChoice && k.Text != "" && !key.Matches(k, fk.Toggle):
		// typing on a choice narrows its options, as a picker does
		fl.pick.open = true
		fl.pick.query.SetValue("")
		fl.pick.query, cmd = fl.pick.query.Update(msg)
		f.narrow(fl)
	case fl.kind == fieldChoice && len(fl.options) > 0 && (key.Matches(k, fk.Toggle) || key.Matches(k, f.c.Keys.Nav.Right)):
		fl.choice = (fl.choice + 1) % len(fl.options)
	case fl.kind == fieldChoice && len(fl.options) > 0 && key.Matches(k, f.c.Keys.Nav.Left):
		fl.choice = (fl.choice + len(fl.options) - 1) % len(fl.options)
	case fl.kind == fieldText:
		if fl.selected && (k.Text != "" || key.Matches(k, fl.input.KeyMap.DeleteCharacterBackward)) {
			fl.input.SetValue("") // the selected value is replaced, not appended to
		}
		fl.selected = false
		before := fl.input.Value()
		fl.input, cmd = fl.input.Update(msg)
		if fl.input.Value() != before {
			f.edited(fl)
		}
	case area:
		if fl.selected && (k.Text != "" || key.Matches(k, fl.area.KeyMap.DeleteCharacterBackward)) {
			fl.area.SetValue("")
		}
		fl.selected = false
		before := fl.area.Value()
		fl.area, cmd = fl.area.Update(msg)
		if fl.area.Value() != before {
			f.edited(fl)
		}
	}
	return false, false, cmd
}

// edited re-validates a text field and narrows its picker after a change.
func (f *form) edited(fl *field) {
	fl.err = ""
	v := strings.TrimSpace(fl.input.Value())
	if fl.kind == fieldArea {
		v = strings.TrimSpace(fl.area.Value())
	}
	if fl.validate != nil {
		if err := fl.validate(v); err != nil {
			fl.err = errText(err)
		}
	}
	if fl.pick != nil {
		fl.pick.open = true
		f.narrow(fl)
	}
}

func (f *form) View() string {
	st := f.c.Styles
	var b strings.Builder
	b.WriteString(st.Title.Render(f.title))
	if f.note != "" {
		// the note explains the rule behind the form: wrapped, never cut
		for _, l := range strings.Split(ansi.Wrap(f.note, max(f.w, 20), ""), "\n") {
			b.WriteString("\n" + st.Dim.Render(l))
		}
	}
	b.WriteString("\n")
	for i, fl := range f.fields {
		cur := "  "
		if i == f.focus {
			cur = "▸ "
		}
		var v string
		switch fl.kind {
		case fieldText:
			v = "[" + fl.input.View() + "]"
			if fl.selected && i == f.focus {
				v = "[" + pad(st.Cursor.Render(tailFit(domain.Printable(fl.input.Value()), fl.input.Width())), fl.input.Width()+1) + "]"
			}
		case fieldArea:
			v = fl.area.View()
			if fl.selected && i == f.focus {
				v = st.Cursor.Render(domain.Printable(fl.area.Value()))
			}
		case fieldToggle:
			v = "[ ]"
			if fl.on {
				v = "[x]"
			}
		case fieldChoice:
			opt := ""
			if len(fl.options) > 0 {
				opt = fl.options[fl.choice]
			}
			v = "< " + dash(opt) + " >"
		}
		line := cur + pad(fl.label, f.labelWidth()) + " " + v
		if fl.err != "" {
			line += " " + st.Error.Render("✗")
		}
		if fl.kind == fieldArea {
			// the text sits below its label, indented, so lines stay whole
			b.WriteString("\n" + pad(cur+fl.label, f.w))
			for _, l := range strings.Split(v, "\n") {
				b.WriteString("\n" + pad("    "+l, f.w))
			}
		} else {
			b.WriteString("\n" + pad(line, f.w))
		}
		if i == f.focus && fl.pick != nil && fl.pick.open {
			for _, l := range fl.pick.lines(fl, st) {
				b.WriteString("\n" + pad(strings.Repeat(" ", f.labelWidth()+3)+l, f.w))
			}
		}
	}
	b.WriteString("\n")
	for _, fl := range f.fields {
		if fl.err != "" {
			for _, l := range strings.Split(ansi.Wrap("✗ "+fl.err, max(f.w, 20), ""), "\n") {
				b.WriteString("\n" + st.Error.Render(l))
			}
		}
	}
	if f.asking {
		b.WriteString("\n" + st.Warn.Render("Discard what you typed? y discards · n keeps editing"))
	}
	return b.String()
}

func (f *form) ShortHelp() []key.Binding {
	fk, pk := f.c.Keys.Form, f.c.Keys.Picker
	if f.asking {
		return []key.Binding{f.c.Keys.Confirm.Yes, f.c.Keys.Confirm.No}
	}
	if fl := f.fields[f.focus]; fl.pick != nil && fl.pick.open {
		return []key.Binding{pk.Take, pk.Up, pk.Down, pk.Close}
	}
	if f.fields[f.focus].kind == fieldArea {
		return []key.Binding{f.c.Keys.Nav.Save, fk.Newline, fk.Cancel, fk.LeaveNext}
	}
	return []key.Binding{fk.Submit, fk.Cancel, fk.Next, fk.Toggle}
}

// tailFit fits s into w cells keeping its end (a path's file name), as a
// text input shows a long value with the cursor at its end.
func tailFit(s string, w int) string {
	if n := lipgloss.Width(s); n > w {
		return ansi.TruncateLeft(s, n-w+1, "…")
	}
	return s
}
