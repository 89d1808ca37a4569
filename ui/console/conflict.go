package console

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"gatehouse/domain"
)

// Changes and conflicts. Every form and the privilege matrix keep the
// version of the record they opened and send a patch based on it (the
// fields the user changed, nothing else). The store lands a patch on top
// of changes made since to other fields; when someone changed a field the
// patch changes too, it refuses the whole write with a *domain.Conflict and
// the screen opens a conflictView over its form or draft, which stays as it
// was: the user keeps theirs or yours per field and saves again, goes back
// to the draft (esc), or drops the edit. A screen plugs in with a field
// *conflictView (its Update, View, help and size go to the view while it
// is open), resolution.onto on the patch it builds, and an edit naming how
// to build and send that patch again (resend) or drop it (discard), which
// catchConflict (or saveEdit, for a form) takes with the save's error.

// resolution is how an edit is saved: the first save is the zero value (the
// patch is based on the version the form opened); after a conflict, base is
// the version the conflict found and drop the fields whose stored values the
// user took, which leave the patch (those of every conflict the edit met:
// a field taken from theirs never comes back in a later round).
type resolution struct {
	base uint64
	drop []string
	took []string // labels of the dropped fields, for the status line
}

// dropper is a patch (domain.GroupPatch, UserPatch, …) as far as a
// resolution needs it.
type dropper interface {
	Drop(keys ...string)
	Empty() bool
}

// onto bases p on the version the form opened (or the one the conflict
// found) and drops the fields taken from theirs. It reports whether a
// conflict's answer left nothing to save (every field taken from theirs);
// a first save always goes to the store.
func (r resolution) onto(base *uint64, p dropper) (nothingLeft bool) {
	*base = max(*base, 1) // a record written before versions is at version 1
	if r.base != 0 {
		*base = r.base
	}
	p.Drop(r.drop...)
	return r.base != 0 && p.Empty()
}

// savedNote is the status line after an edit of name saved: ok; or, when
// the record had moved on since the edit's base and the edit landed on top
// of that change, who made it and when. A conflict's answer adds the fields
// whose stored values were kept.
func (c *Common) savedNote(name string, rev domain.Rev, ok string, r resolution) string {
	if t := rev.OnTopOf; t != nil {
		ok = fmt.Sprintf("%s was changed by %s", domain.Printable(name), someone(t.ChangedBy))
		if !t.ChangedAt.IsZero() {
			ok += " at " + c.stamp(t.ChangedAt)
		}
		ok += "; your changes were applied on top"
	}
	if len(r.took) > 0 {
		ok += "; kept theirs for " + strings.Join(r.took, ", ")
	}
	return ok
}

// nothingLeft reports a conflict's answer that took every field from
// theirs: nothing is written, the edit closes and the record is read again.
func (c *Common) nothingLeft(what string) {
	c.Ok("nothing left to save: %s keeps what is stored", what)
}

// someone is who made a change, as a conflict names them: a record not
// written since versions began names no one.
func someone(by string) string {
	if by == "" {
		return "someone"
	}
	return domain.Printable(by)
}

// conflictChoice is what the user chose for one field.
type conflictChoice uint8

const (
	undecided conflictChoice = iota
	keepMine
	takeTheirs
)

// edit is a screen's save of an edit as the conflict view needs it.
type edit struct {
	what string         // the record, for people: "group Helpdesk"
	view **conflictView // where the conflict view opens, over the form or draft
	w, h int            // its size
	res  resolution     // the answer this save carried, if it answered a conflict
	// resend saves the edit again with a conflict's answer; discard drops
	// it (closes the form, or resets the draft) and reads the record again
	resend  func(resolution) tea.Cmd
	discard func() tea.Cmd
}

// conflictView is the conflict screen: each field both sides changed, with
// theirs (the stored value, who and when) and yours. m keeps yours, t takes
// theirs; ctrl+s saves again once every field is chosen, esc goes back to
// the draft, d drops the edit after asking.
type conflictView struct {
	c      *Common
	e      edit // what, where, how to save again or drop (commands: the store is called off the Update loop)
	cf     *domain.Conflict
	choice []conflictChoice
	cursor int
	top    int
	w, h   int
}

// conflictDiscardMsg drops the edit after "discard your changes?".
type conflictDiscardMsg struct{ v *conflictView }

