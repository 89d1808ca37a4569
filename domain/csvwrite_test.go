package domain

import (
	"bytes"
	"encoding/csv"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Every CSV the product writes goes through CSVWriter: no source file of
// the module but csvwrite.go names encoding/csv's Writer or NewWriter,
// however the import is named. A CSV written another way would skip
// CSVCell and carry formulas to a spreadsheet (the access as-of export's
// buildings column once did). Tests may write CSV as input.
func TestEveryCSVGoesThroughCSVWriter(t *testing.T) {
	root := ".."
	allowed := filepath.Join(root, "domain", "csvwrite.go")
	fset := token.NewFileSet()
	sawAllowed := false
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		name := ""
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == "encoding/csv" {
				name = "csv"
				if imp.Name != nil {
					name = imp.Name.Name
				}
			}
		}
		if name == "" {
			return nil
		}
		ast.Inspect(f, func(n ast.Node) bool {
			var sel string
			switch x := n.(type) {
			case *ast.SelectorExpr:
				if id, ok := x.X.(*ast.Ident); ok && id.Name == name {
					sel = x.Sel.Name
				}
			case *ast.Ident:
				if name == "." {
					sel = x.Name
				}
			}
			if sel != "Writer" && sel != "NewWriter" {
				return true
			}
			if path == allowed {
				sawAllowed = true
				return true
			}
			t.Errorf("%s: encoding/csv's %s: write CSV with domain.NewCSVWriter, whose cells pass CSVCell", fset.Position(n.Pos()), sel)
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !sawAllowed {
		t.Fatalf("%s was not scanned (or no longer uses csv.NewWriter): the scan proves nothing", allowed)
	}
}

// CSVWriter guards every cell, the first record's included, and writes
// what encoding/csv reads back.
func TestCSVWriterGuardsEveryCell(t *testing.T) {
	var b bytes.Buffer
	w := NewCSVWriter(&b, true)
	if err := w.Write("=head", "plain"); err != nil {
		t.Fatal(err)
	}
	if err := w.Write("-1", "@x", "+1", "\tt", "\rr", "'q", "a,b \"c\""); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "\r\n") {
		t.Errorf("no CRLF: %q", b.String())
	}
	r := csv.NewReader(&b)
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// (encoding/csv's reader drops the CR of "'\rr"; the quote is what counts)
	want := [][]string{{"'=head", "plain"}, {"'-1", "'@x", "'+1", "'\tt", "'r", "''q", "a,b \"c\""}}
	for i := range want {
		for j := range want[i] {
			if rows[i][j] != want[i][j] {
				t.Errorf("row %d cell %d = %q, want %q", i, j, rows[i][j], want[i][j])
			}
		}
	}
}
