package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"gatehouse/domain"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Check and repair. Check runs bbolt's page-level check and the data's
// invariants: every record decodes and sits under its own id, every index
// entry matches a record and every record has its entries, every
// membership names a live user and group, every user is in Global and has a
// private team, nobody reports to a missing user or in a loop, and nothing
// is left of deleted tickets. Repair fixes what follows from the records,
// in one transaction with an audit event: indexes are rebuilt from the
// records, dangling rows dropped, teams repaired as `team repair` does
// (R9). What it cannot decide (a damaged record, a ticket naming a missing
// user, two users with one username) is reported for a person to fix.

// findingsPerArea caps the findings listed per area; the rest are counted.
const findingsPerArea = 20

// indexSpec says how one index bucket follows from the records.
type indexSpec struct {
	bucket []byte
	what   string
	parts  int  // ids in a key; 0 for a name
	unique bool // one key, one record: two records claiming it is a conflict
	build  func(tx *bolt.Tx, put func(k, v []byte))
}

var indexSpecs = []indexSpec{
	{bGroupName, "group name", 0, true, func(tx *bolt.Tx, put func(k, v []byte)) {
		_ = tx.Bucket(bGroups).ForEach(func(k, v []byte) error {
			var g domain.Group
			if decGroup(v, &g) == nil {
				put(lower(g.Name), slices.Clone(k))
			}
			return nil
		})
	}},
	{bUserName, "username", 0, true, func(tx *bolt.Tx, put func(k, v []byte)) {
		eachUser(tx, func(id uint64, u *domain.User) {
			u.ID = id
			put(lower(u.Username), userNameValue(u))
		})
	}},
	{bUserEmail, "email", 0, true, func(tx *bolt.Tx, put func(k, v []byte)) {
		eachUser(tx, func(id uint64, u *domain.User) {
			if u.Email != "" {
				put(lower(u.Email), itob(id))
			}
		})
	}},
	{bUserKey, "SSH key", 0, true, func(tx *bolt.Tx, put func(k, v []byte)) {
		eachUser(tx, func(id uint64, u *domain.User) {
			for _, k := range u.Keys {
				put([]byte(k.Fingerprint), itob(id))
			}
		})
	}},
	{bGroupUser, "group members", 2, false, func(tx *bolt.Tx, put func(k, v []byte)) {
		_ = tx.Bucket(bMembers).ForEach(func(k, v []byte) error {
			var m domain.Membership
			if len(k) == 16 && decJSON(v, &m) == nil {
				put(key(btoi(k[8:]), btoi(k)), untilValue(m.Until))
			}
			return nil
		})
	}},
	{bReports, "reports-to", 2, false, func(tx *bolt.Tx, put func(k, v []byte)) {
		eachUser(tx, func(id uint64, u *domain.User) {
			if u.ReportsTo != 0 {
				put(key(u.ReportsTo, id), nil)
			}
		})
	}},
	{bTeamName, "team name", 0, true, func(tx *bolt.Tx, put func(k, v []byte)) {
		_ = tx.Bucket(bTeams).ForEach(func(k, v []byte) error {
			var t domain.Team
			if decJSON(v, &t) == nil {
				put(lower(t.Name), slices.Clone(k))
			}
			return nil
		})
	}},
	{bUserTeam, "user's teams", 2, false, func(tx *bolt.Tx, put func(k, v []byte)) {
		_ = tx.Bucket(bTeamUser).ForEach(func(k, v []byte) error {
			if len(k) == 16 {
				put(key(btoi(k[8:]), btoi(k)), nil)
			}
			return nil
		})
	}},
	{bBldCode, "building code", 0, true, func(tx *bolt.Tx, put func(k, v []byte)) {
		_ = tx.Bucket(bBuildings).ForEach(func(k, v []byte) error {
			var b domain.Building
			if decJSON(v, &b) == nil {
				put(lower(b.Code), slices.Clone(k))
			}
			return nil
		})
	}},
	{bTStatus, "ticket status", 3, false, ticketIndex(func(t *domain.Ticket, put func(k, v []byte)) { put(statusKey(t), nil) })},
	{bTBuilding, "ticket building", 2, false, ticketIndex(func(t *domain.Ticket, put func(k, v []byte)) { put(key(t.Building, uint64(t.Number)), nil) })},
	{bTAssignee, "ticket assignee", 2, false, ticketIndex(func(t *domain.Ticket, put func(k, v []byte)) { put(key(t.Assignee, uint64(t.Number)), nil) })},
	{bTReporter, "ticket reporter", 2, false, ticketIndex(func(t *domain.Ticket, put func(k, v []byte)) { put(key(t.Reporter, uint64(t.Number)), nil) })},
	{bTParent, "ticket clones", 2, false, ticketIndex(func(t *domain.Ticket, put func(k, v []byte)) {
		if t.Parent != 0 {
			put(key(uint64(t.Parent), uint64(t.Number)), nil)
		}
	})},
	{bTTeam, "ticket teams", 2, false, ticketIndex(func(t *domain.Ticket, put func(k, v []byte)) {
		for _, id := range t.Teams {
			put(key(id, uint64(t.Number)), nil)
		}
	})},
	{bTGroup, "ticket visible-to groups", 2, false, ticketIndex(func(t *domain.Ticket, put func(k, v []byte)) {
		for _, id := range t.VisibleTo {
			put(key(id, uint64(t.Number)), nil)
		}
	})},
	{bTCount, "ticket count", 1, false, func(tx *bolt.Tx, put func(k, v []byte)) {
		counts := map[domain.Status]uint64{}
		ticketIndex(func(t *domain.Ticket, _ func(k, v []byte)) { counts[t.Status]++ })(tx, nil)
		for _, st := range slices.Sorted(maps.Keys(counts)) {
			put(itob(uint64(st)), itob(counts[st]))
		}
	}},
	{bWorkUser, "work report authors", 3, false, func(tx *bolt.Tx, put func(k, v []byte)) {
		_ = tx.Bucket(bWork).ForEach(func(k, v []byte) error {
			var r domain.WorkReport
			if len(k) == 16 && decJSON(v, &r) == nil {
				put(key(r.Author, btoi(k), btoi(k[8:])), nil)
			}
			return nil
		})
	}},
}

