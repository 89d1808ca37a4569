package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gatehouse/domain"

	bolt "go.etcd.io/bbolt"
)

// Review campaigns (R19): a reviewer keeps or revokes each membership of a
// group by a due date; at the due date the periodic jobs apply the
// campaign's on-miss action to what nobody decided, so a missed review
// still acts.

func getReview(tx *bolt.Tx, id domain.ID) (domain.Review, error) {
	var rv domain.Review
	ok, err := getJSON(tx, bReviews, id, &rv)
	if err != nil {
		return rv, err
	}
	if !ok {
		return rv, domain.Errorf(domain.ENotFound, "review #%d not found (see `gatehouse review list`)", id)
	}
	return rv, nil
}

func allReviews(tx *bolt.Tx) ([]domain.Review, error) {
	var out []domain.Review
	err := tx.Bucket(bReviews).ForEach(func(k, v []byte) error {
		var rv domain.Review
		if err := decJSON(v, &rv); err != nil {
			return damaged("review", fmt.Sprint(btoi(k)), err)
		}
		out = append(out, rv)
		return nil
	})
	return out, err
}

// activeMemberIDs are the users with an explicit, unexpired membership of
// group, read from the group→user index.
func activeMemberIDs(tx *bolt.Tx, group domain.ID, now time.Time) []domain.ID {
	var out []domain.ID
	_ = prefixKeys(tx, bGroupUser, itob(group), func(k []byte) error {
		if activeUntil(tx.Bucket(bGroupUser).Get(k), now) {
			out = append(out, btoi(k[8:]))
		}
		return nil
	})
	return out
}

// startReview opens a campaign on g's current members. The reviewer must
// be active and able to end those memberships (R12), or the campaign
// could not act. by is whose authority its on-miss action acts with: who
// starts it, or who set the review interval that starts it (interval);
// a zero by (an interval set before setters were recorded) lends none.
func (w *txn) startReview(g domain.Group, reviewer domain.User, due time.Time, onMiss domain.OnMiss, by domain.User, interval bool) (domain.Review, error) {
	var rv domain.Review
	ra := w.accessOf(reviewer)
	if err := ra.LoginError(); err != nil {
		return rv, domain.Errorf(domain.EInvalid, "--reviewer: %s cannot act: %v", reviewer.Username, err)
	}
	if !due.After(w.now) {
		return rv, domain.Errorf(domain.EInvalid, "--due: %s is not in the future", due.Format("2006-01-02"))
	}
	if err := checkDate("due date (--due)", due); err != nil {
		return rv, err
	}
	reviews, err := allReviews(w.tx)
	if err != nil {
		return rv, err
	}
	for _, o := range reviews {
		if o.Open() && o.Group == g.ID {
			return rv, domain.Errorf(domain.EConflict, "review #%d of %s is still open (due %s)", o.ID, g.Name, o.Due.Format("2006-01-02"))
		}
	}
	ids := activeMemberIDs(w.tx, g.ID, w.now)
	if len(ids) == 0 {
		return rv, domain.Errorf(domain.EInvalid, "%s has no members to review", g.Name)
	}
	id, err := kvSeq(w.tx.Bucket(bReviews))
	if err != nil {
		return rv, err
	}
	rv = domain.Review{ID: id, Group: g.ID, GroupName: g.Name, Reviewer: reviewer.ID, ReviewerName: reviewer.Username,
		Due: due, OnMiss: onMiss, StartedBy: by.Username, StartedByID: by.ID, Interval: interval, StartedAt: w.now}
	for _, uid := range ids {
		u, err := w.user(uid)
		if err != nil {
			return rv, err
		}
		if err := w.actingAs(reviewer, func() error {
			_, _, err := w.membershipChange(u.Username, g.Name, false)
			return err
		}); err != nil {
			return rv, domain.Errorf(domain.EInvalid, "--reviewer: %s could not revoke %s's membership of %s: %v", reviewer.Username, u.Username, g.Name, err)
		}
		rv.Items = append(rv.Items, domain.ReviewItem{User: u.ID, Username: u.Username})
	}
	slices.SortFunc(rv.Items, func(a, b domain.ReviewItem) int { return strings.Compare(a.Username, b.Username) })
	if err := putJSON(w.tx, bReviews, id, rv); err != nil {
		return rv, err
	}
	text := fmt.Sprintf("Please review the %d members of %s by %s: `gatehouse review show %d`, then `gatehouse review decide %d USER keep|revoke`. Undecided memberships are then: %s.",
		len(rv.Items), g.Name, inZone(due, w.org.TimeZone).Format("2006-01-02"), id, id, onMissText(onMiss))
	if err := w.queueNotice([]domain.User{reviewer}, domain.EventReview, 0, "Access review "+rv.Label(), text, "reviewer", id); err != nil {
		return rv, err
	}
	return rv, w.audit("review", id, rv.Label(), "start", "", fmt.Sprintf("%d members, due %s, on miss %s", len(rv.Items), due.Format(time.RFC3339), onMiss))
}

