package main

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// Issue 11, defect 5: account creation is limited per client address, the
// counters are in the database (a restarted server, or a second one on the
// same database, still refuses), and --trusted-proxy decides whose
// X-Forwarded-For is believed.
func TestAccountCreationRateLimitSurvivesRestart(t *testing.T) {
	for name, db := range databases(t) {
		t.Run(name, func(t *testing.T) {
			dsn := db(t)
			s := startServer(t, dsn, "--account-creation-rate", "2/1h")
			houses := []string{"9", "10", "11", "13"}
			open := func(s *server, i int, headers ...string) reply {
				return s.do("POST", "/v1/accounts", "", map[string]any{"name": "Jane Smith", "uprn": s.find("LE11 3AB", houses[i])["uprn"]}, headers...)
			}
			for i := range 2 {
				require.Equal(t, http.StatusCreated, open(s, i).status)
			}
			r := open(s, 2)
			require.Equal(t, http.StatusTooManyRequests, r.status, "%s", r.body)
			require.Equal(t, "rate_limited", r.obj(t)["code"])
			wait, err := strconv.Atoi(r.header.Get("Retry-After"))
			require.NoError(t, err)
			require.Greater(t, wait, 0)
			require.LessOrEqual(t, wait, 3600)
			// X-Forwarded-For from a client that is not a trusted proxy
			// changes nothing.
			require.Equal(t, http.StatusTooManyRequests, open(s, 2, "X-Forwarded-For", "198.51.100.7").status)
			s.stop()

			// A restarted server remembers; trusting the loopback proxy
			// makes each forwarded client count on its own.
			s2 := startServer(t, dsn, "--account-creation-rate", "2/1h", "--trusted-proxy", "127.0.0.0/8,::1")
			require.Equal(t, http.StatusTooManyRequests, open(s2, 3).status, "the counters are in the database")
			require.Equal(t, http.StatusCreated, open(s2, 3, "X-Forwarded-For", "198.51.100.7").status)
		})
	}
}

func TestAccountCreationRateFlags(t *testing.T) {
	for _, bad := range [][]string{{"--account-creation-rate", "ten"}, {"--trusted-proxy", "10.0.0.0/33"}} {
		_, err := parseConfig(bad, func(string) string { return "" }, &lockedBuffer{})
		require.Error(t, err, "%v", bad)
	}
	c, err := parseConfig(nil, func(string) string { return "" }, &lockedBuffer{})
	require.NoError(t, err)
	require.Equal(t, "20/1h0m0s", c.accountCreationRate.String(), "on by default")
	c, err = parseConfig([]string{"--account-creation-rate", "off"}, func(k string) string {
		return map[string]string{"PERMITD_TRUSTED_PROXY": "10.0.0.0/8"}[k]
	}, &lockedBuffer{})
	require.NoError(t, err)
	require.True(t, c.accountCreationRate.Off())
	require.Len(t, c.trustedProxies, 1)
}
