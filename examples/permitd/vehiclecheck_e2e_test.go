package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/dvlaves/dvlavestest"
)

// dvlaFront is the fake DVLA behind a switch: while down, every enquiry
// is answered 503 as DVLA answers during maintenance.
type dvlaFront struct {
	*httptest.Server
	fake *dvlavestest.Server
	down atomic.Bool
}

func newDVLAFront(t *testing.T) *dvlaFront {
	t.Helper()
	f := &dvlaFront{fake: dvlavestest.NewServer(dvlavestest.Config{})}
	t.Cleanup(f.fake.Close)
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f.down.Load() {
			f.fake.FailNext(http.StatusServiceUnavailable)
		}
		f.fake.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

// schemeWith writes the Leicestershire scheme with the vehicle check set
// to mode.
func schemeWith(t *testing.T, mode string) string {
	t.Helper()
	data, err := os.ReadFile("../leicestershire/scheme.yaml")
	require.NoError(t, err)
	dir := t.TempDir()
	zones, err := os.ReadFile("../leicestershire/zones.geojson")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "zones.geojson"), zones, 0o600)) // the scheme's zone_map, beside it
	path := filepath.Join(dir, "scheme.yaml")
	require.NoError(t, os.WriteFile(path, append(data, []byte("\nvehicle_check: "+mode+"\n")...), 0o600))
	return path
}

func flagsOf(p map[string]any) []any {
	f, _ := p["flags"].([]any)
	return f
}

// TestVehicleCheckDVLA: permitd --vehicle-check dvla against the fake VES.
// Under warn an unknown vehicle goes to review flagged, with DVLA's answer
// shown in the permit and the review queue; under require it is refused;
// DVLA down leaves the application flagged vehicle_unchecked, and the due
// jobs clear the flag once DVLA answers again.
func TestVehicleCheckDVLA(t *testing.T) {
	err := run(t.Context(), []string{"--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "x.db"), "--vehicle-check", "dvla"},
		func(string) string { return "" }, &lockedBuffer{})
	require.ErrorContains(t, err, "--vehicle-check dvla needs PERMITD_DVLA_API_KEY")

	for name, db := range databases(t) {
		t.Run(name, func(t *testing.T) {
			dvla := newDVLAFront(t)
			env := map[string]string{"PERMITD_DVLA_API_KEY": dvlavestest.APIKey, "PERMITD_DVLA_URL": dvla.URL}
			const officer = testOfficerToken
			apply := func(s *server, r resident, name, vrm string) reply {
				return s.do("POST", "/v1/accounts/"+r.id+"/permits", r.token,
					map[string]any{"type": "essential-carer", "vrm": vrm, "evidence": careLetter(name, "2026-11-20")})
			}
			queued := func(s *server, id string) map[string]any {
				q := s.must(200, "GET", "/v1/review-queue", officer, nil)
				for _, it := range q["items"].([]any) {
					if item := it.(map[string]any); item["id"] == id {
						return item["permit"].(map[string]any)
					}
				}
				t.Fatalf("permit %s is not in the review queue: %v", id, q)
				return nil
			}

			t.Run("warn", func(t *testing.T) {
				s := startServerEnv(t, db(t), env, "--test-clock", "--scheme", schemeWith(t, "warn"), "--vehicle-check", "dvla")
				s.setClock("2026-12-01T10:00:00Z")

				jane := s.open("Jane Smith", s.find("LE11 3AB", "12")["uprn"].(string))
				r := apply(s, jane, "Jane Smith", "ER19 NFD") // DVLA's "not found" test registration
				require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
				p := r.obj(t)
				require.Equal(t, "pending_review", p["status"])
				require.Equal(t, []any{"vehicle_not_found"}, flagsOf(p))
				inQueue := queued(s, p["id"].(string))
				require.Equal(t, []any{"vehicle_not_found"}, flagsOf(inQueue))
				require.Equal(t, "not_found", inQueue["vehicle_check"].(map[string]any)["outcome"])

				ann := s.open("Ann Lee", s.find("LE11 3AB", "9")["uprn"].(string))
				r = apply(s, ann, "Ann Lee", "AA19AAA")
				require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
				found := r.obj(t)
				require.Empty(t, flagsOf(found))
				got := s.must(200, "GET", "/v1/permits/"+found["id"].(string), officer, nil)
				chk := got["vehicle_check"].(map[string]any)
				require.Equal(t, "found", chk["outcome"])
				require.Equal(t, "AA19AAA", chk["vrm"])
				require.NotEmpty(t, chk["vehicle"].(map[string]any)["make"], "DVLA's answer is shown")

				// DVLA down: the application proceeds, flagged.
				dvla.down.Store(true)
				omar := s.open("Omar Khan", s.find("LE11 3AD", "18")["uprn"].(string))
				r = apply(s, omar, "Omar Khan", "AA19EEE")
				require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
				unchecked := r.obj(t)
				id := unchecked["id"].(string)
				require.Equal(t, []any{"vehicle_unchecked"}, flagsOf(unchecked))
				require.Equal(t, []any{"vehicle_unchecked"}, flagsOf(queued(s, id)))

				rep := s.setClock("2026-12-01T10:05:00Z")
				require.EqualValues(t, 0, rep["vehicles_checked"], "still down")
				require.Equal(t, []any{"vehicle_unchecked"}, flagsOf(s.must(200, "GET", "/v1/permits/"+id, officer, nil)))

				dvla.down.Store(false)
				rep = s.setClock("2026-12-01T10:10:00Z")
				require.EqualValues(t, 1, rep["vehicles_checked"])
				cleared := s.must(200, "GET", "/v1/permits/"+id, officer, nil)
				require.Empty(t, flagsOf(cleared), "the due jobs cleared the flag")
				require.Equal(t, "found", cleared["vehicle_check"].(map[string]any)["outcome"])
				require.Empty(t, flagsOf(queued(s, id)))
				require.NoError(t, s.oas.Err(), "traffic that does not match openapi.json")
				require.NotContains(t, s.out.String(), dvlavestest.APIKey, "the key never reaches the log")
			})

			t.Run("require", func(t *testing.T) {
				s := startServerEnv(t, db(t), env, "--test-clock", "--scheme", schemeWith(t, "require"), "--vehicle-check", "dvla")
				s.setClock("2026-12-01T10:00:00Z")
				jane := s.open("Jane Smith", s.find("LE11 3AB", "12")["uprn"].(string))
				s.problem(422, "vehicle_not_found", "POST", "/v1/accounts/"+jane.id+"/permits", jane.token,
					map[string]any{"type": "essential-carer", "vrm": "ER19NFD", "evidence": careLetter("Jane Smith", "2026-11-20")})
				list := s.must(200, "GET", "/v1/review-queue", officer, nil)
				require.Empty(t, list["items"], "nothing stored")

				// DVLA rate limiting never refuses, even under require.
				dvla.fake.FailNext(http.StatusTooManyRequests, http.StatusTooManyRequests, http.StatusTooManyRequests, http.StatusTooManyRequests)
				r := apply(s, jane, "Jane Smith", "AA19PPP")
				require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
				require.Equal(t, []any{"vehicle_unchecked"}, flagsOf(r.obj(t)))
				require.NoError(t, s.oas.Err(), "traffic that does not match openapi.json")
			})
		})
	}
}