func eachUser(tx *bolt.Tx, fn func(id uint64, u *domain.User)) {
	_ = tx.Bucket(bUsers).ForEach(func(k, v []byte) error {
		var u domain.User
		if decJSON(v, &u) == nil {
			fn(btoi(k), &u)
		}
		return nil
	})
}

func ticketIndex(fn func(t *domain.Ticket, put func(k, v []byte))) func(*bolt.Tx, func(k, v []byte)) {
	return func(tx *bolt.Tx, put func(k, v []byte)) {
		_ = tx.Bucket(bTickets).ForEach(func(k, v []byte) error {
			var t domain.Ticket
			if decTicket(v, &t) == nil {
				t.Number = domain.TicketNumber(btoi(k))
				fn(&t, put)
			}
			return nil
		})
	}
}

type indexEntry struct{ k, v []byte }

// diffIndex compares an index with what the records imply. With fix it
// deletes stale entries and writes missing or wrong ones, and says so.
func diffIndex(tx *bolt.Tx, spec indexSpec, c *checker, fix bool) ([]string, error) {
	var want []indexEntry
	spec.build(tx, func(k, v []byte) { want = append(want, indexEntry{k, v}) })
	slices.SortStableFunc(want, func(a, b indexEntry) int { return bytes.Compare(a.k, b.k) })
	area := string(spec.bucket)
	desc := func(k []byte) string { return describeKey(k, spec.parts) }
	// two records claiming one key: the first keeps it
	out := want[:0]
	for i, e := range want {
		if i > 0 && bytes.Equal(e.k, want[i-1].k) {
			if spec.unique && !bytes.Equal(e.v, want[i-1].v) && c != nil {
				c.add(area, false, nil, "records #%d and #%d both claim the %s %s: rename one", btoi(want[i-1].v), btoi(e.v), spec.what, desc(e.k))
			}
			continue
		}
		out = append(out, e)
	}
	want = out
	var stale [][]byte
	var missing []indexEntry
	cur := tx.Bucket(spec.bucket).Cursor()
	k, v := cur.First()
	for i := 0; k != nil || i < len(want); {
		switch {
		case k != nil && (i == len(want) || bytes.Compare(k, want[i].k) < 0):
			// a counter that went back to zero stays, and is right
			if !bytes.Equal(spec.bucket, bTCount) || len(v) != 8 || btoi(v) != 0 {
				stale = append(stale, slices.Clone(k))
			}
			k, v = cur.Next()
		case k == nil || bytes.Compare(k, want[i].k) > 0:
			missing = append(missing, want[i])
			i++
		default:
			if !bytes.Equal(v, want[i].v) {
				missing = append(missing, want[i])
			}
			i++
			k, v = cur.Next()
		}
	}
	if c != nil {
		for _, k := range stale {
			c.add(area, true, nil, "the %s entry %s matches no record", spec.what, desc(k))
		}
		for _, e := range missing {
			c.add(area, true, nil, "the %s entry %s is missing or points to the wrong record", spec.what, desc(e.k))
		}
	}
	if !fix || len(stale)+len(missing) == 0 {
		return nil, nil
	}
	b := tx.Bucket(spec.bucket)
	for _, k := range stale {
		if err := kvDel(b, k); err != nil {
			return nil, err
		}
	}
	for _, e := range missing {
		if err := kvPut(b, e.k, e.v); err != nil {
			return nil, err
		}
	}
	return []string{fmt.Sprintf("rebuilt the %s index (%s): removed %d stale entries, wrote %d", spec.what, area, len(stale), len(missing))}, nil
}

// rebuildIndexes writes every index from the records (ImportAll).
func rebuildIndexes(tx *bolt.Tx) error {
	for _, spec := range indexSpecs {
		if _, err := diffIndex(tx, spec, nil, true); err != nil {
			return err
		}
	}
	return nil
}

