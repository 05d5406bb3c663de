package leicestershire_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/examples/leicestershire"
	"github.com/carerpermit/carerpermit/zones"
)

func TestGazetteer(t *testing.T) {
	g, err := leicestershire.Gazetteer()
	require.NoError(t, err)
	require.Greater(t, g.Len(), 200_000)

	var ids []string
	for _, z := range g.Zones() {
		ids = append(ids, z.ID)
	}
	require.Equal(t, []string{
		"anstey-1", "anstey-2",
		"loughborough-1", "loughborough-2", "loughborough-3", "loughborough-4",
		"market-harborough-1", "market-harborough-2",
		"melton-mowbray-1", "melton-mowbray-2",
		"narborough-1", "narborough-2",
		"oadby-wigston-1", "oadby-wigston-2", "oadby-wigston-3", "oadby-wigston-4", "oadby-wigston-5",
	}, ids)

	ctx := context.Background()
	found, err := g.FindProperties(ctx, zones.MustParsePostcode("LE11 3AB"), "12")
	require.NoError(t, err)
	require.Len(t, found, 1)
	require.Equal(t, "Loughborough 3", found[0].Zone.Name)

	found, err = g.FindProperties(ctx, zones.MustParsePostcode("LE12 9AA"), "")
	require.NoError(t, err)
	require.NotEmpty(t, found)
	for _, p := range found {
		require.False(t, p.InZone(), "the villages around Loughborough have no permit zone")
	}
}

func ExampleGazetteer() {
	g, err := leicestershire.Gazetteer()
	if err != nil {
		panic(err)
	}
	found, err := g.FindProperties(context.Background(), zones.MustParsePostcode("LE11 3AB"), "12")
	if err != nil {
		panic(err)
	}
	for _, p := range found {
		fmt.Println(p.UPRN, p.Address(), "-", p.Zone)
	}
	// Output:
	// 900000027541 12 Leicester Close, Loughborough, LE11 3AB - Loughborough 3
}
