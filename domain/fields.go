package domain

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Field visibility per group (NetResults' Field Visibility settings;
// TrackTik hides sensitive fields): a group decides, field by field, which
// ticket fields its members view, edit, query and receive in email. View
// Fields (ticket.view) stays the master switch: without it no field is
// shown whatever the settings say.
//
// A group withholds rights; it grants what it does not withhold. A right
// to a field comes, like every privilege, from the union of the user's
// active groups (R1), counting only the groups that hold the right's own
// privilege: view from groups with View Fields, edit from groups with Edit
// Problem Report (or Write Work Report, for work reports' minutes), query
// from groups with Query, email from groups with Email Fields (or Email
// Comment, for history comments). So a group without View Fields cannot
// reveal a field another group of the user hides.

// TicketField is a ticket field with its own visibility.
type TicketField uint8

// Ticket fields with their own visibility.
const (
	FieldDescription TicketField = iota
	FieldRoom
	FieldPriority
	FieldProblemType
	FieldReporterContact // the reporter's and assignee's email (with View User Information)
	FieldWorkMinutes     // minutes of work reports
	FieldHistoryComments // comments in the history and in notifications
	NumTicketFields
)

var ticketFieldIDs = [NumTicketFields]string{"description", "room", "priority", "problem_type", "reporter_contact", "work_minutes", "history_comments"}

var ticketFieldLabels = [NumTicketFields]string{"Description", "Room", "Priority", "Problem type", "Reporter contact", "Work report minutes", "History comments"}

// String is the field's id: description, room, …
func (f TicketField) String() string {
	if f < NumTicketFields {
		return ticketFieldIDs[f]
	}
	return "?"
}

// Label is the field's name on screens.
func (f TicketField) Label() string {
	if f < NumTicketFields {
		return ticketFieldLabels[f]
	}
	return "?"
}

// ParseTicketField reads a field id, case-insensitive.
func ParseTicketField(s string) (TicketField, error) {
	k := strings.ToLower(strings.TrimSpace(s))
	for f := range NumTicketFields {
		if ticketFieldIDs[f] == k {
			return f, nil
		}
	}
	return 0, Errorf(EInvalid, "%q is not a ticket field with its own visibility (fields: %s)", s, strings.Join(ticketFieldIDs[:], ", "))
}

// FieldRight is what a member may do with a field.
type FieldRight uint8

// Field rights.
const (
	RightView FieldRight = iota
	RightEdit
	RightQuery
	RightEmail
	NumFieldRights
)

var fieldRightIDs = [NumFieldRights]string{"view", "edit", "query", "email"}

func (r FieldRight) String() string {
	if r < NumFieldRights {
		return fieldRightIDs[r]
	}
	return "?"
}

// ParseFieldRights reads a list of rights ("view,edit", "none", "all").
func ParseFieldRights(s string) ([]FieldRight, error) {
	switch k := strings.ToLower(strings.TrimSpace(s)); k {
	case "none", "":
		return nil, nil
	case "all":
		return []FieldRight{RightView, RightEdit, RightQuery, RightEmail}, nil
	}
	var out []FieldRight
	for _, p := range strings.Split(s, ",") {
		p = strings.ToLower(strings.TrimSpace(p))
		i := slices.Index(fieldRightIDs[:], p)
		if i < 0 {
			return nil, Errorf(EInvalid, "%q is not a field right: use view, edit, query, email, all or none", p)
		}
		out = append(out, FieldRight(i))
	}
	return out, nil
}

// FieldMask is a set of ticket fields, a bit each.
type FieldMask uint16

// Has reports whether f is in the set.
func (m FieldMask) Has(f TicketField) bool { return m&(1<<f) != 0 }

// FieldRules are what a group withholds from its members: per right, the
// fields it does not grant. The zero value withholds nothing.
type FieldRules [NumFieldRights]FieldMask

// Withholds reports whether the group withholds right r on field f.
func (fr FieldRules) Withholds(f TicketField, r FieldRight) bool { return fr[r].Has(f) }

// Set makes the group grant exactly rights on f.
func (fr *FieldRules) Set(f TicketField, rights []FieldRight) {
	for r := range NumFieldRights {
		if slices.Contains(rights, r) {
			fr[r] &^= 1 << f
		} else {
			fr[r] |= 1 << f
		}
	}
}

// Rights lists the rights the group grants on f.
func (fr FieldRules) Rights(f TicketField) []FieldRight {
	var out []FieldRight
	for r := range NumFieldRights {
		if !fr.Withholds(f, r) {
			out = append(out, r)
		}
	}
	return out
}

// RightsText is Rights as "view,edit,query,email", "none" when empty.
func (fr FieldRules) RightsText(f TicketField) string {
	rs := fr.Rights(f)
	if len(rs) == 0 {
		return "none"
	}
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = r.String()
	}
	return strings.Join(names, ",")
}

