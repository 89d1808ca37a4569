package console

import (
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
)

// pickRows is how many matches a form's picker shows under its field.
const pickRows = 5

// pick offers, under a form field, the entities it names while typing
// narrows them: the assign picker's model for every field that names a
// group, user, team, building or problem type. A text field keeps what is
// typed (an entity the actor cannot list can still be named; the store
// decides); a choice field's options are its items.
type pick struct {
	load   func() ([]choice, error) // nil: the choice field's options
	multi  bool                     // comma-separated names (visible-to groups)
	items  []choice
	err    string
	shown  []choice
	cursor int
	open   bool
	query  textinput.Model // what narrows a choice field
}

// pickItemsMsg delivers a pick field's items, loaded by a command.
type pickItemsMsg struct {
	to    *pick
	items []choice
	err   error
}

func (p *pick) loaded(items []choice, err error) {
	p.items, p.load = items, nil
	if err != nil {
		p.err = errText(err) + ": type the name"
	}
}

func (p *pick) close() {
	if p != nil {
		p.open = false
		p.cursor = 0
	}
}

// lines renders the matches (or why there are none) below the field.
func (p *pick) lines(fl *field, st Styles) []string {
	var out []string
	if fl.kind == fieldChoice {
		out = append(out, "› "+p.query.Value())
	}
	switch {
	case p.load != nil:
		return append(out, st.Dim.Render("loading…"))
	case p.err != "":
		return append(out, st.Dim.Render(p.err))
	case len(p.shown) == 0:
		return append(out, st.Dim.Render("nothing matches"))
	}
	top := max(0, p.cursor-pickRows+1)
	for i := top; i < len(p.shown) && i < top+pickRows; i++ {
		it := p.shown[i]
		text := dash(it.value)
		if it.label != "" && it.label != it.value {
			text += "  " + st.Dim.Render(it.label)
		}
		if i == p.cursor {
			out = append(out, st.Cursor.Render("▸ "+text))
			continue
		}
		out = append(out, "  "+text)
	}
	if more := len(p.shown) - pickRows; more > 0 {
		out = append(out, st.Dim.Render(strconv.Itoa(more)+" more · type to narrow"))
	}
	return out
}

// term is what narrows field fl: the typed text, or for a list of names
// the one being typed (after the last comma).
func (p *pick) term(fl *field) string {
	if fl.kind == fieldChoice {
		return p.query.Value()
	}
	v := fl.input.Value()
	if p.multi {
		if i := strings.LastIndex(v, ","); i >= 0 {
			v = v[i+1:]
		}
	}
	return v
}

// narrow refilters fl's matches for what is typed.
func (f *form) narrow(fl *field) {
	p := fl.pick
	items := p.items
	if fl.kind == fieldChoice {
		items = make([]choice, len(fl.options))
		for i, o := range fl.options {
			items[i] = choice{value: o}
		}
	}
	q := strings.ToLower(strings.TrimSpace(p.term(fl)))
	// names that start with what is typed come first, then names that
	// contain it, then those whose description does; an exact name leads
	var rank [4][]choice
	for _, it := range items {
		v := strings.ToLower(it.value)
		switch {
		case v == q:
			rank[0] = append(rank[0], it)
		case strings.HasPrefix(v, q):
			rank[1] = append(rank[1], it)
		case strings.Contains(v, q):
			rank[2] = append(rank[2], it)
		case strings.Contains(strings.ToLower(it.label), q):
			rank[3] = append(rank[3], it)
		}
	}
	p.shown = slices.Concat(rank[:]...)
	p.cursor = min(p.cursor, max(0, len(p.shown)-1))
}

// take puts the chosen value into fl and closes its picker.
func (f *form) take(fl *field, v string) {
	p := fl.pick
	switch fl.kind {
	case fieldChoice:
		if i := slices.Index(fl.options, v); i >= 0 {
			fl.choice = i
		}
	default:
		if p.multi {
			var names []string
			for _, n := range strings.Split(fl.input.Value(), ",") {
				if n = strings.TrimSpace(n); n != "" {
					names = append(names, n)
				}
			}
			if len(names) > 0 && !strings.HasSuffix(strings.TrimSpace(fl.input.Value()), ",") {
				names = names[:len(names)-1] // the name being typed
			}
			if !slices.Contains(names, v) {
				names = append(names, v)
			}
			v = strings.Join(names, ", ")
		}
		fl.input.SetValue(v)
		fl.input.CursorEnd()
		fl.selected = false
		fl.err = ""
		if fl.validate != nil {
			if err := fl.validate(v); err != nil {
				fl.err = errText(err)
			}
		}
	}
	p.close()
}

// loadPicks asks once for the items of every pick field, each in its own
// command.
func (f *form) loadPicks() tea.Cmd {
	if f.loading {
		return nil
	}
	f.loading = true
	var cmds []tea.Cmd
	for _, fl := range f.fields {
		if p := fl.pick; p != nil && p.load != nil {
			load := p.load
			cmds = append(cmds, func() tea.Msg {
				items, err := load()
				return pickItemsMsg{to: p, items: items, err: err}
			})
		}
	}
	return tea.Batch(cmds...)
}

// pickText adds a text field that offers the entities load lists.
func (f *form) pickText(label, value, placeholder string, validate func(string) error, load func() ([]choice, error)) *form {
	f.text(label, value, placeholder, validate)
	f.fields[len(f.fields)-1].pick = &pick{load: load}
	return f
}

// pickMany adds a text field of comma-separated names, offering the
// entities load lists for the name being typed.
func (f *form) pickMany(label, value, placeholder string, validate func(string) error, load func() ([]choice, error)) *form {
	f.pickText(label, value, placeholder, validate, load)
	f.fields[len(f.fields)-1].pick.multi = true
	return f
}

// newPickQuery is the narrowing input of a choice field.
func newPickQuery() textinput.Model {
	in := textinput.New()
	in.Prompt = ""
	st := in.Styles()
	st.Cursor.Blink = false
	in.SetStyles(st)
	in.Focus()
	return in
}

// The loaders below run inside a pick field's command, never in Update.

func (c *Common) groupChoices() ([]choice, error) {
	gs, err := c.Svc.Groups(c.Ctx, "")
	out := make([]choice, 0, len(gs))
	for _, g := range gs {
		out = append(out, choice{value: g.Name, label: g.Description})
	}
	return out, err
}

func (c *Common) userChoices() ([]choice, error) {
	page, err := c.Svc.Users(c.Ctx, domain.UserQuery{})
	out := make([]choice, 0, len(page.Users))
	for _, u := range page.Users {
		if u.Inactive == "" {
			out = append(out, choice{value: u.Username, label: u.Name()})
		}
	}
	return out, err
}

func (c *Common) teamChoices() ([]choice, error) {
	ts, err := c.Svc.Teams(c.Ctx, "")
	out := make([]choice, 0, len(ts))
	for _, t := range ts {
		out = append(out, choice{value: t.Name, label: t.Description})
	}
	return out, err
}

func (c *Common) buildingChoices() ([]choice, error) {
	bs, err := c.Svc.Buildings(c.Ctx, "")
	out := make([]choice, 0, len(bs))
	for _, b := range bs {
		out = append(out, choice{value: b.Code, label: b.Name})
	}
	return out, err
}

func (c *Common) problemTypeChoices() ([]choice, error) {
	o, err := c.Svc.Organization(c.Ctx)
	out := make([]choice, 0, len(o.ProblemTypes))
	for _, p := range o.ProblemTypes {
		out = append(out, choice{value: p.Name})
	}
	return out, err
}
