package cli_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"gatehouse/store"
	"gatehouse/ui/cli"
)

// A write whose answer etcd never gave is printed as what it is: it may
// have been applied, and `gatehouse outcome` says whether, before anyone
// runs the command again. The store's own error type is used, so a
// renamed method cannot quietly drop the advice.
func TestPrintErrorSaysAnUnknownOutcomeMayHaveBeenApplied(t *testing.T) {
	var b bytes.Buffer
	err := &store.OutcomeUnknownError{WriteID: "41-00000000000000ff", Store: "etcd://127.0.0.1:2379/gatehouse", Cause: "no answer came in 30s"}
	cli.PrintError(&b, fmt.Errorf("creating group Helpdesk: %w", err))
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("want the error and the advice, got:\n%s", b.String())
	}
	for _, want := range []string{"outcome is unknown (write id 41-00000000000000ff", "gatehouse --store etcd://127.0.0.1:2379/gatehouse outcome 41-00000000000000ff"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("the error line lacks %q: %s", want, lines[0])
		}
	}
	if !strings.Contains(lines[1], "may or may not have been applied") || !strings.Contains(lines[1], "`gatehouse outcome 41-00000000000000ff`") {
		t.Errorf("the advice line: %s", lines[1])
	}
	b.Reset()
	cli.PrintError(&b, fmt.Errorf("plain"))
	if strings.Count(b.String(), "\n") != 1 {
		t.Errorf("another error got advice: %q", b.String())
	}
}