// checker collects findings; fixable ones may carry the fix to apply.
type checker struct {
	ctx      context.Context // a cancelled check stops at the next step
	err      error           // ctx's error once a step saw it
	steps    int
	tx       *bolt.Tx
	findings []domain.Finding
	counts   map[string]int
	fixes    []func() error
	notes    []string // what the fixes do, for the repair report
}

func newChecker(ctx context.Context, tx *bolt.Tx) *checker {
	return &checker{ctx: ctx, tx: tx, counts: map[string]int{}}
}

// stop counts one step of a long pass and reports whether the check was
// cancelled (looked at every 1024 steps); c.err then says why.
func (c *checker) stop() bool {
	if c.err == nil && c.steps&1023 == 0 {
		c.err = c.ctx.Err()
	}
	c.steps++
	return c.err != nil
}

// add records a finding; fix, when given, is what repair runs for it (a
// fixable finding without one is fixed by the index or team passes).
func (c *checker) add(area string, fixable bool, fix func() error, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	c.counts[area]++
	if fix != nil {
		c.fixes = append(c.fixes, fix)
		c.notes = append(c.notes, area+": "+msg)
	}
	if c.counts[area] <= findingsPerArea {
		c.findings = append(c.findings, domain.Finding{Area: area, Problem: msg, Fixable: fixable})
	}
}

// summarize adds one finding per area for what the cap left out.
func (c *checker) summarize() []domain.Finding {
	areas := make([]string, 0, len(c.counts))
	for a, n := range c.counts {
		if n > findingsPerArea {
			areas = append(areas, a)
		}
	}
	slices.Sort(areas)
	for _, a := range areas {
		fixable := slices.ContainsFunc(c.findings, func(f domain.Finding) bool { return f.Area == a && f.Fixable })
		c.findings = append(c.findings, domain.Finding{Area: a, Problem: fmt.Sprintf("and %d more like these", c.counts[a]-findingsPerArea), Fixable: fixable})
	}
	return c.findings
}

// checkData runs every invariant on tx and returns the findings.
func checkData(ctx context.Context, tx *bolt.Tx) ([]domain.Finding, error) {
	c := newChecker(ctx, tx)
	c.records()
	for _, spec := range indexSpecs {
		if c.err != nil || c.stop() {
			return nil, c.err
		}
		_, _ = diffIndex(tx, spec, c, false) // without fix it writes nothing, so it cannot fail
	}
	return c.summarize(), c.err
}

func (c *checker) exists(bucket []byte, id uint64) bool {
	return c.tx.Bucket(bucket).Get(itob(id)) != nil
}

// hasKey tells whether a key with an empty value exists: Get cannot, since
// within the transaction that wrote it the value reads back as nil.
func hasKey(tx *bolt.Tx, bucket, k []byte) bool {
	got, _ := tx.Bucket(bucket).Cursor().Seek(k)
	return bytes.Equal(got, k)
}

func (c *checker) userName(id uint64) string {
	if u, err := getUser(c.tx, id); err == nil {
		return fmt.Sprintf("user #%d (%s)", id, u.Username)
	}
	return fmt.Sprintf("user #%d", id)
}

// records checks every record: it decodes, sits under its id, and names
// only what exists.
func (c *checker) records() {
	tx := c.tx
	for _, eb := range exportBuckets {
		area := string(eb.name)
		_ = tx.Bucket(eb.name).ForEach(func(k, v []byte) error {
			if c.stop() {
				return c.err
			}
			if bytes.Equal(eb.name, bAttachBin) && len(k) == 12 {
				return nil // a chunk: id and a 4-byte index
			}
			if eb.parts > 0 && len(k) != 8*eb.parts {
				c.add(area, false, nil, "key %q is not %d ids", k, eb.parts)
				return nil
			}
			if err := decodeRecord(eb, k, v); err != nil {
				c.add(area, false, nil, "record %s is damaged: %v", describeKey(k, eb.parts), err)
			}
			return nil
		})
	}
	if tx.Bucket(bOrg).Get(keyOrg) == nil {
		c.add(string(bOrg), false, nil, "the organization record is missing")
	}
	owner := metaID(tx, keyOwner)
	if !c.exists(bUsers, owner) {
		c.add("meta", false, nil, "the owner account #%d does not exist", owner)
	}
	global := metaID(tx, keyGlobal)
	if t, err := getTeam(tx, global); err != nil || t.Type != domain.TeamGlobalType {
		c.add("teams", true, nil, "the Global team is missing (R9)")
	}
	if c.err != nil {
		return
	}
	c.memberships()
	c.teams(global)
	c.users()
	c.tickets()
	c.ticketChildren()
}

