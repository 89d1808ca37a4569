package console

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// inCommands are the functions that call the service directly and are
// only ever run inside a command (a load's read, a save, a picker's
// loader), never in Update or View.
var inCommands = map[string]bool{
	"rulesNaming": true, "leaveAsk": true, "readActor": true, "readHome": true,
	"governanceHomeLines": true, "homeTicketLines": true, "whatIfLines": true,
	"myGroups": true, "groupChoices": true, "userChoices": true, "teamChoices": true,
	"buildingChoices": true, "problemTypeChoices": true, "saveAttachment": true,
	"unassignedInMyBuildings": true,
}

// No service call runs inside a Bubble Tea Update or View: every call on
// the service (c.Svc.X or a captured svc.X) in the console's sources is in
// a function literal (the body of a command) or in a function that only
// commands run (inCommands). A call added straight into a key handler
// fails here, naming the file and line.
func TestNoServiceCallOutsideACommand(t *testing.T) {
	files, err := filepath.Glob("*.go")
	must(t, err)
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		must(t, err)
		f, err := parser.ParseFile(fset, name, src, 0)
		must(t, err)
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || fd.Body == nil || inCommands[fd.Name.Name] {
				continue
			}
			var stack []ast.Node
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if n == nil {
					stack = stack[:len(stack)-1]
					return true
				}
				stack = append(stack, n)
				call, ok := n.(*ast.CallExpr)
				if !ok || !serviceCall(call) {
					return true
				}
				for _, a := range stack {
					if _, lit := a.(*ast.FuncLit); lit {
						return true
					}
				}
				t.Errorf("%s: %s calls the service outside a command", fset.Position(call.Pos()), fd.Name.Name)
				return true
			})
		}
	}
}

// serviceCall reports a method call on the service: x.Svc.M(…) or svc.M(…).
func serviceCall(call *ast.CallExpr) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	switch x := sel.X.(type) {
	case *ast.SelectorExpr:
		return x.Sel.Name == "Svc"
	case *ast.Ident:
		return x.Name == "svc"
	}
	return false
}
