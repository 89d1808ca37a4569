package console

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// inCommands are the functions that reach the service and are only ever
// run inside a command (a load's read, a save, a picker's loader, the
// question a command asks), never in Update or View; and Run and New,
// which build a console before its program starts (New also inside the
// command that opens view-as).
var inCommands = map[string]bool{
	"rulesNaming": true, "leaveAsk": true, "readActor": true, "readHome": true,
	"governanceHomeLines": true, "homeTicketLines": true, "whatIfLines": true,
	"myGroups": true, "groupChoices": true, "userChoices": true, "teamChoices": true,
	"buildingChoices": true, "problemTypeChoices": true, "saveAttachment": true,
	"unassignedInMyBuildings": true, "deactivateAsk": true, "Run": true, "New": true,
}

// No service call runs inside a Bubble Tea Update or View. Every call that
// reaches the service, in the console's sources, is in a function literal
// (the body of a command) or in a function that only commands run
// (inCommands). A call reaches the service when it is
//   - a method of one of the domain's service interfaces (c.Svc.X, svc.X,
//     whatever the variable is called);
//   - a call through a function held in a variable, a struct field or a
//     parameter that reaches it: a field that leads out of the console
//     (its function takes a context or returns a service, as
//     Config.ViewAs does), or one given a function or literal that
//     reaches it anywhere in the package;
//   - a call of a function or method of the package that reaches it, at
//     any depth, outside its own function literals (helpers, inCommands
//     ones included);
//   - a call of what such a function returns when that is a function
//     reaching it: leave(c, u, g)() would run the command in Update.
//
// The package is type-checked, so calls are told apart by what they call,
// not by their spelling. A call added straight into a key handler, or
// behind a helper or a field, fails here naming the file, the line and
// the way to the service; a helper that is checked itself is reported in
// its own body, not again at every caller. Function literals still count
// as commands wherever they are, as before (an apply step that runs in
// Update is not looked into).
func TestNoServiceCallOutsideACommand(t *testing.T) {
	a := analyze(t)
	for _, fd := range a.decls {
		if inCommands[fd.Name.Name] {
			continue
		}
		a.immediateCalls(fd.Body, func(call *ast.CallExpr) {
			if fn := a.callee(call); fn != nil && a.byObj[fn] != nil && !inCommands[fn.Name()] {
				return // a helper that is checked itself: the error is there
			}
			if why := a.callReaches(call); why != "" {
				t.Errorf("%s: %s %s outside a command", a.fset.Position(call.Pos()), fd.Name.Name, why)
			}
		})
	}
}

// consoleAnalysis is the console package, type-checked, with what reaches
// the service.
type consoleAnalysis struct {
	fset  *token.FileSet
	files []*ast.File
	info  *types.Info
	decls []*ast.FuncDecl
	byObj map[*types.Func]*ast.FuncDecl
	// funcs and vars that reach the service, each with how (for the
	// message): "calls c.Svc.User", "calls rulesNaming, which …"
	funcs map[*types.Func]string
	vars  map[*types.Var]string
	// results are the functions that return a function reaching it (a
	// command): calling what they return reaches it
	results map[*types.Func]string
}

func analyze(t *testing.T) *consoleAnalysis {
	t.Helper()
	a := &consoleAnalysis{fset: token.NewFileSet(), byObj: map[*types.Func]*ast.FuncDecl{},
		funcs: map[*types.Func]string{}, vars: map[*types.Var]string{}, results: map[*types.Func]string{}}
	names, err := filepath.Glob("*.go")
	must(t, err)
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(a.fset, name, nil, 0)
		must(t, err)
		a.files = append(a.files, f)
	}
	a.info = &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{},
		Uses: map[*ast.Ident]types.Object{}, Selections: map[*ast.SelectorExpr]*types.Selection{}}
	conf := types.Config{Importer: exportImporter(t, a.fset)}
	if _, err := conf.Check("gatehouse/ui/console", a.fset, a.files, a.info); err != nil {
		t.Fatalf("type-checking the console: %v", err)
	}
	for _, f := range a.files {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
				a.decls = append(a.decls, fd)
				if fn, ok := a.info.Defs[fd.Name].(*types.Func); ok {
					a.byObj[fn] = fd
				}
			}
		}
	}
	a.markFields()
	// what reaches the service spreads through calls and assignments
	// until nothing changes
	for changed := true; changed; {
		changed = false
		for fn, fd := range a.byObj {
			if _, done := a.funcs[fn]; !done {
				if why := a.bodyReaches(fd.Body); why != "" {
					a.funcs[fn] = why
					changed = true
				}
			}
			if _, done := a.results[fn]; !done {
				if why := a.returnsReaching(fd.Body); why != "" {
					a.results[fn] = why
					changed = true
				}
			}
		}
		changed = a.flow() || changed
	}
	return a
}

