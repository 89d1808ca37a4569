package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/domain"
	"gatehouse/internal/etcdtest"
)

const (
	raceGroup = "Racers"
	raceFlag  = "ticket.close"
	notifier  = "notifier" // loop A acts as this administrator, loop B as the owner
)

// raceNotify is one `group notify` of loop A, which runs them in turn. No
// two have the same events, so a notify that lands changes the group and
// writes one audit event (unless the len-1 before it all failed).
type raceNotify struct {
	events, format, unassigned string
}

var raceNotifies = []raceNotify{
	{"assigned,closed", "text", "ignore"},
	{"new", "html", "notify"},
	{"none", "text", "notify"},
	{"new,work_report,overdue", "html", "ignore"},
}

// notifyFields are the audit labels of the fields loop A's notify sets.
var notifyFields = []string{"events", "Email text only", "Unassigned tickets"}

// raceGroupJSON is what `group show --json` and `group notify --json` print
// that the race looks at.
type raceGroupJSON struct {
	Flags  []string `json:"flags"`
	Notify *struct {
		Events     []string `json:"events"`
		Format     string   `json:"format"`
		Unassigned string   `json:"unassigned"`
	} `json:"notify"`
}

// raceEvent is what the race reads of an audit event.
type raceEvent struct {
	ID      uint64               `json:"id"`
	Actor   string               `json:"actor"`
	Name    string               `json:"name"`
	Action  string               `json:"action"`
	Changes []domain.FieldChange `json:"changes"`
}

// raceWrite is one grant or revoke of loop B, in the order it ran.
type raceWrite struct {
	grant, ok bool
}

// notifyRace records the race's flag history and loop A's notifies.
type notifyRace struct {
	*cliRun

	mu       sync.Mutex
	history  []etcdtest.FlagOp
	writes   []raceWrite // loop B's, in order
	notifies struct{ acked, unknown int }
	reads    int      // definite reads of the flag
	failures []string // the first few commands that did not exit 0
}

func (r *notifyRace) record(op etcdtest.FlagOp) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.history = append(r.history, op)
	if op.Kind == etcdtest.ReadFlag && op.Ok {
		r.reads++
	}
}

func (r *notifyRace) failed(args []string, code int, errs string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.failures) < 5 {
		r.failures = append(r.failures, fmt.Sprintf("%s: exit %d: %s", strings.Join(args, " "), code, strings.TrimSpace(errs)))
	}
}

// parseGroup reads a command's --json group; ok is false, and the test
// fails, when a command that exited 0 printed something else. Any flag but
// the race's in the group fails the test too: nothing else grants one.
func (r *notifyRace) parseGroup(args []string, out string) (raceGroupJSON, bool) {
	var g raceGroupJSON
	if err := json.Unmarshal([]byte(out), &g); err != nil {
		r.t.Errorf("%s exited 0 with unreadable output (%v): %q", strings.Join(args, " "), err, out)
		return g, false
	}
	for _, f := range g.Flags {
		if f != raceFlag {
			r.t.Errorf("%s: group %s holds %s, which nothing in the race granted (flags %v)", strings.Join(args, " "), raceGroup, f, g.Flags)
		}
	}
	return g, true
}

// read reads the flag with `group show --json` as client id.
func (r *notifyRace) read(id int, as ...string) (present, ok bool) {
	args := append(slices.Clone(as), "--json", "group", "show", raceGroup)
	call := time.Now()
	out, errs, code := r.gatehouse(args...)
	ret := time.Now()
	var g raceGroupJSON
	if code == 0 {
		g, ok = r.parseGroup(args, out)
	} else {
		r.failed(args, code, errs)
	}
	present = slices.Contains(g.Flags, raceFlag)
	r.record(etcdtest.FlagOp{ClientID: id, Call: call, Return: ret, Kind: etcdtest.ReadFlag,
		Group: raceGroup, Flag: raceFlag, Ok: ok, Present: present})
	return present, ok
}

