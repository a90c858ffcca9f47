package appliance

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The appliance stays a composition root, not a god package: *Appliance keeps at most 30 methods (exported or
// not), and no file of the package grows past 500 lines. A new concern gets its own type or package (Desk,
// Screens, certify.Pipelines).
func TestApplianceStaysSmall(t *testing.T) {
	const maxMethods, maxLines = 30, 500
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	methods := 0
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(b), "\n"); n > maxLines {
			t.Errorf("%s has %d lines, more than %d: split it by concern", name, n, maxLines)
		}
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, b, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv != nil && receiverIs(fn.Recv, "Appliance") {
				methods++
			}
		}
	}
	if methods > maxMethods {
		t.Errorf("*Appliance has %d methods, more than %d: give the new concern its own type", methods, maxMethods)
	}
	t.Logf("*Appliance: %d methods", methods)
}

func receiverIs(recv *ast.FieldList, typ string) bool {
	if len(recv.List) != 1 {
		return false
	}
	star, ok := recv.List[0].Type.(*ast.StarExpr)
	if !ok {
		return false
	}
	id, ok := star.X.(*ast.Ident)
	return ok && id.Name == typ
}
