package domain_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	. "gatehouse/domain"
)

// allActions lists every ticket action; the count check below fails when an
// action is added without being listed here (and so without a workflow row).
var allActions = []Action{ActView, ActAssign, ActReassign, ActStart, ActClose, ActReopen, ActEdit,
	ActDelete, ActWorkWrite, ActWorkEdit, ActClone, ActSetVisibility, ActViewHistory, ActViewCloneInfo, ActViewUserInfo}

// workflowSpec is DESIGN.md's ticket workflow written out independently of
// workflow.go: the privilege each action needs, the states it applies in and
// whether the task privileges gate it.
var workflowSpec = map[Action]struct {
	flag   Flag
	noFlag bool
	states []Status // nil: any state
	task   bool
}{
	ActView: {flag: TicketView},
	// Assign (New only; a reopened ticket without assignee goes back to Assigned the same way).
	ActAssign:   {flag: TicketAssign, states: []Status{StatusNew, StatusReopened}, task: true},
	ActReassign: {flag: TicketReassign, states: []Status{StatusAssigned, StatusInProgress, StatusReopened}, task: true},
	// Start: the assignee, or Task All Records.
	ActStart:         {noFlag: true, states: []Status{StatusAssigned, StatusReopened}},
	ActClose:         {flag: TicketClose, states: []Status{StatusNew, StatusAssigned, StatusInProgress, StatusReopened}, task: true},
	ActReopen:        {flag: TicketReopen, states: []Status{StatusClosed}, task: true},
	ActEdit:          {flag: TicketEdit},
	ActDelete:        {flag: TicketDelete, states: []Status{StatusClosed}}, // R7
	ActWorkWrite:     {flag: WorkWrite, states: []Status{StatusAssigned, StatusInProgress, StatusReopened}},
	ActWorkEdit:      {flag: WorkEdit},
	ActClone:         {flag: TicketClone},
	ActSetVisibility: {flag: VisibilityEdit},
	ActViewHistory:   {flag: TicketHistory},
	ActViewCloneInfo: {flag: TicketCloneInfo},
	ActViewUserInfo:  {flag: TicketUserInfo},
}

type assignee int

const (
	nobody assignee = iota
	self
	someoneElse
)

func (a assignee) id() ID { return [...]ID{0, actorID, otherID}[a] }
func (a assignee) String() string {
	return [...]string{"unassigned", "assigned to actor", "assigned to another"}[a]
}

type taskPriv int

const (
	noTask taskPriv = iota
	taskAssigned
	taskAll
	taskStatesIn  // task.states with the ticket's status among the group's states
	taskStatesOut // task.states with other states only
)

func (p taskPriv) String() string {
	return [...]string{"no task privilege", "task.assigned", "task.all", "task.states incl. status", "task.states excl. status"}[p]
}

// expectCode is the oracle: the error code DESIGN.md asks for, in the order
// a person needs to hear it (privilege, then state, then who may act).
func expectCode(act Action, st Status, asg assignee, hasFlag bool, task taskPriv) string {
	sp := workflowSpec[act]
	if !sp.noFlag && !hasFlag {
		return EForbidden
	}
	if sp.states != nil && !slices.Contains(sp.states, st) {
		return EConflict
	}
	switch act {
	case ActAssign:
		if asg != nobody {
			return EConflict
		}
	case ActReassign:
		if asg == nobody {
			return EConflict
		}
	case ActStart:
		if asg == nobody {
			return EConflict
		}
		if asg == someoneElse && task != taskAll {
			return EForbidden
		}
	case ActWorkWrite:
		if asg != self {
			return EForbidden
		}
	}
	if sp.task {
		gate := task == taskAll || task == taskStatesIn || (task == taskAssigned && asg == self)
		if !gate {
			return EForbidden
		}
	}
	return ""
}

func workflowSubject(flag *Flag, task taskPriv, st Status) Subject {
	g := grp(techID, "Technicians")
	if flag != nil {
		g.Flags.Add(*flag)
	}
	switch task {
	case taskAssigned:
		g.Flags.Add(TaskAssigned)
	case taskAll:
		g.Flags.Add(TaskAll)
	case taskStatesIn, taskStatesOut:
		g.Flags.Add(TaskStates)
		for _, s := range AllStatuses {
			if (s == st) == (task == taskStatesIn) {
				g.TaskStates = append(g.TaskStates, s)
			}
		}
	}
	return subj(base(usersGroup()), member(g))
}

