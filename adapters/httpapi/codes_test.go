package httpapi_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/httpapi"
)

// codeSet collects codes with where each was found.
type codeSet map[string]string

func (s codeSet) add(code, where string) {
	if _, ok := s[code]; !ok {
		s[code] = where
	}
}

func (s codeSet) sorted() []string {
	out := make([]string, 0, len(s))
	for c := range s {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

var codeWord = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// literal is the value of a string literal expression, or "" for another.
func literal(e ast.Expr) string {
	bl, ok := e.(*ast.BasicLit)
	if !ok || bl.Kind != token.STRING {
		return ""
	}
	s, err := strconv.Unquote(bl.Value)
	if err != nil || !codeWord.MatchString(s) {
		return ""
	}
	return s
}

// hasKeys reports whether a composite literal sets every one of keys.
func hasKeys(x *ast.CompositeLit, keys ...string) bool {
	n := 0
	for _, el := range x.Elts {
		if kv, ok := el.(*ast.KeyValueExpr); ok {
			if k, ok := kv.Key.(*ast.Ident); ok && slices.Contains(keys, k.Name) {
				n++
			}
		}
	}
	return n == len(keys)
}

// errorCodesInSource reads the non-test Go files of the packages whose
// answers reach the API and returns the codes they can put in a problem's
// code (problem), in an errors[] entry's code (field), and the eligibility
// reason codes (reason), each a problem code when blocking.
func errorCodesInSource(t *testing.T) (problem, field, reason, either codeSet) {
	problem, field, reason, either = codeSet{}, codeSet{}, codeSet{}, codeSet{}
	fset := token.NewFileSet()
	for _, dir := range []string{".", "../webhook", "../internal/httpx", "../../permit", "../../eligibility", "../../evidence"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		require.NoError(t, err)
		pkg := filepath.Base(filepath.Clean(dir))
		if dir == "." || dir == "../webhook" || dir == "../internal/httpx" {
			pkg = "httpapi" // the adapters that answer HTTP, and their shared answers, alike
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, name, nil, 0)
			require.NoError(t, err)
			ast.Inspect(f, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.ValueSpec:
					typ, _ := x.Type.(*ast.Ident)
					for i, id := range x.Names {
						if i >= len(x.Values) {
							break
						}
						code := literal(x.Values[i])
						if code == "" {
							continue
						}
						where := fset.Position(id.Pos()).String()
						switch {
						case pkg == "httpapi" && strings.HasPrefix(id.Name, "Code"):
							either.add(code, where) // a problem's code or a field's

						case pkg == "evidence" && typ != nil && typ.Name == "Code":
							problem.add(code, where)
						case pkg == "eligibility" && typ != nil && typ.Name == "Code":
							reason.add(code, where)
						}
					}
				case *ast.CallExpr:
					where := fset.Position(x.Pos()).String()
					name, receiver := "", ""
					switch fn := x.Fun.(type) {
					case *ast.Ident:
						name = fn.Name
					case *ast.SelectorExpr:
						name = fn.Sel.Name
						if id, ok := fn.X.(*ast.Ident); ok {
							receiver = id.Name
						}
					}
					switch {
					case pkg == "httpapi" && (name == "newError" || name == "NewError" || name == "newProblem") && len(x.Args) >= 2:
						if c := literal(x.Args[1]); c != "" {
							problem.add(c, where)
						}
					case pkg == "httpapi" && name == "withCode" && len(x.Args) == 1:
						if c := literal(x.Args[0]); c != "" {
							problem.add(c, where)
						}
					case pkg == "httpapi" && (name == "badRequest" || name == "BadRequest" || name == "invalidField") && len(x.Args) >= 2:
						if c := literal(x.Args[1]); c != "" {
							field.add(c, where)
						}
					case pkg == "permit" && name == "add" && receiver != "sr" && len(x.Args) == 3:
						// ValidationError.add(field, code, detail); sr.add
						// is the scheme reader's, about the file.
						if c := literal(x.Args[1]); c != "" {
							field.add(c, where)
						}
					}
				case *ast.CompositeLit:
					typ := ""
					switch tt := x.Type.(type) {
					case *ast.Ident:
						typ = tt.Name
					case *ast.SelectorExpr:
						typ = tt.Sel.Name
					}
					if typ != "fieldProblem" && typ != "FieldProblem" && typ != "FieldError" && (typ != "" || !hasKeys(x, "Field", "Code")) {
						return true // an element of []FieldError{{...}} has no type of its own
					}
					for _, el := range x.Elts {
						if kv, ok := el.(*ast.KeyValueExpr); ok {
							if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Code" {
								if c := literal(kv.Value); c != "" {
									field.add(c, fset.Position(kv.Pos()).String())
								}
							}
						}
					}
				}
				return true
			})
		}
	}
	return problem, field, reason, either
}

// Issue 11, defect 12: error codes the server really returns
// (starts_in_past, evidence_dated_in_future, evidence_mismatch,
// not_renewable, renewal_window_closed, ...) were missing from the OpenAPI
// document. Every code in the source — problem codes, field codes and
// eligibility reasons — is listed in the document's x-error-codes,
// x-field-codes or x-reason-codes, with what it means.
func TestEveryErrorCodeIsInTheOpenAPIDocument(t *testing.T) {
	problem, field, reason, either := errorCodesInSource(t)
	require.Contains(t, problem, "evidence_dated_in_future", "the scan finds the evidence package's codes")
	require.Contains(t, reason, "starts_in_past", "the scan finds the eligibility package's codes")
	require.Contains(t, field, "unknown_reason_code", "the scan finds the permit package's field codes")

	var doc struct {
		Components struct {
			ErrorCodes  map[string]string `json:"x-error-codes"`
			FieldCodes  map[string]string `json:"x-field-codes"`
			ReasonCodes map[string]string `json:"x-reason-codes"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(httpapi.OpenAPI(), &doc))
	listed := func(code string, maps ...map[string]string) bool {
		for _, m := range maps {
			if strings.TrimSpace(m[code]) != "" {
				return true
			}
		}
		return false
	}
	c := doc.Components
	t.Logf("problem codes %v\nfield codes %v\nreason codes %v\neither %v", problem.sorted(), field.sorted(), reason.sorted(), either.sorted())
	for _, code := range problem.sorted() {
		require.True(t, listed(code, c.ErrorCodes), "problem code %q (%s) is not in openapi.json's components.x-error-codes", code, problem[code])
	}
	for _, code := range reason.sorted() {
		require.True(t, listed(code, c.ErrorCodes, c.ReasonCodes), "eligibility code %q (%s) is not in openapi.json's x-error-codes or x-reason-codes", code, reason[code])
	}
	for _, code := range either.sorted() {
		require.True(t, listed(code, c.ErrorCodes, c.FieldCodes), "code %q (%s) is not in openapi.json's x-error-codes or x-field-codes", code, either[code])
	}
	for _, code := range field.sorted() {
		require.True(t, listed(code, c.FieldCodes, c.ErrorCodes), "field code %q (%s) is not in openapi.json's x-field-codes", code, field[code])
	}
}
