package httpapi_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit"
)

// eventDataSchemas returns the schema of each event type's data, as the
// Event schema's x-data-schemas names it.
func eventDataSchemas(t *testing.T, doc *openapi3.T) map[string]*openapi3.Schema {
	t.Helper()
	ev := doc.Components.Schemas["Event"].Value
	refs, ok := ev.Extensions["x-data-schemas"].(map[string]any)
	require.True(t, ok, "Event has x-data-schemas")
	out := map[string]*openapi3.Schema{}
	for typ, ref := range refs {
		name, ok := strings.CutPrefix(ref.(string), "#/components/schemas/")
		require.True(t, ok, "%s: %v", typ, ref)
		s := doc.Components.Schemas[name]
		require.NotNil(t, s, "%s: no schema %s", typ, name)
		out[typ] = s.Value
	}
	return out
}

// documentedEventKeys reads each event type's data keys from
// docs/EVENTS.md.
func documentedEventKeys(t *testing.T) map[string][]string {
	t.Helper()
	b, err := os.ReadFile("../../docs/EVENTS.md")
	require.NoError(t, err)
	heading := regexp.MustCompile("^### `([a-z_.]+)`$")
	row := regexp.MustCompile("^\\| ((?:`[a-z_]+`(?:, )?)+) \\|")
	key := regexp.MustCompile("`([a-z_]+)`")
	out := map[string][]string{}
	current := ""
	for _, line := range strings.Split(string(b), "\n") {
		if m := heading.FindStringSubmatch(line); m != nil {
			current = m[1]
			out[current] = []string{}
			continue
		}
		if strings.HasPrefix(line, "## ") {
			current = ""
		}
		if m := row.FindStringSubmatch(line); m != nil && current != "" {
			for _, k := range key.FindAllStringSubmatch(m[1], -1) {
				out[current] = append(out[current], k[1])
			}
		}
	}
	return out
}

// Issue 14 item 14: the OpenAPI document describes each event type's data
// (components.schemas.<Type>Data, named by the Event schema's
// x-data-schemas), and the events the service really appends match them:
// every key they carry is declared for their type and the keys the
// document requires are there.
func TestEventDataSchemas(t *testing.T) {
	doc := loadOpenAPI(t)
	schemas := eventDataSchemas(t, doc)
	var types []string
	for _, et := range permit.EventTypes() {
		types = append(types, string(et))
		require.Contains(t, schemas, string(et), "a data schema for %s", et)
	}
	for typ := range schemas {
		require.Contains(t, types, typ, "x-data-schemas names %s, which is no event type", typ)
	}
	documented := documentedEventKeys(t)
	for typ, s := range schemas {
		require.NotNil(t, s.AdditionalProperties.Schema, "%s: keys may be added, so its data allows more", typ)
		var keys []string
		for k := range s.Properties {
			keys = append(keys, k)
		}
		require.ElementsMatch(t, documented[typ], keys,
			"%s: the data schema's keys are docs/EVENTS.md's (scripts/openapi-event-data.py rewrites the schemas from it)", typ)
	}

	hs := newHarness(t)
	j := &journey{hs: hs, r: rand.New(rand.NewPCG(4, 14))}
	for range 10 {
		j.newAccount()
	}
	for range 250 {
		j.step()
	}
	seen := map[string]int{}
	after := ""
	for {
		page := hs.must(http.StatusOK, "GET", "/v1/events?limit=100&after="+url.QueryEscape(after), officerToken, nil)
		evs := page["events"].([]any)
		if len(evs) == 0 {
			break
		}
		for _, e := range evs {
			ev := e.(map[string]any)
			typ, data := ev["type"].(string), ev["data"].(map[string]any)
			seen[typ]++
			s := schemas[typ]
			require.NotNil(t, s, "event type %s has no data schema", typ)
			require.NoError(t, s.VisitJSON(data), "the data of event %v does not match %s's schema", ev["id"], typ)
			for k := range data {
				require.Contains(t, s.Properties, k, "a %s event carries data key %q, which its schema does not declare", typ, k)
			}
		}
		after = page["next"].(string)
	}
	var names []string
	for typ, n := range seen {
		names = append(names, fmt.Sprintf("%s %d", typ, n))
	}
	slices.Sort(names)
	require.GreaterOrEqual(t, len(seen), 10, "event types seen: %v", names)
	t.Logf("event types checked: %v", names)
}