// catchConflict opens the conflict view at *e.view when a save's error is
// a conflict of fields; it reports whether it did (else the status line
// should say err).
func catchConflict(c *Common, err error, e edit) bool {
	cf, ok := domain.AsConflict(err)
	if !ok || len(cf.Fields) == 0 {
		return false
	}
	v := &conflictView{c: c, e: e, cf: cf, choice: make([]conflictChoice, len(cf.Fields))}
	v.SetSize(e.w, e.h)
	var labels, by []string
	for _, f := range cf.Fields {
		labels = append(labels, f.Label)
		if !slices.Contains(by, someone(f.By)) {
			by = append(by, someone(f.By))
		}
	}
	// one line: the fields by name when they fit, else how many
	msg := func(what string) string {
		return fmt.Sprintf("not saved: %s changed %s too; keep yours or take theirs", strings.Join(by, " and "), what)
	}
	text := msg(strings.Join(labels, ", "))
	if ansi.StringWidth(text)+2 > e.w {
		text = msg(plural(len(labels), "field") + " you changed")
	}
	c.Fail(domain.Errorf(domain.EConflict, "%s", text))
	*e.view = v
	return true
}

// updateConflict passes msg to the open conflict view *vp: keys, pastes
// and its own messages. It reports whether the view took msg; the view
// closes (nil) when it saves again, goes back or drops the edit.
func updateConflict(vp **conflictView, msg tea.Msg) (tea.Cmd, bool) {
	v := *vp
	if v == nil {
		return nil, false
	}
	switch m := msg.(type) {
	case conflictDiscardMsg:
		if m.v != v {
			return nil, false
		}
		*vp = nil
		v.c.Ok("discarded your changes to %s: it shows what is stored", v.e.what)
		return v.e.discard(), true
	case tea.PasteMsg:
		return nil, true // nothing to type into; the draft behind stays as it is
	case tea.KeyPressMsg:
		cmd, closed := v.key(m)
		if closed && *vp == v {
			*vp = nil
		}
		return cmd, true
	}
	return nil, false
}

// key handles one key; closed reports that the view is done.
func (v *conflictView) key(k tea.KeyPressMsg) (cmd tea.Cmd, closed bool) {
	ck, n := v.c.Keys.Conflict, v.c.Keys.Nav
	switch {
	case key.Matches(k, ck.Back):
		v.c.Ok("back to your draft: nothing was saved; %s saves it again", n.Save.Help().Key)
		return nil, true
	case key.Matches(k, ck.Save):
		for i, ch := range v.choice {
			if ch == undecided {
				v.cursor = i
				v.c.Fail(domain.Errorf(domain.EInvalid, "%s: keep yours (%s) or take theirs (%s) first",
					v.cf.Fields[i].Label, ck.Mine.Help().Key, ck.Theirs.Help().Key))
				return nil, false
			}
		}
		return v.e.resend(v.resolution()), true
	case key.Matches(k, ck.Discard):
		q := fmt.Sprintf("Discard your changes to %s? What you typed is dropped and it is read again as stored.", v.e.what)
		return ask(q, func() tea.Msg { return conflictDiscardMsg{v: v} }), false
	case key.Matches(k, ck.Mine), key.Matches(k, ck.Theirs):
		v.choice[v.cursor] = keepMine
		if key.Matches(k, ck.Theirs) {
			v.choice[v.cursor] = takeTheirs
		}
		// on to the next field still to choose, if any
		for i := range v.choice {
			if j := (v.cursor + i) % len(v.choice); v.choice[j] == undecided {
				v.cursor = j
				break
			}
		}
	case key.Matches(k, ck.AllMine), key.Matches(k, ck.AllTheirs):
		ch := keepMine
		if key.Matches(k, ck.AllTheirs) {
			ch = takeTheirs
		}
		for i := range v.choice {
			v.choice[i] = ch
		}
	case key.Matches(k, n.Up):
		v.cursor = max(0, v.cursor-1)
	case key.Matches(k, n.Down):
		v.cursor = min(len(v.choice)-1, v.cursor+1)
	case key.Matches(k, n.Home):
		v.cursor = 0
	case key.Matches(k, n.End):
		v.cursor = len(v.choice) - 1
	}
	return nil, false
}

// resolution is the choices as a save: on the version the conflict found,
// without the fields taken from theirs, here or in an earlier round.
func (v *conflictView) resolution() resolution {
	r := resolution{base: v.cf.Version, drop: slices.Clone(v.e.res.drop), took: slices.Clone(v.e.res.took)}
	for i, ch := range v.choice {
		if ch == takeTheirs {
			r.drop = append(r.drop, v.cf.Fields[i].Key)
			r.took = append(r.took, v.cf.Fields[i].Label)
		}
	}
	return r
}

func (v *conflictView) SetSize(w, h int) { v.w, v.h = w, h }

// maxValueLines bounds one value on the screen (a long description): the
// rest is cut with "…"; the edit itself keeps every character.
const maxValueLines = 4

// conflictValue is a field's value for people: a ticked box reads yes and
// an unticked one no (the patch's "yes" and ""), an empty text "(empty)".
func conflictValue(v, other string) string {
	switch {
	case v == "" && other == "yes":
		return "no"
	case v == "":
		return "(empty)"
	}
	return domain.PrintableText(v)
}