// decodeRecord decodes one record with its bucket's decoder and checks
// that it sits under its own id.
func decodeRecord(eb exportBucket, k, v []byte) error {
	idIs := func(id uint64, what string) error {
		if id != btoi(k) {
			return fmt.Errorf("%s %d is stored under key %d", what, id, btoi(k))
		}
		return nil
	}
	switch eb.kind {
	case exTicket:
		var t domain.Ticket
		if err := decTicket(v, &t); err != nil {
			return err
		}
		return idIs(uint64(t.Number), "ticket")
	case exHistory:
		var h domain.HistoryEntry
		if err := decHistory(v, &h); err != nil {
			return err
		}
		return idIs(h.Ticket, "history of ticket")
	case exAudit:
		var a domain.AuditEvent
		if err := decAudit(v, &a); err != nil {
			return err
		}
		return idIs(a.ID, "event")
	case exJSON:
		if bytes.Equal(eb.name, bGroups) {
			var g domain.Group
			if err := decGroup(v, &g); err != nil {
				return err
			}
			return idIs(g.ID, "group")
		}
		rec := eb.typ()
		if err := decJSON(v, rec); err != nil {
			return err
		}
		switch r := rec.(type) {
		case *userRecord:
			return idIs(r.ID, "user")
		case *domain.Team:
			return idIs(r.ID, "team")
		case *domain.Building:
			return idIs(r.ID, "building")
		case *domain.Membership:
			if !bytes.Equal(key(r.UserID, r.GroupID), k) {
				return fmt.Errorf("membership of user #%d in group #%d is stored under another key", r.UserID, r.GroupID)
			}
		case *domain.WorkReport:
			if !bytes.Equal(key(r.Ticket, r.ID), k) {
				return fmt.Errorf("work report %d of ticket %d is stored under another key", r.ID, r.Ticket)
			}
		}
	}
	return nil
}

// memberships: both ends exist (else the row is dropped), kinds match (R3).
func (c *checker) memberships() {
	tx := c.tx
	_ = tx.Bucket(bMembers).ForEach(func(k, v []byte) error {
		if len(k) != 16 {
			return nil
		}
		u, g := btoi(k), btoi(k[8:])
		uu, uerr := getUser(tx, u)
		gg, gerr := getGroup(tx, g)
		if uerr != nil || gerr != nil {
			what := fmt.Sprintf("user #%d", u)
			if uerr == nil {
				what = fmt.Sprintf("group #%d", g)
			}
			kk := slices.Clone(k)
			c.add("members", true, func() error { return jdel(tx, bMembers, kk) },
				"a membership of %s in group #%d names a %s that does not exist: dropped by repair", c.userName(u), g, what)
			return nil
		}
		if uu.Kind != gg.Kind {
			c.add("members", false, nil, "%s is a %s user in the %s group %s (R3): remove the membership", uu.Username, uu.Kind, gg.Kind, gg.Name)
		}
		return nil
	})
	_ = tx.Bucket(bTeamUser).ForEach(func(k, v []byte) error {
		if len(k) != 16 {
			return nil
		}
		t, u := btoi(k), btoi(k[8:])
		if !c.exists(bTeams, t) || !c.exists(bUsers, u) {
			kk := slices.Clone(k)
			c.add("team_members", true, func() error { return kvDel(tx.Bucket(bTeamUser), kk) },
				"team #%d lists %s, and one of them does not exist: dropped by repair", t, c.userName(u))
		}
		return nil
	})
}

// teams: private teams belong to a live user.
func (c *checker) teams(global uint64) {
	tx := c.tx
	_ = tx.Bucket(bTeams).ForEach(func(k, v []byte) error {
		var t domain.Team
		if decJSON(v, &t) != nil || t.Type != domain.TeamPrivate || c.exists(bUsers, t.Owner) {
			return nil
		}
		id := btoi(k)
		c.add("teams", true, func() error {
			for _, u := range suffixIDs(tx, bTeamUser, id) {
				if err := kvDel(tx.Bucket(bTeamUser), key(id, u)); err != nil {
					return err
				}
			}
			return kvDel(tx.Bucket(bTeams), itob(id))
		}, "the private team %s belongs to user #%d, who does not exist: deleted by repair (R9)", t.Name, t.Owner)
		return nil
	})
}