// MarshalJSON writes the withheld rights by field id: {"room":["email"]}.
func (fr FieldRules) MarshalJSON() ([]byte, error) {
	m := map[string][]string{}
	for f := range NumTicketFields {
		for r := range NumFieldRights {
			if fr.Withholds(f, r) {
				m[f.String()] = append(m[f.String()], r.String())
			}
		}
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads what MarshalJSON writes; unknown ids are an error,
// so a damaged record is reported rather than silently widened.
func (fr *FieldRules) UnmarshalJSON(b []byte) error {
	var m map[string][]string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*fr = FieldRules{}
	for k, rights := range m {
		f, err := ParseTicketField(k)
		if err != nil {
			return fmt.Errorf("field rules: %w", err)
		}
		for _, r := range rights {
			i := slices.Index(fieldRightIDs[:], r)
			if i < 0 {
				return fmt.Errorf("field rules: unknown right %q", r)
			}
			fr[i] |= 1 << f
		}
	}
	return nil
}

// rightSource is the privilege a group must hold for its field settings to
// grant right r on f.
func rightSource(f TicketField, r FieldRight) Flag {
	switch r {
	case RightEdit:
		if f == FieldWorkMinutes {
			return WorkWrite
		}
		return TicketEdit
	case RightQuery:
		return QueryRun
	case RightEmail:
		if f == FieldHistoryComments {
			return EmailComment
		}
		return EmailFields
	}
	return TicketView
}

// resolveFields computes the fields a user is denied, per right: a field
// is granted when some active group holding the right's privilege grants
// it. Groups' flags are taken with their implications (R6).
func resolveFields(grants []GroupGrant, now time.Time) FieldRules {
	var granted FieldRules
	for _, gg := range grants {
		if !gg.Implicit && !gg.Membership.Active(now) {
			continue
		}
		g := gg.Group
		flags := g.Flags.Closure()
		for r := range NumFieldRights {
			for f := range NumTicketFields {
				if flags.Has(rightSource(f, r)) && !g.Fields.Withholds(f, r) {
					granted[r] |= 1 << f
				}
			}
		}
	}
	var denied FieldRules
	all := FieldMask(1<<NumTicketFields - 1)
	for r := range NumFieldRights {
		denied[r] = all &^ granted[r]
	}
	return denied
}

// FieldAllowed reports whether the user may use field f in the way r. The
// master switches (View Fields, the right's own privilege) are checked by
// their own callers; this is the field's own setting.
func (a *Access) FieldAllowed(f TicketField, r FieldRight) bool {
	return a.Superuser || !a.FieldsDenied.Withholds(f, r)
}

// RequireField is FieldAllowed as an error naming the field and the right.
func (a *Access) RequireField(f TicketField, r FieldRight) error {
	if a.FieldAllowed(f, r) {
		return nil
	}
	verb := map[FieldRight]string{RightView: "view", RightEdit: "edit", RightQuery: "query on", RightEmail: "receive by email"}[r]
	return Errorf(EForbidden, "%s may not %s the %s field: none of their groups grants it (field visibility)", a.Username, verb, f)
}
