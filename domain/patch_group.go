package domain

import (
	"slices"
	"sync"
)

// groupSchema: every privilege flag, module level, task state, withheld
// ticket field and notification event is a field of its own, so two
// administrators who tick different boxes of one group both land.
var groupSchema = sync.OnceValue(func() *schema[Group] {
	defs := []fieldDef[Group]{
		str("name", "Name", func(g *Group) *string { return &g.Name }),
		str("description", "Description", func(g *Group) *string { return &g.Description }),
		{key: "kind", label: "Kind", get: func(g *Group) any { return g.Kind }, set: func(g *Group, v any) { g.Kind = v.(Kind) }},
		flag("building_admin", "Building Administrator", func(g *Group) *bool { return &g.BuildingAdmin }),
	}
	for f := range NumFlags {
		defs = append(defs, fieldDef[Group]{key: "flag:" + f.String(), label: f.Info().Label, list: "flags",
			get: func(g *Group) any { return g.Flags.Has(f) },
			set: func(g *Group, v any) {
				if v.(bool) {
					g.Flags.Add(f)
				} else {
					g.Flags.Remove(f)
				}
			}})
	}
	for m := range NumModules {
		defs = append(defs, fieldDef[Group]{key: "level:" + m.String(), label: m.Info().Label + " level",
			get: func(g *Group) any { return g.Levels[m] },
			set: func(g *Group, v any) { g.Levels[m] = v.(Level) }})
	}
	for _, st := range AllStatuses {
		defs = append(defs, fieldDef[Group]{key: "task:" + st.String(), label: "Task records in state " + st.String(), list: "task_states",
			get: func(g *Group) any { return slices.Contains(g.TaskStates, st) },
			set: func(g *Group, v any) {
				g.TaskStates = slices.DeleteFunc(slices.Clone(g.TaskStates), func(x Status) bool { return x == st })
				if v.(bool) {
					g.TaskStates = inOrder(append(g.TaskStates, st), AllStatuses)
				}
			}})
	}
	for f := range NumTicketFields {
		defs = append(defs, fieldDef[Group]{key: "field:" + f.String(), label: f.Label() + " field rights",
			get:  func(g *Group) any { return g.Fields.Rights(f) },
			set:  func(g *Group, v any) { g.Fields.Set(f, v.([]FieldRight)) },
			show: func(v any, _ Names) string { fr := FieldRules{}; fr.Set(f, v.([]FieldRight)); return fr.RightsText(f) }})
	}
	for _, e := range AllEvents {
		defs = append(defs, fieldDef[Group]{key: "notify:" + string(e), label: "Notify on " + string(e), list: "events",
			get: func(g *Group) any { return slices.Contains(g.Notify.Events, e) },
			set: func(g *Group, v any) {
				g.Notify.Events = slices.DeleteFunc(slices.Clone(g.Notify.Events), func(x Event) bool { return x == e })
				if v.(bool) {
					g.Notify.Events = inOrder(append(g.Notify.Events, e), AllEvents)
				}
			}})
	}
	defs = append(defs,
		flag("notify.text_only", "Email text only", func(g *Group) *bool { return &g.Notify.TextOnly }),
		str("notify.unassigned", "Unassigned tickets", func(g *Group) *string { return &g.Notify.Unassigned }),
		flag("notify.overdue", "Overdue notices", func(g *Group) *bool { return &g.Notify.Overdue }),
		num("notify.overdue_days", "Days until overdue", func(g *Group) *int { return &g.Notify.OverdueDays }),
		num("notify.second_after", "Second notice after", func(g *Group) *int { return &g.Notify.SecondAfter }),
		num("notify.third_after", "Third notice after", func(g *Group) *int { return &g.Notify.ThirdAfter }),
		num("request_hours", "Requestable hours", func(g *Group) *int { return &g.RequestHours }),
		num("review_days", "Review interval days", func(g *Group) *int { return &g.ReviewDays }),
		id("review_by", "Reviewer", "user", func(g *Group) *ID { return &g.ReviewBy }),
		fieldDef[Group]{key: "review_on_miss", label: "Review on miss", get: func(g *Group) any { return string(g.ReviewOnMiss) },
			set: func(g *Group, v any) { g.ReviewOnMiss = OnMiss(v.(string)) }},
	)
	return newSchema(defs)
})

// inOrder sorts xs as they appear in order, without repeats.
func inOrder[E comparable](xs, order []E) []E {
	out := make([]E, 0, len(xs))
	for _, o := range order {
		if slices.Contains(xs, o) {
			out = append(out, o)
		}
	}
	return out
}

// GroupFields is a group field by field (names shows the reviewer).
func GroupFields(g *Group, names Names) []Field { return groupSchema().fields(g, names) }

// GroupPatch is the fields of a group an edit changes (wtf's DialUpdate):
// the store applies it to the group as stored when the write runs.
type GroupPatch struct{ patch }

