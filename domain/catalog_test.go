package domain_test

import (
	"errors"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	. "gatehouse/domain"
)

// designIDs is DESIGN.md's "Privilege ids" list, copied verbatim: the ids
// are a contract with scripts, so the catalog may neither drop nor rename one.
var designIDs = map[string]string{
	"modules":           "users groups teams buildings technicians organization reporting appearance schedules notices",
	"tickets":           "ticket.report ticket.attach attach.view attach.edit ticket.assignee ticket.view ticket.history ticket.userinfo ticket.edit work.write work.edit ticket.assign ticket.reassign ticket.close ticket.reopen ticket.delete ticket.clone ticket.cloneinfo",
	"task":              "task.assigned task.all task.states",
	"query and metrics": "query.run query.save-group query.bulk-edit reports.custom metrics.run metrics.save-charts metrics.save-layouts metrics.home-only",
	"visibility":        "visibility.edit visibility.override",
	"discussion":        "discussion.view discussion.post discussion.initiate discussion.edit discussion.delete",
	"alerts":            "alerts.view alerts.edit alerts.edit-own",
	"email content":     "email.greeting email.intro email.operation email.link email.comment email.fields email.signature",
	"general":           "history help account.edit-own session.stay remote.ssh",
}

// restrictedOK is NetResults' list for restricted groups, plus remote.ssh
// (a decision documented in catalog.go).
var restrictedOK = []string{"help", "account.edit-own", "ticket.report", "ticket.attach", "ticket.view",
	"attach.view", "ticket.history", "ticket.userinfo", "email.greeting", "email.intro", "email.operation",
	"email.link", "email.comment", "email.fields", "email.signature", "remote.ssh"}

// gateRow proves one domain decision function refuses without a catalog
// entry: check refuses a subject holding base but not the entry, and allows
// one holding both. Every entry's store-level proof, through the real
// action, is store.TestGate_EveryCatalogEntry; these rows test the domain
// functions the store calls, never merely whether the access holds a flag.
type gateRow struct {
	base   []Flag   // held by both subjects (the entry's Requires are added too)
	states []Status // task states of the group (for task.states)
	check  func(a *Access) error
}

func can(act Action, tk func() *Ticket) func(a *Access) error {
	return func(a *Access) error { return a.Can(act, tk(), org) }
}

func mine(st Status, assignee ID) func() *Ticket {
	return func() *Ticket { return ticket(st, assignee) }
}

var (
	plainTarget = Access{UserID: otherID, Username: "carol"}
	techTarget  = Access{UserID: otherID, Username: "bob", Flags: FlagSetOf(TicketAssignee)}
)

var catalogGates = map[string]gateRow{
	"users":       {check: func(a *Access) error { return CheckManageUser(a, &plainTarget) }},
	"groups":      {check: func(a *Access) error { return CheckGroupEdit(a, grp(extraID, "Helpdesk")) }},
	"buildings":   {check: func(a *Access) error { return errors.Join(a.RequireLevel(ModBuildings, LevelEdit), seesAll(a)) }},
	"technicians": {check: func(a *Access) error { return CheckManageUser(a, &techTarget) }},

	"ticket.assignee": {check: CanAssignTo},
	"ticket.view":     {check: can(ActView, mine(StatusNew, 0))},
	"ticket.history":  {check: can(ActViewHistory, mine(StatusNew, 0))},
	"ticket.userinfo": {check: can(ActViewUserInfo, mine(StatusNew, 0))},
	"ticket.edit":     {check: can(ActEdit, mine(StatusNew, 0))},
	"work.write":      {check: can(ActWorkWrite, mine(StatusInProgress, actorID))},
	"work.edit": {check: func(a *Access) error {
		return a.CanEditWorkReport(ticket(StatusClosed, actorID), &WorkReport{Author: actorID}, org)
	}},
	"ticket.assign":    {base: []Flag{TaskAll}, check: can(ActAssign, mine(StatusNew, 0))},
	"ticket.reassign":  {base: []Flag{TaskAll}, check: can(ActReassign, mine(StatusAssigned, otherID))},
	"ticket.close":     {base: []Flag{TaskAll}, check: can(ActClose, mine(StatusInProgress, otherID))},
	"ticket.reopen":    {base: []Flag{TaskAll}, check: can(ActReopen, mine(StatusClosed, otherID))},
	"ticket.delete":    {check: can(ActDelete, mine(StatusClosed, otherID))},
	"ticket.clone":     {check: can(ActClone, mine(StatusInProgress, otherID))},
	"ticket.cloneinfo": {check: can(ActViewCloneInfo, mine(StatusInProgress, otherID))},

	"task.assigned": {base: []Flag{TicketClose}, check: can(ActClose, mine(StatusInProgress, actorID))},
	"task.all":      {base: []Flag{TicketClose}, check: can(ActClose, mine(StatusInProgress, otherID))},
	"task.states":   {base: []Flag{TicketClose}, states: []Status{StatusInProgress}, check: can(ActClose, mine(StatusInProgress, otherID))},

	"visibility.edit":     {check: can(ActSetVisibility, mine(StatusNew, 0))},
	"visibility.override": {base: []Flag{TicketView}, check: can(ActView, func() *Ticket { return foreign(StatusNew, 10) })},

	"session.stay": {check: func(a *Access) error {
		if d := a.IdleTimeout(15 * time.Minute); d != 0 {
			return Errorf(EForbidden, "idle logout after %s", d)
		}
		return nil
	}},
	"remote.ssh": {check: func(a *Access) error { return a.SSHLoginError() }},
}

