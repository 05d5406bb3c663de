// Package osplacestest is a fake OS Places API for tests: an httptest
// server answering GET /search/places/v1/postcode and /uprn in the shape
// Ordnance Survey documents (a "header" with the query, offset,
// totalresults and maxresults, and "results", each {"DPA": {...}}; no
// "results" member at all when nothing matches), for the DPA dataset.
//
// It keeps what the real service keeps: addresses (Add), paged by
// maxresults (1 to 100, default 100) and offset; the API key, checked in
// the "key" header or query parameter (401 without a key, 403 with
// another, as OS answers for a key not on the project); 400 for a missing
// or malformed postcode or UPRN, an unknown dataset or output_srs, and a
// maxresults or offset out of range; errors as {"error": {"statuscode",
// "message"}}. FailNext makes the next answers fail (429, 500, 503) and
// Requests counts what was asked. Coordinates: LAT and LNG always; X and
// Y in the requested output_srs, which for EPSG:4326 (WGS84) are LNG and
// LAT and otherwise the British National Grid values the address was
// added with.
//
// There is no published machine-readable OS Places specification to check
// it against; its shape follows OS's technical specification as
// summarised in the project's shared INTEGRATIONS.md §4, and the error
// messages are ours.
package osplacestest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
)

// APIKey is the key the fake accepts unless New is given another.
const APIKey = "os-places-test-key"

// Path is where the API lives under the server's URL, as under
// https://api.os.uk.
const Path = "/search/places/v1"

// DPA is one Delivery Point Address record, with OS Places' field names
// (see INTEGRATIONS.md §4.2): UPRN is a string of digits; the coordinates
// are numbers.
type DPA struct {
	UPRN                      string  `json:"UPRN"`
	UDPRN                     string  `json:"UDPRN,omitempty"`
	Address                   string  `json:"ADDRESS"`
	OrganisationName          string  `json:"ORGANISATION_NAME,omitempty"`
	SubBuildingName           string  `json:"SUB_BUILDING_NAME,omitempty"`
	BuildingName              string  `json:"BUILDING_NAME,omitempty"`
	BuildingNumber            string  `json:"BUILDING_NUMBER,omitempty"`
	DependentThoroughfareName string  `json:"DEPENDENT_THOROUGHFARE_NAME,omitempty"`
	ThoroughfareName          string  `json:"THOROUGHFARE_NAME,omitempty"`
	DependentLocality         string  `json:"DEPENDENT_LOCALITY,omitempty"`
	PostTown                  string  `json:"POST_TOWN"`
	Postcode                  string  `json:"POSTCODE"`
	RPC                       string  `json:"RPC"`
	X                         float64 `json:"X_COORDINATE"`
	Y                         float64 `json:"Y_COORDINATE"`
	Lat                       float64 `json:"LAT"`
	Lng                       float64 `json:"LNG"`
	Status                    string  `json:"STATUS"`
	LogicalStatusCode         string  `json:"LOGICAL_STATUS_CODE"`
	ClassificationCode        string  `json:"CLASSIFICATION_CODE"`
	ClassificationDescription string  `json:"CLASSIFICATION_CODE_DESCRIPTION"`
	LocalCustodianCode        int     `json:"LOCAL_CUSTODIAN_CODE"`
	LocalCustodianDescription string  `json:"LOCAL_CUSTODIAN_CODE_DESCRIPTION"`
	CountryCode               string  `json:"COUNTRY_CODE"`
	CountryCodeDescription    string  `json:"COUNTRY_CODE_DESCRIPTION"`
	PostalAddressCode         string  `json:"POSTAL_ADDRESS_CODE"`
	PostalAddressDescription  string  `json:"POSTAL_ADDRESS_CODE_DESCRIPTION"`
	BLPUStateCode             string  `json:"BLPU_STATE_CODE,omitempty"`
	BLPUStateCodeDescription  string  `json:"BLPU_STATE_CODE_DESCRIPTION,omitempty"`
	TopographyLayerTOID       string  `json:"TOPOGRAPHY_LAYER_TOID,omitempty"`
	LastUpdateDate            string  `json:"LAST_UPDATE_DATE"`
	EntryDate                 string  `json:"ENTRY_DATE"`
	Language                  string  `json:"LANGUAGE"`
	Match                     float64 `json:"MATCH"`
	MatchDescription          string  `json:"MATCH_DESCRIPTION"`
	DeliveryPointSuffix       string  `json:"DELIVERY_POINT_SUFFIX,omitempty"`
	BNGX, BNGY                float64 `json:"-"` // British National Grid, for output_srs BNG / EPSG:27700
	ParentUPRN                string  `json:"PARENT_UPRN,omitempty"`
	WardCode                  string  `json:"WARD_CODE,omitempty"`
	ParishCode                string  `json:"PARISH_CODE,omitempty"`
	BLPUStateDate             string  `json:"BLPU_STATE_DATE,omitempty"`
}

