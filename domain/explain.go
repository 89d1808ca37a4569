package domain

import (
	"fmt"
	"strings"
	"time"
)

// Explanation answers "can U do P?" with every reason, for `gatehouse can`,
// the effective-access screen and `who`.
type Explanation struct {
	Granted bool
	Reasons []string
}

func (e Explanation) String() string {
	word := "no"
	if e.Granted {
		word = "yes"
	}
	if len(e.Reasons) == 0 {
		return word
	}
	return word + ": " + strings.Join(e.Reasons, "; ")
}

// Sources lists where a user's grant of g comes from: superuser, groups
// (explicit or base), implications. Expired memberships, and ones that
// start later, are named too, so a user asking "why not" sees them.
func Sources(s Subject, g Grant, now time.Time) (sources []string, expired []string) {
	if s.User.Superuser && !(g.Priv.ID == "metrics.home-only") {
		sources = append(sources, "superuser")
	}
	// an active explicit membership of the base group (as bulk imports
	// make, R2) is the same group as the implicit one: named once
	var base ID
	for _, gr := range s.Grants {
		if gr.Implicit {
			base = gr.Group.ID
		}
	}
	joinedBase := ""
	for _, gr := range s.Grants {
		if !gr.Implicit && gr.Group.ID == base && gr.Membership.Active(now) {
			joinedBase = "; joined explicitly"
			if !gr.Membership.Until.IsZero() {
				joinedBase += " until " + gr.Membership.Until.Format("2006-01-02")
			}
		}
	}
	for _, gr := range s.Grants {
		grp := gr.Group
		via := "group " + grp.Name
		if gr.Implicit {
			via += " (base group of every " + s.User.Kind.String() + " user" + joinedBase + ")"
		} else if grp.ID == base && gr.Membership.Active(now) {
			continue // named once, with the base group
		} else if !gr.Membership.Until.IsZero() {
			via += " until " + gr.Membership.Until.Format("2006-01-02")
		}
		var holds bool
		var how string
		if g.Priv.IsModule {
			holds = grp.Levels[g.Priv.Module] >= g.Level
			how = fmt.Sprintf("%s:%s via %s", g.Priv.ID, grp.Levels[g.Priv.Module], via)
		} else if grp.Flags.Has(g.Priv.Flag) {
			holds, how = true, via
		} else if cl := grp.Flags.Closure(); cl.Has(g.Priv.Flag) {
			for _, f := range grp.Flags.Flags() {
				if fc := FlagSetOf(f).Closure(); fc.Has(g.Priv.Flag) && f != g.Priv.Flag {
					holds, how = true, fmt.Sprintf("implied by %s (%s) via %s (R6)", f, f.Info().Label, via)
					break
				}
			}
		}
		if !holds {
			continue
		}
		if !gr.Implicit && gr.Membership.Pending(now) {
			expired = append(expired, how+" ("+startsText+gr.Membership.From.Format("2006-01-02")+": grants nothing before)")
			continue
		}
		if !gr.Implicit && !gr.Membership.Active(now) {
			expired = append(expired, how+" (expired "+gr.Membership.Until.Format("2006-01-02")+")")
			continue
		}
		sources = append(sources, how)
	}
	return sources, expired
}

// Explain says whether the user holds g and why, or why not.
func Explain(s Subject, g Grant, now time.Time) Explanation {
	a := Resolve(s, now)
	src, expired := Sources(s, g, now)
	var e Explanation
	e.Granted = a.HasGrant(g)
	if err := a.LoginError(); err != nil {
		e.Reasons = append(e.Reasons, "cannot log in: "+err.Error())
		if len(src) > 0 {
			e.Reasons = append(e.Reasons, "would hold it through "+strings.Join(src, ", "))
		}
		if len(expired) > 0 {
			e.Reasons = append(e.Reasons, inactiveLabel(expired)+strings.Join(expired, ", "))
		}
		return e
	}
	if e.Granted {
		e.Reasons = append(e.Reasons, "holds "+g.String()+" through "+strings.Join(src, ", "))
		if g.Priv.IsModule && g.Priv.Elevates && g.Level == LevelEdit {
			e.Reasons = append(e.Reasons, "this makes "+s.User.Username+" a full administrator (R4 elevation)")
		}
	} else {
		e.Reasons = append(e.Reasons, "no active group grants "+g.String())
		if p := g.Priv; !p.IsModule {
			for _, req := range p.Requires {
				if !a.Has(req) {
					e.Reasons = append(e.Reasons, fmt.Sprintf("it also requires %s", req))
				}
			}
		}
	}
	if len(expired) > 0 {
		e.Reasons = append(e.Reasons, inactiveLabel(expired)+strings.Join(expired, ", "))
	}
	return e
}

// startsText marks a membership that has not started (Membership.From).
const startsText = "starts "

// inactiveLabel heads the memberships that would grant but do not:
// "expired: ", or "not active: " when one of them starts later.
func inactiveLabel(list []string) string {
	for _, l := range list {
		if strings.Contains(l, "("+startsText) {
			return "not active: "
		}
	}
	return "expired: "
}

// ExplainTicket is Explain narrowed to one ticket: visibility, the task gate
// and the ticket's state count too.
func ExplainTicket(s Subject, g Grant, t *Ticket, org *Organization, now time.Time) Explanation {
	e := Explain(s, g, now)
	a := Resolve(s, now)
	if !a.CanSeeTicket(t) {
		return Explanation{Reasons: []string{NotFoundTicket(org, t.Number).Error() + " for " + s.User.Username}}
	}
	e.Reasons = append(e.Reasons, "sees "+org.FormatTicket(t.Number)+": "+a.SeesTicket(t))
	if g.Priv.IsModule {
		return e
	}
	act, ok := ActionFor(g.Priv.Flag)
	if !ok {
		return e
	}
	if err := a.Can(act, t, org); err != nil {
		e.Granted = false
		if a.Has(g.Priv.Flag) {
			e.Reasons = append(e.Reasons, "but "+err.Error())
		}
		return e
	}
	if gate := a.TaskGate(t); gate != "" && rules[act].task {
		e.Reasons = append(e.Reasons, "may act on it: "+gate)
	}
	return e
}

// HoldsInBuilding decides `who PRIV --building C`: the user holds g for every
// ticket of the building. Privileges that do not act on tickets ignore the
// building. It returns the reason, or "" when the user does not qualify.
func HoldsInBuilding(a *Access, g Grant, building ID) string {
	if !a.HasGrant(g) {
		return ""
	}
	if g.Priv.IsModule {
		return "holds " + g.String()
	}
	act, ok := ActionFor(g.Priv.Flag)
	if !ok {
		return "holds " + g.String()
	}
	if act == ActWorkWrite && !a.Superuser {
		return "" // only the assignee writes work reports: never building-wide
	}
	sees := a.SeesAllOf(building)
	if sees == "" {
		return ""
	}
	if rules[act].task {
		if a.Superuser {
			return sees
		}
		if !a.Has(TaskAll) {
			return ""
		}
		return sees + "; Task All Records"
	}
	return sees
}
