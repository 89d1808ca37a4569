package store

import (
	"strings"
	"testing"
)

func TestContainsFold(t *testing.T) {
	for _, c := range []struct {
		s, needle string
		want      bool
	}{
		{"Printer jam in Room 101", "printer", true},
		{"the PRINTER", "printer", true},
		{"pppppprinter", "printer", true},
		{"PpPpPrinter", "printer", true},
		{"print", "printer", false},
		{"", "x", false},
		{"abc", "", true},
		{"Projector", "printer", false},
		{"Drucker ärger", "ärger", true},
	} {
		if got := containsFold([]byte(c.s), []byte(strings.ToLower(c.needle))); got != c.want {
			t.Errorf("containsFold(%q, %q) = %v", c.s, c.needle, got)
		}
	}
}
