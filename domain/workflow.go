package domain

// Action is something a user does to an existing ticket.
type Action uint8

const (
	ActView Action = iota
	ActAssign
	ActReassign
	ActStart
	ActClose
	ActReopen
	ActEdit
	ActDelete
	ActWorkWrite
	ActWorkEdit
	ActClone
	ActSetVisibility
	ActViewHistory
	ActViewCloneInfo
	ActViewUserInfo
)

// rule is what one action needs: a flag (or none), the states it applies
// in, and whether the task gate applies.
type rule struct {
	name   string
	flag   Flag
	noFlag bool
	states []Status // empty: any state
	task   bool
}

var rules = map[Action]rule{
	ActView:          {name: "view", flag: TicketView},
	ActAssign:        {name: "assign", flag: TicketAssign, states: []Status{StatusNew, StatusReopened}, task: true},
	ActReassign:      {name: "reassign", flag: TicketReassign, states: []Status{StatusAssigned, StatusInProgress, StatusReopened}, task: true},
	ActStart:         {name: "start", noFlag: true, states: []Status{StatusAssigned, StatusReopened}},
	ActClose:         {name: "close", flag: TicketClose, states: []Status{StatusNew, StatusAssigned, StatusInProgress, StatusReopened}, task: true},
	ActReopen:        {name: "reopen", flag: TicketReopen, states: []Status{StatusClosed}, task: true},
	ActEdit:          {name: "edit", flag: TicketEdit},
	ActDelete:        {name: "delete", flag: TicketDelete, states: []Status{StatusClosed}},
	ActWorkWrite:     {name: "write a work report on", flag: WorkWrite, states: []Status{StatusAssigned, StatusInProgress, StatusReopened}},
	ActWorkEdit:      {name: "edit a work report on", flag: WorkEdit},
	ActClone:         {name: "clone", flag: TicketClone},
	ActSetVisibility: {name: "change the visibility of", flag: VisibilityEdit},
	ActViewHistory:   {name: "view the history of", flag: TicketHistory},
	ActViewCloneInfo: {name: "view clone information of", flag: TicketCloneInfo},
	ActViewUserInfo:  {name: "view user information on", flag: TicketUserInfo},
}

// ActionFor maps a flag to the ticket action it gates, for `can --ticket`
// and `who --ticket`.
func ActionFor(f Flag) (Action, bool) {
	for act, r := range rules {
		if !r.noFlag && r.flag == f {
			return act, true
		}
	}
	return 0, false
}

// Name is the verb people read in messages.
func (act Action) Name() string { return rules[act].name }

// Flag is the privilege the action needs, if any.
func (act Action) Flag() (Flag, bool) { r := rules[act]; return r.flag, !r.noFlag }

// Can decides whether the user may do act on t. A ticket the user may not
// see is "not found", never "forbidden", so its existence does not leak.
// The error names the privilege, state or task rule that blocks it.
func (a *Access) Can(act Action, t *Ticket, org *Organization) error {
	if !a.CanSeeTicket(t) {
		return NotFoundTicket(org, t.Number)
	}
	r := rules[act]
	if !r.noFlag {
		if err := a.Require(r.flag); err != nil {
			return err
		}
	}
	if len(r.states) > 0 && !statusIn(t.Status, r.states) {
		if act == ActDelete {
			return Errorf(EConflict, "%s is %s: only closed tickets can be deleted (R7)", org.FormatTicket(t.Number), t.Status)
		}
		return Errorf(EConflict, "cannot %s %s: it is %s", r.name, org.FormatTicket(t.Number), t.Status)
	}
	switch act {
	case ActAssign:
		if t.Assignee != 0 {
			return Errorf(EConflict, "%s is already assigned: reassign it instead", org.FormatTicket(t.Number))
		}
	case ActReassign:
		if t.Assignee == 0 {
			return Errorf(EConflict, "%s has no assignee: assign it instead", org.FormatTicket(t.Number))
		}
	case ActStart:
		if t.Assignee == 0 {
			return Errorf(EConflict, "%s has no assignee to start it", org.FormatTicket(t.Number))
		}
		if t.Assignee != a.UserID && !a.Has(TaskAll) && !a.Superuser {
			return Errorf(EForbidden, "only the assignee (or a holder of Task All Records) starts %s", org.FormatTicket(t.Number))
		}
	case ActWorkWrite:
		if t.Assignee != a.UserID && !a.Superuser {
			return Errorf(EForbidden, "only the assignee writes work reports on %s", org.FormatTicket(t.Number))
		}
	}
	if r.task {
		return a.taskError(t, r.name)
	}
	return nil
}

// CanEditWorkReport checks Edit Work Report on one's own report.
func (a *Access) CanEditWorkReport(t *Ticket, w *WorkReport, org *Organization) error {
	if err := a.Can(ActWorkEdit, t, org); err != nil {
		return err
	}
	if w.Author != a.UserID && !a.Superuser {
		return Errorf(EForbidden, "%s may edit only work reports they wrote", a.Username)
	}
	return nil
}

// CanAssignTo checks that the target may hold tickets (Can Be Assignee).
func CanAssignTo(target *Access) error {
	if err := target.LoginError(); err != nil {
		return Errorf(EInvalid, "cannot assign to %s: %v", target.Username, err)
	}
	if !target.Has(TicketAssignee) {
		return Errorf(EInvalid, "cannot assign to %s: lacks Can Be Assignee (ticket.assignee)", target.Username)
	}
	return nil
}

// NotFoundTicket is the one message for a missing or invisible ticket.
func NotFoundTicket(org *Organization, n TicketNumber) error {
	return Errorf(ENotFound, "ticket %s not found", org.FormatTicket(n))
}

func statusIn(s Status, list []Status) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