// Server is a running fake. Safe for concurrent use.
type Server struct {
	*httptest.Server
	key string

	mu       sync.Mutex
	records  []DPA
	failures []int
	requests []*http.Request
}

// New starts a fake that accepts key (APIKey when empty). Close it when
// done.
func New(key string) *Server {
	if key == "" {
		key = APIKey
	}
	s := &Server{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+Path+"/postcode", s.postcode)
	mux.HandleFunc("GET "+Path+"/uprn", s.uprn)
	s.Server = httptest.NewServer(mux)
	return s
}

// BaseURL is the URL to give the adapter: the server's URL and Path.
func (s *Server) BaseURL() string { return s.URL + Path }

// Add adds addresses; postcode look-ups answer them in the order added.
func (s *Server) Add(records ...DPA) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records = append(s.records, records...)
}

// FailNext makes the next len(statuses) requests fail with those statuses,
// in order (429 Too Many Requests, 500, 503...).
func (s *Server) FailNext(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, statuses...)
}

// Requests returns the requests answered so far, in order (including those
// that failed).
func (s *Server) Requests() []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*http.Request(nil), s.requests...)
}

func fail(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"statuscode": status, "message": message}})
}

var failMessages = map[int]string{
	http.StatusTooManyRequests:     "Too many requests: the rate limit of the project's API key was exceeded",
	http.StatusInternalServerError: "Internal server error",
	http.StatusServiceUnavailable:  "Service unavailable",
}

// admit records the request and answers it with a failure (returning
// false) when one is due or the key is wrong.
func (s *Server) admit(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	s.requests = append(s.requests, r.Clone(r.Context()))
	var status int
	if len(s.failures) > 0 {
		status, s.failures = s.failures[0], s.failures[1:]
	}
	s.mu.Unlock()
	if status != 0 {
		msg := failMessages[status]
		if msg == "" {
			msg = http.StatusText(status)
		}
		fail(w, status, msg)
		return false
	}
	key := r.Header.Get("key")
	if key == "" {
		key = r.URL.Query().Get("key")
	}
	switch {
	case key == "":
		fail(w, http.StatusUnauthorized, "Missing API key: send it in the key header or query parameter")
		return false
	case key != s.key:
		fail(w, http.StatusForbidden, "The API key is not valid for OS Places API on this project")
		return false
	}
	return true
}

// query holds the parameters common to both look-ups.
type query struct {
	maxResults, offset int
	wgs84              bool
	srs                string
}

func (s *Server) common(w http.ResponseWriter, r *http.Request) (query, bool) {
	q := r.URL.Query()
	out := query{maxResults: 100, srs: "EPSG:27700"}
	if v := q.Get("maxresults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			fail(w, http.StatusBadRequest, fmt.Sprintf("Requested maxresults %q must be a whole number from 1 to 100", v))
			return out, false
		}
		out.maxResults = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			fail(w, http.StatusBadRequest, fmt.Sprintf("Requested offset %q must be a whole number, 0 or more", v))
			return out, false
		}
		out.offset = n
	}
	if v := q.Get("dataset"); v != "" {
		for _, d := range strings.Split(v, ",") {
			if d != "DPA" && d != "LPI" {
				fail(w, http.StatusBadRequest, fmt.Sprintf("Requested dataset %q is not DPA or LPI", d))
				return out, false
			}
		}
		if !strings.Contains(v, "DPA") {
			fail(w, http.StatusBadRequest, "this fake serves the DPA dataset only")
			return out, false
		}
	}
	switch v := q.Get("output_srs"); v {
	case "", "BNG", "EPSG:27700":
	case "WGS84", "EPSG:4326":
		out.wgs84, out.srs = true, "EPSG:4326"
	default:
		fail(w, http.StatusBadRequest, fmt.Sprintf("Requested output_srs %q is not one of BNG, EPSG:27700, WGS84, EPSG:4326, EPSG:3857, EPSG:4258", v))
		return out, false
	}
	return out, true
}

