package console

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

type fieldKind uint8

const (
	fieldText fieldKind = iota
	fieldToggle
	fieldChoice
)

// field is one row of a form: a text input with live validation, a yes/no
// toggle, or a choice cycled with space.
type field struct {
	label    string
	kind     fieldKind
	input    textinput.Model
	validate func(string) error
	on       bool
	options  []string
	choice   int
	err      string
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
	f.fields = append(f.fields, &field{label: label, kind: fieldText, input: in, validate: validate})
	if len(f.fields) == 1 {
		f.fields[0].input.Focus()
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
	return f
}

func (f *form) choose(label string, options []string, current string) *form {
	fl := &field{label: label, kind: fieldChoice, options: options}
	for i, o := range options {
		if o == current {
			fl.choice = i
		}
	}
	f.fields = append(f.fields, fl)
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
		return fl.options[fl.choice]
	}
	return strings.TrimSpace(fl.input.Value())
}

// On reads toggle i.
func (f *form) On(i int) bool { return f.fields[i].on }

func (f *form) SetSize(w, h int) {
	f.w, f.h = w, h
	for _, fl := range f.fields {
		if fl.kind == fieldText {
			fl.input.SetWidth(max(10, min(40, w-24)))
		}
	}
}

func (f *form) setFocus(i int) {
	if len(f.fields) == 0 {
		return
	}
	i = (i + len(f.fields)) % len(f.fields)
	if fl := f.fields[f.focus]; fl.kind == fieldText {
		fl.input.Blur()
	}
	f.focus = i
	if fl := f.fields[f.focus]; fl.kind == fieldText {
		fl.input.Focus()
	}
}

// valid checks every field; on the first error it focuses that field.
func (f *form) valid() bool {
	for i, fl := range f.fields {
		if fl.kind != fieldText || fl.validate == nil {
			continue
		}
		if err := fl.validate(strings.TrimSpace(fl.input.Value())); err != nil {
			fl.err = errText(err)
			f.setFocus(i)
			return false
		}
		fl.err = ""
	}
	return true
}

// Update returns submit when the form is valid and the user saved, cancel
// when they pressed esc.
func (f *form) Update(msg tea.Msg) (submit, cancel bool, cmd tea.Cmd) {
	k, isKey := msg.(tea.KeyPressMsg)
	if !isKey {
		if fl := f.fields[f.focus]; fl.kind == fieldText {
			fl.input, cmd = fl.input.Update(msg)
		}
		return false, false, cmd
	}
	fk := f.c.Keys.Form
	fl := f.fields[f.focus]
	switch {
	case key.Matches(k, fk.Cancel):
		return false, true, nil
	case key.Matches(k, fk.Submit):
		return f.valid(), false, nil
	case key.Matches(k, fk.Next):
		f.setFocus(f.focus + 1)
		return false, false, nil
	case key.Matches(k, fk.Prev):
		f.setFocus(f.focus - 1)
		return false, false, nil
	case fl.kind == fieldToggle && key.Matches(k, fk.Toggle):
		fl.on = !fl.on
	case fl.kind == fieldChoice && (key.Matches(k, fk.Toggle) || key.Matches(k, f.c.Keys.Nav.Right)):
		fl.choice = (fl.choice + 1) % len(fl.options)
	case fl.kind == fieldChoice && key.Matches(k, f.c.Keys.Nav.Left):
		fl.choice = (fl.choice + len(fl.options) - 1) % len(fl.options)
	case fl.kind == fieldText:
		fl.input, cmd = fl.input.Update(msg)
		fl.err = ""
		if fl.validate != nil {
			if err := fl.validate(strings.TrimSpace(fl.input.Value())); err != nil {
				fl.err = errText(err)
			}
		}
	}
	return false, false, cmd
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
		case fieldToggle:
			v = "[ ]"
			if fl.on {
				v = "[x]"
			}
		case fieldChoice:
			v = "< " + dash(fl.options[fl.choice]) + " >"
		}
		line := cur + pad(fl.label, 16) + " " + v
		if fl.err != "" {
			line += " " + st.Error.Render("✗")
		}
		b.WriteString("\n" + pad(line, f.w))
	}
	b.WriteString("\n")
	for _, fl := range f.fields {
		if fl.err != "" {
			for _, l := range strings.Split(ansi.Wrap("✗ "+fl.err, max(f.w, 20), ""), "\n") {
				b.WriteString("\n" + st.Error.Render(l))
			}
		}
	}
	return b.String()
}

func (f *form) ShortHelp() []key.Binding {
	fk := f.c.Keys.Form
	return []key.Binding{fk.Submit, fk.Cancel, fk.Next, fk.Toggle}
}
