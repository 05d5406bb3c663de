package httpx

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// KnownQuery refuses a query parameter a route does not read, or one
// given twice, so that a filter the API does not have (?permit_id=…) is
// never silently ignored: 400 validation_failed, with a field problem
// unknown_parameter or repeated_parameter naming every such parameter.
// allowed are the parameters the route reads; nil means none. It returns
// nil when the query is acceptable.
func KnownQuery(q url.Values, allowed []string) *Error {
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	slices.Sort(names)
	var bad []FieldProblem
	for _, name := range names {
		switch {
		case !slices.Contains(allowed, name):
			detail := fmt.Sprintf("This endpoint has no query parameter %q.", clip(name, 40))
			if len(allowed) > 0 {
				detail += " It reads " + strings.Join(allowed, ", ") + "."
			} else {
				detail += " It reads none."
			}
			bad = append(bad, FieldProblem{Field: name, Code: "unknown_parameter", Detail: detail})
		case len(q[name]) > 1:
			bad = append(bad, FieldProblem{Field: name, Code: "repeated_parameter", Detail: fmt.Sprintf("Give %s once.", name)})
		}
	}
	if len(bad) == 0 {
		return nil
	}
	e := NewError(http.StatusBadRequest, CodeValidationFailed, bad[0].Detail)
	if len(bad) > 1 {
		e.Detail = strconv.Itoa(len(bad)) + " query parameters are not accepted; see errors."
	}
	e.Errors = bad
	return e
}
