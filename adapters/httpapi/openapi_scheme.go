package httpapi

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/carerpermit/carerpermit/permit"
)

// openAPIFor is the OpenAPI document as this server serves it: the
// embedded one with the scheme's rejection reasons written in, as the enum
// of RejectRequest.reason_code with each code's text in its description,
// so integrators read the codes from the API itself. Without reasons (or
// should the document's shape change) it is the embedded document as is.
func openAPIFor(s *permit.Scheme) []byte {
	doc := OpenAPI()
	if len(s.RejectionReasons) == 0 {
		return doc
	}
	start, end, indent, ok := reasonCodeSchema(doc)
	if !ok {
		return doc
	}
	var words strings.Builder
	words.WriteString("One of the council's rejection reasons (the scheme's rejection_reasons); the resident reads its text in the rejection notice, then reason.")
	codes := make([]string, 0, len(s.RejectionReasons))
	for _, r := range s.RejectionReasons {
		codes = append(codes, r.Code)
		words.WriteString(" " + r.Code + ": " + r.Text)
	}
	schema, err := json.MarshalIndent(map[string]any{"type": "string", "enum": codes, "description": words.String()}, indent, "  ")
	if err != nil {
		return doc
	}
	return append(append(append([]byte{}, doc[:start]...), schema...), doc[end:]...)
}

// reasonCodeSchema finds the object of RejectRequest's reason_code in doc:
// its first and past-last byte and the indent of its key's line.
func reasonCodeSchema(doc []byte) (start, end int, indent string, ok bool) {
	rr := bytes.Index(doc, []byte(`"RejectRequest": {`))
	if rr < 0 {
		return 0, 0, "", false
	}
	key := bytes.Index(doc[rr:], []byte(`"reason_code": {`))
	if key < 0 {
		return 0, 0, "", false
	}
	key += rr
	start = key + len(`"reason_code": `)
	depth := 0
	for i := start; i < len(doc); i++ {
		switch doc[i] {
		case '"':
			// Skip a string, so braces inside one do not count.
			for i++; i < len(doc) && doc[i] != '"'; i++ {
				if doc[i] == '\\' {
					i++
				}
			}
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				lineStart := bytes.LastIndexByte(doc[:key], '\n') + 1
				return start, i + 1, string(doc[lineStart:key]), true
			}
		}
	}
	return 0, 0, "", false
}