// exportImporter imports the console's dependencies from the compiler's
// export data, found with go list (the build cache has it after a build).
func exportImporter(t *testing.T, fset *token.FileSet) types.Importer {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("this test type-checks the console and needs the go command: %v", err)
	}
	cmd := exec.Command(goTool, "list", "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}", ".")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -export: %v\n%s", err, stderr.String())
	}
	exports := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if path, file, ok := strings.Cut(l, "\t"); ok && file != "" {
			exports[path] = file
		}
	}
	return importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		file, ok := exports[path]
		if !ok {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(file)
	})
}

// markFields marks the struct fields holding functions that lead out of
// the console: they take a context or return a domain service.
func (a *consoleAnalysis) markFields() {
	for _, obj := range a.info.Defs {
		v, ok := obj.(*types.Var)
		if !ok || !v.IsField() {
			continue
		}
		sig, ok := v.Type().Underlying().(*types.Signature)
		if !ok {
			continue
		}
		out := false
		for i := range sig.Params().Len() {
			out = out || isContext(sig.Params().At(i).Type())
		}
		for i := range sig.Results().Len() {
			out = out || isService(sig.Results().At(i).Type())
		}
		if out {
			a.vars[v] = "calls the function in field " + v.Name() + ", which leads out of the console to the service"
		}
	}
}

func isContext(t types.Type) bool {
	n, ok := t.(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "context" && n.Obj().Name() == "Context"
}

// isService reports one of the domain's service interfaces
// (domain.Service and the per-entity parts it is made of).
func isService(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	if !ok || n.Obj().Pkg() == nil || n.Obj().Pkg().Path() != "gatehouse/domain" {
		return false
	}
	_, iface := n.Underlying().(*types.Interface)
	return iface && strings.HasSuffix(n.Obj().Name(), "Service")
}

// immediateCalls calls fn with every call in body that runs when body
// runs: not those in function literals (commands, run later), except a
// literal called on the spot.
func (a *consoleAnalysis) immediateCalls(body ast.Node, fn func(*ast.CallExpr)) {
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			fn(n)
			if lit, ok := ast.Unparen(n.Fun).(*ast.FuncLit); ok {
				a.immediateCalls(lit.Body, fn)
			}
		}
		return true
	})
}

// bodyReaches says how body reaches the service when it runs, or "".
func (a *consoleAnalysis) bodyReaches(body ast.Node) string {
	why := ""
	a.immediateCalls(body, func(call *ast.CallExpr) {
		if why == "" {
			why = a.callReaches(call)
		}
	})
	return why
}

// callReaches says how call reaches the service, or "".
func (a *consoleAnalysis) callReaches(call *ast.CallExpr) string {
	fun := ast.Unparen(call.Fun)
	if inner, ok := fun.(*ast.CallExpr); ok { // f(…)(): what f returns
		if fn := a.callee(inner); fn != nil {
			if why, ok := a.results[fn]; ok {
				return "calls what " + fn.Name() + " returns, which " + why
			}
		}
		return ""
	}
	if ix, ok := fun.(*ast.IndexExpr); ok { // a generic function instantiated
		fun = ix.X
	}
	if ix, ok := fun.(*ast.IndexListExpr); ok {
		fun = ix.X
	}
	var obj types.Object
	switch f := fun.(type) {
	case *ast.Ident:
		obj = a.info.Uses[f]
	case *ast.SelectorExpr:
		if sel, ok := a.info.Selections[f]; ok {
			obj = sel.Obj()
			if m, ok := obj.(*types.Func); ok && sel.Kind() != types.FieldVal && isServiceMethod(m) {
				return "calls the service (" + types.ExprString(f) + ")"
			}
		} else {
			obj = a.info.Uses[f.Sel] // a package's function
		}
	}
	switch o := obj.(type) {
	case *types.Func:
		if why, ok := a.funcs[o.Origin()]; ok {
			return "calls " + o.Name() + ", which " + why
		}
	case *types.Var:
		if why, ok := a.vars[o.Origin()]; ok {
			return why
		}
	}
	return ""
}