func TestWorkflow_SpecCoversEveryAction(t *testing.T) {
	if len(workflowSpec) != len(allActions) {
		t.Fatalf("workflowSpec has %d actions, allActions %d", len(workflowSpec), len(allActions))
	}
	// Actions are consecutive constants: one past the last has no name.
	if name := (ActViewUserInfo + 1).Name(); name != "" {
		t.Fatalf("action %d (%q) was added without a workflow row in this test", ActViewUserInfo+1, name)
	}
	for _, act := range allActions {
		sp, ok := workflowSpec[act]
		if !ok {
			t.Fatalf("action %q has no workflow row", act.Name())
		}
		if act.Name() == "" {
			t.Errorf("action %d has no name", act)
		}
		f, has := act.Flag()
		if has == sp.noFlag || (has && f != sp.flag) {
			t.Errorf("%s: Flag() = %s, %v; spec says %s, needs flag %v", act.Name(), f, has, sp.flag, !sp.noFlag)
		}
		if has {
			if back, ok := ActionFor(f); !ok || back != act {
				t.Errorf("ActionFor(%s) = %q, %v; want %q", f, back.Name(), ok, act.Name())
			}
		}
	}
}

func TestWorkflow_ActionsByPrivilegeAndStatus(t *testing.T) {
	n := 0
	for _, act := range allActions {
		sp := workflowSpec[act]
		for _, st := range AllStatuses {
			for _, asg := range []assignee{nobody, self, someoneElse} {
				for _, hasFlag := range []bool{true, false} {
					if sp.noFlag && !hasFlag {
						continue
					}
					for _, task := range []taskPriv{noTask, taskAssigned, taskAll, taskStatesIn, taskStatesOut} {
						var flag *Flag
						if hasFlag && !sp.noFlag {
							flag = &sp.flag
						}
						a := Resolve(workflowSubject(flag, task, st), now)
						tk := ticket(st, asg.id())
						err := a.Can(act, tk, org)
						want := expectCode(act, st, asg, hasFlag, task)
						n++
						if got := ErrorCode(err); got != want {
							t.Errorf("%s on a %s ticket (%s), flag=%v, %s: got %q (%v), want %q",
								act.Name(), st, asg, hasFlag, task, got, err, want)
							continue
						}
						switch {
						case err == nil:
						case !sp.noFlag && !hasFlag:
							wantContains(t, err.Error(), "("+sp.flag.String()+")")
						case want == EConflict:
							wantContains(t, err.Error(), "T-000042")
						}
					}
				}
			}
		}
	}
	if n < 1000 {
		t.Fatalf("only %d combinations ran", n)
	}
}

func TestWorkflow_InvisibleTicketIsNotFoundForEveryAction(t *testing.T) {
	everything := AllFlags()
	everything.Remove(VisibilityOverride) // the one flag that is about seeing
	g := &Group{ID: techID, Name: "Technicians", Flags: everything}
	a := Resolve(subj(base(usersGroup()), member(g)), now)
	for _, act := range allActions {
		for _, st := range AllStatuses {
			err := a.Can(act, foreign(st, 10), org)
			wantErrContains(t, err, ENotFound, "ticket T-000043 not found")
		}
	}
}

func TestWorkflow_TaskGates(t *testing.T) {
	mine := ticket(StatusInProgress, actorID)
	theirs := ticket(StatusInProgress, otherID)
	cases := []struct {
		name   string
		task   taskPriv
		tk     *Ticket
		reason string
	}{
		{"task.assigned as the assignee", taskAssigned, mine, "Task Assigned Records (the assignee)"},
		{"task.assigned on another's ticket", taskAssigned, theirs, ""},
		{"task.all", taskAll, theirs, "Task All Records"},
		{"task.states in the group's states", taskStatesIn, theirs, "Task Records in States (in_progress)"},
		{"task.states outside the group's states", taskStatesOut, theirs, ""},
		{"no task privilege, even as assignee", noTask, mine, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := Resolve(workflowSubject(new(TicketClose), c.task, StatusInProgress), now)
			if got := a.TaskGate(c.tk); got != c.reason {
				t.Fatalf("TaskGate = %q, want %q", got, c.reason)
			}
			err := a.Can(ActClose, c.tk, org)
			if c.reason != "" {
				wantOK(t, err)
				return
			}
			wantErrContains(t, err, EForbidden, "may not act on this ticket", "Task All Records", "in_progress")
		})
	}
	// Task states come only from groups that hold task.states: a group that
	// lists states without the flag gives nothing.
	g := grp(techID, "Technicians", TicketClose)
	g.TaskStates = []Status{StatusInProgress}
	a := Resolve(subj(base(usersGroup()), member(g)), now)
	if a.TaskGate(theirs) != "" {
		t.Errorf("task states without task.states open the gate")
	}
	// The states of one group do not leak into another group's flag.
	s := workflowSubject(new(TicketClose), taskStatesOut, StatusInProgress)
	s.Grants = append(s.Grants, member(g))
	if a := Resolve(s, now); a.TaskGate(theirs) != "" {
		t.Errorf("states listed by a group without task.states were used")
	}
}

