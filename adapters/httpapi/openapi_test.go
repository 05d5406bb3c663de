package httpapi_test

import (
	"context"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/httpapi"
	"github.com/carerpermit/carerpermit/permit"
)

// loadOpenAPI loads and validates the served document with kin-openapi,
// the validator code generators' users run.
func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(httpapi.OpenAPI())
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()), "the document is valid OpenAPI")
	return doc
}

// The OpenAPI document is fit for code generators (issue 14, item 14):
// every operation declares its error responses with the codes each may
// carry, events are typed, there is a servers entry, and responses allow
// the fields the contract says may be added.
func TestOpenAPIForCodeGenerators(t *testing.T) {
	doc := loadOpenAPI(t)
	require.NotEmpty(t, doc.Servers, "a servers entry")
	require.Equal(t, "/", doc.Servers[0].URL)

	errorCodes := doc.Components.Extensions["x-error-codes"].(map[string]any)
	statusOf := regexp.MustCompile(`\b([45]\d\d)\b`)
	codesAt := map[int][]string{} // status → codes x-error-codes gives it
	for code, d := range errorCodes {
		head, _, _ := strings.Cut(d.(string), ":")
		head, _, _ = strings.Cut(head, "(")
		for _, m := range statusOf.FindAllString(head, -1) {
			st, _ := strconv.Atoi(m)
			codesAt[st] = append(codesAt[st], code)
		}
	}

	t.Run("every operation declares its error responses, each with its codes as an enum", func(t *testing.T) {
		require.Greater(t, doc.Paths.Len(), 30)
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				name := method + " " + path
				want := []int{400, 401, 503}
				if path != "/v1/addresses" && path != "/v1/openapi.json" && path != "/healthz" {
					want = append(want, 403)
				}
				if strings.Contains(path, "{") {
					want = append(want, 404)
				}
				if method != "GET" {
					want = append(want, 409)
				}
				if op.RequestBody != nil {
					want = append(want, 413, 415, 422)
				}
				for _, st := range want {
					ref := op.Responses.Status(st)
					require.NotNil(t, ref, "%s declares no %d response", name, st)
					mt := ref.Value.Content.Get("application/problem+json")
					require.NotNil(t, mt, "%s %d is a problem document", name, st)
					enum := codeEnum(t, mt.Schema.Value)
					require.NotEmpty(t, enum, "%s %d lists its codes", name, st)
					got := make([]string, 0, len(enum))
					for _, c := range enum {
						got = append(got, c.(string))
					}
					want := slices.Clone(codesAt[st])
					sort.Strings(got)
					sort.Strings(want)
					require.Equal(t, want, got, "%s %d: the codes x-error-codes gives that status", name, st)
				}
				require.NotNil(t, op.Responses.Default(), "%s keeps a default problem for the statuses not listed", name)
			}
		}
		require.NotNil(t, doc.Paths.Find("/v1/accounts").Post.Responses.Status(429), "opening accounts is rate limited")
		require.NotNil(t, doc.Paths.Find("/v1/events").Get.Responses.Status(410), "a cursor beyond the end")
	})

	t.Run("Event.type is an enum of every event type", func(t *testing.T) {
		enum := doc.Components.Schemas["Event"].Value.Properties["type"].Value.Enum
		var got, want []string
		for _, e := range enum {
			got = append(got, e.(string))
		}
		for _, et := range permit.EventTypes() {
			want = append(want, string(et))
		}
		require.ElementsMatch(t, want, got)
	})

	t.Run("responses allow additional properties; request bodies refuse them", func(t *testing.T) {
		seen := map[*openapi3.Schema]bool{}
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				for status, ref := range op.Responses.Map() {
					for _, mt := range ref.Value.Content {
						requireOpen(t, method+" "+path+" "+status, mt.Schema, seen)
					}
				}
				if op.RequestBody != nil && op.RequestBody.Value.Content.Get("application/json") != nil {
					s := op.RequestBody.Value.Content.Get("application/json").Schema.Value
					// A provider's callback is the provider's shape: GOV.UK
					// Notify may add fields to its receipts, and they are
					// taken.
					if len(s.Properties) > 0 && path != "/v1/notification-receipts/govuknotify" {
						require.NotNil(t, s.AdditionalProperties.Has, "%s %s: the body refuses unknown fields", method, path)
						require.False(t, *s.AdditionalProperties.Has, "%s %s", method, path)
					}
				}
			}
		}
	})
}

// codeEnum is the enum of a problem schema's code, through its allOf.
func codeEnum(t *testing.T, s *openapi3.Schema) []any {
	t.Helper()
	if p := s.Properties["code"]; p != nil && len(p.Value.Enum) > 0 {
		return p.Value.Enum
	}
	for _, part := range s.AllOf {
		if e := codeEnum(t, part.Value); len(e) > 0 {
			return e
		}
	}
	return nil
}

// requireOpen fails when a schema a response reaches forbids properties
// it does not name.
func requireOpen(t *testing.T, where string, ref *openapi3.SchemaRef, seen map[*openapi3.Schema]bool) {
	t.Helper()
	if ref == nil || ref.Value == nil || seen[ref.Value] {
		return
	}
	s := ref.Value
	seen[s] = true
	if s.AdditionalProperties.Has != nil {
		require.True(t, *s.AdditionalProperties.Has, "%s: %s forbids additional properties", where, ref.Ref)
	}
	for _, p := range s.Properties {
		requireOpen(t, where, p, seen)
	}
	requireOpen(t, where, s.Items, seen)
	requireOpen(t, where, s.AdditionalProperties.Schema, seen)
	for _, group := range [][]*openapi3.SchemaRef{s.AllOf, s.AnyOf, s.OneOf} {
		for _, r := range group {
			requireOpen(t, where, r, seen)
		}
	}
}