// callee is the function or method of the package a call calls, or nil.
func (a *consoleAnalysis) callee(call *ast.CallExpr) *types.Func {
	fun := ast.Unparen(call.Fun)
	if ix, ok := fun.(*ast.IndexExpr); ok {
		fun = ix.X
	}
	if ix, ok := fun.(*ast.IndexListExpr); ok {
		fun = ix.X
	}
	var obj types.Object
	switch f := fun.(type) {
	case *ast.Ident:
		obj = a.info.Uses[f]
	case *ast.SelectorExpr:
		if sel, ok := a.info.Selections[f]; ok {
			obj = sel.Obj()
		}
	}
	if fn, ok := obj.(*types.Func); ok {
		return fn.Origin()
	}
	return nil
}

// returnsReaching says how a function value body returns reaches the
// service when called, or "" (returns inside function literals belong
// to those).
func (a *consoleAnalysis) returnsReaching(body ast.Node) string {
	why := ""
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			for _, r := range n.Results {
				if w := a.valueReaches(r); w != "" && why == "" {
					why = w
				}
			}
		}
		return true
	})
	return why
}

// isServiceMethod reports a method of a domain service interface.
func isServiceMethod(m *types.Func) bool {
	sig, ok := m.Type().(*types.Signature)
	return ok && sig.Recv() != nil && isService(sig.Recv().Type())
}

// flow marks the variables, fields and parameters given a function that
// reaches the service (a literal whose body does, a reaching function or
// method, or another such variable); it reports whether it marked any.
func (a *consoleAnalysis) flow() bool {
	changed := false
	give := func(to types.Object, value ast.Expr) {
		v, ok := to.(*types.Var)
		if !ok || v == nil {
			return
		}
		v = v.Origin()
		if _, done := a.vars[v]; done {
			return
		}
		if why := a.valueReaches(value); why != "" {
			what := "variable"
			if v.IsField() {
				what = "field"
			}
			a.vars[v] = fmt.Sprintf("calls the function in %s %s, which %s", what, v.Name(), why)
			changed = true
		}
	}
	for _, f := range a.files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				if len(n.Lhs) == len(n.Rhs) {
					for i, l := range n.Lhs {
						give(a.target(l), n.Rhs[i])
					}
				}
			case *ast.ValueSpec:
				if len(n.Names) == len(n.Values) {
					for i, id := range n.Names {
						give(a.info.Defs[id], n.Values[i])
					}
				}
			case *ast.CompositeLit:
				st, ok := a.info.Types[n].Type.Underlying().(*types.Struct)
				if !ok {
					return true
				}
				for i, el := range n.Elts {
					if kv, ok := el.(*ast.KeyValueExpr); ok {
						if id, ok := kv.Key.(*ast.Ident); ok {
							give(a.info.Uses[id], kv.Value)
						}
					} else if i < st.NumFields() {
						give(st.Field(i), el)
					}
				}
			case *ast.CallExpr:
				sig, ok := a.info.Types[n.Fun].Type.(*types.Signature)
				if !ok || a.info.Types[n.Fun].IsType() {
					return true
				}
				for i, arg := range n.Args {
					if i < sig.Params().Len() {
						give(sig.Params().At(i), arg)
					}
				}
			}
			return true
		})
	}
	return changed
}

// target is the variable or field an assignment's left side names.
func (a *consoleAnalysis) target(l ast.Expr) types.Object {
	switch l := ast.Unparen(l).(type) {
	case *ast.Ident:
		if o := a.info.Defs[l]; o != nil {
			return o
		}
		return a.info.Uses[l]
	case *ast.SelectorExpr:
		if sel, ok := a.info.Selections[l]; ok && sel.Kind() == types.FieldVal {
			return sel.Obj()
		}
	}
	return nil
}

// valueReaches says how calling the function value e reaches the
// service, or "".
func (a *consoleAnalysis) valueReaches(e ast.Expr) string {
	switch e := ast.Unparen(e).(type) {
	case *ast.FuncLit:
		if why := a.bodyReaches(e.Body); why != "" {
			return why
		}
	case *ast.CallExpr:
		if fn := a.callee(e); fn != nil {
			if why, ok := a.results[fn]; ok {
				return "is what " + fn.Name() + " returns, which " + why
			}
		}
	case *ast.Ident:
		switch o := a.info.Uses[e].(type) {
		case *types.Func:
			return a.funcs[o.Origin()]
		case *types.Var:
			return a.vars[o.Origin()]
		}
	case *ast.SelectorExpr:
		if sel, ok := a.info.Selections[e]; ok {
			switch o := sel.Obj().(type) {
			case *types.Func:
				if sel.Kind() == types.MethodVal && isServiceMethod(o) {
					return "is the service's " + o.Name()
				}
				return a.funcs[o.Origin()]
			case *types.Var:
				return a.vars[o.Origin()]
			}
		}
	}
	return ""
}