func seesAll(a *Access) error {
	if a.SeesAllOf(99) == "" {
		return Errorf(EForbidden, "does not see building 99")
	}
	return nil
}

func TestCatalog_DecisionsRefuseWithoutTheEntry(t *testing.T) {
	for id := range catalogGates {
		if _, ok := Lookup(id); !ok {
			t.Errorf("gate row %q names no catalog entry", id)
		}
	}
	for _, p := range Catalog {
		row, ok := catalogGates[p.ID]
		if !ok {
			continue // decided by the store alone: store.TestGate_EveryCatalogEntry
		}
		t.Run(p.ID, func(t *testing.T) {
			without := grp(techID, "Staff", row.base...)
			without.TaskStates = row.states
			if !p.IsModule {
				for _, req := range p.Requires {
					without.Flags.Add(req)
				}
			}
			with := *without
			if p.IsModule {
				with.Levels[p.Module] = LevelEdit
			} else {
				with.Flags.Add(p.Flag)
			}
			wantOK(t, ValidateGroup(without))
			wantOK(t, ValidateGroup(&with))

			a := Resolve(subj(base(usersGroup()), member(without)), now)
			err := row.check(&a)
			if err == nil {
				t.Fatalf("a subject without %s is allowed: the entry gates nothing", p.ID)
			}
			if c := ErrorCode(err); c != EForbidden && c != EInvalid && c != ENotFound {
				t.Errorf("without %s: %v (%s), want a refusal (forbidden, invalid or not found)", p.ID, err, c)
			}
			b := Resolve(subj(base(usersGroup()), member(&with)), now)
			wantOK(t, row.check(&b))
		})
	}
}

func TestCatalog_ModuleLevelsOrder(t *testing.T) {
	for m := Module(0); m < NumModules; m++ {
		view := Resolve(subj(member(withLevel(grp(techID, "Viewers"), m, LevelView))), now)
		wantOK(t, view.RequireLevel(m, LevelView))
		wantErrContains(t, view.RequireLevel(m, LevelEdit), EForbidden, "("+m.String()+":edit)")
		none := holder()
		wantErrContains(t, none.RequireLevel(m, LevelView), EForbidden, "("+m.String()+":view)")
		wantOK(t, none.RequireLevel(m, LevelNone))
	}
}

func TestCatalog_UniqueIDs(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range Catalog {
		if seen[p.ID] {
			t.Errorf("duplicate id %s", p.ID)
		}
		seen[p.ID] = true
		if p.ID != strings.ToLower(strings.TrimSpace(p.ID)) || strings.ContainsAny(p.ID, " :") {
			t.Errorf("id %q is not a lower-case word", p.ID)
		}
	}
}