// DiffGroup is the patch that turns before (what a form opened with) into
// after (the form's draft), based on before's version.
func DiffGroup(before, after Group) GroupPatch {
	p := GroupPatch{groupSchema().diff(&before, &after)}
	p.Base = before.Version
	return p
}

// Apply sets the patch's fields on g and checks the result: a flag the
// patch turns off while another one still implies it is refused (R6), as
// is anything ValidateGroup refuses.
func (p GroupPatch) Apply(g Group) (Group, error) {
	after := groupSchema().apply(g, p.patch)
	for f := range NumFlags {
		if on, set := p.vals["flag:"+f.String()]; set && !on.(bool) {
			if by, ok := ImpliedBy(&after, f); ok {
				return g, Errorf(EInvalid, "%s is implied by %s in group %s: revoke %s first (R6)", f, by, g.Name, by)
			}
		}
	}
	return after, ValidateGroup(&after)
}

func (p *GroupPatch) SetName(s string) *GroupPatch        { p.put("name", s); return p }
func (p *GroupPatch) SetDescription(s string) *GroupPatch { p.put("description", s); return p }
func (p *GroupPatch) SetKind(k Kind) *GroupPatch          { p.put("kind", k); return p }
func (p *GroupPatch) SetBuildingAdmin(on bool) *GroupPatch {
	p.put("building_admin", on)
	return p
}
func (p *GroupPatch) SetFlag(f Flag, on bool) *GroupPatch    { p.put("flag:"+f.String(), on); return p }
func (p *GroupPatch) SetLevel(m Module, l Level) *GroupPatch { p.put("level:"+m.String(), l); return p }
func (p *GroupPatch) SetRequestHours(h int) *GroupPatch      { p.put("request_hours", h); return p }

// Grant adds flags and sets module levels; Revoke removes flags and sets
// levels to None (a grant or revoke never rewrites the rest of the set).
func (p *GroupPatch) Grant(gs ...Grant) *GroupPatch {
	for _, g := range gs {
		if g.Priv.IsModule {
			p.SetLevel(g.Priv.Module, g.Level)
		} else {
			p.SetFlag(g.Priv.Flag, true)
		}
	}
	return p
}

func (p *GroupPatch) Revoke(gs ...Grant) *GroupPatch {
	for _, g := range gs {
		if g.Priv.IsModule {
			p.SetLevel(g.Priv.Module, LevelNone)
		} else {
			p.SetFlag(g.Priv.Flag, false)
		}
	}
	return p
}

// SetLevels sets every module's level (a preset's levels).
func (p *GroupPatch) SetLevels(l ModuleLevels) *GroupPatch {
	for m := range NumModules {
		p.SetLevel(m, l[m])
	}
	return p
}

// SetTaskStates makes exactly these states the group's task states.
func (p *GroupPatch) SetTaskStates(states []Status) *GroupPatch {
	for _, st := range AllStatuses {
		p.put("task:"+st.String(), slices.Contains(states, st))
	}
	return p
}

// SetFieldRights makes the group grant exactly rights on ticket field f.
func (p *GroupPatch) SetFieldRights(f TicketField, rights []FieldRight) *GroupPatch {
	p.put("field:"+f.String(), slices.Clone(rights))
	return p
}

// SetEvents makes exactly these events the group's notification events.
func (p *GroupPatch) SetEvents(events []Event) *GroupPatch {
	for _, e := range AllEvents {
		p.put("notify:"+string(e), slices.Contains(events, e))
	}
	return p
}

// SetNotify sets every notification preference to n's.
func (p *GroupPatch) SetNotify(n Notify) *GroupPatch {
	p.SetEvents(n.Events)
	p.put("notify.text_only", n.TextOnly)
	p.put("notify.unassigned", n.Unassigned)
	p.put("notify.overdue", n.Overdue)
	p.put("notify.overdue_days", n.OverdueDays)
	p.put("notify.second_after", n.SecondAfter)
	p.put("notify.third_after", n.ThirdAfter)
	return p
}

func (p *GroupPatch) SetTextOnly(on bool) *GroupPatch    { p.put("notify.text_only", on); return p }
func (p *GroupPatch) SetUnassigned(s string) *GroupPatch { p.put("notify.unassigned", s); return p }
func (p *GroupPatch) SetSecondAfter(days int) *GroupPatch {
	p.put("notify.second_after", days)
	return p
}
func (p *GroupPatch) SetThirdAfter(days int) *GroupPatch { p.put("notify.third_after", days); return p }

// SetOverdue turns overdue notices on after days, or off (days kept).
func (p *GroupPatch) SetOverdue(on bool, days int) *GroupPatch {
	p.put("notify.overdue", on)
	if on {
		p.put("notify.overdue_days", days)
	}
	return p
}

// SetReview sets the review interval, its reviewer and its on-miss action.
func (p *GroupPatch) SetReview(days int, by ID, onMiss OnMiss) *GroupPatch {
	p.put("review_days", days)
	p.put("review_by", by)
	p.put("review_on_miss", string(onMiss))
	return p
}