// users: in Global, a private team, existing managers without loops,
// existing buildings.
func (c *checker) users() {
	tx := c.tx
	global := metaID(tx, keyGlobal)
	private := map[uint64][]domain.Team{}
	_ = tx.Bucket(bTeams).ForEach(func(k, v []byte) error {
		var t domain.Team
		if decJSON(v, &t) == nil && t.Type == domain.TeamPrivate {
			private[t.Owner] = append(private[t.Owner], t)
		}
		return nil
	})
	boss := map[uint64]uint64{}
	eachUser(tx, func(id uint64, u *domain.User) {
		if global != 0 && !hasKey(tx, bTeamUser, key(global, id)) {
			c.add("teams", true, nil, "%s is not in the Global team (R9)", u.Username)
		}
		switch ts := private[id]; {
		case len(ts) == 0:
			c.add("teams", true, nil, "%s has no private team (R9)", u.Username)
		case len(ts) > 1:
			c.add("teams", false, nil, "%s has %d private teams (R9): delete all but %s", u.Username, len(ts), privateTeamName(u.Username))
		case ts[0].Name != privateTeamName(u.Username):
			c.add("teams", false, nil, "%s's private team is named %s, not %s", u.Username, ts[0].Name, privateTeamName(u.Username))
		}
		if u.ReportsTo != 0 {
			if c.exists(bUsers, u.ReportsTo) {
				boss[id] = u.ReportsTo
			} else {
				c.add("users", true, nil, "%s reports to user #%d, who does not exist: cleared by repair", u.Username, u.ReportsTo)
			}
		}
		var gone []uint64
		for _, b := range u.Buildings {
			if !c.exists(bBuildings, b) {
				gone = append(gone, b)
			}
		}
		if len(gone) > 0 {
			uid := id
			c.add("users", true, func() error {
				u, err := getUser(tx, uid)
				if err != nil {
					return err
				}
				u.Buildings = slices.DeleteFunc(u.Buildings, func(b uint64) bool { return slices.Contains(gone, b) })
				return putUser(tx, &u)
			}, "%s is assigned to buildings %v that do not exist: removed by repair", u.Username, gone)
		}
		// a hash restored from an export or written by hand could never
		// log its owner in: say so rather than let logins fail silently
		if h := storedHash(tx, id); h != "" {
			if err := checkHash(h); err != nil {
				c.add("users", false, nil, "%s's stored password hash is unusable (%v): set a new one with gatehouse user password %s",
					u.Username, err, u.Username)
			}
		}
	})
	// reports-to loops (R10): walk each chain once
	state := map[uint64]uint8{} // 1 on the current path, 2 done
	for start := range boss {
		var path []uint64
		u := start
		for u != 0 && state[u] == 0 {
			state[u] = 1
			path = append(path, u)
			u = boss[u]
		}
		if u != 0 && state[u] == 1 {
			i := slices.Index(path, u)
			var names []string
			for _, id := range append(path[i:], u) {
				if uu, err := getUser(tx, id); err == nil {
					names = append(names, uu.Username)
				}
			}
			c.add("users", true, nil, "reports-to loop %s (R10): cut by repair", strings.Join(names, " → "))
		}
		for _, id := range path {
			state[id] = 2
		}
	}
}

// tickets: reporter, assignee and building exist.
func (c *checker) tickets() {
	tx := c.tx
	_ = tx.Bucket(bTickets).ForEach(func(k, v []byte) error {
		if c.stop() {
			return c.err
		}
		var t domain.Ticket
		if decTicket(v, &t) != nil {
			return nil
		}
		if !c.exists(bUsers, t.Reporter) {
			c.add("tickets", false, nil, "ticket %d was reported by user #%d, who does not exist", t.Number, t.Reporter)
		}
		if t.Assignee != 0 && !c.exists(bUsers, t.Assignee) {
			c.add("tickets", false, nil, "ticket %d is assigned to user #%d, who does not exist: reassign it", t.Number, t.Assignee)
		}
		if !c.exists(bBuildings, t.Building) {
			c.add("tickets", false, nil, "ticket %d is in building #%d, which does not exist", t.Number, t.Building)
		}
		return nil
	})
}

// ticketChildren: nothing is left of deleted tickets, and attachments have
// their content.
func (c *checker) ticketChildren() {
	tx := c.tx
	for _, b := range [][]byte{bHistory, bWork, bThreads, bPosts, bAttach, bAlerts, bOverdue} {
		area := string(b)
		dead := map[uint64][][]byte{}
		var order []uint64
		last, lastAlive, first := uint64(0), true, true
		_ = tx.Bucket(b).ForEach(func(k, v []byte) error {
			if n := btoi(k); first || n != last {
				first = false
				last, lastAlive = n, c.exists(bTickets, n)
				if !lastAlive {
					order = append(order, n)
				}
			}
			if !lastAlive {
				dead[last] = append(dead[last], slices.Clone(k))
			}
			return nil
		})
		for _, n := range order {
			ks, bucket := dead[n], b
			c.add(area, true, func() error {
				for _, k := range ks {
					if err := kvDel(tx.Bucket(bucket), k); err != nil {
						return err
					}
					if bytes.Equal(bucket, bAttach) {
						if err := delAttachData(tx, btoi(k[8:])); err != nil {
							return err
						}
					}
				}
				return nil
			}, "%d records of ticket %d, which does not exist: dropped by repair", len(ks), n)
		}
	}
	has := map[uint64]bool{}
	_ = tx.Bucket(bAttach).ForEach(func(k, v []byte) error {
		if len(k) == 16 {
			has[btoi(k[8:])] = true
			if !hasAttachData(tx, btoi(k[8:])) {
				c.add(string(bAttach), false, nil, "attachment %d of ticket %d has no content: delete it", btoi(k[8:]), btoi(k))
			}
		}
		return nil
	})
	_ = tx.Bucket(bAttachBin).ForEach(func(k, v []byte) error {
		if !has[btoi(k)] {
			kk := slices.Clone(k)
			c.add(string(bAttachBin), true, func() error { return kvDel(tx.Bucket(bAttachBin), kk) }, "content %d belongs to no attachment: dropped by repair", btoi(k))
		}
		return nil
	})
}

