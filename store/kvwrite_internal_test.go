package store

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// Every write goes through kvPut, kvDel, kvSeq, kvSetSeq or kvEmptyBucket:
// on etcd a write the recorder does not see would change this process's
// mirror for the length of a rolled-back transaction and never reach the
// cluster. Only kvwrite.go (the helpers) and etcd.go (the mirror, which
// applies what the cluster already holds) call bbolt's writes.
func TestEveryWriteGoesThroughTheRecorder(t *testing.T) {
	writes := map[string]int{"Put": 2, "Delete": -1, "NextSequence": 0, "SetSequence": 1, "DeleteBucket": 1, "CreateBucket": 1}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "kvwrite.go" || f == "etcd.go" || f == "compact.go" {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			args, ok := writes[sel.Sel.Name]
			if !ok || (args >= 0 && len(call.Args) != args) {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && (id.Name == "txClock" || id.Name == "recorders" || id.Name == "slices") {
				return true // sync.Maps and slices, not buckets
			}
			t.Errorf("%s: %s writes bbolt directly: use kvPut/kvDel/kvSeq/kvSetSeq/kvEmptyBucket", fset.Position(call.Pos()), sel.Sel.Name)
			return true
		})
	}
}
