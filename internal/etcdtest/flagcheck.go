package etcdtest

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
)

// FlagOpKind is an operation on one privilege flag of one group in a
// recorded history.
type FlagOpKind int

const (
	// Grant adds the flag to the group (`gatehouse group grant G F`); a
	// grant of a flag the group holds already changes nothing and succeeds.
	Grant FlagOpKind = iota + 1
	// Revoke removes the flag (`gatehouse group revoke G F`); a revoke of a
	// flag the group lacks changes nothing and succeeds.
	Revoke
	// ReadFlag asks whether the group holds the flag (`gatehouse group
	// show G --json`, or any command that prints the group's flags).
	ReadFlag
)

func (k FlagOpKind) String() string {
	switch k {
	case Grant:
		return "grant"
	case Revoke:
		return "revoke"
	case ReadFlag:
		return "read"
	}
	return fmt.Sprintf("FlagOpKind(%d)", int(k))
}

// FlagOp is one client's call on a group's flag as recorded by a test.
type FlagOp struct {
	ClientID     int
	Call, Return time.Time
	Kind         FlagOpKind
	Group, Flag  string
	// Ok is true when the call gave a definite answer: a grant or revoke
	// that exited 0, a read that printed the group. False means the
	// outcome is unknown (non-zero exit, the process died or timed out): a
	// write may or may not have taken effect, at any time from its call on,
	// and a read tells nothing and is ignored.
	Ok bool
	// Present is a read's answer when Ok: whether the group held the flag.
	// Unused for grants and revokes.
	Present bool
}

// groupFlag is a partition of a flag history: flags are independent, so
// each (group, flag) is checked on its own.
type groupFlag struct{ group, flag string }

type flagOutput struct {
	ok, present bool
}

// flagModel is the sequential specification of one flag of one group: the
// state is whether the group holds it. Grants and revokes are idempotent
// and never refused, so a write's answer says nothing about the state it
// found; only reads check it.
var flagModel = porcupine.Model{
	Init: func() any { return false },
	Step: func(state, input, output any) (bool, any) {
		on := state.(bool)
		in, out := input.(FlagOpKind), output.(flagOutput)
		switch in {
		case Grant:
			return true, true
		case Revoke:
			return true, false
		case ReadFlag:
			return !out.ok || out.present == on, on
		}
		return false, on
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(FlagOpKind), output.(flagOutput)
		switch {
		case !out.ok:
			return in.String() + " -> unknown"
		case in == ReadFlag:
			return fmt.Sprintf("read -> present=%v", out.present)
		}
		return in.String() + " -> ok"
	},
	DescribeState: func(state any) string { return fmt.Sprintf("present=%v", state.(bool)) },
}

// CheckFlags reports whether a history of grants, revokes and reads of
// group flags is linearizable: whether one order of the operations, each
// taking effect at one instant between its call and return (a write of
// unknown outcome possibly never), explains every read. A revocation that
// a later write silently undoes (a read after it still sees the flag), a
// lost grant or a read that sees a write before it was made all fail. The
// group starts without the flag. info names the first flag that fails and
// lists its operations.
func CheckFlags(history []FlagOp) (ok bool, info string) {
	if len(history) == 0 {
		return true, "empty history"
	}
	base := history[0].Call
	for _, op := range history {
		if op.Call.Before(base) {
			base = op.Call
		}
	}
	parts := map[groupFlag][]porcupine.Operation{}
	ops := map[groupFlag][]FlagOp{}
	for i, op := range history {
		switch {
		case op.Kind != Grant && op.Kind != Revoke && op.Kind != ReadFlag:
			return false, fmt.Sprintf("operation %d: unknown kind %d", i, int(op.Kind))
		case op.Group == "" || op.Flag == "":
			return false, fmt.Sprintf("operation %d: %s needs a group and a flag", i, op.Kind)
		case op.Return.Before(op.Call):
			return false, fmt.Sprintf("operation %d: %s %s %s returned before it was called", i, op.Kind, op.Group, op.Flag)
		}
		if op.Kind == ReadFlag && !op.Ok {
			continue // an unanswered read constrains nothing
		}
		ret := op.Return.Sub(base).Nanoseconds()
		if !op.Ok {
			ret = math.MaxInt64 // may take effect at any time after its call
		}
		k := groupFlag{op.Group, op.Flag}
		parts[k] = append(parts[k], porcupine.Operation{
			ClientId: op.ClientID,
			Input:    op.Kind,
			Call:     op.Call.Sub(base).Nanoseconds(),
			Output:   flagOutput{op.Ok, op.Present},
			Return:   ret,
		})
		ops[k] = append(ops[k], op)
	}
	return checkEach(flagModel, parts,
		func(a, b groupFlag) int {
			return cmp.Or(strings.Compare(a.group, b.group), strings.Compare(a.flag, b.flag))
		},
		func(k groupFlag) (string, string) {
			return k.flag + " of group " + k.group, describeFlagOps(ops[k], base)
		}, "flags")
}

// describeFlagOps lists one flag's operations by call time, for a failure
// message a person can follow.
func describeFlagOps(ops []FlagOp, base time.Time) string {
	ops = slices.Clone(ops)
	slices.SortStableFunc(ops, func(a, b FlagOp) int { return a.Call.Compare(b.Call) })
	var b strings.Builder
	for _, op := range ops {
		ret, answer := "unknown", "unknown"
		if op.Ok {
			ret, answer = op.Return.Sub(base).String(), "ok"
			if op.Kind == ReadFlag {
				answer = fmt.Sprintf("present=%v", op.Present)
			}
		}
		fmt.Fprintf(&b, "  client %d  [%s, %s]  %s -> %s\n", op.ClientID, op.Call.Sub(base), ret, op.Kind, answer)
	}
	return b.String()
}