// actingAs runs a check as if u were the actor: whether a reviewer could
// make the change the campaign will ask of them.
func (w *txn) actingAs(u domain.User, fn func() error) error {
	actor, acc := w.actor, w.acc
	w.actor, w.acc = u, w.accessOf(u)
	defer func() { w.actor, w.acc = actor, acc }()
	return fn()
}

func onMissText(o domain.OnMiss) string {
	switch o {
	case domain.OnMissRevoke:
		return "revoked"
	case domain.OnMissFlag:
		return "kept and flagged"
	}
	return "kept"
}

func (s *session) StartReview(ctx context.Context, group, reviewer string, due time.Time, onMiss domain.OnMiss) (domain.Review, error) {
	var rv domain.Review
	err := s.write(ctx, func(w *txn) error {
		if err := w.acc.RequireLevel(domain.ModGroups, domain.LevelEdit); err != nil {
			return err
		}
		if _, err := domain.ParseOnMiss(string(onMiss)); err != nil {
			return err
		}
		g, err := groupByName(w.tx, group)
		if err != nil {
			return err
		}
		if g.Base {
			return domain.Errorf(domain.EInvalid, "%s is a base group everyone holds: review the groups that grant more", g.Name)
		}
		r, err := userByName(w.tx, reviewer)
		if err != nil {
			return err
		}
		rv, err = w.startReview(g, r, due, onMiss, w.actor, false)
		return err
	})
	return rv, err
}

// seesReview: holders of Manage Groups view see every campaign; a reviewer
// their own.
func (r *txn) seesReview(rv *domain.Review) bool {
	return r.acc.Level(domain.ModGroups) >= domain.LevelView || rv.Reviewer == r.actor.ID
}

func (s *session) Reviews(ctx context.Context, openOnly bool) ([]domain.Review, error) {
	var out []domain.Review
	err := s.read(func(r *txn) error {
		all, err := allReviews(r.tx)
		for i := range all {
			if r.seesReview(&all[i]) && (!openOnly || all[i].Open()) {
				out = append(out, all[i])
			}
		}
		return err
	})
	return out, err
}

func (s *session) Review(ctx context.Context, id domain.ID) (domain.Review, error) {
	var rv domain.Review
	err := s.read(func(r *txn) error {
		var err error
		if rv, err = getReview(r.tx, id); err != nil {
			return err
		}
		if !r.seesReview(&rv) {
			return domain.Errorf(domain.ENotFound, "review #%d not found (see `gatehouse review list`)", id)
		}
		return nil
	})
	return rv, err
}

// DecideReview records the reviewer's keep or revoke of one membership; a
// revoke ends it at once, with the reviewer's authority (R12) and the
// guards (R17) checked as for any leave.
func (s *session) DecideReview(ctx context.Context, id domain.ID, username string, d domain.Decision, reason string) (domain.Review, error) {
	var rv domain.Review
	err := s.writeGuarded(ctx, func(w *txn) error {
		if _, err := domain.ParseDecision(string(d)); err != nil {
			return err
		}
		var err error
		if rv, err = getReview(w.tx, id); err != nil {
			return err
		}
		if rv.Reviewer != w.actor.ID {
			if !w.seesReview(&rv) {
				return domain.Errorf(domain.ENotFound, "review #%d not found (see `gatehouse review list`)", id)
			}
			return domain.Errorf(domain.EForbidden, "only the reviewer, %s, decides review #%d (R19)", rv.ReviewerName, id)
		}
		if !rv.Open() {
			return domain.Errorf(domain.EConflict, "review #%d closed on %s", id, rv.ClosedAt.Format("2006-01-02"))
		}
		if err := domain.CheckLine("reason", reason); err != nil {
			return err
		}
		i := slices.IndexFunc(rv.Items, func(it domain.ReviewItem) bool { return strings.EqualFold(it.Username, username) })
		if i < 0 {
			return domain.Errorf(domain.ENotFound, "%s is not under review in #%d", username, id)
		}
		if rv.Items[i].Decision != "" {
			return domain.Errorf(domain.EConflict, "%s was decided already: %s", rv.Items[i].Username, rv.Items[i].Decision)
		}
		if d == domain.DecisionRevoke {
			if _, err := w.leave(rv.Items[i].Username, rv.GroupName, true); err != nil && domain.ErrorCode(err) != domain.ENotFound {
				return err
			}
		}
		rv.Items[i].Decision, rv.Items[i].At, rv.Items[i].Reason = d, w.now, reason
		if err := putJSON(w.tx, bReviews, rv.ID, rv); err != nil {
			return err
		}
		return w.audit("review", rv.ID, rv.Label(), string(d), "", rv.Items[i].Username+" "+reason)
	})
	return rv, err
}

