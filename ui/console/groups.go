package console

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"gatehouse/domain"
)

type groupFormMode uint8

const (
	groupNew groupFormMode = iota
	groupEdit
	groupDuplicate
)

// Field indexes of the group form.
const (
	gfName = iota
	gfDescription
	gfKind
	gfBuildingAdmin
)

// groupsScreen lists groups with member counts and badges; enter opens the
// group detail with its tabs.
type groupsScreen struct {
	c      *Common
	table  *table
	groups []domain.GroupInfo
	form   *form
	mode   groupFormMode
	source domain.Group // the group being edited or duplicated
	detail *groupDetail
	// conflict shows a conflict of the edit form's save over the form
	conflict *conflictView
	w, h     int
	// selectAfter is the row to land on when the next load arrives
	selectAfter string
}

func newGroupsScreen(c *Common) *groupsScreen {
	s := &groupsScreen{c: c, table: newTable(c, "no groups",
		column{title: "Group", width: 22, flex: 2},
		column{title: "Kind", width: 10},
		column{title: "Members", width: 7},
		column{title: "Notes", width: 20, flex: 3})}
	return s
}

func (s *groupsScreen) Reload() tea.Cmd {
	var name string
	if s.detail != nil {
		name = s.detail.orig.Name
	}
	return s.c.load(s, func() func() tea.Cmd {
		gs, err := s.c.Svc.Groups(s.c.Ctx, "")
		var gi domain.GroupInfo
		var ms []domain.MemberInfo
		var gErr, mErr error
		if name != "" {
			gi, gErr = s.c.Svc.Group(s.c.Ctx, name)
			ms, mErr = s.c.Svc.GroupMembers(s.c.Ctx, name)
		}
		return func() tea.Cmd { return s.apply(gs, err, name, gi, gErr, ms, mErr) }
	})
}

func (s *groupsScreen) apply(gs []domain.GroupInfo, err error, name string, gi domain.GroupInfo, gErr error, ms []domain.MemberInfo, mErr error) tea.Cmd {
	if err != nil {
		s.c.Fail(err)
		return nil
	}
	s.groups = gs
	keys := make([]string, len(gs))
	rows := make([][]string, len(gs))
	for i, g := range gs {
		keys[i] = g.Name
		rows[i] = []string{g.Name, g.Kind.String(), strconv.Itoa(g.Members), groupNotes(g)}
	}
	s.table.SetRows(keys, rows)
	if s.selectAfter != "" {
		s.table.SelectKey(s.selectAfter)
		s.selectAfter = ""
	}
	if s.detail != nil && s.detail.orig.Name == name {
		s.detail.apply(gi, gErr, ms, mErr)
		if s.detail.gone {
			s.detail = nil
		}
	}
	return nil
}

// groupNotes are the badges of the list: admin where R4 applies, built-in,
// base, restricted, building administrator.
func groupNotes(g domain.GroupInfo) string {
	var n []string
	if g.Admin {
		n = append(n, "admin")
	}
	if g.BuildingAdmin {
		n = append(n, "bldg admin")
	}
	if g.BuiltIn {
		n = append(n, "built-in")
	}
	if g.Base {
		n = append(n, "base")
	}
	return strings.Join(n, " · ")
}

func (s *groupsScreen) Dirty() bool {
	return s.conflict != nil || s.detail != nil && s.detail.Dirty()
}

func (s *groupsScreen) Capturing() bool {
	return s.conflict == nil && s.form != nil || (s.detail != nil && s.detail.Capturing())
}

func (s *groupsScreen) Hint() string {
	if s.detail != nil {
		return s.detail.Hint()
	}
	return ""
}

func (s *groupsScreen) SetSize(w, h int) {
	s.w, s.h = w, h
	s.table.SetSize(w, h)
	if s.form != nil {
		s.form.SetSize(w, h)
	}
	if s.detail != nil {
		s.detail.SetSize(w, h)
	}
	if s.conflict != nil {
		s.conflict.SetSize(w, h)
	}
}

func (s *groupsScreen) current() (domain.GroupInfo, bool) {
	k := s.table.Key()
	for _, g := range s.groups {
		if g.Name == k {
			return g, true
		}
	}
	return domain.GroupInfo{}, false
}

// open shows the detail of a group by name.
// open returns the command that reads a group; its detail shows when the
// group arrives.
func (s *groupsScreen) open(name string) tea.Cmd {
	return s.c.open(s, func() func() tea.Cmd {
		gi, err := s.c.Svc.Group(s.c.Ctx, name)
		ms, mErr := s.c.Svc.GroupMembers(s.c.Ctx, name)
		return func() tea.Cmd {
			if err != nil {
				s.c.Fail(err)
				return nil
			}
			s.detail = newGroupDetail(s.c, gi, ms, mErr)
			s.detail.SetSize(s.w, s.h)
			s.table.SelectKey(name)
			return nil
		}
	})
}

