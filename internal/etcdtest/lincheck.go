package etcdtest

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
)

// OpKind is a membership operation of a recorded history.
type OpKind int

const (
	// Join adds the user to the group (`gatehouse user join U G`); joining
	// again renews the membership, so a join never fails for being one.
	Join OpKind = iota + 1
	// Leave ends the membership (`gatehouse user leave U G`); it is
	// refused, changing nothing, when the user is not a member.
	Leave
	// Read asks whether the user is a member of the group.
	Read
)

func (k OpKind) String() string {
	switch k {
	case Join:
		return "join"
	case Leave:
		return "leave"
	case Read:
		return "read"
	}
	return fmt.Sprintf("OpKind(%d)", int(k))
}

// Op is one client's call as recorded by a test: when it was called and
// when it returned, what it asked and what it answered.
type Op struct {
	ClientID     int
	Call, Return time.Time
	Kind         OpKind
	User, Group  string
	// Ok is true when the call gave a definite answer: a join or leave
	// that exited 0, a leave refused because the user was not a member, a
	// read that printed the memberships. False means the outcome is
	// unknown (the process died or timed out, the cluster was
	// unreachable): a write may or may not have taken effect, at any time
	// from its call on, and a read tells nothing and is ignored.
	Ok bool
	// Member is the answer when Ok: for Read, whether the user was a
	// member; for Leave, true when the membership ended and false when the
	// leave was refused as "not a member"; unused for Join.
	Member bool
}

// pair is a partition of the history: memberships are independent, so
// each (user, group) is checked on its own, which keeps porcupine's search
// small.
type pair struct{ user, group string }

type linInput struct {
	kind OpKind
}

type linOutput struct {
	ok, member bool
}

// membershipModel is the sequential specification of one membership: the
// state is whether the user is in the group.
var membershipModel = porcupine.Model{
	Init: func() any { return false },
	Step: func(state, input, output any) (bool, any) {
		member := state.(bool)
		in, out := input.(linInput), output.(linOutput)
		switch in.kind {
		case Join:
			return true, true
		case Leave:
			if !out.ok {
				return true, false // whether or not it happened, no member after it
			}
			return out.member == member, false
		case Read:
			return !out.ok || out.member == member, member
		}
		return false, member
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(linInput), output.(linOutput)
		switch {
		case !out.ok:
			return in.kind.String() + " -> unknown"
		case in.kind == Join:
			return "join -> ok"
		case in.kind == Leave && out.member:
			return "leave -> ok"
		case in.kind == Leave:
			return "leave -> not a member"
		}
		return fmt.Sprintf("read -> member=%v", out.member)
	},
}

// checkTimeout bounds porcupine's search on one membership: the search is
// exponential in the number of concurrent operations, and a test that
// cannot decide should say so rather than hang.
const checkTimeout = 60 * time.Second

// CheckMemberships reports whether the history of membership operations
// is linearizable: whether one order of the operations, each taking effect
// at one instant between its call and return (an unknown write possibly
// never), explains every answer. A lost acknowledged write, a read that
// sees a write before it was made or a leave that counts twice all fail.
// info names the first membership that fails and lists its operations.
func CheckMemberships(history []Op) (ok bool, info string) {
	if len(history) == 0 {
		return true, "empty history"
	}
	base := history[0].Call
	for _, op := range history {
		if op.Call.Before(base) {
			base = op.Call
		}
	}
	parts := map[pair][]porcupine.Operation{}
	ops := map[pair][]Op{}
	for i, op := range history {
		switch {
		case op.Kind != Join && op.Kind != Leave && op.Kind != Read:
			return false, fmt.Sprintf("operation %d: unknown kind %d", i, int(op.Kind))
		case op.User == "" || op.Group == "":
			return false, fmt.Sprintf("operation %d: %s needs a user and a group", i, op.Kind)
		case op.Return.Before(op.Call):
			return false, fmt.Sprintf("operation %d: %s %s %s returned before it was called", i, op.Kind, op.User, op.Group)
		}
		if op.Kind == Read && !op.Ok {
			continue // an unanswered read constrains nothing
		}
		ret := op.Return.Sub(base).Nanoseconds()
		if !op.Ok {
			ret = math.MaxInt64 // may take effect at any time after its call
		}
		k := pair{op.User, op.Group}
		parts[k] = append(parts[k], porcupine.Operation{
			ClientId: op.ClientID,
			Input:    linInput{op.Kind},
			Call:     op.Call.Sub(base).Nanoseconds(),
			Output:   linOutput{op.Ok, op.Member},
			Return:   ret,
		})
		ops[k] = append(ops[k], op)
	}
	return checkEach(membershipModel, parts,
		func(a, b pair) int { return cmp.Or(strings.Compare(a.user, b.user), strings.Compare(a.group, b.group)) },
		func(k pair) (string, string) { return k.user + " in " + k.group, describe(ops[k], base) }, "memberships")
}

// checkEach runs porcupine on each key's operations, in key order, and
// names the first key whose answers no order explains; about(k) is that
// key's name and its operations described.
func checkEach[K comparable](model porcupine.Model, parts map[K][]porcupine.Operation, order func(a, b K) int, about func(K) (string, string), what string) (bool, string) {
	keys := slices.SortedFunc(maps.Keys(parts), order)
	n := 0
	for _, k := range keys {
		n += len(parts[k])
		switch porcupine.CheckOperationsTimeout(model, parts[k], checkTimeout) {
		case porcupine.Ok:
			continue
		case porcupine.Unknown:
			name, ops := about(k)
			return false, fmt.Sprintf("%s: the check did not finish within %s\n%s", name, checkTimeout, ops)
		default:
			name, ops := about(k)
			return false, fmt.Sprintf("%s: no order of these operations explains their answers\n%s", name, ops)
		}
	}
	return true, fmt.Sprintf("linearizable: %d operations on %d %s", n, len(keys), what)
}

// describe lists one membership's operations by call time, for a failure
// message a person can follow.
func describe(ops []Op, base time.Time) string {
	ops = slices.Clone(ops)
	slices.SortStableFunc(ops, func(a, b Op) int { return a.Call.Compare(b.Call) })
	var b strings.Builder
	for _, op := range ops {
		ret := "unknown"
		if op.Ok {
			ret = op.Return.Sub(base).String()
		}
		answer := "unknown"
		switch {
		case !op.Ok:
		case op.Kind == Join:
			answer = "ok"
		case op.Kind == Leave && op.Member:
			answer = "ok"
		case op.Kind == Leave:
			answer = "not a member"
		default:
			answer = fmt.Sprintf("member=%v", op.Member)
		}
		fmt.Fprintf(&b, "  client %d  [%s, %s]  %s -> %s\n", op.ClientID, op.Call.Sub(base), ret, op.Kind, answer)
	}
	return b.String()
}