// pageCheck runs bbolt's consistency check; it needs a writable
// transaction while the file is live (bbolt's rule for concurrent use).
func pageCheck(tx *bolt.Tx) []domain.Finding {
	var out []domain.Finding
	for err := range tx.Check() {
		if len(out) == findingsPerArea {
			out = append(out, domain.Finding{Area: "bbolt", Problem: "and more page errors"})
			for range tx.Check() {
			}
			break
		}
		out = append(out, domain.Finding{Area: "bbolt", Problem: err.Error()})
	}
	return out
}

// repairData fixes what the records decide, in w's transaction, and
// returns what it changed.
func repairData(ctx context.Context, w *txn) ([]string, error) {
	c := newChecker(ctx, w.tx)
	c.records()
	if c.err != nil {
		return nil, c.err
	}
	for _, fix := range c.fixes {
		if err := fix(); err != nil {
			return nil, err
		}
	}
	repaired := slices.Clone(c.notes)
	for _, spec := range indexSpecs {
		notes, err := diffIndex(w.tx, spec, nil, true)
		if err != nil {
			return nil, err
		}
		repaired = append(repaired, notes...)
	}
	teams, err := repairTeams(w)
	if err != nil {
		return nil, err
	}
	return append(repaired, teams...), nil
}

// Check implements domain.DataService for the superuser or the owner.
func (s *session) Check(ctx context.Context, repair bool) (domain.CheckReport, error) {
	if repair {
		if err := s.refuseWrite(); err != nil {
			return domain.CheckReport{}, err
		}
	}
	return s.db.check(ctx, repair, func(tx *bolt.Tx) (*txn, error) {
		w, err := s.begin(tx)
		if err != nil {
			return nil, err
		}
		if !w.acc.Superuser && w.actor.ID != metaID(tx, keyOwner) {
			return nil, domain.Errorf(domain.EForbidden, "only a superuser or the owner account checks the file")
		}
		return w, nil
	})
}

// Check runs Check as the system, for tools that hold the file itself.
func (db *DB) Check(ctx context.Context, repair bool) (domain.CheckReport, error) {
	return db.check(ctx, repair, func(tx *bolt.Tx) (*txn, error) {
		// a damaged organization record is one of the findings: the
		// check runs on the defaults rather than refusing to look
		org, _ := getOrg(tx)
		return &txn{tx: tx, db: db, now: db.now(), actor: domain.User{Username: "system"}, org: org}, nil
	})
}

// check runs the checks in a writable transaction that is rolled back (the
// write lock keeps bbolt's check safe on a live file), then, for a repair
// of fixable findings, fixes them in a second transaction that commits.
func (db *DB) check(ctx context.Context, repair bool, begin func(*bolt.Tx) (*txn, error)) (rep domain.CheckReport, err error) {
	defer func() {
		if r := recover(); r != nil {
			rep.Findings = append(rep.Findings, domain.Finding{Area: "bbolt", Problem: fmt.Sprintf("the file is damaged: %v", r)})
			err = domain.Errorf(domain.EInvalid, "%s is damaged (%v): restore it from a backup", db.path, r)
		}
	}()
	pages, err := db.checkOnly(ctx, begin, &rep)
	if err != nil {
		return rep, err
	}
	if !repair || !slices.ContainsFunc(rep.Findings, func(f domain.Finding) bool { return f.Fixable }) {
		return rep, nil
	}
	if len(pages) > 0 {
		return rep, domain.Errorf(domain.EConflict, "bbolt's check found damaged pages: --repair cannot fix them; restore the file from a backup")
	}
	found := rep.Findings
	err = db.update(ctx, func(tx *bolt.Tx) ([]domain.Change, error) {
		w, err := begin(tx)
		if err != nil {
			return nil, err
		}
		before := len(found)
		if rep.Repaired, err = repairData(ctx, w); err != nil {
			return nil, err
		}
		if rep.Findings, err = checkData(ctx, tx); err != nil {
			return nil, err
		}
		if err := w.audit("file", 0, db.path, "check repair", fmt.Sprintf("%d problems", before),
			fmt.Sprintf("%d fixes, %d problems left", len(rep.Repaired), len(rep.Findings))); err != nil {
			return nil, err
		}
		return w.changes, nil
	})
	if err != nil {
		return domain.CheckReport{Findings: found}, err
	}
	return rep, nil
}

// checkOnly fills rep's findings from a transaction it rolls back, and
// returns bbolt's own findings apart.
func (db *DB) checkOnly(ctx context.Context, begin func(*bolt.Tx) (*txn, error), rep *domain.CheckReport) ([]domain.Finding, error) {
	tx, err := db.bolt.Begin(true)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }() // a check never commits: rolling back is the point
	if _, err := begin(tx); err != nil {
		return nil, err
	}
	pages := pageCheck(tx)
	found, err := checkData(ctx, tx)
	if err != nil {
		return nil, err
	}
	rep.Findings = append(slices.Clone(pages), found...)
	return pages, nil
}

