package domain

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

// A diff names only what changed, field by field: each flag and each event
// its own key, so two drafts that change different boxes never collide.
func TestDiffGroupNamesEachChangedFieldOnly(t *testing.T) {
	before := Group{Rev: Rev{Version: 7}, Name: "Helpdesk", Flags: FlagSetOf(TicketReport, TicketClose)}
	after := before
	after.Flags.Remove(TicketReport)
	after.Flags.Add(TicketReopen)
	after.Notify.Events = []Event{EventClosed}
	after.Levels[ModUsers] = LevelView
	p := DiffGroup(before, after)
	want := []string{"flag:ticket.report", "flag:ticket.reopen", "level:users", "notify:closed"}
	if got := p.Keys(); !sameSet(got, want) {
		t.Fatalf("keys %v, want %v", got, want)
	}
	if p.Base != 7 {
		t.Fatalf("base %d", p.Base)
	}
	// the patch lands on another reading of the group without touching the rest
	other := before
	other.Description = "theirs"
	other.Flags.Add(TicketClone)
	got, err := p.Apply(other)
	if err != nil {
		t.Fatal(err)
	}
	if got.Description != "theirs" || !got.Flags.Has(TicketClone) || got.Flags.Has(TicketReport) || !got.Flags.Has(TicketReopen) ||
		got.Levels[ModUsers] != LevelView || !slices.Equal(got.Notify.Events, []Event{EventClosed}) {
		t.Fatalf("applied: %+v", got)
	}
	if other.Flags.Has(TicketReopen) || len(other.Notify.Events) != 0 {
		t.Fatal("Apply changed the record it was given")
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// R6 holds on a patch: turning off a flag another one implies is refused.
func TestR6_PatchCannotRevokeAnImpliedFlag(t *testing.T) {
	g := Group{Name: "G", Flags: FlagSetOf(DiscussionPost, DiscussionView)}
	var p GroupPatch
	p.SetFlag(DiscussionView, false)
	if _, err := p.Apply(g); err == nil || !strings.Contains(err.Error(), "(R6)") {
		t.Fatalf("want R6 refusal, got %v", err)
	}
}

// Set lists keep their order and never share memory with the record.
func TestPatchOfListsNeverAliasesTheRecord(t *testing.T) {
	u := User{Muted: make([]Event, 2, 8)}
	u.Muted[0], u.Muted[1] = EventNew, EventClosed
	var p UserPatch
	p.Mute(EventNew, false).Mute(EventOverdue, true)
	after := p.Apply(u)
	if !slices.Equal(u.Muted, []Event{EventNew, EventClosed}) {
		t.Fatalf("the record's list changed: %v", u.Muted)
	}
	if !slices.Equal(after.Muted, []Event{EventClosed, EventOverdue}) {
		t.Fatalf("after %v", after.Muted)
	}
}

// The audit reads a set's change as +added −removed and a field's as
// before → after; references show by name.
func TestCompareFieldsForTheAudit(t *testing.T) {
	names := func(ref string, id ID) string { return map[ID]string{1: "EAST", 2: "WEST"}[id] }
	before := User{Username: "ba", Buildings: []ID{1}}
	after := before
	after.Buildings = []ID{1, 2}
	after.Muted = []Event{EventNew}
	keys, changes := CompareFields(UserFields(&before, names), UserFields(&after, names))
	if !slices.Equal(keys, []string{"buildings", "muted:new"}) {
		t.Fatalf("keys %v", keys)
	}
	var got []string
	for _, c := range changes {
		got = append(got, c.String())
	}
	if want := []string{"Buildings: EAST → EAST, WEST", "muted: +new"}; !slices.Equal(got, want) {
		t.Fatalf("changes %q, want %q", got, want)
	}
	g0 := Group{Flags: FlagSetOf(TicketReport, TicketView)}
	g1 := Group{Flags: FlagSetOf(TicketClose, TicketView)}
	_, gc := CompareFields(GroupFields(&g0, nil), GroupFields(&g1, nil))
	if len(gc) != 1 || gc[0].String() != "flags: +ticket.close −ticket.report" || gc[0].Before != "ticket.report, ticket.view" {
		t.Fatalf("group changes %+v", gc)
	}
}

// A conflict says who, when, and both values; an exact-version refusal
// says which version the record is at.
func TestConflictMessages(t *testing.T) {
	at := time.Date(2026, 12, 7, 14, 2, 0, 0, time.UTC)
	c := &Conflict{Entity: "group", Name: "Helpdesk", Base: 4, Version: 6, By: "su2", At: at,
		Fields: []FieldConflict{{Key: "flag:ticket.report", Label: "Report a Problem", Theirs: "", Mine: "yes", By: "su2", At: at}}}
	for _, want := range []string{"group Helpdesk was changed by su2 at 2026-12-07 14:02", "Report a Problem is empty (by su2), yours \"yes\"", "nothing was saved"} {
		if !strings.Contains(c.Error(), want) {
			t.Errorf("%q lacks %q", c.Error(), want)
		}
	}
	if ErrorCode(c) != EConflict {
		t.Fatal("a conflict is EConflict")
	}
	exact := &Conflict{Entity: "user", Name: "ann", Base: 3, Version: 5, By: "bob", At: at}
	if got := exact.Error(); got != "user ann is at version 5, not 3 (changed by bob at 2026-12-07 14:02 UTC); nothing was changed" {
		t.Fatalf("%q", got)
	}
	ctx := WithIfVersion(context.Background(), 9)
	if v, ok := IfVersion(ctx); !ok || v != 9 {
		t.Fatal("WithIfVersion lost its version")
	}
}

// Renaming a login rewrites assignee:OLD and nothing else in a query line.
func TestRenameUserInQuery(t *testing.T) {
	got, ok := RenameUserInQuery(`status:open Assignee:tech "tech notes" building:EAST`, "TECH", "terry")
	if !ok || got != `status:open Assignee:terry "tech notes" building:EAST` {
		t.Fatalf("%q %v", got, ok)
	}
	if _, ok := RenameUserInQuery("assignee:technician", "tech", "x"); ok {
		t.Fatal("a prefix of another name is not the name")
	}
}
