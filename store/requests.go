package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gatehouse/domain"
)

// Requested, time-boxed elevation (R18): a user asks for a membership of a
// requestable group for some hours; someone who may grant that membership
// (R12) and is not the requester approves or denies it. The membership's
// clock starts at approval and it ends by itself (R13).

func getRequest(r *txn, id domain.ID) (domain.AccessRequest, error) {
	var req domain.AccessRequest
	ok, err := getJSON(r.tx, bRequests, id, &req)
	if err != nil {
		return req, err
	}
	if !ok {
		return req, domain.Errorf(domain.ENotFound, "request #%d not found (see `gatehouse request list`)", id)
	}
	return req, nil
}

// decidesRequests: those who manage memberships see every request.
func (r *txn) decidesRequests() bool {
	return r.acc.Level(domain.ModGroups) >= domain.LevelEdit || r.acc.Level(domain.ModUsers) >= domain.LevelEdit
}

func (s *session) RequestAccess(ctx context.Context, group string, hours int, reason string) (domain.AccessRequest, error) {
	var req domain.AccessRequest
	err := s.write(ctx, func(w *txn) error {
		g, err := groupByName(w.tx, group)
		if err != nil {
			return err
		}
		if err := domain.CheckRequest(&g, hours, reason); err != nil {
			return err
		}
		if m, ok, err := getMembership(w.tx, w.actor.ID, g.ID); err != nil {
			return err
		} else if ok && m.Active(w.now) && m.Until.IsZero() {
			return domain.Errorf(domain.EConflict, "you are a member of %s already", g.Name)
		}
		if w.actor.Kind != g.Kind {
			return domain.Errorf(domain.EInvalid, "%s is a %s group and you are a %s user: %s users join only %s groups (R3)",
				g.Name, g.Kind, w.actor.Kind, w.actor.Kind, w.actor.Kind)
		}
		dup := false
		if err := w.tx.Bucket(bRequests).ForEach(func(k, v []byte) error {
			var o domain.AccessRequest
			if decJSON(v, &o) == nil && o.Status == domain.RequestPending && o.User == w.actor.ID && o.Group == g.ID {
				dup = true
			}
			return nil
		}); err != nil {
			return err
		}
		if dup {
			return domain.Errorf(domain.EConflict, "you have a pending request for %s already", g.Name)
		}
		id, err := kvSeq(w.tx.Bucket(bRequests))
		if err != nil {
			return err
		}
		req = domain.AccessRequest{ID: id, User: w.actor.ID, Username: w.actor.Username, Group: g.ID, GroupName: g.Name,
			Hours: hours, Reason: reason, Status: domain.RequestPending, RequestedAt: w.now}
		if err := putJSON(w.tx, bRequests, id, req); err != nil {
			return err
		}
		if err := w.notifyRequest(&req, "asks for"); err != nil {
			return err
		}
		return w.audit("request", id, req.Label(), "request", "", req.Reason)
	})
	return req, err
}