func normalise(postcode string) string {
	return strings.ToUpper(strings.ReplaceAll(postcode, " ", ""))
}

func (s *Server) postcode(w http.ResponseWriter, r *http.Request) {
	if !s.admit(w, r) {
		return
	}
	q, ok := s.common(w, r)
	if !ok {
		return
	}
	raw := r.URL.Query().Get("postcode")
	want := normalise(raw)
	if len(want) < 2 || len(want) > 7 || !isAlnum(want) {
		fail(w, http.StatusBadRequest, fmt.Sprintf("Requested postcode must contain a minimum of the area and district, e.g. SO16. Requested postcode was %s", raw))
		return
	}
	s.mu.Lock()
	var found []DPA
	for _, d := range s.records {
		if strings.HasPrefix(normalise(d.Postcode), want) {
			found = append(found, d)
		}
	}
	s.mu.Unlock()
	s.answer(w, r, q, "postcode="+raw, found)
}

func (s *Server) uprn(w http.ResponseWriter, r *http.Request) {
	if !s.admit(w, r) {
		return
	}
	q, ok := s.common(w, r)
	if !ok {
		return
	}
	raw := r.URL.Query().Get("uprn")
	if raw == "" || len(raw) > 12 || !isDigits(raw) {
		fail(w, http.StatusBadRequest, fmt.Sprintf("Requested uprn must be a whole number of up to 12 digits. Requested uprn was %s", raw))
		return
	}
	s.mu.Lock()
	var found []DPA
	for _, d := range s.records {
		if strings.TrimLeft(d.UPRN, "0") == strings.TrimLeft(raw, "0") {
			found = append(found, d)
		}
	}
	s.mu.Unlock()
	s.answer(w, r, q, "uprn="+raw, found)
}

func (s *Server) answer(w http.ResponseWriter, r *http.Request, q query, what string, found []DPA) {
	header := map[string]any{
		"uri": r.URL.String(), "query": what, "offset": q.offset, "totalresults": len(found),
		"format": "JSON", "dataset": "DPA", "lr": "EN,CY", "maxresults": q.maxResults,
		"epoch": "117", "lastupdate": "2026-11-20", "output_srs": q.srs,
	}
	body := map[string]any{"header": header}
	if q.offset < len(found) {
		page := found[q.offset:min(len(found), q.offset+q.maxResults)]
		results := make([]map[string]DPA, len(page))
		for i, d := range page {
			if q.wgs84 {
				d.X, d.Y = d.Lng, d.Lat
			} else {
				d.X, d.Y = d.BNGX, d.BNGY
			}
			results[i] = map[string]DPA{"DPA": d}
		}
		body["results"] = results
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Address builds a record as OS Places gives one: the parts in capitals,
// ADDRESS joined from them, an approved live record in England, with the
// classification code given ("RD04" a terraced house, "RD06" a flat,
// "CO01GV" an office...).
func Address(uprn, sub, name, number, street, town, postcode string, lat, lng float64, classification string) DPA {
	up := strings.ToUpper
	var parts []string
	for _, p := range []string{sub, name, number, street, town, postcode} {
		if p != "" {
			parts = append(parts, up(p))
		}
	}
	return DPA{
		UPRN: uprn, UDPRN: "5" + uprn[max(0, len(uprn)-7):], Address: strings.Join(parts, ", "),
		SubBuildingName: up(sub), BuildingName: up(name), BuildingNumber: number, ThoroughfareName: up(street),
		PostTown: up(town), Postcode: up(postcode), RPC: "1", Lat: lat, Lng: lng,
		BNGX: 437292.43, BNGY: 115541.95, // not converted: tests that ask for BNG read what was given
		Status: "APPROVED", LogicalStatusCode: "1", ClassificationCode: classification,
		ClassificationDescription: "as given", LocalCustodianCode: 2465, LocalCustodianDescription: "CHARNWOOD",
		CountryCode: "E", CountryCodeDescription: "This record is within England",
		PostalAddressCode: "D", PostalAddressDescription: "A record which is linked to PAF",
		LastUpdateDate: "10/02/2016", EntryDate: "12/01/2000", Language: "EN", Match: 1, MatchDescription: "EXACT",
	}
}
