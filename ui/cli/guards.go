package cli

import (
	"fmt"
	"strconv"
	"strings"

	"gatehouse/domain"
)

func guardCommands() []*command {
	return []*command{
		{path: "guard list", run: guardListCmd},
		{path: "guard add", args: "NAME", opts: "--never-together PRIV,PRIV | --max-holders PRIV=N [--building C] | --min-holders PRIV=N",
			min: 1, max: 1, flags: []flagSpec{{"never-together", true}, {"max-holders", true}, {"min-holders", true}, {"building", true}},
			run: guardAddCmd},
		{path: "guard remove", args: "NAME", min: 1, max: 1, run: guardRemoveCmd},
		{path: "guard check", run: guardCheckCmd},
	}
}

func guardListCmd(c *call) error {
	gs, err := c.svc.Guards(c.ctx)
	if err != nil {
		return err
	}
	if c.opts.JSON {
		return c.json(list(gs))
	}
	rows := make([][]string, 0, len(gs))
	for _, g := range gs {
		rows = append(rows, []string{g.Name, g.Rule(), g.CreatedBy, c.stamp(g.CreatedAt)})
	}
	return c.table([]string{"NAME", "RULE", "BY", "SINCE"}, rows)
}

// guardAddCmd reads exactly one of the three rule flags.
func guardAddCmd(c *call) error {
	g := domain.Guard{Name: c.pos(0), Building: strings.TrimSpace(c.args.str("building"))}
	given := 0
	if c.args.has("never-together") {
		given++
		g.Kind = domain.GuardNeverTogether
		for _, p := range strings.Split(c.args.str("never-together"), ",") {
			g.Privs = append(g.Privs, strings.TrimSpace(p))
		}
	}
	for _, k := range []domain.GuardKind{domain.GuardMaxHolders, domain.GuardMinHolders} {
		if !c.args.has(string(k)) {
			continue
		}
		given++
		g.Kind = k
		priv, n, ok := strings.Cut(c.args.str(string(k)), "=")
		num, err := strconv.Atoi(strings.TrimSpace(n))
		if !ok || err != nil {
			return domain.Errorf(domain.EInvalid, "--%s: want PRIV=N, e.g. groups:edit=2, not %q", k, c.args.str(string(k)))
		}
		g.Privs, g.Limit = []string{strings.TrimSpace(priv)}, num
	}
	if given != 1 {
		return domain.Errorf(domain.EInvalid, "guard add: give exactly one of --never-together, --max-holders, --min-holders")
	}
	g, err := c.svc.AddGuard(c.ctx, g)
	if err != nil {
		return err
	}
	return c.result("guard %s added: %s", g.Name, g.Rule())
}

func guardRemoveCmd(c *call) error {
	if err := c.svc.RemoveGuard(c.ctx, c.pos(0)); err != nil {
		return err
	}
	return c.result("guard %s removed", c.pos(0))
}

// guardCheckCmd prints what the current state breaks and exits 1 when it
// breaks anything (after an import, or expiries no save could refuse).
func guardCheckCmd(c *call) error {
	vs, err := c.svc.CheckGuards(c.ctx)
	if err != nil {
		return err
	}
	if len(vs) > 0 {
		lines := []string{fmt.Sprintf("%d guard(s) broken:", len(vs))}
		for _, v := range vs {
			lines = append(lines, "  "+oneLine(v.String()))
		}
		return domain.Errorf(domain.EConflict, "%s", strings.Join(lines, "\n"))
	}
	if c.opts.JSON {
		return c.json(list(vs))
	}
	return c.result("every guard holds")
}