func TestCatalog_EveryFlagAndModuleHasOneRow(t *testing.T) {
	flags := map[Flag]int{}
	mods := map[Module]int{}
	for _, p := range Catalog {
		if p.IsModule {
			mods[p.Module]++
			if p.Module >= NumModules {
				t.Errorf("%s: module %d out of range", p.ID, p.Module)
			}
			if len(p.Implies)+len(p.Requires)+len(p.Excludes) > 0 || p.RestrictedOK {
				t.Errorf("module %s carries flag rules", p.ID)
			}
			continue
		}
		flags[p.Flag]++
		if p.Flag >= NumFlags {
			t.Errorf("%s: flag %d out of range", p.ID, p.Flag)
		}
		if p.Elevates {
			t.Errorf("flag %s elevates; only modules at edit do (R4)", p.ID)
		}
	}
	for f := Flag(0); f < NumFlags; f++ {
		if flags[f] != 1 {
			t.Errorf("flag %d has %d rows", f, flags[f])
			continue
		}
		if f.Info() == nil || f.Info().Flag != f || f.Info().IsModule || f.String() != f.Info().ID {
			t.Errorf("flag %d: Info/String inconsistent", f)
		}
	}
	for m := Module(0); m < NumModules; m++ {
		if mods[m] != 1 {
			t.Errorf("module %d has %d rows", m, mods[m])
			continue
		}
		if m.Info() == nil || m.Info().Module != m || !m.Info().IsModule || m.String() != m.Info().ID {
			t.Errorf("module %d: Info/String inconsistent", m)
		}
	}
	if n := int(NumFlags) + int(NumModules); len(Catalog) != n {
		t.Errorf("catalog has %d rows, want %d flags + modules", len(Catalog), n)
	}
	if NumFlags.String() != "?" || NumModules.String() != "?" {
		t.Errorf("out-of-range flag or module has a name")
	}
}

func TestCatalog_DesignIDsPresent(t *testing.T) {
	want := map[string]bool{}
	for _, list := range designIDs {
		for _, id := range strings.Fields(list) {
			want[id] = true
			p, ok := Lookup(id)
			if !ok {
				t.Errorf("DESIGN.md id %s is missing from the catalog", id)
				continue
			}
			if p.IsModule != (list == designIDs["modules"]) {
				t.Errorf("%s: IsModule = %v", id, p.IsModule)
			}
		}
	}
	for _, p := range Catalog {
		if !want[p.ID] {
			t.Errorf("catalog id %s is not in DESIGN.md's list", p.ID)
		}
	}
}

func TestCatalog_RulesReferenceValidFlags(t *testing.T) {
	for _, p := range Catalog {
		for kind, list := range map[string][]Flag{"implies": p.Implies, "requires": p.Requires, "excludes": p.Excludes} {
			for _, f := range list {
				if f >= NumFlags || f.Info() == nil {
					t.Errorf("%s %s flag %d, which does not exist", p.ID, kind, f)
					continue
				}
				if !p.IsModule && f == p.Flag {
					t.Errorf("%s %s itself", p.ID, kind)
				}
			}
		}
		for _, r := range p.Requires {
			if slices.Contains(p.Excludes, r) {
				t.Errorf("%s both requires and excludes %s", p.ID, r)
			}
		}
		if !p.IsModule {
			cl := FlagSetOf(p.Flag).Closure()
			for _, ex := range p.Excludes {
				if cl.Has(ex) {
					t.Errorf("%s implies %s, which it excludes", p.ID, ex)
				}
			}
		}
		// A restricted group must be able to hold what a restricted-ok flag
		// implies or requires, or the flag could never be granted there.
		if p.RestrictedOK {
			for _, f := range append(slices.Clone(p.Implies), p.Requires...) {
				if !f.Info().RestrictedOK {
					t.Errorf("restricted-ok %s implies or requires %s, which is not", p.ID, f)
				}
			}
		}
	}
}

func TestCatalog_RestrictedSubset(t *testing.T) {
	var got []string
	for _, p := range Catalog {
		if p.RestrictedOK {
			got = append(got, p.ID)
		}
	}
	want := slices.Clone(restrictedOK)
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("restricted-ok = %v\nwant %v", got, want)
	}
}