// bbolt's on-disk format, as far as CheckPages reads it.
const (
	bboltMagic      = 0xED0CDAED
	bboltVersion    = 2
	pageHeaderSize  = 16
	pageElementSize = 16
	branchPageFlag  = 0x01
	leafPageFlag    = 0x02
	bucketLeafFlag  = 0x01
	metaSize        = 64
	metaSumOffset   = 56
	noFreelist      = ^uint64(0)
)

type bboltMeta struct {
	pageSize       uint32
	root, freelist uint64
	pgid, txid     uint64
}

// currentMeta reads the newer valid meta page of a bbolt file of size
// bytes and checks that the pages it counts are all in the file.
// openMeta opens a bbolt file for reading and returns its current meta
// page; the caller closes the file.
func openMeta(path string) (*os.File, bboltMeta, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, bboltMeta{}, err
	}
	st, err := f.Stat()
	if err == nil {
		var m bboltMeta
		if m, err = currentMeta(f, st.Size()); err == nil {
			return f, m, nil
		}
	}
	_ = f.Close() // opened for reading only; err says what went wrong
	return nil, bboltMeta{}, err
}

func currentMeta(f *os.File, size int64) (bboltMeta, error) {
	m0, ok0 := readMeta(f, 0)
	var m bboltMeta
	switch {
	case ok0:
		m = m0
		if m1, ok1 := readMeta(f, int64(m0.pageSize)); ok1 && m1.txid > m0.txid {
			m = m1
		}
	default:
		for i := 0; i <= 14 && !ok0; i++ { // bbolt's own search for the second meta page
			m, ok0 = readMeta(f, 1024<<i)
		}
		if !ok0 {
			return m, fmt.Errorf("not a bbolt file, or both meta pages are damaged")
		}
	}
	ps := int64(m.pageSize)
	if ps < 512 || ps > 1<<24 || m.pgid < 2 {
		return m, fmt.Errorf("the meta page is damaged (page size %d, %d pages)", ps, m.pgid)
	}
	if need := int64(m.pgid) * ps; size < need {
		return m, fmt.Errorf("the file is truncated: its %d pages of %d bytes need %d bytes, it has %d", m.pgid, ps, need, size)
	}
	return m, nil
}

// readMeta reads the meta page at off; ok is false unless it validates.
func readMeta(f *os.File, off int64) (bboltMeta, bool) {
	var b [pageHeaderSize + metaSize]byte
	if _, err := f.ReadAt(b[:], off); err != nil {
		return bboltMeta{}, false
	}
	m := b[pageHeaderSize:]
	le := binary.LittleEndian
	h := fnv.New64a()
	_, _ = h.Write(m[:metaSumOffset]) // a hash.Hash write never fails
	if le.Uint32(m) != bboltMagic || le.Uint32(m[4:]) != bboltVersion || le.Uint64(m[metaSumOffset:]) != h.Sum64() {
		return bboltMeta{}, false
	}
	return bboltMeta{pageSize: le.Uint32(m[8:]), root: le.Uint64(m[16:]), freelist: le.Uint64(m[32:]),
		pgid: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}, true
}

// CheckPages walks a bbolt file's page tree itself, checking every page id,
// header and element against the file's bounds, and returns the first
// damage it finds. bbolt walks the same tree to rebuild an unsynced
// freelist (at the first write after opening, and in Tx.Check) on a
// goroutine that nobody can recover, so a damaged page would end the whole
// process: this walk lets callers refuse such a file with an error first.
// It reads the file and never writes it.
func CheckPages(path string) error {
	f, m, err := openMeta(path)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }() // opened for reading only
	ps := int64(m.pageSize)
	w := &pageWalker{f: f, ps: ps, hwm: m.pgid, seen: make([]bool, m.pgid)}
	if data, unmap, err := mapFile(f, int64(m.pgid)*ps); err == nil {
		defer unmap()
		w.data = data
	}
	if m.freelist != noFreelist && (m.freelist < 2 || m.freelist >= m.pgid) {
		return fmt.Errorf("the freelist page %d is outside the file", m.freelist)
	}
	return w.bucket(m.root, nil, "root")
}

type pageWalker struct {
	f    *os.File
	data []byte // the file mapped read-only, when the platform allows
	ps   int64
	hwm  uint64
	seen []bool
}

// page reads page id with its overflow pages.
func (w *pageWalker) page(id uint64) ([]byte, error) {
	if id < 2 || id >= w.hwm {
		return nil, fmt.Errorf("page %d is outside the file's %d pages", id, w.hwm)
	}
	if w.seen[id] {
		return nil, fmt.Errorf("page %d is reachable twice", id)
	}
	w.seen[id] = true
	var buf []byte
	if w.data != nil {
		buf = w.data[int64(id)*w.ps : int64(id+1)*w.ps : int64(id+1)*w.ps]
	} else {
		buf = make([]byte, w.ps)
		if _, err := w.f.ReadAt(buf, int64(id)*w.ps); err != nil {
			return nil, fmt.Errorf("page %d: %w", id, err)
		}
	}
	le := binary.LittleEndian
	if got := le.Uint64(buf); got != id {
		return nil, fmt.Errorf("page %d says it is page %d", id, got)
	}
	over := uint64(le.Uint32(buf[12:]))
	if over == 0 {
		return buf, nil
	}
	if id+over >= w.hwm {
		return nil, fmt.Errorf("page %d runs %d pages past the end of the file", id, over)
	}
	if w.data != nil {
		return w.data[int64(id)*w.ps : int64(id+1+over)*w.ps], nil
	}
	buf = append(buf, make([]byte, int64(over)*w.ps)...)
	if _, err := w.f.ReadAt(buf[w.ps:], int64(id+1)*w.ps); err != nil {
		return nil, fmt.Errorf("page %d: %w", id, err)
	}
	return buf, nil
}

