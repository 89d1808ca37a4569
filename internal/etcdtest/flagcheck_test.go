package etcdtest

import (
	"strings"
	"testing"
	"time"
)

// fop builds a flag operation on ticket.close of Helpdesk over [from, to]
// milliseconds after t0.
func fop(client int, from, to int, kind FlagOpKind, ok, present bool) FlagOp {
	return FlagOp{ClientID: client, Call: t0.Add(time.Duration(from) * time.Millisecond),
		Return: t0.Add(time.Duration(to) * time.Millisecond), Kind: kind, Group: "Helpdesk", Flag: "ticket.close", Ok: ok, Present: present}
}

func TestCheckFlags_LegalConcurrentHistoryPasses(t *testing.T) {
	h := []FlagOp{
		fop(1, 0, 10, Grant, true, false),
		fop(0, 2, 8, ReadFlag, true, false),  // before the grant took effect
		fop(0, 9, 20, ReadFlag, true, true),  // concurrent with it: may see it
		fop(1, 20, 30, Revoke, true, false),  // removes it
		fop(0, 21, 29, ReadFlag, true, true), // concurrent with the revoke: may still see it
		fop(0, 31, 35, ReadFlag, true, false),
		fop(1, 40, 50, Revoke, true, false), // a revoke of an absent flag succeeds, changing nothing
		fop(1, 51, 60, Grant, true, false),
		fop(1, 61, 70, Grant, true, false), // and so does a grant of a present one
		fop(0, 71, 80, ReadFlag, true, true),
		fop(0, 81, 82, ReadFlag, false, false), // a read whose process died tells nothing
	}
	if ok, info := CheckFlags(h); !ok {
		t.Fatalf("a legal history failed: %s", info)
	}
	// another flag of another group is checked on its own
	other := fop(2, 0, 5, ReadFlag, true, false)
	other.Group, other.Flag = "Techs", "ticket.view"
	if ok, info := CheckFlags(append(h, other)); !ok || !strings.Contains(info, "on 2 flags") {
		t.Errorf("two flags: ok=%v %s", ok, info)
	}
	if ok, info := CheckFlags(nil); !ok {
		t.Errorf("empty history: %s", info)
	}
}

// The lost revocation of issue 21: a revoke is acknowledged, and a read
// called after it returned still sees the flag, with no grant since.
func TestCheckFlags_RevocationUndoneByALaterWriteFails(t *testing.T) {
	h := []FlagOp{
		fop(1, 0, 10, Grant, true, false),
		fop(1, 20, 30, Revoke, true, false),
		fop(0, 15, 40, ReadFlag, true, true), // a concurrent write-back of the whole group...
		fop(0, 50, 60, ReadFlag, true, true), // ...and the flag is back
	}
	ok, info := CheckFlags(h)
	if ok {
		t.Fatalf("a lost revocation passed: %s", info)
	}
	for _, want := range []string{"ticket.close of group Helpdesk", "revoke -> ok", "read -> present=true"} {
		if !strings.Contains(info, want) {
			t.Errorf("info does not say %q: %s", want, info)
		}
	}
}

func TestCheckFlags_LostGrantAndReadOfTheFutureFail(t *testing.T) {
	lost := []FlagOp{
		fop(1, 0, 10, Grant, true, false),
		fop(0, 20, 30, ReadFlag, true, false), // gone, with no revoke
	}
	if ok, info := CheckFlags(lost); ok {
		t.Errorf("a lost grant passed: %s", info)
	}
	future := []FlagOp{
		fop(0, 0, 10, ReadFlag, true, true), // sees the flag...
		fop(1, 20, 30, Grant, true, false),  // ...only granted after the read returned
	}
	if ok, info := CheckFlags(future); ok {
		t.Errorf("a read that saw the future passed: %s", info)
	}
	// and a flag that flickers: present, absent, present with one grant
	flicker := []FlagOp{
		fop(1, 0, 10, Grant, true, false),
		fop(0, 20, 30, ReadFlag, true, true),
		fop(0, 40, 50, ReadFlag, true, false),
		fop(0, 60, 70, ReadFlag, true, true),
	}
	if ok, info := CheckFlags(flicker); ok {
		t.Errorf("a flag that came back without a grant passed: %s", info)
	}
}

func TestCheckFlags_UnknownWritesMayOrMayNotHappen(t *testing.T) {
	// a grant whose process failed: seen late, or never
	seen := []FlagOp{
		fop(1, 0, 10, Grant, false, false),
		fop(0, 20, 30, ReadFlag, true, false),
		fop(0, 40, 50, ReadFlag, true, true),
	}
	if ok, info := CheckFlags(seen); !ok {
		t.Errorf("an unknown grant seen late failed: %s", info)
	}
	if ok, info := CheckFlags(seen[:2]); !ok {
		t.Errorf("an unknown grant never seen failed: %s", info)
	}
	// but it takes effect once: seen, then gone without a revoke, is illegal
	gone := append(seen[:len(seen):len(seen)], fop(0, 60, 70, ReadFlag, true, false))
	if ok, info := CheckFlags(gone); ok {
		t.Errorf("an unknown grant that appeared and vanished passed: %s", info)
	}
	// an unknown revoke may have undone an acknowledged grant
	revoked := []FlagOp{
		fop(1, 0, 10, Grant, true, false),
		fop(1, 20, 30, Revoke, false, false),
		fop(0, 40, 50, ReadFlag, true, false),
	}
	if ok, info := CheckFlags(revoked); !ok {
		t.Errorf("an unknown revoke that took effect failed: %s", info)
	}
}

func TestCheckFlags_RefusesMalformedOperations(t *testing.T) {
	noFlag := fop(0, 0, 5, Grant, true, false)
	noFlag.Flag = ""
	for name, o := range map[string]FlagOp{
		"returns before call": fop(0, 10, 5, Grant, true, false),
		"no flag":             noFlag,
		"no kind":             fop(0, 0, 5, 0, true, false),
	} {
		if ok, info := CheckFlags([]FlagOp{o}); ok || !strings.Contains(info, "operation 0") {
			t.Errorf("%s: ok=%v info=%q", name, ok, info)
		}
	}
}