// valueLines wraps a value to w cells, at most maxValueLines lines.
func valueLines(s string, w int) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		out = append(out, strings.Split(ansi.Wrap(l, max(w, 10), ""), "\n")...)
	}
	if len(out) > maxValueLines {
		out = out[:maxValueLines]
		out[maxValueLines-1] = ansi.Truncate(out[maxValueLines-1], max(w-1, 9), "") + "…"
	}
	return out
}

// block is one field's lines: its label, then theirs and yours, each with
// a radio mark of the choice.
func (v *conflictView) block(i int) []string {
	st := v.c.Styles
	f := v.cf.Fields[i]
	mark := func(on bool) string {
		if on {
			return "(•)"
		}
		return "( )"
	}
	label := " " + domain.Printable(f.Label)
	if i == v.cursor {
		label = st.Cursor.Render("▸" + domain.Printable(f.Label))
	}
	const indent = 16 // "    ( ) theirs  "
	width := max(20, v.w-indent)
	lines := []string{label}
	who := someone(f.By)
	if !f.At.IsZero() {
		who += " · " + v.c.stamp(f.At)
	}
	theirs := valueLines(conflictValue(f.Theirs, f.Mine), width)
	if len(theirs) == 1 && ansi.StringWidth(theirs[0])+2+ansi.StringWidth(who) <= width {
		theirs[0] += "  " + st.Dim.Render(who)
	} else {
		theirs = append(theirs, st.Dim.Render(who))
	}
	for j, l := range theirs {
		head := strings.Repeat(" ", indent)
		if j == 0 {
			head = "    " + mark(v.choice[i] == takeTheirs) + " theirs  "
		}
		lines = append(lines, head+l)
	}
	for j, l := range valueLines(conflictValue(f.Mine, f.Theirs), width) {
		head := strings.Repeat(" ", indent)
		if j == 0 {
			head = "    " + mark(v.choice[i] == keepMine) + " yours   "
		}
		lines = append(lines, head+l)
	}
	return lines
}

func (v *conflictView) View() string {
	st := v.c.Styles
	cf := v.cf
	title := st.Title.Render("Conflict · "+domain.Printable(v.e.what)) + " · " + st.Warn.Render("nothing saved yet")
	saved := someone(cf.By) + " saved it"
	if !cf.At.IsZero() {
		saved += " at " + v.c.stamp(cf.At)
	}
	intro := fmt.Sprintf("%s (version %d; your edit is based on version %d). You both changed %s: keep yours or take theirs, then %s saves them with the rest of your edit; %s goes back to your draft.",
		saved, cf.Version, cf.Base, plural(len(cf.Fields), "field")+" below",
		v.c.Keys.Conflict.Save.Help().Key, v.c.Keys.Conflict.Back.Help().Key)
	if len(cf.Fields) == 1 {
		intro = strings.Replace(intro, "1 field below", "the field below", 1)
	}
	head := []string{pad(title, v.w)}
	for _, l := range strings.Split(ansi.Wrap(intro, max(v.w, 20), ""), "\n") {
		head = append(head, pad(l, v.w))
	}
	head = append(head, "")
	// whole fields from top; the cursor's field is always in sight, and a
	// line says which fields are out of it
	blocks := make([][]string, len(cf.Fields))
	total := 0
	for i := range cf.Fields {
		blocks[i] = v.block(i)
		total += len(blocks[i]) + 1
	}
	room := max(4, v.h-len(head))
	if total-1 > room {
		room-- // the line that says what is out of sight
	}
	height := func(from, to int) int { // lines of fields from..to, blank lines between
		n := -1
		for i := from; i <= to; i++ {
			n += len(blocks[i]) + 1
		}
		return n
	}
	v.top = min(v.top, v.cursor)
	for v.top < v.cursor && height(v.top, v.cursor) > room {
		v.top++
	}
	var body []string
	shown := 0
	for i := v.top; i < len(blocks) && (shown == 0 || height(v.top, i) <= room); i++ {
		if i > v.top {
			body = append(body, "")
		}
		body = append(body, blocks[i]...)
		shown++
	}
	if shown < len(blocks) {
		body = append(body, st.Dim.Render(fmt.Sprintf("fields %d–%d of %d · ↑↓ for the others", v.top+1, v.top+shown, len(blocks))))
	}
	return strings.Join(append(head, body...), "\n")
}

func (v *conflictView) ShortHelp() []key.Binding {
	ck := v.c.Keys.Conflict
	return []key.Binding{ck.Mine, ck.Theirs, ck.Save, ck.Discard, ck.Back}
}

func (v *conflictView) FullHelp() [][]key.Binding {
	ck, n := v.c.Keys.Conflict, v.c.Keys.Nav
	return [][]key.Binding{{ck.Mine, ck.Theirs, ck.AllMine, ck.AllTheirs, n.Up, n.Down}, {ck.Save, ck.Discard, ck.Back}}
}
