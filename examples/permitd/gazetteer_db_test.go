package main

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/sqlstore"
	"github.com/carerpermit/carerpermit/zones"
)

// With --gazetteer db (PERMITD_GAZETTEER=db) permitd finds addresses in
// the properties permitctl imported into its database, and refuses to
// start on a database that has none.
func TestGazetteerInDatabase(t *testing.T) {
	for name, newDB := range databases(t) {
		t.Run(name, func(t *testing.T) {
			db := newDB(t)
			err := run(t.Context(), []string{"--addr", "127.0.0.1:0", "--db", db, "--gazetteer", "db"},
				func(string) string { return "" }, &lockedBuffer{})
			require.ErrorContains(t, err, "the database holds no properties")
			require.ErrorContains(t, err, "permitctl import-gazetteer")

			st, err := sqlstore.Open(context.Background(), db, nil)
			require.NoError(t, err)
			sum, err := st.ImportGazetteer(context.Background(), strings.NewReader(zones.GazetteerHeader+`
900000000001,Flat 2,,14,Ashby Road,Loughborough,LE11 3AB,loughborough-3,Loughborough 3
900000000002,,Rose Cottage,,Ashby Road,Loughborough,LE11 3AB,loughborough-3,Loughborough 3
`), nil)
			require.NoError(t, err)
			require.Equal(t, 2, sum.Imported)
			require.NoError(t, st.Close())

			s := startServer(t, db, "--gazetteer", "db")
			require.Contains(t, s.out.String(), "properties=2")
			r := s.do("GET", "/v1/addresses?postcode=le113ab&house=flat+2+14", "", nil)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			var found []map[string]any
			require.NoError(t, jsonDecode(r.body, &found))
			require.Len(t, found, 1)
			require.Equal(t, "900000000001", found[0]["uprn"])
			require.Equal(t, "loughborough-3", found[0]["zone"].(map[string]any)["id"])

			// An account at an imported property.
			acc := s.must(http.StatusCreated, "POST", "/v1/accounts", "", map[string]any{"name": "Jane Smith", "uprn": "900000000002"})
			require.Contains(t, acc["address"], "Rose Cottage")
		})
	}
}
