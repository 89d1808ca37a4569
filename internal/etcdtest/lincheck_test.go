package etcdtest

import (
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 29, 4, 0, 0, 0, time.UTC)

// op builds an operation over [from, to] milliseconds after t0.
func op(client int, from, to int, kind OpKind, user, group string, ok, member bool) Op {
	return Op{ClientID: client, Call: t0.Add(time.Duration(from) * time.Millisecond),
		Return: t0.Add(time.Duration(to) * time.Millisecond), Kind: kind, User: user, Group: group, Ok: ok, Member: member}
}

func TestCheckMemberships_LegalConcurrentHistoryPasses(t *testing.T) {
	h := []Op{
		// two writers on one membership, overlapping
		op(0, 0, 10, Join, "ann", "Techs", true, true),
		op(1, 5, 15, Leave, "ann", "Techs", true, true), // after the join
		op(2, 2, 8, Read, "ann", "Techs", true, false),  // before both
		op(2, 9, 20, Read, "ann", "Techs", true, false), // after the leave
		op(1, 20, 30, Leave, "ann", "Techs", true, false),
		op(0, 25, 40, Join, "ann", "Techs", true, true),
		op(2, 26, 39, Read, "ann", "Techs", true, true), // concurrent with the join: may see it
		op(2, 41, 45, Read, "ann", "Techs", true, true),
		// a second membership, written by one client only
		op(1, 0, 3, Join, "bob", "Users", true, true),
		op(1, 4, 6, Join, "bob", "Users", true, true), // renewing
		op(2, 7, 9, Read, "bob", "Users", true, true),
		// a read whose process died tells nothing
		op(2, 10, 11, Read, "bob", "Users", false, false),
	}
	if ok, info := CheckMemberships(h); !ok {
		t.Fatalf("a legal history failed: %s", info)
	}
	if ok, info := CheckMemberships(nil); !ok {
		t.Errorf("empty history: %s", info)
	}
}

func TestCheckMemberships_ReadSeeingAJoinMadeAfterItFails(t *testing.T) {
	h := []Op{
		op(0, 0, 10, Read, "ann", "Techs", true, true),  // sees a membership...
		op(1, 20, 30, Join, "ann", "Techs", true, true), // ...only called after the read returned
	}
	ok, info := CheckMemberships(h)
	if ok {
		t.Fatalf("a read that saw the future passed: %s", info)
	}
	if !strings.Contains(info, "ann in Techs") || !strings.Contains(info, "read -> member=true") {
		t.Errorf("info does not name the membership and its operations: %s", info)
	}
}

func TestCheckMemberships_LostAcknowledgedJoinFails(t *testing.T) {
	h := []Op{
		op(0, 0, 10, Join, "ann", "Techs", true, true),
		op(1, 20, 30, Read, "ann", "Techs", true, true),
		op(1, 40, 50, Read, "ann", "Techs", true, false), // gone, with no leave
	}
	if ok, info := CheckMemberships(h); ok {
		t.Fatalf("a lost join passed: %s", info)
	}
	// the same with the read that saw it dropped: still lost
	if ok, info := CheckMemberships([]Op{h[0], h[2]}); ok {
		t.Fatalf("a join never visible to a later read passed: %s", info)
	}
}

func TestCheckMemberships_LeaveCountedTwiceFails(t *testing.T) {
	h := []Op{
		op(0, 0, 10, Join, "ann", "Techs", true, true),
		op(0, 20, 30, Leave, "ann", "Techs", true, true),
		op(1, 40, 50, Leave, "ann", "Techs", true, true), // a second successful leave of one membership
	}
	if ok, info := CheckMemberships(h); ok {
		t.Fatalf("a doubled leave passed: %s", info)
	}
}

func TestCheckMemberships_UnknownWritesMayOrMayNotHappen(t *testing.T) {
	// a join whose process died: later reads may see it, from some point on
	seen := []Op{
		op(0, 0, 10, Join, "ann", "Techs", false, false),
		op(1, 20, 30, Read, "ann", "Techs", true, false),
		op(1, 40, 50, Read, "ann", "Techs", true, true),
	}
	if ok, info := CheckMemberships(seen); !ok {
		t.Errorf("an unknown join seen late failed: %s", info)
	}
	never := []Op{seen[0], op(1, 20, 30, Read, "ann", "Techs", true, false)}
	if ok, info := CheckMemberships(never); !ok {
		t.Errorf("an unknown join never seen failed: %s", info)
	}
	// but it takes effect once: seen, then gone without a leave, is illegal
	flicker := []Op{seen[0], op(1, 20, 30, Read, "ann", "Techs", true, true), op(1, 40, 50, Read, "ann", "Techs", true, false)}
	if ok, info := CheckMemberships(flicker); ok {
		t.Errorf("a membership that appeared and vanished passed: %s", info)
	}
	// an unknown leave may have ended an acknowledged join
	left := []Op{
		op(0, 0, 10, Join, "bob", "Users", true, true),
		op(1, 20, 30, Leave, "bob", "Users", false, false),
		op(0, 40, 50, Read, "bob", "Users", true, false),
	}
	if ok, info := CheckMemberships(left); !ok {
		t.Errorf("an unknown leave that took effect failed: %s", info)
	}
}

func TestCheckMemberships_RefusesMalformedOperations(t *testing.T) {
	for name, o := range map[string]Op{
		"returns before call": op(0, 10, 5, Join, "ann", "Techs", true, true),
		"no group":            op(0, 0, 5, Join, "ann", "", true, true),
		"no kind":             op(0, 0, 5, 0, "ann", "Techs", true, true),
	} {
		if ok, info := CheckMemberships([]Op{o}); ok || !strings.Contains(info, "operation 0") {
			t.Errorf("%s: ok=%v info=%q", name, ok, info)
		}
	}
}