func TestCatalog_TextAndCategories(t *testing.T) {
	used := map[string]bool{}
	for _, p := range Catalog {
		if p.Label == "" || p.Help == "" || p.Source == "" {
			t.Errorf("%s: label, help and source document are required", p.ID)
		}
		if !slices.Contains(Categories, p.Category) {
			t.Errorf("%s: category %q is not in Categories", p.ID, p.Category)
		}
		if p.IsModule != (p.Category == "Modules") {
			t.Errorf("%s: category %q does not match IsModule", p.ID, p.Category)
		}
		used[p.Category] = true
	}
	for _, c := range Categories {
		if !used[c] {
			t.Errorf("category %q has no entries", c)
		}
	}
	var elevating []string
	for _, p := range Catalog {
		if p.Elevates {
			elevating = append(elevating, p.ID)
		}
	}
	if !slices.Equal(elevating, []string{"groups", "buildings", "technicians"}) {
		t.Errorf("elevating modules = %v, want groups, buildings, technicians (R4)", elevating)
	}
}

func TestCatalog_LookupAndParseGrant(t *testing.T) {
	for _, p := range Catalog {
		got, ok := Lookup("  " + strings.ToUpper(p.ID) + " ")
		if !ok || got.ID != p.ID {
			t.Errorf("Lookup(%q) = %v, %v", p.ID, got, ok)
		}
		g := mustGrant(t, p.ID)
		if g.Priv.ID != p.ID {
			t.Errorf("ParseGrant(%s) = %s", p.ID, g)
		}
		if p.IsModule {
			if g.Level != LevelEdit || g.String() != p.ID+":edit" {
				t.Errorf("bare module %s = %s, want edit", p.ID, g)
			}
			for _, l := range []Level{LevelNone, LevelView, LevelEdit} {
				g := mustGrant(t, p.ID+":"+strings.ToUpper(l.String()))
				if g.Level != l || mustGrant(t, g.String()) != g {
					t.Errorf("%s:%s round trip = %s", p.ID, l, g)
				}
			}
			continue
		}
		if g.String() != p.ID {
			t.Errorf("flag grant %s prints as %s", p.ID, g)
		}
		_, err := ParseGrant(p.ID + ":edit")
		wantErrContains(t, err, EInvalid, "is a flag and takes no level")
	}
	_, err := ParseGrant("ticket.fly")
	wantErrContains(t, err, EInvalid, `unknown privilege "ticket.fly"`)
	_, err = ParseGrant("buildings:admin")
	wantErrContains(t, err, EInvalid, `level "admin" of buildings`)
	if _, ok := ParseLevel("sometimes"); ok {
		t.Errorf("ParseLevel accepted nonsense")
	}
	if Level(9).String() != "?" {
		t.Errorf("out-of-range level has a name")
	}
}

func TestCatalog_FlagSet(t *testing.T) {
	var s FlagSet
	for f := Flag(0); f < NumFlags; f++ {
		if s.Has(f) {
			t.Fatalf("empty set has %s", f)
		}
		s.Add(f)
	}
	if s.Len() != int(NumFlags) {
		t.Fatalf("Len = %d after adding every flag", s.Len())
	}
	s.Remove(TicketClose)
	if s.Has(TicketClose) || !s.Has(TicketReopen) || s.Len() != int(NumFlags)-1 {
		t.Errorf("Remove took the wrong flag")
	}
	u := FlagSetOf(TicketClose)
	u.Union(FlagSetOf(RemoteSSH))
	if got := u.IDs(); !slices.Equal(got, []string{"remote.ssh", "ticket.close"}) {
		t.Errorf("IDs = %v, want sorted ids", got)
	}
	if got := u.Flags(); !slices.Equal(got, []Flag{TicketClose, RemoteSSH}) {
		t.Errorf("Flags = %v, want catalog order", got)
	}
	all := AllFlags()
	if all.Has(MetricsHomeOnly) || all.Len() != int(NumFlags)-1 {
		t.Errorf("AllFlags must hold every flag but Home Page Only: %d flags", all.Len())
	}
	if err := ValidateGroup(&Group{Name: "Everything", Flags: AllFlags()}); err != nil {
		t.Errorf("a group with AllFlags does not validate: %v", err)
	}
}