func (s *groupsScreen) openForm(mode groupFormMode, src domain.Group) {
	if !s.c.canEdit(domain.ModGroups) {
		return
	}
	s.mode, s.source = mode, src
	kinds := []string{domain.KindStandard.String(), domain.KindRestricted.String()}
	nameOK := func(v string) error { return domain.ValidateName("group name", v) }
	switch mode {
	case groupNew:
		s.form = newForm(s.c, "New group").
			text("Name", "", "e.g. Principals", nameOK).
			text("Description", "", "", nil).
			choose("Kind", kinds, domain.KindStandard.String()).
			toggle("Building admin", false)
	case groupEdit:
		s.form = newForm(s.c, "Edit group "+src.Name).
			text("Name", src.Name, "", nameOK).
			text("Description", src.Description, "", nil)
		s.form.note = "Privileges, module levels and notifications: open the group (enter)."
	case groupDuplicate:
		s.form = newForm(s.c, "Duplicate group "+src.Name).
			text("Name", "Copy of "+src.Name, "", nameOK).
			text("Description", src.Description, "", nil)
		s.form.note = "The copy gets the same privileges, levels and notifications, and no members."
	}
	s.form.SetSize(s.w, s.h)
}

// submitForm saves the form off the Update loop; on an R4 warning it asks
// and saves again with confirm. A refusal keeps the form and its text. An
// edit is a patch of the fields the form changed, based on the version it
// opened (res: a conflict's answer).
func (s *groupsScreen) submitForm(confirm bool, res resolution) tea.Cmd {
	f, mode, svc, ctx, src := s.form, s.mode, s.c.Svc, s.c.Ctx, s.source
	var g domain.Group
	switch mode {
	case groupNew:
		g = domain.Group{Name: f.Value(gfName), Description: f.Value(gfDescription), BuildingAdmin: f.On(gfBuildingAdmin)}
		if f.Value(gfKind) == domain.KindRestricted.String() {
			g.Kind = domain.KindRestricted
		}
	case groupEdit:
		g = s.source
		g.Name, g.Description = f.Value(gfName), f.Value(gfDescription)
	case groupDuplicate:
		g = s.source
		g.ID, g.BuiltIn, g.Base = 0, false, false
		g.Name, g.Description = f.Value(gfName), f.Value(gfDescription)
	}
	patch := domain.DiffGroup(src, g)
	if mode == groupEdit && res.onto(&patch.Base, &patch) {
		s.form = nil
		s.c.nothingLeft("group " + src.Name)
		return s.Reload()
	}
	return s.c.save(s, func() func() tea.Cmd {
		var err error
		if mode == groupEdit {
			g, err = svc.UpdateGroup(ctx, g.ID, patch, confirm)
		} else {
			g, err = svc.CreateGroup(ctx, g, confirm)
		}
		return func() tea.Cmd { return s.formSaved(f, mode, g, err, confirm, res) }
	})
}

// formSaved applies the outcome of the group form's save.
func (s *groupsScreen) formSaved(f *form, mode groupFormMode, g domain.Group, err error, confirm bool, res resolution) tea.Cmd {
	if domain.IsWarning(err) {
		return ask(errText(err), func() tea.Msg { return groupFormConfirmMsg{res: res} })
	}
	if err != nil {
		resend := func(r resolution) tea.Cmd { return s.submitForm(confirm, r) }
		discard := func() tea.Cmd { s.form = nil; return s.Reload() }
		e := edit{what: "group " + s.source.Name, view: &s.conflict, w: s.w, h: s.h, res: res, resend: resend, discard: discard}
		if s.form != f || !catchConflict(s.c, err, e) {
			s.c.Fail(err)
		}
		return nil
	}
	if s.form == f {
		s.form = nil
	}
	s.keep(g)
	s.table.Want(g.Name)
	s.selectAfter = g.Name // the list read again lands on it
	s.c.Ok("%s", s.c.savedNote(g.Name, g.Rev, "saved group "+g.Name, res))
	if mode == groupNew {
		// straight to the privileges of the new group
		return tea.Batch(s.Reload(), s.open(g.Name))
	}
	return s.Reload()
}

// owns reports that owner is the open group's detail: its saves hold the
// screen's keys, and its loads end the screen's first load.
func (s *groupsScreen) owns(owner any) bool {
	return s.detail != nil && owner == any(s.detail)
}

// groupFormConfirmMsg re-saves the group form after the R4 confirmation.
type groupFormConfirmMsg struct{ res resolution }

