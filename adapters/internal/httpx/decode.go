package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// JSONError is a body DecodeJSON refused: Field names the member at
// fault ("" for the body as a whole) and Detail says what is wrong in a
// sentence fit for the client. Adapters answer it as 400 invalid_json.
type JSONError struct {
	Field  string
	Detail string
}

func (e *JSONError) Error() string { return e.Detail }

// DecodeJSON reads exactly one JSON object into v, refusing unknown
// fields, values of the wrong type and anything after the object, with a
// *JSONError that names the field or the byte offset. An empty body
// leaves v as it is and is not an error (callers that need a body refuse
// an empty one first).
func DecodeJSON(data []byte, v any) error {
	t := bytes.TrimLeft(data, " \t\r\n")
	if len(t) == 0 {
		return nil
	}
	if t[0] != '{' {
		return &JSONError{Detail: "The body must be a JSON object."}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return &JSONError{Detail: "The body must hold one JSON object and nothing after it."}
	}
	return nil
}

// jsonError turns encoding/json's errors into sentences that say where.
func jsonError(err error) *JSONError {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syn):
		return &JSONError{Detail: fmt.Sprintf("The body is not valid JSON (at byte %d).", syn.Offset)}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return &JSONError{Detail: "The JSON body ends too soon: it was cut short."}
	case errors.As(err, &typ):
		want := jsonType(typ.Type.Kind().String())
		if typ.Field == "" {
			return &JSONError{Detail: fmt.Sprintf("The body holds %s where %s was expected.", typ.Value, want)}
		}
		return &JSONError{Field: typ.Field, Detail: fmt.Sprintf("%s must be %s, not %s.", typ.Field, want, typ.Value)}
	}
	const unknown = "json: unknown field "
	if msg := err.Error(); strings.HasPrefix(msg, unknown) {
		name := strings.Trim(strings.TrimPrefix(msg, unknown), `"`)
		return &JSONError{Field: name, Detail: fmt.Sprintf("Unknown field %q: check its spelling against the API documentation.", clip(name, 60))}
	}
	return &JSONError{Detail: "The body is not valid JSON."}
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "map", "struct", "ptr":
		return "an object"
	case "int", "int64", "float64", "uint64":
		return "a number"
	}
	return "a " + kind
}

// clip shortens s to at most n bytes (on a rune boundary) with "...".
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