// RunReviews is the periodic job of R19: it starts the campaigns groups
// ask for by their review interval, and closes the campaigns past their
// due date, applying their on-miss action. Each revocation is its own
// transaction with the guards checked; one a guard refuses is flagged
// with the reason instead.
func (db *DB) RunReviews(ctx context.Context) (int, error) {
	return db.runReviews(ctx, nil)
}

func (db *DB) runReviews(ctx context.Context, c *jobCache) (int, error) {
	n := 0
	var due []domain.Review
	var starts []domain.Group
	if err := db.systemRead(c, func(r *txn) error {
		reviews, err := allReviews(r.tx)
		if err != nil {
			return err
		}
		last := map[domain.ID]domain.Review{}
		for _, rv := range reviews {
			if rv.Open() && !rv.Due.After(r.now) {
				due = append(due, rv)
			}
			if l, ok := last[rv.Group]; !ok || rv.StartedAt.After(l.StartedAt) {
				last[rv.Group] = rv
			}
		}
		return r.tx.Bucket(bGroups).ForEach(func(k, v []byte) error {
			g, err := getGroup(r.tx, btoi(k))
			if err != nil || g.ReviewDays <= 0 {
				return err
			}
			l, ok := last[g.ID]
			// a campaign due now closes in this run, before the next starts
			if ok && ((l.Open() && l.Due.After(r.now)) || r.now.Before(l.StartedAt.AddDate(0, 0, g.ReviewDays))) {
				return nil
			}
			if len(activeMemberIDs(r.tx, g.ID, r.now)) > 0 { // empty groups are skipped
				starts = append(starts, g)
			}
			return nil
		})
	}); err != nil {
		return 0, err
	}
	for _, rv := range due {
		for _, it := range rv.Items {
			if it.Decision != "" || rv.OnMiss != domain.OnMissRevoke || ctx.Err() != nil {
				continue
			}
			if err := db.reviewRevoke(ctx, c, rv.ID, it.User); err != nil {
				return n, err
			}
		}
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		if err := db.systemCached(ctx, c, func(w *txn) error { return w.closeReview(rv.ID) }); err != nil {
			return n, err
		}
		n++
	}
	for _, g := range starts {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		err := db.systemCached(ctx, c, func(w *txn) error {
			onMiss := g.ReviewOnMiss
			if onMiss == "" {
				onMiss = domain.OnMissFlag
			}
			u, err := w.user(g.ReviewBy)
			if err != nil {
				return fmt.Errorf("group %s names a reviewer who is gone: %w", g.Name, err)
			}
			// the campaign acts with the authority of whoever set the
			// interval, not the jobs' (the owner's); one who is gone lends
			// none when it acts (reviewAuthority)
			by := domain.User{ID: g.ReviewSetBy}
			if setter, err := w.user(g.ReviewSetBy); err == nil && g.ReviewSetBy != 0 {
				by = setter
			}
			_, err = w.startReview(g, u, w.now.AddDate(0, 0, g.ReviewDays), onMiss, by, true)
			return err
		})
		if err != nil {
			return n, fmt.Errorf("starting the review of %s: %w", g.Name, err)
		}
		n++
	}
	return n, nil
}

