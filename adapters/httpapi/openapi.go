package httpapi

import (
	"bytes"
	_ "embed"
)

// openapiJSON is the API's OpenAPI 3.1 description, written by hand once
// and checked against real traffic by the end-to-end tests of
// examples/permitd, so the document and the server cannot drift apart.
//
//go:embed openapi.json
var openapiJSON []byte

// OpenAPI returns a copy of the OpenAPI 3.1 document served at
// GET /v1/openapi.json.
func OpenAPI() []byte { return bytes.Clone(openapiJSON) }
