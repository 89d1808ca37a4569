package store

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every write to a journaled bucket goes through jput, jdel or putJSON, or
// `access as-of` would silently miss it (R20). Bulk restores (import all)
// write buckets by name and bring their journal with them.
func TestR20_NoWriteToAJournaledBucketBypassesTheJournal(t *testing.T) {
	raw := regexp.MustCompile(`kv(Put|Del)\([\w.]*Bucket\((bUsers|bMembers|bGroups|bBuildings)\)`)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "journal.go" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if raw.MatchString(line) {
				t.Errorf("%s:%d writes a journaled bucket directly: use jput/jdel\n\t%s", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}