// RequestableGroups needs no group privilege: it shows only what anyone
// may ask for (name, description, hours), not what the groups grant.
func (s *session) RequestableGroups(ctx context.Context) ([]domain.Group, error) {
	var out []domain.Group
	err := s.read(func(r *txn) error {
		return r.tx.Bucket(bGroups).ForEach(func(k, v []byte) error {
			g, err := getGroup(r.tx, btoi(k))
			if err != nil {
				return err
			}
			if g.RequestHours > 0 && g.Kind == r.actor.Kind {
				out = append(out, domain.Group{ID: g.ID, Name: g.Name, Description: g.Description, Kind: g.Kind, RequestHours: g.RequestHours})
			}
			return nil
		})
	})
	slices.SortFunc(out, func(a, b domain.Group) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return out, err
}

func (s *session) AccessRequests(ctx context.Context, pendingOnly bool) ([]domain.AccessRequest, error) {
	var out []domain.AccessRequest
	err := s.read(func(r *txn) error {
		all := r.decidesRequests()
		return r.tx.Bucket(bRequests).ForEach(func(k, v []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			var req domain.AccessRequest
			if err := decJSON(v, &req); err != nil {
				return damaged("request", fmt.Sprint(btoi(k)), err)
			}
			if (all || req.User == r.actor.ID) && (!pendingOnly || req.Status == domain.RequestPending) {
				out = append(out, req)
			}
			return nil
		})
	})
	return out, err
}

// DecideRequest approves (a membership until now + the hours) or denies a
// pending request. The approval is a join by the decider: R3, R12 and the
// guards (R17) apply to it as to any join.
func (s *session) DecideRequest(ctx context.Context, id domain.ID, approve bool, reason string) (domain.AccessRequest, error) {
	var req domain.AccessRequest
	err := s.writeGuarded(ctx, func(w *txn) error {
		var err error
		if req, err = getRequest(w, id); err != nil {
			return err
		}
		if req.Status != domain.RequestPending {
			return domain.Errorf(domain.EConflict, "request #%d was %s by %s already", id, req.Status, req.DecidedBy)
		}
		if req.User == w.actor.ID {
			return domain.Errorf(domain.EForbidden, "nobody decides their own request (R18): someone else who may add you to %s does", req.GroupName)
		}
		if err := domain.CheckLine("reason", reason); err != nil {
			return err
		}
		u, err := w.user(req.User)
		if err != nil {
			return err
		}
		g, err := getGroup(w.tx, req.Group)
		if err != nil {
			return err
		}
		// whoever may add the user to the group may decide, either way
		if _, _, err := w.membershipChange(u.Username, g.Name, true); err != nil {
			return err
		}
		req.DecidedBy, req.DecidedAt, req.Decision = w.actor.Username, w.now, reason
		action := "deny"
		if approve {
			action = "approve"
			req.Status, req.Until = domain.RequestApproved, w.now.Add(time.Duration(req.Hours)*time.Hour)
			// a request is for a time-limited membership; its approval is
			// audited as a join as well as an approval
			_, _, b, a, err := w.join(domain.JoinRequest{Username: u.Username, Group: g.Name, Until: req.Until,
				Reason: fmt.Sprintf("request #%d: %s", req.ID, req.Reason)})
			if err != nil {
				return err
			}
			w.elev = nil
			if err := w.audit("membership", u.ID, u.Username+" in "+g.Name, "join", b, a); err != nil {
				return err
			}
		} else {
			if strings.TrimSpace(reason) == "" {
				return domain.Errorf(domain.EInvalid, "--reason: say why the request is denied")
			}
			req.Status = domain.RequestDenied
		}
		if err := putJSON(w.tx, bRequests, req.ID, req); err != nil {
			return err
		}
		if err := w.notifyRequest(&req, string(req.Status)); err != nil {
			return err
		}
		return w.audit("request", req.ID, req.Label(), action, string(domain.RequestPending), string(req.Status)+" "+reason)
	})
	return req, err
}

// notifyRequest tells both sides: a new request goes to those who could
// decide it; a decision to the requester and the other deciders.
func (w *txn) notifyRequest(req *domain.AccessRequest, what string) error {
	to, err := w.groupManagers(req.User, w.actor.ID)
	if err != nil {
		return err
	}
	subject := fmt.Sprintf("Access request %s", req.Label())
	text := fmt.Sprintf("%s asks for %s for %d hours: %s\nDecide with `gatehouse request approve %d` or `gatehouse request deny %d --reason TEXT`.",
		req.Username, req.GroupName, req.Hours, req.Reason, req.ID, req.ID)
	if req.Status != domain.RequestPending {
		requester, err := w.user(req.User)
		if err != nil {
			return err
		}
		to = append([]domain.User{requester}, to...)
		subject = fmt.Sprintf("Access request %s %s", req.Label(), req.Status)
		text = fmt.Sprintf("%s %s the request of %s for %s (%d hours)", req.DecidedBy, req.Status, req.Username, req.GroupName, req.Hours)
		if req.Status == domain.RequestApproved {
			text += fmt.Sprintf(": member until %s", inZone(req.Until, w.org.TimeZone).Format("2006-01-02 15:04 MST"))
		} else if req.Decision != "" {
			text += ": " + req.Decision
		}
	}
	return w.queueNotice(to, domain.EventAccessRequest, 0, subject, text, "access request "+what, req.ID)
}

// groupManagers are the active holders of Manage Groups (groups:edit), who
// hear of access requests and reviews, except the users in skip.
func (w *txn) groupManagers(skip ...domain.ID) ([]domain.User, error) {
	gr, err := domain.ParseGrant("groups:edit")
	if err != nil {
		return nil, err
	}
	holders, err := w.guardHolders([]domain.Grant{gr}, nil)
	if err != nil {
		return nil, err
	}
	var to []domain.User
	for _, h := range holders {
		if h.Access.HasGrant(gr) && !slices.Contains(skip, h.Subject.User.ID) {
			to = append(to, h.Subject.User)
		}
	}
	slices.SortStableFunc(to, func(a, b domain.User) int { return strings.Compare(a.Username, b.Username) })
	return to, nil
}

// queueNotice puts one message per person in the outbox: governance
// notices concern no ticket, so they skip ticket rendering.
func (w *txn) queueNotice(to []domain.User, ev domain.Event, ticket domain.TicketNumber, subject, text, reason string, id domain.ID) error {
	seen := map[domain.ID]bool{}
	for _, u := range to {
		if seen[u.ID] {
			continue
		}
		seen[u.ID] = true
		seq, err := kvSeq(w.tx.Bucket(bOutbox))
		if err != nil {
			return err
		}
		m := domain.Message{ID: seq, To: u.ID, ToName: u.Username, Email: u.Email, Event: ev, Ticket: ticket,
			Subject: subject, Text: text, Reason: reason}
		m.Enqueue(w.now)
		if err := putJSON(w.tx, bOutbox, seq, m); err != nil {
			return err
		}
	}
	w.changes = append(w.changes, domain.Change{Entity: "outbox", ID: id, Action: string(ev)})
	return nil
}

// inZone shows t in the organization's time zone (UTC if it is unknown).
func inZone(t time.Time, zone string) time.Time {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return t.UTC()
	}
	return t.In(loc)
}
