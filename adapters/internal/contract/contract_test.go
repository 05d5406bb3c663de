package contract_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/internal/contract"
)

// A document in two files, with an array without items (repaired on load).
var docs = fstest.MapFS{
	"api.json": {Data: []byte(`{
  "openapi": "3.0.1", "info": {"title": "t", "version": "1"},
  "servers": [{"url": "https://api.example.gov.uk"}],
  "paths": {"/v1/vehicles": {"post": {"operationId": "lookUp",
    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "schema.json#/components/schemas/Request"}}}},
    "responses": {
      "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "schema.json#/components/schemas/Vehicle"}}}},
      "500": {"description": "broken", "content": {"application/json": {"schema": {"type": "array"}}}}}}}}}`)},
	"schema.json": {Data: []byte(`{"components": {"schemas": {
  "Request": {"type": "object", "required": ["registrationNumber"], "properties": {"registrationNumber": {"type": "string"}}},
  "Vehicle": {"type": "object", "required": ["make"], "properties": {"make": {"type": "string"}, "tags": {"type": "array"}}}}}}`)},
}

func TestTransport(t *testing.T) {
	spec, err := contract.Load(docs, "api.json")
	require.NoError(t, err)
	spec.KnownDefect("lookUp", 500, "the provider sends an object")
	answer := `{"make":"FORD","tags":[1,"x"]}`
	status := 200
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, answer)
	}))
	defer srv.Close()
	send := func(wire *contract.Transport, path, body string) {
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := (&http.Client{Transport: wire}).Do(req)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, answer, string(b), "the answer passes through unchanged")
	}
	tests := []struct {
		name, path, body, answer string
		status                   int
		wantErr                  string
	}{
		{"a good exchange, any host", "/v1/vehicles", `{"registrationNumber":"AA19AAA"}`, `{"make":"FORD","tags":[1,"x"]}`, 200, ""},
		{"a request without its required field", "/v1/vehicles", `{}`, `{"make":"FORD"}`, 200, `property "registrationNumber" is missing`},
		{"an answer without its required field", "/v1/vehicles", `{"registrationNumber":"A"}`, `{}`, 200, `property "make" is missing`},
		{"a status the document does not list", "/v1/vehicles", `{"registrationNumber":"A"}`, `{}`, 404, "404"},
		{"a known defect: body not checked", "/v1/vehicles", `{"registrationNumber":"A"}`, `{"errors":[]}`, 500, ""},
		{"a path the document does not have", "/v2/other", `{}`, `{}`, 200, "no operation in the document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wire := spec.Transport(nil)
			answer, status = tt.answer, tt.status
			send(wire, tt.path, tt.body)
			if tt.wantErr == "" {
				require.Empty(t, wire.Errors())
				require.True(t, wire.Seen("lookUp", tt.status))
				return
			}
			require.Len(t, wire.Errors(), 1)
			require.ErrorContains(t, wire.Errors()[0], tt.wantErr)
			require.False(t, wire.Seen("lookUp", tt.status))
		})
	}
}

func TestSchema(t *testing.T) {
	spec, err := contract.Load(docs, "api.json")
	require.NoError(t, err)
	s, err := spec.Schema("Vehicle")
	require.NoError(t, err)
	require.NoError(t, s.VisitJSON(map[string]any{"make": "FORD"}))
	require.Error(t, s.VisitJSON(map[string]any{"colour": "RED"}))
	_, err = spec.Schema("Nope")
	require.ErrorContains(t, err, `no schema "Nope"`)

	_, err = contract.Load(fstest.MapFS{"a.json": {Data: []byte(`{"openapi":"3.0.1","info":{"title":"t","version":"1"},"paths":{"/x":{"get":{"responses":{"200":{"description":"d","content":{"application/json":{"schema":{"$ref":"https://example.com/s.json#/X"}}}}}}}}}`)}}, "a.json")
	require.ErrorContains(t, err, "only files beside the document")
}

func ExampleSpec_Transport() {
	spec, err := contract.Load(docs, "api.json")
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"colour":"RED"}`) // no make: the document requires it
	}))
	defer srv.Close()
	wire := spec.Transport(nil)
	client := &http.Client{Transport: wire} // give this to the adapter under test
	req, _ := http.NewRequest("POST", srv.URL+"/v1/vehicles", strings.NewReader(`{"registrationNumber":"AA19AAA"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(len(wire.Errors()), strings.Contains(wire.Errors()[0].Error(), `property "make" is missing`))
	// Output: 1 true
}

func TestBasePath(t *testing.T) {
	fsys := fstest.MapFS{"api.yaml": {Data: []byte(`openapi: 3.0.0
info: {title: t, version: "1"}
servers:
  - url: https://driver-vehicle-licensing.api.gov.uk/vehicle-enquiry
  - url: https://uat.driver-vehicle-licensing.api.gov.uk/vehicle-enquiry
paths:
  /v1/vehicles:
    post:
      operationId: lookUp
      responses:
        "200": {description: ok}
`)}}
	spec, err := contract.Load(fsys, "api.yaml")
	require.NoError(t, err)
	for _, tt := range []struct{ path, wantErr string }{
		{"/vehicle-enquiry/v1/vehicles", ""},
		{"/v1/vehicles", "not under the document's base path /vehicle-enquiry"},
	} {
		req, _ := http.NewRequest("POST", "http://127.0.0.1:1"+tt.path, nil)
		_, err := spec.Check(req, nil, 200, http.Header{}, nil)
		if tt.wantErr == "" {
			require.NoError(t, err, tt.path)
		} else {
			require.ErrorContains(t, err, tt.wantErr)
		}
	}
}
