package domain

import (
	"slices"
	"strings"
)

// Sort is an order of the ticket queue.
type Sort string

// Sort orders for the ticket queue.
const (
	SortNewest   Sort = ""         // newest first (by number)
	SortAge      Sort = "age"      // oldest first
	SortPriority Sort = "priority" // highest priority first, then oldest
	SortUpdated  Sort = "updated"  // most recently updated first
)

// ParseSort reads a sort order as people type it; "newest" (or "") is
// SortNewest. Anything else is an EInvalid error naming the choices.
func ParseSort(s string) (Sort, error) {
	switch v := Sort(strings.ToLower(strings.TrimSpace(s))); v {
	case SortAge, SortPriority, SortUpdated, SortNewest:
		return v, nil
	case "newest":
		return SortNewest, nil
	}
	return SortNewest, Errorf(EInvalid, "sort %q: use age, priority, updated or newest", s)
}

// ParseQuery reads the queue's query line: field:value terms and free text,
// e.g. `status:open building:EAST assignee:me printer`. Known fields are
// status, building, assignee, priority, overdue, reassign, team and sort;
// anything else is free text. Values may be quoted: team:"Help Desk".
func ParseQuery(s string) (TicketQuery, error) {
	var q TicketQuery
	var text []string
	for _, tok := range splitQuery(s) {
		field, value, ok := strings.Cut(tok, ":")
		if !ok || field == "" {
			text = append(text, tok)
			continue
		}
		// the query line has no escapes: a value is one word or one
		// "quoted phrase", so a quote inside it could not be written back
		value = strings.TrimSpace(strings.Trim(value, `"`))
		if strings.ContainsRune(value, '"') && slices.Contains(queryFields, strings.ToLower(field)) {
			return q, Errorf(EInvalid, "%s %q: a value is a word or a \"quoted phrase\" and holds no quote of its own", strings.ToLower(field), value)
		}
		switch strings.ToLower(field) {
		case "status":
			if strings.EqualFold(value, "open") {
				q.OpenOnly = true
				continue
			}
			for _, v := range strings.Split(value, ",") {
				st, ok := ParseStatus(v)
				if !ok {
					return q, Errorf(EInvalid, "status %q: use open, new, assigned, in_progress, closed or reopened", v)
				}
				q.Status = append(q.Status, st)
			}
		case "building":
			q.Building = value
		case "assignee":
			q.Assignee = value
		case "priority":
			q.Priority = value
		case "team":
			q.Team = value
		case "overdue":
			switch strings.ToLower(value) {
			case "yes", "true", "1":
				q.Overdue = true
			case "no", "false", "0":
			default:
				return q, Errorf(EInvalid, "overdue %q: use yes or no", value)
			}
		case "reassign":
			switch strings.ToLower(value) {
			case "yes", "true", "1", "asked":
				q.Reassign = true
			case "no", "false", "0":
			default:
				return q, Errorf(EInvalid, "reassign %q: use yes (a reassignment was asked) or no", value)
			}
		case "sort":
			if value == "" {
				return q, Errorf(EInvalid, "sort %q: use age, priority, updated or newest", value)
			}
			st, err := ParseSort(value)
			if err != nil {
				return q, err
			}
			q.Sort = st
		default:
			text = append(text, tok)
		}
	}
	q.Text = strings.Join(text, " ")
	return q, nil
}

// queryFields are the field: words of the query line; any other word is
// free text.
var queryFields = []string{"status", "building", "assignee", "priority", "team", "overdue", "reassign", "sort"}

// splitQuery splits on spaces outside double quotes.
func splitQuery(s string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for _, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
			cur.WriteRune(r)
		case r == ' ' && !quoted:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// String renders a query back into the query line.
func (q TicketQuery) String() string {
	var parts []string
	add := func(f, v string) {
		if v != "" {
			if strings.ContainsRune(v, ' ') {
				v = `"` + v + `"`
			}
			parts = append(parts, f+":"+v)
		}
	}
	if q.OpenOnly {
		add("status", "open")
	}
	var st []string
	for _, s := range q.Status {
		st = append(st, s.String())
	}
	add("status", strings.Join(st, ","))
	add("building", q.Building)
	add("assignee", q.Assignee)
	add("priority", q.Priority)
	add("team", q.Team)
	if q.Overdue {
		add("overdue", "yes")
	}
	if q.Reassign {
		add("reassign", "yes")
	}
	add("sort", string(q.Sort))
	if q.Text != "" {
		parts = append(parts, q.Text)
	}
	return strings.Join(parts, " ")
}

// RenameUserInQuery rewrites a query line's assignee:OLD as assignee:NEW
// (a renamed login), keeping the rest of the line as written; false when
// the line does not name old.
func RenameUserInQuery(query, old, renamed string) (string, bool) {
	toks := splitQuery(query)
	changed := false
	for i, tok := range toks {
		field, value, ok := strings.Cut(tok, ":")
		if ok && strings.EqualFold(field, "assignee") && strings.EqualFold(strings.Trim(value, `"`), old) {
			toks[i], changed = field+":"+renamed, true
		}
	}
	return strings.Join(toks, " "), changed
}
