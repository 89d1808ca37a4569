package domain

import (
	"slices"
	"strings"
)

// ChangeDiff compares an audit event's before and after summaries (the
// "flags=a,b levels=users:edit name=\"X\"" lines the store writes) and
// lists what was added and removed: "ticket.close" and "technicians:edit"
// for privileges and levels, "key=value" for everything else. A reader sees
// what changed without comparing two long lines.
func ChangeDiff(before, after string) (added, removed []string) {
	b, a := summaryItems(before), summaryItems(after)
	for _, x := range a {
		if !slices.Contains(b, x) {
			added = append(added, x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			removed = append(removed, x)
		}
	}
	return added, removed
}

// bareLists are the summary keys whose items are privilege ids, shown bare.
var bareLists = map[string]bool{"flags": true, "levels": true}

// summaryItems splits a summary into items: words, key=value pairs and the
// items of comma lists; double quotes keep spaces in a value.
func summaryItems(s string) []string {
	var out []string
	for _, tok := range splitQuery(s) { // words, quotes keep spaces
		k, v, ok := strings.Cut(tok, "=")
		if !ok {
			out = append(out, tok)
			continue
		}
		if !bareLists[k] && (strings.HasPrefix(v, `"`) || !strings.Contains(v, ",")) {
			if v != "" {
				out = append(out, tok)
			}
			continue
		}
		for _, item := range strings.Split(v, ",") {
			if item = strings.TrimSpace(item); item == "" {
				continue
			}
			if bareLists[k] {
				out = append(out, item)
			} else {
				out = append(out, k+"="+item)
			}
		}
	}
	return out
}
