package strathmore_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/examples/strathmore"
	"github.com/carerpermit/carerpermit/zones"
)

// The embedded scheme and gazetteer load, and every property of the
// gazetteer lies in a zone the scheme covers or in none.
func TestSchemeAndGazetteerAgree(t *testing.T) {
	s, err := strathmore.Scheme()
	require.NoError(t, err)
	require.Equal(t, zones.Scotland, s.Nation)
	g, err := strathmore.Gazetteer()
	require.NoError(t, err)
	require.Positive(t, g.Len())
	covered := map[string]bool{}
	for _, z := range s.Rules.Zones {
		covered[z.ID] = true
	}
	for _, z := range g.Zones() {
		require.Truef(t, covered[z.ID], "gazetteer zone %s is not in the scheme", z.ID)
	}
}

func ExampleScheme() {
	s, err := strathmore.Scheme()
	if err != nil {
		panic(err)
	}
	fmt.Println(s.Council.Name)
	fmt.Println("calendar:", s.Nation, "renewal window:", s.Rules.RenewalWindowDays, "days")
	fmt.Println("refunds:", s.Refunds.Kind, "less", s.Refunds.AdminFee.StringFixed(2))
	// Output:
	// Strathmore Council (fictional)
	// calendar: scotland renewal window: 14 days
	// refunds: pro_rata less 5.00
}
