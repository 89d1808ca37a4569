package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// GuardKind is what a guard forbids (R17).
type GuardKind string

const (
	// GuardNeverTogether is separation of duties: no user holds two of the
	// guard's privileges at once.
	GuardNeverTogether GuardKind = "never-together"
	// GuardMaxHolders caps how many users hold a privilege (optionally in
	// one building).
	GuardMaxHolders GuardKind = "max-holders"
	// GuardMinHolders keeps at least N holders, e.g. two people who can
	// manage groups, so nobody locks the last administrator out.
	GuardMinHolders GuardKind = "min-holders"
)

// Guard is a rule on effective access that every access-changing save is
// checked against in its own transaction (R17). Privileges are kept as the
// ids people type ("ticket.close", "groups:edit") so a guard reads the same
// in `guard list`, the audit trail and an export.
type Guard struct {
	Rev
	Name      string    `json:"name"`
	Kind      GuardKind `json:"kind"`
	Privs     []string  `json:"privs"`
	Limit     int       `json:"limit,omitempty"`
	Building  string    `json:"building,omitempty"` // a building code; max-holders only
	CreatedBy string    `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// Grants parses the guard's privileges; Validate has accepted them.
func (g *Guard) Grants() []Grant {
	out := make([]Grant, 0, len(g.Privs))
	for _, p := range g.Privs {
		if gr, err := ParseGrant(p); err == nil {
			out = append(out, gr)
		}
	}
	return out
}

// Validate checks a guard as typed, naming the field at fault.
func (g *Guard) Validate() error {
	if err := CheckLine("guard name", g.Name); err != nil {
		return err
	}
	if strings.TrimSpace(g.Name) == "" {
		return Errorf(EInvalid, "guard name: name the guard")
	}
	for i, p := range g.Privs {
		gr, err := ParseGrant(p)
		if err != nil {
			return err
		}
		g.Privs[i] = gr.String()
	}
	switch g.Kind {
	case GuardNeverTogether:
		if len(slices.Compact(slices.Sorted(slices.Values(g.Privs)))) < 2 {
			return Errorf(EInvalid, "--never-together: name at least two different privileges, e.g. ticket.assign,ticket.close")
		}
		if g.Building != "" {
			return Errorf(EInvalid, "--building: only a --max-holders guard counts in one building")
		}
	case GuardMaxHolders, GuardMinHolders:
		if len(g.Privs) != 1 {
			return Errorf(EInvalid, "--%s: name one privilege and a number, e.g. groups:edit=2", g.Kind)
		}
		if g.Limit < 0 || (g.Kind == GuardMinHolders && g.Limit == 0) {
			return Errorf(EInvalid, "--%s: the number must be at least %d", g.Kind, map[GuardKind]int{GuardMaxHolders: 0, GuardMinHolders: 1}[g.Kind])
		}
		if g.Kind == GuardMinHolders && g.Building != "" {
			return Errorf(EInvalid, "--building: only a --max-holders guard counts in one building")
		}
	default:
		return Errorf(EInvalid, "guard %q: say what it forbids: --never-together, --max-holders or --min-holders", g.Name)
	}
	return nil
}

// Rule is the guard as one line: "never-together ticket.assign, ticket.close".
func (g *Guard) Rule() string {
	switch g.Kind {
	case GuardNeverTogether:
		return "never-together " + strings.Join(g.Privs, ", ")
	case GuardMaxHolders:
		s := fmt.Sprintf("at most %d holding %s", g.Limit, strings.Join(g.Privs, ""))
		if g.Building != "" {
			s += " in " + g.Building
		}
		return s
	}
	return fmt.Sprintf("at least %d holding %s", g.Limit, strings.Join(g.Privs, ""))
}

// GuardViolation is one guard the state breaks: who, and why.
type GuardViolation struct {
	Guard string   `json:"guard"`
	Rule  string   `json:"rule"`
	Users []string `json:"users"` // the users who break it (never-together) or hold it (counts)
	Count int      `json:"count"`
	Why   string   `json:"why"`
}

func (v GuardViolation) String() string {
	return fmt.Sprintf("guard %q (%s): %s", v.Guard, v.Rule, v.Why)
}

// GuardHolder is one user's grants and the effective access they resolve to.
type GuardHolder struct {
	Subject Subject
	Access  *Access
}

// Evaluate checks the guard against users' effective access at now (R17):
// every user who could hold a guarded privilege must be among holders.
// building is the id of Guard.Building (0 for none).
func (g *Guard) Evaluate(holders []GuardHolder, building ID, now time.Time) *GuardViolation {
	grants := g.Grants()
	v := &GuardViolation{Guard: g.Name, Rule: g.Rule()}
	switch g.Kind {
	case GuardNeverTogether:
		var reasons []string
		for _, h := range holders {
			if h.Access.Superuser {
				continue // a superuser holds everything by definition (R12)
			}
			var held []string
			for _, gr := range grants {
				if h.Access.HasGrant(gr) {
					held = append(held, gr.String()+" (through "+strings.Join(sourcesOr(h.Subject, gr, now), ", ")+")")
				}
			}
			if len(held) >= 2 {
				v.Users = append(v.Users, h.Subject.User.Username)
				reasons = append(reasons, h.Subject.User.Username+" holds "+strings.Join(held, " and "))
			}
		}
		if len(v.Users) == 0 {
			return nil
		}
		v.Count = len(v.Users)
		v.Why = strings.Join(reasons, "; ")
		return v
	case GuardMaxHolders, GuardMinHolders:
		gr := grants[0]
		for _, h := range holders {
			if !h.Access.HasGrant(gr) {
				continue
			}
			if building != 0 && !h.Access.Admin && !h.Access.InBuilding(building) {
				continue
			}
			v.Users = append(v.Users, h.Subject.User.Username)
		}
		v.Count = len(v.Users)
		if g.Kind == GuardMaxHolders && v.Count > g.Limit {
			v.Why = fmt.Sprintf("%d users hold %s (at most %d): %s", v.Count, gr, g.Limit, strings.Join(v.Users, ", "))
			return v
		}
		if g.Kind == GuardMinHolders && v.Count < g.Limit {
			who := "nobody holds"
			if v.Count > 0 {
				who = fmt.Sprintf("only %s (%d) hold", strings.Join(v.Users, ", "), v.Count)
			}
			v.Why = fmt.Sprintf("%s %s (at least %d)", who, gr, g.Limit)
			return v
		}
	}
	return nil
}

// Worsens reports whether after breaks its guard more than before did: a
// save is refused only for what it makes worse, so a state that already
// breaks a guard (after an import) can still be repaired step by step.
func (after *GuardViolation) Worsens(before *GuardViolation, kind GuardKind) bool {
	if after == nil {
		return false
	}
	if before == nil {
		return true
	}
	switch kind {
	case GuardNeverTogether:
		for _, u := range after.Users {
			if !slices.Contains(before.Users, u) {
				return true
			}
		}
		return false
	case GuardMaxHolders:
		return after.Count > before.Count
	}
	return after.Count < before.Count
}

// sourcesOr is Sources, never empty.
func sourcesOr(s Subject, g Grant, now time.Time) []string {
	src, _ := Sources(s, g, now)
	if len(src) == 0 {
		return []string{"unknown"}
	}
	return src
}