// keep puts a group a save returned into the list until the list is read
// again: an edit opened meanwhile starts from the saved version, not the
// one before it.
func (s *groupsScreen) keep(g domain.Group) {
	for i := range s.groups {
		if s.groups[i].ID == g.ID {
			s.groups[i].Group = g
		}
	}
}

func (s *groupsScreen) Update(msg tea.Msg) tea.Cmd {
	if cmd, ok := updateConflict(&s.conflict, msg); ok {
		return cmd
	}
	if m, ok := msg.(groupFormConfirmMsg); ok && s.form != nil {
		return s.submitForm(true, m.res)
	}
	if s.form != nil {
		submit, cancel, cmd := s.form.Update(msg)
		switch {
		case cancel:
			s.form = nil
		case submit:
			return s.submitForm(false, resolution{})
		}
		return cmd
	}
	if s.detail != nil {
		if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, s.c.Keys.Nav.Back) && !s.detail.Capturing() && !s.detail.busy() {
			if s.detail.Dirty() {
				return ask(fmt.Sprintf("Discard unsaved changes to group %s?", s.detail.orig.Name),
					func() tea.Msg { return closeDetailMsg{} })
			}
			s.detail = nil
			return nil
		}
		if _, ok := msg.(closeDetailMsg); ok {
			s.detail = nil
			return nil
		}
		return s.detail.Update(msg)
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || s.table.Update(msg) {
		return nil
	}
	l, n := s.c.Keys.List, s.c.Keys.Nav
	g, has := s.current()
	if key.Matches(k, l.New, l.Edit, l.Duplicate, l.Delete) && !s.c.canEdit(domain.ModGroups) {
		return nil
	}
	switch {
	case key.Matches(k, l.New):
		s.openForm(groupNew, domain.Group{})
	case key.Matches(k, s.c.Keys.Admin.Overview):
		return openScreen(s.c, "overview")
	case !has:
	case key.Matches(k, n.Open):
		return s.open(g.Name)
	case key.Matches(k, l.Edit):
		s.openForm(groupEdit, g.Group)
	case key.Matches(k, l.Duplicate):
		s.openForm(groupDuplicate, g.Group)
	case key.Matches(k, l.Delete):
		if !s.c.canEdit(domain.ModGroups) {
			return nil
		}
		if g.BuiltIn || g.Base {
			s.c.Fail(domain.Errorf(domain.EForbidden, "%s is a built-in group and cannot be deleted", g.Name))
			return nil
		}
		name := g.Name
		q := fmt.Sprintf("Delete group %s?", name)
		if g.Members > 0 {
			q = fmt.Sprintf("Delete group %s? Its %s lose what it grants.", name, plural(g.Members, "member"))
		}
		return ask(q, act("deleted group "+name, func() error { return s.c.Svc.DeleteGroup(s.c.Ctx, name) }))
	}
	return nil
}

// closeDetailMsg leaves the group detail after "discard changes?".
type closeDetailMsg struct{}

func (s *groupsScreen) View() string {
	switch {
	case s.conflict != nil:
		return s.conflict.View()
	case s.form != nil:
		return s.form.View()
	case s.detail != nil:
		return s.detail.View()
	}
	return s.table.View()
}

func (s *groupsScreen) ShortHelp() []key.Binding {
	switch {
	case s.conflict != nil:
		return s.conflict.ShortHelp()
	case s.form != nil:
		return s.form.ShortHelp()
	case s.detail != nil:
		return s.detail.ShortHelp()
	}
	l, n := s.c.Keys.List, s.c.Keys.Nav
	return append(append([]key.Binding{n.Open}, s.c.editKeys(domain.ModGroups, l.New, l.Edit, l.Duplicate, l.Delete)...), s.c.Keys.Admin.Overview)
}

func (s *groupsScreen) FullHelp() [][]key.Binding {
	switch {
	case s.conflict != nil:
		return s.conflict.FullHelp()
	case s.detail != nil && s.detail.conflict != nil:
		return s.detail.conflict.FullHelp()
	}
	l, n, m := s.c.Keys.List, s.c.Keys.Nav, s.c.Keys.Matrix
	return [][]key.Binding{
		append(append([]key.Binding{n.Open}, s.c.editKeys(domain.ModGroups, l.New, l.Edit, l.Duplicate, l.Delete)...), s.c.Keys.Admin.Overview),
		append(s.c.editKeys(domain.ModGroups, m.Toggle, m.All, m.Preset), append([]key.Binding{m.WhatIf}, s.c.editKeys(domain.ModGroups, n.Save, s.c.Keys.Admin.States)...)...),
	}
}