// notify is loop A's step i: one `group notify` as the notifier. Its --json
// output is the group read after its own write, so it is also a read of the
// flag, and it must show the settings just written (only loop A writes
// them).
func (r *notifyRace) notify(i int) {
	n := raceNotifies[i%len(raceNotifies)]
	args := []string{"--as", notifier, "--json", "group", "notify", raceGroup,
		"--events", n.events, "--format", n.format, "--unassigned", n.unassigned}
	call := time.Now()
	out, errs, code := r.gatehouse(args...)
	ret := time.Now()
	var g raceGroupJSON
	ok := false
	if code == 0 {
		g, ok = r.parseGroup(args, out)
	} else {
		r.failed(args, code, errs)
	}
	r.mu.Lock()
	if code == 0 {
		r.notifies.acked++
	} else {
		r.notifies.unknown++
	}
	r.mu.Unlock()
	if ok {
		want := strings.Split(n.events, ",")
		if n.events == "none" {
			want = []string{}
		}
		if g.Notify == nil || !slices.Equal(g.Notify.Events, want) || g.Notify.Format != n.format || g.Notify.Unassigned != n.unassigned {
			r.t.Errorf("%s printed notify settings %+v, not those it wrote", strings.Join(args, " "), g.Notify)
		}
	}
	r.record(etcdtest.FlagOp{ClientID: 0, Call: call, Return: ret, Kind: etcdtest.ReadFlag,
		Group: raceGroup, Flag: raceFlag, Ok: ok, Present: slices.Contains(g.Flags, raceFlag)})
}

// write is loop B's step: one grant or revoke of the flag as the owner.
func (r *notifyRace) write(grant bool) {
	kind, verb := etcdtest.Revoke, "revoke"
	if grant {
		kind, verb = etcdtest.Grant, "grant"
	}
	args := []string{"group", verb, raceGroup, raceFlag}
	call := time.Now()
	_, errs, code := r.gatehouse(args...)
	ret := time.Now()
	if code != 0 {
		r.failed(args, code, errs)
	}
	r.record(etcdtest.FlagOp{ClientID: 1, Call: call, Return: ret, Kind: kind, Group: raceGroup, Flag: raceFlag, Ok: code == 0})
	r.mu.Lock()
	r.writes = append(r.writes, raceWrite{grant: grant, ok: code == 0})
	r.mu.Unlock()
}

// flagChangeCounts lists how many times the flag can have changed, given
// loop B's writes in order (it is the flag's only writer): every
// acknowledged write landed, each of unknown outcome did or did not. A
// write that finds the flag as it would leave it changes nothing and
// writes no audit event.
func flagChangeCounts(writes []raceWrite) (map[int]bool, error) {
	var unknown []int
	for i, w := range writes {
		if !w.ok {
			unknown = append(unknown, i)
		}
	}
	if len(unknown) > 12 {
		return nil, fmt.Errorf("%d grants and revokes of unknown outcome on a healthy cluster: too many to account for", len(unknown))
	}
	counts := map[int]bool{}
	for mask := 0; mask < 1<<len(unknown); mask++ {
		on, n, u := false, 0, 0
		for _, w := range writes {
			landed := w.ok
			if !w.ok {
				landed = mask&(1<<u) != 0
				u++
			}
			if landed && w.grant != on {
				on, n = w.grant, n+1
			}
		}
		counts[n] = true
	}
	return counts, nil
}