func TestWorkflow_SuperuserAndAdministrator(t *testing.T) {
	su := subj(member(grp(techID, "Staff")))
	su.User.Superuser = true
	sa := Resolve(su, now)
	admin := &Group{ID: techID, Name: "District Administrator", Flags: AllFlags()}
	admin.Flags.Remove(TaskAll)
	admin.Flags.Remove(TaskAssigned)
	admin.Flags.Remove(TaskStates)
	withLevel(admin, ModGroups, LevelEdit)
	aa := Resolve(subj(member(admin)), now)

	for _, act := range allActions {
		for _, st := range AllStatuses {
			tk := foreign(st, 99)
			if act == ActAssign {
				tk.Assignee = 0
			}
			sp := workflowSpec[act]
			stateOK := sp.states == nil || slices.Contains(sp.states, st)
			label := fmt.Sprintf("%s on a %s ticket", act.Name(), st)
			// A superuser passes every gate but the ticket's state.
			if err := sa.Can(act, tk, org); stateOK && err != nil {
				t.Errorf("superuser: %s: %v", label, err)
			} else if !stateOK {
				if ErrorCode(err) != EConflict {
					t.Errorf("superuser: %s: %v, want a conflict", label, err)
				}
			}
			// An administrator by elevation sees it, but the task privileges
			// and the assignee rules still apply.
			err := aa.Can(act, tk, org)
			if ErrorCode(err) == ENotFound {
				t.Errorf("administrator: %s: %v", label, err)
			}
			if stateOK && (sp.task || act == ActWorkWrite || act == ActStart) && ErrorCode(err) != EForbidden {
				t.Errorf("administrator without task privileges: %s: %v, want forbidden", label, err)
			}
		}
	}
}

func TestWorkflow_EditWorkReportOwnOnly(t *testing.T) {
	tk := ticket(StatusInProgress, actorID)
	own := &WorkReport{Author: actorID}
	theirs := &WorkReport{Author: otherID}
	a := holder(WorkEdit)
	wantOK(t, a.CanEditWorkReport(tk, own, org))
	wantErrContains(t, a.CanEditWorkReport(tk, theirs, org), EForbidden, "only work reports they wrote")
	none := holder()
	wantErrContains(t, none.CanEditWorkReport(tk, own, org), EForbidden, "(work.edit)")
	wantCode(t, a.CanEditWorkReport(foreign(StatusInProgress, 10), own, org), ENotFound)
	su := subj(member(grp(techID, "Staff")))
	su.User.Superuser = true
	sa := Resolve(su, now)
	wantOK(t, sa.CanEditWorkReport(tk, theirs, org))
}

func TestWorkflow_CanAssignTo(t *testing.T) {
	tech := holder(TicketAssignee)
	wantOK(t, CanAssignTo(&tech))
	plain := holder(TicketView)
	wantErrContains(t, CanAssignTo(&plain), EInvalid, "lacks Can Be Assignee (ticket.assignee)")
	s := subj(base(usersGroup()), member(grp(techID, "Technicians", TicketAssignee)))
	s.User.Status = StatusDeactivated
	gone := Resolve(s, now)
	wantErrContains(t, CanAssignTo(&gone), EInvalid, "cannot assign to alice", "deactivated")
	expired := Resolve(subj(base(usersGroup()), memberUntil(grp(techID, "Technicians", TicketAssignee), now)), now)
	wantErrContains(t, CanAssignTo(&expired), EInvalid, "inactive")
}

func TestWorkflow_NotFoundMessage(t *testing.T) {
	err := NotFoundTicket(&Organization{TicketPrefix: "HD"}, 123)
	wantCode(t, err, ENotFound)
	if err.Error() != "ticket HD-000123 not found" {
		t.Errorf("message = %q", err)
	}
	if !strings.Contains(NotFoundTicket(&Organization{}, 5).Error(), "T-000005") {
		t.Errorf("default prefix missing")
	}
}
