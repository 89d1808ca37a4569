package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gatehouse/domain"
)

func reviewCommands() []*command {
	return []*command{
		{path: "review start", opts: "--group G --reviewer U --due YYYY-MM-DD --on-miss keep|flag|revoke",
			flags:    []flagSpec{{"group", true}, {"reviewer", true}, {"due", true}, {"on-miss", true}},
			required: []string{"group", "reviewer", "due", "on-miss"}, run: reviewStartCmd},
		{path: "review list", opts: "[--open]", flags: []flagSpec{{"open", false}}, run: reviewListCmd},
		{path: "review show", args: "ID", min: 1, max: 1, run: reviewShowCmd},
		{path: "review decide", args: "ID USER keep|revoke", opts: "[--reason T]", min: 3, max: 3,
			flags: []flagSpec{{"reason", true}}, run: reviewDecideCmd},
		{path: "group review-interval", args: "G", opts: "--days N --reviewer U [--on-miss keep|flag|revoke] | --off", min: 1, max: 1,
			flags: []flagSpec{{"days", true}, {"reviewer", true}, {"on-miss", true}, {"off", false}}, run: groupReviewIntervalCmd},
	}
}

// dueDate reads --due YYYY-MM-DD: the campaign runs through the end of that
// day in the organization's zone, like an --until.
func (c *call) dueDate(s string) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, domain.Errorf(domain.EInvalid, "--due: expected a date as YYYY-MM-DD, such as 2026-12-31")
	}
	return domain.ParseThrough("--due", s, c.zone(), c.opts.Now())
}

// dueDay is the last day of a campaign: its due time is the midnight
// that ends that day in the organization's zone.
func (c *call) dueDay(t time.Time) string { return domain.Day(t.Add(-time.Nanosecond), c.zone()) }

func idArg(s, what string) (domain.ID, error) {
	id, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(s), "#"), 10, 64)
	if err != nil {
		return 0, domain.Errorf(domain.EInvalid, "ID: want a %s number (see `gatehouse %s list`), not %q", what, what, s)
	}
	return domain.ID(id), nil
}

func reviewStartCmd(c *call) error {
	due, err := c.dueDate(c.args.str("due"))
	if err != nil {
		return err
	}
	onMiss, err := domain.ParseOnMiss(c.args.str("on-miss"))
	if err != nil {
		return err
	}
	rv, err := c.svc.StartReview(c.ctx, c.args.str("group"), c.args.str("reviewer"), due, onMiss)
	if err != nil {
		return err
	}
	if c.opts.JSON {
		return c.json(rv)
	}
	return c.result("review #%d of %s started: %d members for %s, through %s; undecided ones are then: %s",
		rv.ID, rv.GroupName, len(rv.Items), rv.ReviewerName, c.dueDay(rv.Due), rv.OnMiss)
}

func reviewListCmd(c *call) error {
	rs, err := c.svc.Reviews(c.ctx, c.args.has("open"))
	if err != nil {
		return err
	}
	if c.opts.JSON {
		return c.json(list(rs))
	}
	rows := make([][]string, 0, len(rs))
	for _, rv := range rs {
		state := "open"
		if !rv.Open() {
			state = "closed " + c.stamp(rv.ClosedAt)
		}
		rows = append(rows, []string{strconv.FormatUint(uint64(rv.ID), 10), rv.GroupName, rv.ReviewerName, c.dueDay(rv.Due),
			string(rv.OnMiss), fmt.Sprintf("%d/%d", len(rv.Items)-rv.Undecided(), len(rv.Items)), state})
	}
	return c.table([]string{"ID", "GROUP", "REVIEWER", "DUE", "ON MISS", "DECIDED", "STATE"}, rows)
}

