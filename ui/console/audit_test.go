package console

import (
	"strings"
	"testing"

	"gatehouse/domain"
)

// Enter on an audit event shows what changed as a diff, not two long
// summaries cut at the screen's edge (issue 13).
func TestAuditEntryShowsWhatChangedAsADiff(t *testing.T) {
	db := openStore(t)
	admin := session(t, db, "admin")
	g := group(t, admin, "Principals")
	orig := g
	g.Flags = domain.FlagSetOf(domain.DiscussionPost) // drops ticket.report
	g.Levels[domain.ModTechnicians] = domain.LevelEdit
	_, err := admin.UpdateGroup(t.Context(), g.ID, domain.DiffGroup(orig, g), true)
	must(t, err)
	eachSize(t, func(t *testing.T, w, h int) {
		d := start(t, db, "admin", w, h)
		d.keys("8")
		d.waitFor("Audit trail")
		d.keys("enter")
		s := d.waitFor("What changed")
		for _, want := range []string{"Manage Technicians level: none → edit", "flags:", "−ticket.report"} {
			if !strings.Contains(s, want) {
				t.Fatalf("no %q in the opened event:\n%s", want, s)
			}
		}
		d.keys("esc")
		d.waitFor("Audit trail")
	})
}
