package cli

import (
	"fmt"
	"strconv"
	"strings"

	"gatehouse/domain"
)

func requestCommands() []*command {
	return []*command{
		{path: "request", args: "G", opts: "--hours N --reason T", min: 1, max: 1,
			flags: []flagSpec{{"hours", true}, {"reason", true}}, required: []string{"hours", "reason"}, run: requestCmd},
		{path: "request list", opts: "[--pending]", flags: []flagSpec{{"pending", false}}, run: requestListCmd},
		{path: "request approve", args: "ID", min: 1, max: 1, run: requestDecideCmd(true)},
		{path: "request deny", args: "ID", opts: "--reason T", min: 1, max: 1,
			flags: []flagSpec{{"reason", true}}, required: []string{"reason"}, run: requestDecideCmd(false)},
		{path: "group requestable", args: "G", opts: "--max-hours N | --off", min: 1, max: 1,
			flags: []flagSpec{{"max-hours", true}, {"off", false}}, run: groupRequestableCmd},
	}
}

func requestCmd(c *call) error {
	hours, err := strconv.Atoi(strings.TrimSpace(c.args.str("hours")))
	if err != nil {
		return domain.Errorf(domain.EInvalid, "--hours: want a whole number of hours, not %q", c.args.str("hours"))
	}
	req, err := c.svc.RequestAccess(c.ctx, c.pos(0), hours, c.args.str("reason"))
	if err != nil {
		return err
	}
	if c.opts.JSON {
		return c.json(req)
	}
	return c.result("request #%d: %s for %d hours, waiting for someone who may add you", req.ID, req.GroupName, req.Hours)
}

func requestListCmd(c *call) error {
	reqs, err := c.svc.AccessRequests(c.ctx, c.args.has("pending"))
	if err != nil {
		return err
	}
	if c.opts.JSON {
		return c.json(list(reqs))
	}
	rows := make([][]string, 0, len(reqs))
	for _, r := range reqs {
		decided := ""
		if r.DecidedBy != "" {
			decided = r.DecidedBy + " " + c.stamp(r.DecidedAt)
		}
		rows = append(rows, []string{strconv.FormatUint(uint64(r.ID), 10), r.Username, r.GroupName, fmt.Sprintf("%dh", r.Hours),
			string(r.Status), c.stamp(r.RequestedAt), decided, c.stamp(r.Until), r.Reason})
	}
	return c.table([]string{"ID", "USER", "GROUP", "HOURS", "STATUS", "ASKED", "DECIDED", "UNTIL", "REASON"}, rows)
}

func requestDecideCmd(approve bool) func(c *call) error {
	return func(c *call) error {
		id, err := idArg(c.pos(0), "request")
		if err != nil {
			return err
		}
		req, err := c.svc.DecideRequest(c.ctx, id, approve, c.args.str("reason"))
		if err != nil {
			return err
		}
		if c.opts.JSON {
			return c.json(req)
		}
		if approve {
			return c.result("approved #%d: %s is in %s until %s", req.ID, req.Username, req.GroupName, c.stamp(req.Until))
		}
		return c.result("denied #%d", req.ID)
	}
}

// groupRequestableCmd marks a group requestable (R18) through the group's
// own save, so the same privileges as any group edit apply.
func groupRequestableCmd(c *call) error {
	var p domain.GroupPatch
	switch {
	case c.args.has("off") == c.args.has("max-hours"):
		return domain.Errorf(domain.EInvalid, "group requestable: give --max-hours N or --off")
	case c.args.has("off"):
		p.SetRequestHours(0)
	default:
		n, err := strconv.Atoi(strings.TrimSpace(c.args.str("max-hours")))
		if err != nil || n < 1 {
			return domain.Errorf(domain.EInvalid, "--max-hours: want 1 to %d hours, not %q", domain.MaxRequestHours, c.args.str("max-hours"))
		}
		p.SetRequestHours(n)
	}
	g, err := c.patchGroup(c.pos(0), p)
	if err != nil {
		return err
	}
	if g.RequestHours == 0 {
		return c.result("group %s is no longer requestable", g.Name)
	}
	return c.result("group %s is requestable for up to %d hours", g.Name, g.RequestHours)
}