// TestEtcdNotifyRacesGrant_NoLostRevocation races two gatehouse processes
// at a time on a 3-member etcd cluster for 20 s: one sets a group's
// notification settings with `group notify` over and over (as another
// administrator), the other grants and revokes one flag of the same group
// in turn; both read the group now and then. Before versioned patches,
// notify wrote back the whole group it had read, so a revoke that landed
// in between came back (issue 21). Afterwards: the audit holds each
// acknowledged grant and revoke exactly once, as a change of the flags set
// and nothing else; no notify event touches a flag; the audit's flag
// changes replay to the final state, which is the last acknowledged
// write's; and the flag's whole history (grants, revokes, every read) is
// linearizable.
func TestEtcdNotifyRacesGrant_NoLostRevocation(t *testing.T) {
	if os.Getenv("GATEHOUSE_ETCD_FAILOVER") != "1" {
		t.Skip("set GATEHOUSE_ETCD_FAILOVER=1 to run: starts a 3-member etcd cluster and races gatehouse processes against it")
	}
	cluster := etcdtest.StartT(t, 3)
	r := &notifyRace{cliRun: newCLIRun(t, cluster.URL("notifyrace"))}
	t.Logf("store %s", r.store)

	// Seed one process at a time: the first command creates the defaults.
	r.must("group", "list")
	r.must("group", "create", raceGroup)
	r.must("user", "create", notifier)
	r.must("user", "join", notifier, "District Administrator", "--yes")

	const race = 20 * time.Second
	deadline := time.Now().Add(race)
	var wg sync.WaitGroup
	wg.Go(func() { // loop A: notify, and now and then a read
		for i := 0; time.Now().Before(deadline); i++ {
			r.notify(i)
			if i%4 == 3 {
				r.read(0, "--as", notifier)
			}
		}
	})
	wg.Go(func() { // loop B: grant, revoke, grant, ..., and now and then a read
		for i := 0; time.Now().Before(deadline); i++ {
			r.write(i%2 == 0)
			if i%3 == 2 {
				r.read(1)
			}
		}
	})
	wg.Wait()

	// The final state, read once both loops are done.
	final, ok := r.read(2)
	if !ok {
		t.Fatalf("group show %s fails after the race", raceGroup)
	}
	var acked struct{ grants, revokes int }
	want, maybe := false, map[bool]bool{} // before any write: not granted
	for _, w := range r.writes {
		switch {
		case w.ok && w.grant:
			acked.grants++
		case w.ok:
			acked.revokes++
		}
		if w.ok {
			want, maybe = w.grant, map[bool]bool{}
		} else {
			maybe[w.grant] = true
		}
	}
	if final != want && !maybe[final] {
		t.Errorf("%s in %s: final present=%v, but the last acknowledged write left present=%v", raceFlag, raceGroup, final, want)
	}
	for _, f := range r.failures {
		t.Logf("did not exit 0: %s", f)
	}
	t.Logf("%d grants and %d revokes acknowledged of %d, %d notifies acknowledged of %d, %d reads answered",
		acked.grants, acked.revokes, len(r.writes), r.notifies.acked, r.notifies.acked+r.notifies.unknown, r.reads)
	// generous: a race with next to nothing acknowledged proves nothing
	if acked.grants < 3 || acked.revokes < 3 || r.notifies.acked < 3 {
		t.Errorf("too little raced in %s to tell anything", race)
	}

	// The audit: the owner's events on the group are the flag's changes,
	// one per landed grant or revoke, each the flags set and nothing else;
	// the notifier's touch only notification settings.
	var events []raceEvent
	if err := json.Unmarshal([]byte(r.must("--json", "audit", "--entity", "group")), &events); err != nil {
		t.Fatalf("audit --json: %v", err)
	}
	slices.SortFunc(events, func(a, b raceEvent) int { return cmp.Compare(a.ID, b.ID) }) // oldest first
	var added, removed, notified int
	var problems []string // the audit's, listed once (an old binary has hundreds)
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	flags := "" // the flags set as the audit replays it
	for _, e := range events {
		if e.Name != raceGroup || e.Action != "update" {
			continue
		}
		switch e.Actor {
		case notifier:
			notified++
			if len(e.Changes) == 0 {
				bad("audit event %d: a notify with no changes", e.ID)
			}
			for _, c := range e.Changes {
				if !slices.Contains(notifyFields, c.Field) {
					bad("audit event %d: a notify changed %s", e.ID, c)
				}
			}
		default:
			if len(e.Changes) != 1 || e.Changes[0].Field != "flags" || !e.Changes[0].Set {
				bad("audit event %d by %s: want one change of the flags set, got %v", e.ID, e.Actor, e.Changes)
				continue
			}
			c := e.Changes[0]
			if c.Before != flags {
				bad("audit event %d: flags before %q, but the audit left them at %q", e.ID, c.Before, flags)
			}
			flags = c.After
			switch a, d := c.Diff(); {
			case slices.Equal(a, []string{raceFlag}) && len(d) == 0:
				added++
			case len(a) == 0 && slices.Equal(d, []string{raceFlag}):
				removed++
			default:
				bad("audit event %d: %s, not a grant or revoke of %s", e.ID, c, raceFlag)
			}
		}
	}
	if len(problems) > 0 {
		more := ""
		if len(problems) > 10 {
			problems, more = problems[:10], fmt.Sprintf("\n(and %d more)", len(problems)-10)
		}
		t.Errorf("the audit is not what the race wrote (%d problems):\n%s%s", len(problems), strings.Join(problems, "\n"), more)
	}
	t.Logf("audit: %d grants and %d revokes of %s, %d notify events", added, removed, raceFlag, notified)
	if got := flags == raceFlag; got != final {
		t.Errorf("the audit's flag changes end with present=%v, the group has present=%v", got, final)
	}
	counts, err := flagChangeCounts(r.writes)
	if err != nil {
		t.Error(err)
	}
	if counts != nil && !counts[added+removed] {
		t.Errorf("audit: %d grants and %d revokes of %s, for %d grants and %d revokes acknowledged of %d (possible changes: %v)",
			added, removed, raceFlag, acked.grants, acked.revokes, len(r.writes), counts)
	}
	if r.notifies.unknown == 0 && notified != r.notifies.acked {
		t.Errorf("audit: %d notify events for %d acknowledged notifies", notified, r.notifies.acked)
	}
	if notified > r.notifies.acked+r.notifies.unknown {
		t.Errorf("audit: %d notify events for %d notifies run", notified, r.notifies.acked+r.notifies.unknown)
	}

	if out, errs, code := r.gatehouse("check"); code != 0 {
		t.Errorf("gatehouse check after the race: exit %d\n%s%s", code, out, errs)
	}
	if ok, info := etcdtest.CheckFlags(r.history); !ok {
		t.Errorf("the flag's history is not linearizable:\n%s", info)
	} else {
		t.Log(info)
	}
}

func TestFlagChangeCounts(t *testing.T) {
	g, rv := func(ok bool) raceWrite { return raceWrite{grant: true, ok: ok} }, func(ok bool) raceWrite { return raceWrite{ok: ok} }
	for _, c := range []struct {
		name   string
		writes []raceWrite
		want   []int
	}{
		{"none", nil, []int{0}},
		{"all acknowledged", []raceWrite{g(true), rv(true), g(true), rv(true), g(true)}, []int{5}},
		{"a revoke of an absent flag changes nothing", []raceWrite{rv(true), g(true)}, []int{1}},
		// an unknown grant that did not land makes the next revoke a no-op
		{"unknown grant", []raceWrite{g(false), rv(true), g(true)}, []int{1, 3}},
		{"unknown last", []raceWrite{g(true), rv(false)}, []int{1, 2}},
	} {
		got, err := flagChangeCounts(c.writes)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		want := map[int]bool{}
		for _, n := range c.want {
			want[n] = true
		}
		if !maps.Equal(got, want) {
			t.Errorf("%s: %v, want %v", c.name, got, want)
		}
	}
	if _, err := flagChangeCounts(slices.Repeat([]raceWrite{g(false)}, 13)); err == nil {
		t.Error("13 unknown writes: no error")
	}
}