// reviewRevoke ends one missed membership in its own guarded transaction
// and records the outcome on the item. It acts with the authority of
// whoever started the campaign (or set the interval that started it),
// checked now, as if they ended the membership by hand: the periodic jobs
// run as the owner, a superuser, and a missed review must not revoke what
// its starter could not. A refusal (their authority, R12, or a guard) is
// recorded as a flag with the reason, in a transaction of its own.
func (db *DB) reviewRevoke(ctx context.Context, c *jobCache, id, user domain.ID) error {
	outcome := func(w *txn, text string) error {
		rv, err := getReview(w.tx, id)
		if err != nil {
			return err
		}
		for i := range rv.Items {
			if rv.Items[i].User == user && rv.Items[i].Outcome == "" {
				rv.Items[i].Outcome = text
			}
		}
		return putJSON(w.tx, bReviews, id, rv)
	}
	var refused error
	err := db.systemCached(ctx, c, func(w *txn) error {
		rv, err := getReview(w.tx, id)
		if err != nil {
			return err
		}
		u, err := w.user(user)
		if err != nil {
			return outcome(w, "revoked (missed): the user is gone")
		}
		by, err := w.reviewAuthority(&rv)
		if err != nil {
			refused = err
			return err
		}
		before, err := w.evalGuards(nil)
		if err != nil {
			return err
		}
		if err := w.actingAs(by, func() error {
			_, err := w.leave(u.Username, rv.GroupName, true)
			return err
		}); err != nil {
			if domain.ErrorCode(err) == domain.ENotFound {
				if err := outcome(w, "left before the due date"); err != nil {
					return err
				}
				return w.audit("review", id, rv.Label(), "missed", "", u.Username+" had left")
			}
			if domain.ErrorCode(err) == domain.EInternal {
				return err // a failed write is no refusal to flag
			}
			refused = err
			return err
		}
		if err := w.checkGuards(before); err != nil {
			refused = err
			return err
		}
		return outcome(w, "revoked (missed)")
	})
	if refused == nil {
		return err
	}
	return db.systemCached(ctx, c, func(w *txn) error {
		rv, err := getReview(w.tx, id)
		if err != nil {
			return err
		}
		name := ""
		if u, err := w.user(user); err == nil {
			name = u.Username
		}
		if err := outcome(w, "flagged: revoke refused: "+domain.Printable(refused.Error())); err != nil {
			return err
		}
		return w.audit("review", id, rv.Label(), "missed", "", name+" kept: "+refused.Error())
	})
}

// reviewAuthority is the user whose authority rv's on-miss action acts
// with, or a refusal saying why there is none.
func (w *txn) reviewAuthority(rv *domain.Review) (domain.User, error) {
	if rv.StartedByID == 0 {
		if rv.Interval {
			return domain.User{}, domain.Errorf(domain.EForbidden, "nobody is recorded as having set the review interval of %s (set it again to record who does); revoke by hand", rv.GroupName)
		}
		return domain.User{}, domain.Errorf(domain.EForbidden, "the campaign records nobody whose authority it acts with (started before gatehouse recorded it); revoke by hand")
	}
	u, err := w.user(rv.StartedByID)
	if err != nil {
		who := "the user who set the review interval"
		if !rv.Interval {
			who = "the user who started the campaign"
		}
		return u, domain.Errorf(domain.EForbidden, "%s, whose authority the campaign acts with, is gone; revoke by hand", orDefault(rv.StartedBy, who))
	}
	return u, nil
}

// closeReview applies keep or flag to the undecided items, closes the
// campaign and tells the reviewer and the group's managers.
func (w *txn) closeReview(id domain.ID) error {
	rv, err := getReview(w.tx, id)
	if err != nil || !rv.Open() {
		return err
	}
	var missed []string
	for i := range rv.Items {
		it := &rv.Items[i]
		if it.Decision != "" {
			continue
		}
		missed = append(missed, it.Username)
		if it.Outcome == "" {
			it.Outcome = map[domain.OnMiss]string{domain.OnMissKeep: "kept (missed)", domain.OnMissFlag: "flagged (missed)",
				domain.OnMissRevoke: "revoked (missed)"}[rv.OnMiss]
		}
	}
	rv.ClosedAt = w.now
	if err := putJSON(w.tx, bReviews, id, rv); err != nil {
		return err
	}
	to, err := w.groupManagers(rv.Reviewer)
	if err != nil {
		return err
	}
	if r, err := w.user(rv.Reviewer); err == nil {
		to = append([]domain.User{r}, to...)
	}
	text := fmt.Sprintf("Review %s closed at its due date. %d of %d memberships were decided.", rv.Label(), len(rv.Items)-len(missed), len(rv.Items))
	if len(missed) > 0 {
		var lines []string
		for _, it := range rv.Items {
			if it.Decision == "" {
				lines = append(lines, it.Username+": "+it.Outcome)
			}
		}
		text += " Missed: " + strings.Join(lines, "; ")
	}
	if err := w.queueNotice(to, domain.EventReview, 0, "Access review "+rv.Label()+" closed", text, "review closed", id); err != nil {
		return err
	}
	return w.audit("review", id, rv.Label(), "close", "open", fmt.Sprintf("closed; missed %d, on miss %s", len(missed), rv.OnMiss))
}