func reviewShowCmd(c *call) error {
	id, err := idArg(c.pos(0), "review")
	if err != nil {
		return err
	}
	rv, err := c.svc.Review(c.ctx, id)
	if err != nil {
		return err
	}
	if c.opts.JSON {
		return c.json(rv)
	}
	state := "open"
	if !rv.Open() {
		state = "closed " + c.stamp(rv.ClosedAt)
	}
	started := rv.StartedBy
	if rv.Interval {
		started = "by the review interval"
		if rv.StartedBy != "" {
			started += " set by " + rv.StartedBy
		}
	}
	onMiss := string(rv.OnMiss)
	if rv.OnMiss == domain.OnMissRevoke {
		// a missed review revokes only what its starter could by hand (R19)
		if rv.StartedByID != 0 {
			by := rv.StartedBy
			if by == "" {
				by = fmt.Sprintf("user #%d", rv.StartedByID) // gone before the campaign started
			}
			onMiss += " (with " + by + "'s authority; what they may not revoke is flagged)"
		} else {
			onMiss += " (nobody's authority is recorded: flags instead)"
		}
	}
	if err := c.fields("Review", fmt.Sprintf("#%d", rv.ID), "Group", rv.GroupName, "Reviewer", rv.ReviewerName,
		"Due", "through "+c.dueDay(rv.Due), "On miss", onMiss, "Started", started+" "+c.stamp(rv.StartedAt), "State", state); err != nil {
		return err
	}
	fmt.Fprintln(c.out)
	rows := make([][]string, 0, len(rv.Items))
	for _, it := range rv.Items {
		d := string(it.Decision)
		if d == "" {
			d = "—"
		}
		rows = append(rows, []string{it.Username, d, c.stamp(it.At), it.Reason, it.Outcome})
	}
	return c.table([]string{"USER", "DECISION", "AT", "REASON", "OUTCOME"}, rows)
}

func reviewDecideCmd(c *call) error {
	id, err := idArg(c.pos(0), "review")
	if err != nil {
		return err
	}
	d, err := domain.ParseDecision(c.pos(2))
	if err != nil {
		return err
	}
	rv, err := c.svc.DecideReview(c.ctx, id, c.pos(1), d, c.args.str("reason"))
	if err != nil {
		return err
	}
	if c.opts.JSON {
		return c.json(rv)
	}
	msg := fmt.Sprintf("review #%d: %s %s", rv.ID, d, c.pos(1))
	if d == domain.DecisionRevoke {
		msg += fmt.Sprintf(" (left %s)", rv.GroupName)
	}
	return c.result("%s; %d undecided", msg, rv.Undecided())
}

// groupReviewIntervalCmd sets a group's review interval (R19) through the
// group's own save.
func groupReviewIntervalCmd(c *call) error {
	var p domain.GroupPatch
	if c.args.has("off") {
		if c.args.has("days") || c.args.has("reviewer") {
			return domain.Errorf(domain.EInvalid, "group review-interval: --off takes no other flag")
		}
		p.SetReview(0, 0, "")
	} else {
		if !c.args.has("days") || !c.args.has("reviewer") {
			return domain.Errorf(domain.EInvalid, "group review-interval: give --days N and --reviewer U, or --off")
		}
		days, err := positive("days", c.args.str("days"))
		if err != nil {
			return err
		}
		r, err := c.svc.User(c.ctx, c.args.str("reviewer"))
		if err != nil {
			return err
		}
		onMiss := domain.OnMissFlag
		if c.args.has("on-miss") {
			if onMiss, err = domain.ParseOnMiss(c.args.str("on-miss")); err != nil {
				return err
			}
		}
		p.SetReview(days, r.User.ID, onMiss)
	}
	g, err := c.patchGroup(c.pos(0), p)
	if err != nil {
		return err
	}
	if g.ReviewDays == 0 {
		return c.result("group %s has no review interval", g.Name)
	}
	return c.result("group %s is reviewed every %d days by %s (on miss: %s)", g.Name, g.ReviewDays, c.args.str("reviewer"), g.ReviewOnMiss)
}
