package cli_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"gatehouse/ui/cli"
)

// readmeCommands are the commands README.md names: inline code that
// starts with a command family (`user set --regions`, with or without
// "gatehouse"), and the lines of its code blocks that run gatehouse.
// Alternatives in the command words (`user create|set`) give one command
// each; brackets around optional flags are dropped.
func readmeCommands(t *testing.T) [][]string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	families := map[string]bool{}
	for _, l := range strings.Split(cli.Usage(), "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == "gatehouse" && !strings.HasPrefix(f[1], "[") && !strings.HasPrefix(f[1], "-") {
			families[f[1]] = true
		}
	}
	var spans []string
	for _, m := range regexp.MustCompile("`([^`\n]+)`").FindAllStringSubmatch(string(b), -1) {
		spans = append(spans, m[1])
	}
	inBlock := false
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "```") {
			inBlock = !inBlock
			continue
		}
		l, _, _ = strings.Cut(l, " #")
		// a code line of the usage synopsis joins alternatives with " | "
		if inBlock && strings.HasPrefix(l, "gatehouse ") && !strings.Contains(l, " | ") && !strings.HasSuffix(l, `\`) {
			spans = append(spans, l)
		}
	}
	var out [][]string
	for _, s := range spans {
		var words []string
		for _, w := range strings.Fields(s) {
			if w = strings.Trim(w, "[]"); w != "" {
				words = append(words, w)
			}
		}
		if len(words) > 0 && words[0] == "gatehouse" {
			words = words[1:]
		}
		if len(words) == 0 || !families[words[0]] {
			continue
		}
		if len(words) > 1 && strings.Contains(words[1], "|") && !strings.HasPrefix(words[1], "-") {
			for _, alt := range strings.Split(words[1], "|") {
				out = append(out, append([]string{words[0], alt}, words[2:]...))
			}
			continue
		}
		out = append(out, words)
	}
	return out
}

// The README names only commands and flags the command line has: a
// command it calls `user edit --regions` is refused as unknown. Argument
// counts are not checked (the README writes `user leave` for the command).
func TestReadme_NamesOnlyCommandsAndFlagsThatExist(t *testing.T) {
	cmds := readmeCommands(t)
	if len(cmds) < 50 {
		t.Fatalf("found only %d commands in README.md: %v", len(cmds), cmds)
	}
	for _, words := range cmds {
		_, rest, err := cli.ParseGlobal(words)
		if err == nil {
			err = cli.Check(rest)
		}
		if err != nil && (strings.Contains(err.Error(), "unknown command") || strings.Contains(err.Error(), "unknown flag")) {
			t.Errorf("README.md: `%s`: %v", strings.Join(words, " "), err)
		}
	}
}
