package cli

import (
	"fmt"
	"strconv"
	"strings"
)

// Global holds the flags every command accepts, before or after the command
// words (DESIGN "Command line").
type Global struct {
	DB    string // --db PATH
	Store string // --store etcd://host:port,…[/prefix]: the store on an etcd cluster
	As    string // --as USERNAME
	JSON  bool   // --json
	Yes   bool   // --yes: proceed past warnings such as R4 elevation
	Demo  bool   // --demo: the demo file beside the default one
	Keys  string // --keys FILE: the console's keymap file (keymap.Load)
	Help  bool   // -h, --help
	// IfVersion (--if-version N) makes a write on one record conditional:
	// refused, changing nothing, unless that record is at version N.
	IfVersion *uint64
}

// ParseGlobal takes the global flags out of the whole argument list and
// returns the rest in order. The standard flag package stops at the first
// non-flag, which would refuse `gatehouse user list --json`; everything after
// a lone "--" is left alone.
func ParseGlobal(args []string) (Global, []string, error) {
	var g Global
	rest := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		if a == "-h" {
			g.Help = true
			continue
		}
		if !strings.HasPrefix(a, "--") {
			rest = append(rest, a)
			continue
		}
		name, val, hasVal := strings.Cut(a[2:], "=")
		switch name {
		case "db", "as", "keys", "store":
			if !hasVal {
				if i+1 >= len(args) {
					return g, nil, fmt.Errorf("--%s needs a value", name)
				}
				i++
				val = args[i]
			}
			if val == "" {
				return g, nil, fmt.Errorf("--%s needs a value", name)
			}
			switch name {
			case "db":
				g.DB = val
			case "store":
				g.Store = val
			case "keys":
				g.Keys = val
			default:
				g.As = val
			}
		case "if-version":
			if !hasVal {
				if i+1 >= len(args) {
					return g, nil, fmt.Errorf("--if-version needs a version number")
				}
				i++
				val = args[i]
			}
			v, err := strconv.ParseUint(strings.TrimSpace(val), 10, 64)
			if err != nil || v == 0 {
				return g, nil, fmt.Errorf("--if-version %q: expected a version number (1 or more), as --json prints it", val)
			}
			g.IfVersion = &v
		case "json", "yes", "demo", "help":
			b := true
			if hasVal {
				var err error
				if b, err = strconv.ParseBool(val); err != nil {
					return g, nil, fmt.Errorf("--%s=%s: expected true or false", name, val)
				}
			}
			switch name {
			case "json":
				g.JSON = b
			case "yes":
				g.Yes = b
			case "demo":
				g.Demo = b
			default:
				g.Help = b
			}
		default:
			rest = append(rest, a)
		}
	}
	return g, rest, nil
}

// flagSpec is one command flag: a switch, or one that takes a value.
type flagSpec struct {
	name  string
	value bool
}

// parsed is a command's arguments once its flags are taken out.
type parsed struct {
	pos  []string
	vals map[string]string
	set  map[string]bool
}

// has reports whether a flag was given.
func (p *parsed) has(name string) bool { return p.set[name] }

// str is a flag's value, "" when absent.
func (p *parsed) str(name string) string { return p.vals[name] }

// parseArgs separates a command's positional arguments from its flags,
// which may come in any order ("--name value" or "--name=value").
func parseArgs(c *command, args []string) (*parsed, error) {
	p := &parsed{vals: map[string]string{}, set: map[string]bool{}}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			p.pos = append(p.pos, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" || isNumber(a) {
			p.pos = append(p.pos, a)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		spec, ok := c.flag(name)
		if !ok {
			return nil, usageErr(c, "unknown flag %s for `gatehouse %s`", a, c.path)
		}
		if spec.value {
			if !hasVal {
				if i+1 >= len(args) {
					return nil, usageErr(c, "--%s needs a value", name)
				}
				i++
				val = args[i]
			}
			p.vals[name] = val
			p.set[name] = true
			continue
		}
		b := true
		if hasVal {
			var err error
			if b, err = strconv.ParseBool(val); err != nil {
				return nil, usageErr(c, "--%s=%s: expected true or false", name, val)
			}
		}
		p.set[name] = b
	}
	switch {
	case len(p.pos) < c.min:
		missing := c.argNames()
		if c.min-1 < len(missing) {
			return nil, usageErr(c, "missing %s", missing[len(p.pos)])
		}
		return nil, usageErr(c, "missing arguments")
	case c.max >= 0 && len(p.pos) > c.max:
		return nil, usageErr(c, "unexpected argument %q", p.pos[c.max])
	}
	for _, f := range c.required {
		if !p.set[f] {
			return nil, usageErr(c, "--%s is required", f)
		}
	}
	return p, nil
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// splitList reads "A,B, C" as a list; "" is the empty list.
func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if t := strings.TrimSpace(part); t != "" {
			out = append(out, t)
		}
	}
	return out
}
