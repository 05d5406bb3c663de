package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Text a database cannot hold — bytes that are not UTF-8, and NUL, which
// PostgreSQL refuses in text even when it is valid UTF-8 — is refused at
// the door (docs/API.md "More error codes"): in a path 404, in a query or body
// 400, in a bearer token 401. Nothing of it reaches the rules or a query,
// so both databases answer the same.

// badText reports whether s is not UTF-8 or holds a control character
// (C0, DEL), which no identifier, token or query value of this API has.
func badText(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	return strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0
}

// checkRequestText refuses a request whose path, query or Authorization
// header holds text badText refuses.
func checkRequestText(r *http.Request) error {
	if badText(r.URL.Path) {
		return newError(http.StatusNotFound, CodeNotFound, "There is nothing here, or it is not yours to see.")
	}
	if hs := r.Header.Values("Authorization"); len(hs) > 0 && (len(hs) > 1 || badText(hs[0])) {
		return unauthorized("The bearer token is not valid.")
	}
	for name, values := range r.URL.Query() {
		if badText(name) {
			return badRequest("", "invalid_text", "A query parameter's name is not readable text (UTF-8).")
		}
		for _, v := range values {
			if badText(v) {
				return badRequest(name, "invalid_text", name+" must be readable text (UTF-8) without control characters.")
			}
		}
	}
	return nil
}

// checkJSONText refuses a JSON body that is not UTF-8, or whose strings
// (names or values) hold NUL or another control character once decoded,
// such as "\u0000". Tabs and line breaks are allowed in values (a reason
// may have several lines).
func checkJSONText(data []byte) error {
	if !utf8.Valid(data) {
		return invalidJSON("", "The body is not UTF-8 text; send JSON encoded as UTF-8.")
	}
	if bytes.IndexByte(data, '\\') < 0 {
		// Raw control characters are not allowed inside JSON strings, so
		// without an escape (\u0000, \b, \f) no decoded string holds one.
		return nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil // decodeJSON reports the syntax error with its place
	}
	if field, ok := controlIn(v, ""); ok {
		return invalidJSON(field, "Text in the body must not hold control characters such as \\u0000.")
	}
	return nil
}

// controlIn finds a string in a decoded JSON value holding a control
// character other than tab, line feed or carriage return, and names where.
func controlIn(v any, at string) (string, bool) {
	switch x := v.(type) {
	case string:
		return at, strings.IndexFunc(x, func(r rune) bool { return r < 0x20 && r != '\t' && r != '\n' && r != '\r' }) >= 0
	case []any:
		for i, e := range x {
			if f, ok := controlIn(e, at+"["+strconv.Itoa(i)+"]"); ok {
				return f, true
			}
		}
	case map[string]any:
		for k, e := range x {
			name := k
			if at != "" {
				name = at + "." + k
			}
			if badText(k) {
				return name, true
			}
			if f, ok := controlIn(e, name); ok {
				return f, true
			}
		}
	}
	return "", false
}
