package carerpermit_test

import (
	"bytes"
	"flag"
	"go/ast"
	"go/build"
	"go/doc"
	"go/parser"
	"go/printer"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The public API is pinned: the exported declarations of the domain
// packages (and of their public sub-packages) are kept in
// testdata/api/*.txt, and TestAPI fails when the code and those files
// differ, so that a change to the API is a deliberate edit reviewed with
// the code. After such a change, rewrite the files with
//
//	go test . -run TestAPI -update
//
// and commit them. Only declarations are pinned, not their doc comments.

var update = flag.Bool("update", false, "rewrite testdata/api/*.txt from the exported API as it now is")

const module = "github.com/carerpermit/carerpermit"

// apiRoots are the domain packages whose API is public; every package
// below them is part of it too, except testdata and internal ones.
var apiRoots = []string{"zones", "evidence", "pricing", "eligibility", "permit"}

func TestAPI(t *testing.T) {
	var dirs []string
	for _, root := range apiRoots {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return err
			}
			switch d.Name() {
			case "testdata", "internal":
				return filepath.SkipDir
			}
			if pkg, err := build.ImportDir(path, 0); err == nil && len(pkg.GoFiles) > 0 {
				dirs = append(dirs, filepath.ToSlash(path))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(dirs)

	golden := filepath.Join("testdata", "api")
	want := make(map[string]bool)
	for _, dir := range dirs {
		name := strings.ReplaceAll(dir, "/", "_") + ".txt"
		want[name] = true
		got := exportedAPI(t, dir)
		file := filepath.Join(golden, name)
		if *update {
			if err := os.MkdirAll(golden, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		old, err := os.ReadFile(file)
		if err != nil {
			t.Errorf("package %s has no pinned API (%v): run go test . -run TestAPI -update and commit %s", dir, err, file)
			continue
		}
		if !bytes.Equal(old, got) {
			t.Errorf("the exported API of %s differs from %s:\n%s\nIf the change is meant, run go test . -run TestAPI -update and commit the file.",
				dir, file, lineDiff(string(old), string(got)))
		}
	}
	// A pinned package that is gone is a change to the API too.
	entries, err := os.ReadDir(golden)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if want[e.Name()] {
			continue
		}
		if *update {
			if err := os.Remove(filepath.Join(golden, e.Name())); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Errorf("%s pins a package that no longer exists: run go test . -run TestAPI -update", filepath.Join(golden, e.Name()))
	}
}

// exportedAPI prints the exported declarations of the package in dir, as
// go doc shows them without comments: constants, variables, functions,
// then each type with its constants, variables, constructors and methods.
func exportedAPI(t *testing.T, dir string) []byte {
	t.Helper()
	bp, err := build.ImportDir(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range bp.GoFiles {
		// Without comments: the pinned API is the declarations.
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	importPath := module + "/" + dir
	p, err := doc.NewFromFiles(fset, files, importPath)
	if err != nil {
		t.Fatal(err)
	}

	var b bytes.Buffer
	b.WriteString("package " + p.Name + " // import \"" + importPath + "\"\n")
	pr := func(node ast.Node) {
		b.WriteString("\n")
		cfg := printer.Config{Mode: printer.UseSpaces | printer.TabIndent, Tabwidth: 8}
		if err := cfg.Fprint(&b, fset, node); err != nil {
			t.Fatal(err)
		}
		b.WriteString("\n")
	}
	values := func(vs []*doc.Value) {
		for _, v := range vs {
			pr(v.Decl)
		}
	}
	funcs := func(fs []*doc.Func) {
		for _, f := range fs {
			f.Decl.Body = nil
			pr(f.Decl)
		}
	}
	values(p.Consts)
	values(p.Vars)
	funcs(p.Funcs)
	for _, typ := range p.Types {
		pr(typ.Decl)
		values(typ.Consts)
		values(typ.Vars)
		funcs(typ.Funcs)
		funcs(typ.Methods)
	}
	return b.Bytes()
}

// lineDiff lists, in order, the lines one side has more often than the
// other, marked - (pinned) or + (now): enough to see what changed without
// a diff library.
func lineDiff(old, cur string) string {
	count := func(s string) map[string]int {
		m := make(map[string]int)
		for _, l := range strings.Split(s, "\n") {
			m[l]++
		}
		return m
	}
	oc, cc := count(old), count(cur)
	var out []string
	only := func(s, mark string, mine, other map[string]int) {
		extra := make(map[string]int)
		for l, n := range mine {
			extra[l] = n - other[l]
		}
		for _, l := range strings.Split(s, "\n") {
			if extra[l] > 0 {
				out = append(out, mark+l)
				extra[l]--
			}
		}
	}
	only(old, "- ", oc, cc)
	only(cur, "+ ", cc, oc)
	const most = 60
	if len(out) > most {
		out = append(out[:most], "…")
	}
	return strings.Join(out, "\n")
}