// bucket walks the tree of a bucket whose root is page root, or whose
// inline page is inline when root is 0.
func (w *pageWalker) bucket(root uint64, inline []byte, name string) error {
	if root == 0 {
		return w.node(inline, fmt.Sprintf("inline page of bucket %q", name))
	}
	stack := []uint64{root}
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		buf, err := w.page(id)
		if err != nil {
			return fmt.Errorf("bucket %q: %w", name, err)
		}
		if buf[8]&branchPageFlag != 0 {
			children, err := branchChildren(buf)
			if err != nil {
				return fmt.Errorf("bucket %q, page %d: %w", name, id, err)
			}
			stack = append(stack, children...)
			continue
		}
		if err := w.node(buf, fmt.Sprintf("bucket %q, page %d", name, id)); err != nil {
			return err
		}
	}
	return nil
}

func elements(buf []byte) (int, error) {
	n := int(binary.LittleEndian.Uint16(buf[10:]))
	if pageHeaderSize+n*pageElementSize > len(buf) {
		return 0, fmt.Errorf("%d elements do not fit in the page", n)
	}
	return n, nil
}

func branchChildren(buf []byte) ([]uint64, error) {
	n, err := elements(buf)
	if err != nil {
		return nil, err
	}
	le := binary.LittleEndian
	out := make([]uint64, n)
	for i := range n {
		e := pageHeaderSize + i*pageElementSize
		pos, ksize := int(le.Uint32(buf[e:])), int(le.Uint32(buf[e+4:]))
		if pos < 0 || ksize < 0 || e+pos+ksize > len(buf) {
			return nil, fmt.Errorf("element %d points outside the page", i)
		}
		out[i] = le.Uint64(buf[e+8:])
	}
	return out, nil
}

// node checks a leaf page and walks the buckets it holds.
func (w *pageWalker) node(buf []byte, where string) error {
	if len(buf) < pageHeaderSize {
		return fmt.Errorf("%s: the page is cut short", where)
	}
	if buf[8]&leafPageFlag == 0 {
		return fmt.Errorf("%s: not a leaf page (flags %#x)", where, binary.LittleEndian.Uint16(buf[8:]))
	}
	n, err := elements(buf)
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	le := binary.LittleEndian
	for i := range n {
		e := pageHeaderSize + i*pageElementSize
		flags := le.Uint32(buf[e:])
		pos, ksize, vsize := int(le.Uint32(buf[e+4:])), int(le.Uint32(buf[e+8:])), int(le.Uint32(buf[e+12:]))
		end := e + pos + ksize + vsize
		if pos < 0 || ksize < 0 || vsize < 0 || end > len(buf) || end < e {
			return fmt.Errorf("%s: element %d points outside the page", where, i)
		}
		if flags&bucketLeafFlag == 0 {
			continue
		}
		name := string(buf[e+pos : e+pos+ksize])
		v := buf[e+pos+ksize : end]
		if len(v) < 16 {
			return fmt.Errorf("%s: bucket %q has a short header", where, name)
		}
		if err := w.bucket(le.Uint64(v), v[16:], name); err != nil {
			return err
		}
	}
	return nil
}

// preOpenCheck is CheckPages for Open and Compact, which must run it
// before bolt.Open on a file without a synced freelist: bbolt, opened for
// writing, rebuilds such a freelist at once by walking every page on a
// goroutine of its own, where a damaged page panics and a truncated file
// faults (SIGBUS) beyond any recover.
func preOpenCheck(path string, timeout time.Duration) error {
	return checkUnlocked(path, timeout, func() error { return CheckPages(path) })
}

// checkUnlocked runs check without bbolt's lock; if it finds damage, a
// writer in another process may have moved pages under it, so it is
// repeated holding bbolt's shared lock, and a file held for writing is
// reported as in use rather than damaged.
func checkUnlocked(path string, timeout time.Duration, check func() error) error {
	err := check()
	if err == nil {
		return nil
	}
	ro, oerr := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: timeout})
	if errors.Is(oerr, berrors.ErrTimeout) {
		return inUseError{fmt.Sprintf("%s is in use by another gatehouse (a console, a CLI command or `gatehouse serve`); close it, or connect to the server with ssh", path)}
	}
	if oerr == nil {
		err = check()
		if cerr := ro.Close(); cerr != nil && err == nil {
			err = cerr
		}
		if err == nil {
			return nil
		}
	}
	return fmt.Errorf("%s is damaged or not a gatehouse file (%v); nothing was written: restore it from a backup", path, err)
}
