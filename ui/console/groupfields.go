package console

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
)

// fieldRulesPane edits a draft group's field visibility (NetResults' Field
// Visibility settings): a grid of ticket fields by right, view, edit,
// query and email; space grants or withholds the right under the cursor.
// Each right counts only where the group holds its own privilege, named
// under the grid, so View Fields stays the master switch.
type fieldRulesPane struct {
	c        *Common
	g        *domain.Group
	row, col int
}

var fieldRightTitles = [domain.NumFieldRights]string{"View", "Edit", "Query", "Email"}

func (p *fieldRulesPane) Update(k tea.KeyPressMsg) {
	nav := p.c.Keys.Nav
	switch {
	case key.Matches(k, nav.Up):
		p.row = max(0, p.row-1)
	case key.Matches(k, nav.Down):
		p.row = min(int(domain.NumTicketFields)-1, p.row+1)
	case key.Matches(k, nav.Left):
		p.col = max(0, p.col-1)
	case key.Matches(k, nav.Right):
		p.col = min(int(domain.NumFieldRights)-1, p.col+1)
	case key.Matches(k, p.c.Keys.Matrix.Toggle):
		f, r := domain.TicketField(p.row), domain.FieldRight(p.col)
		rights := p.g.Fields.Rights(f)
		if p.g.Fields.Withholds(f, r) {
			rights = append(rights, r)
		} else {
			out := rights[:0]
			for _, x := range rights {
				if x != r {
					out = append(out, x)
				}
			}
			rights = out
		}
		p.g.Fields.Set(f, rights)
	}
}

// sourceOf names the privilege a right counts under, as the store does.
func sourceOf(f domain.TicketField, r domain.FieldRight) domain.Flag {
	switch r {
	case domain.RightEdit:
		if f == domain.FieldWorkMinutes {
			return domain.WorkWrite
		}
		return domain.TicketEdit
	case domain.RightQuery:
		return domain.QueryRun
	case domain.RightEmail:
		if f == domain.FieldHistoryComments {
			return domain.EmailComment
		}
		return domain.EmailFields
	}
	return domain.TicketView
}

func (p *fieldRulesPane) Hint() string {
	f, r := domain.TicketField(p.row), domain.FieldRight(p.col)
	src := sourceOf(f, r)
	held := "the group holds it"
	if !p.g.Flags.Closure().Has(src) {
		held = "the group lacks it, so this box grants nothing"
	}
	return strings.ToLower(fieldRightTitles[r]) + " " + f.Label() + " counts with " + src.Info().Label + " (" + src.String() + "): " + held
}

func (p *fieldRulesPane) View() string {
	st := p.c.Styles
	var b strings.Builder
	b.WriteString(st.Dim.Render(pad("  Field", 24)))
	for _, t := range fieldRightTitles {
		b.WriteString(st.Dim.Render(pad(t, 8)))
	}
	b.WriteString("\n")
	flags := p.g.Flags.Closure()
	for f := range domain.NumTicketFields {
		cur := "  "
		if int(f) == p.row {
			cur = "▸ "
		}
		b.WriteString(pad(cur+f.Label(), 24))
		for r := range domain.NumFieldRights {
			box := "[x]"
			switch {
			case p.g.Fields.Withholds(f, r):
				box = "[ ]"
			case !flags.Has(sourceOf(f, r)):
				box = "[-]" // granted here, but the group lacks the right's privilege
			}
			cell := pad(box, 8)
			if int(f) == p.row && int(r) == p.col {
				cell = st.Cursor.Render(box) + strings.Repeat(" ", 5)
			}
			b.WriteString(cell)
		}
		b.WriteString("\n")
	}
	b.WriteString("\n" + st.Dim.Render("[x] granted · [ ] withheld · [-] granted, but the group lacks its privilege"))
	b.WriteString("\n" + st.Dim.Render("A right comes from any of a member's groups holding its privilege (R1);"))
	b.WriteString("\n" + st.Dim.Render("View Fields (ticket.view) stays the master switch."))
	return b.String()
}
