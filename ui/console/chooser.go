package console

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// choice is one entry of a chooser: the value passed on, and what people read.
type choice struct {
	value string
	label string
}

// chooser picks one value from a list while typing narrows it (technicians,
// priorities, bulk actions). Its items may arrive later from a command, so
// opening it never waits on the store. With free set, enter takes the typed
// text when nothing matches: the fallback when the actor cannot list users.
type chooser struct {
	c       *Common
	title   string
	note    string
	input   textinput.Model
	all     []choice
	shown   []choice
	cursor  int
	free    bool
	loading bool
	choose  func(value string) tea.Cmd
	w, h    int
}

// choicesMsg delivers a chooser's items loaded by a command.
type choicesMsg struct {
	to    *chooser
	items []choice
	note  string
	free  bool
}

func newChooser(c *Common, title string, items []choice, choose func(string) tea.Cmd) *chooser {
	ch := &chooser{c: c, title: title, all: items, choose: choose}
	ch.input = textinput.New()
	ch.input.Prompt = "› "
	ch.input.Placeholder = "type to narrow"
	st := ch.input.Styles()
	st.Cursor.Blink = false
	ch.input.SetStyles(st)
	ch.input.Focus()
	ch.filter()
	return ch
}

// load fills the chooser from fn in a command; until then it says loading.
func (ch *chooser) load(fn func() choicesMsg) tea.Cmd {
	ch.loading = true
	return func() tea.Msg {
		m := fn()
		m.to = ch
		return m
	}
}

func (ch *chooser) loaded(m choicesMsg) {
	ch.loading = false
	ch.all, ch.free = m.items, m.free
	if m.note != "" {
		ch.note = m.note
	}
	ch.filter()
}

func (ch *chooser) filter() {
	q := strings.ToLower(strings.TrimSpace(ch.input.Value()))
	ch.shown = ch.shown[:0]
	for _, it := range ch.all {
		if q == "" || strings.Contains(strings.ToLower(it.value+" "+it.label), q) {
			ch.shown = append(ch.shown, it)
		}
	}
	ch.cursor = min(ch.cursor, max(0, len(ch.shown)-1))
}

func (ch *chooser) SetSize(w, h int) {
	ch.w, ch.h = w, h
	ch.input.SetWidth(max(10, min(40, w-6)))
}

// Update returns done when the chooser closes (chosen or cancelled) and
// the command of the choice.
func (ch *chooser) Update(msg tea.Msg) (done bool, cmd tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		ch.input, cmd = ch.input.Update(msg) // a paste narrows too
		ch.filter()
		return false, cmd
	}
	pk := ch.c.Keys.Picker
	switch {
	case key.Matches(k, pk.Close):
		return true, nil
	case key.Matches(k, pk.Up):
		ch.cursor = max(0, ch.cursor-1)
	case key.Matches(k, pk.Down):
		ch.cursor = min(max(0, len(ch.shown)-1), ch.cursor+1)
	case key.Matches(k, pk.Choose):
		switch {
		case len(ch.shown) > 0:
			return true, ch.choose(ch.shown[ch.cursor].value)
		case ch.free && strings.TrimSpace(ch.input.Value()) != "":
			return true, ch.choose(strings.TrimSpace(ch.input.Value()))
		}
	default:
		ch.input, cmd = ch.input.Update(msg)
		ch.filter()
	}
	return false, cmd
}

func (ch *chooser) View() string {
	st := ch.c.Styles
	lines := []string{st.Title.Render(ch.title)}
	if ch.note != "" {
		lines = append(lines, st.Dim.Render(ch.note))
	}
	lines = append(lines, ch.input.View())
	switch {
	case ch.loading:
		lines = append(lines, st.Dim.Render("  loading…"))
	case len(ch.shown) == 0 && ch.free:
		lines = append(lines, st.Dim.Render("  enter takes the typed name"))
	case len(ch.shown) == 0:
		lines = append(lines, st.Dim.Render("  nothing matches"))
	}
	room := max(1, ch.h-len(lines))
	top := max(0, ch.cursor-room+1)
	for i := top; i < len(ch.shown) && i < top+room; i++ {
		it := ch.shown[i]
		text := it.value
		if it.label != "" && it.label != it.value {
			text += "  " + it.label
		}
		if i == ch.cursor {
			lines = append(lines, st.Cursor.Render(pad("▸ "+text, ch.w)))
			continue
		}
		lines = append(lines, "  "+text)
	}
	return strings.Join(lines, "\n")
}

func (ch *chooser) ShortHelp() []key.Binding {
	pk := ch.c.Keys.Picker
	return []key.Binding{pk.Choose, pk.Up, pk.Down, pk.Close}
}
