// Package dvlavestest is a fake DVLA Vehicle Enquiry Service for tests: an
// httptest server answering POST /vehicle-enquiry/v1/vehicles as DVLA's
// test environment does.
//
// It checks the x-api-key header (403 {"message":"Forbidden"} without the
// right one, as DVLA's API gateway answers) and the body (400 for a
// registration missing or holding anything but letters and digits), and
// answers DVLA's documented test registrations the way its UAT
// environment does: AA19AAA, AA19EEE (electric), AA19PPP (heavy goods),
// L2WPS, AA19SRN, AA19DSL, AA19MOT and AA19AMP are found; ER19BAD answers
// 400, ER19NFD 404, ER19THR 429, ER19ERR 500 and ER19MNT 503, with DVLA's
// error bodies. The found records are ours, shaped after DVLA's example
// (DVLA publishes which registrations answer what, not every field).
// Tests add vehicles (Add), make the next answers fail (FailNext) and
// count requests.
//
// Its answers are checked against DVLA's published OpenAPI document in
// this package's tests (Spec).
package dvlavestest

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
)

// APIKey is the key the fake accepts unless Config says another.
const APIKey = "dvla-test-key"

// Vehicle is a VES record, as DVLA's Vehicle schema names its fields.
type Vehicle map[string]any

// Registrations of DVLA's test environment and what they answer.
var (
	// Found are the test registrations VES answers with a vehicle.
	Found = []string{"AA19AAA", "AA19EEE", "AA19PPP", "L2WPS", "AA19SRN", "AA19DSL", "AA19MOT", "AA19AMP"}
	// Failing are the test registrations VES answers with an error, and
	// the status of each.
	Failing = map[string]int{"ER19BAD": 400, "ER19NFD": 404, "ER19THR": 429, "ER19ERR": 500, "ER19MNT": 503}
)

func testVehicles() map[string]Vehicle {
	car := func(reg string, changes Vehicle) Vehicle {
		v := Vehicle{
			"registrationNumber": reg, "taxStatus": "Taxed", "taxDueDate": "2027-01-01", "artEndDate": "2025-03-30",
			"motStatus": "Valid", "motExpiryDate": "2027-06-01", "make": "FORD", "monthOfFirstDvlaRegistration": "2019-03",
			"monthOfFirstRegistration": "2019-03", "yearOfManufacture": 2019, "engineCapacity": 1598, "co2Emissions": 120,
			"fuelType": "PETROL", "markedForExport": false, "colour": "RED", "typeApproval": "M1", "wheelplan": "2 AXLE RIGID BODY",
			"revenueWeight": 0, "realDrivingEmissions": "1", "dateOfLastV5CIssued": "2019-05-20", "euroStatus": "EURO 6",
		}
		maps.Copy(v, changes)
		return v
	}
	return map[string]Vehicle{
		"AA19AAA": car("AA19AAA", nil),
		"AA19EEE": car("AA19EEE", Vehicle{"make": "TESLA", "colour": "WHITE", "fuelType": "ELECTRICITY", "engineCapacity": 0, "co2Emissions": 0}),
		"AA19PPP": car("AA19PPP", Vehicle{"make": "VOLVO", "colour": "BLUE", "fuelType": "DIESEL", "typeApproval": "N3", "revenueWeight": 44000, "wheelplan": "3 AXLE RIGID BODY", "engineCapacity": 12800}),
		"L2WPS":   car("L2WPS", Vehicle{"make": "ROVER", "colour": "GREEN", "yearOfManufacture": 1998, "monthOfFirstRegistration": "1998-08", "monthOfFirstDvlaRegistration": "1998-08", "euroStatus": "EURO 2"}),
		"AA19SRN": car("AA19SRN", Vehicle{"taxStatus": "SORN", "colour": "BLACK"}),
		"AA19DSL": car("AA19DSL", Vehicle{"fuelType": "DIESEL", "make": "VAUXHALL", "colour": "SILVER"}),
		"AA19MOT": car("AA19MOT", Vehicle{"motStatus": "Not valid", "motExpiryDate": "2026-01-01", "taxStatus": "Untaxed"}),
		"AA19AMP": car("AA19AMP", Vehicle{"markedForExport": true, "make": "NISSAN", "colour": "GREY"}),
	}
}

// Config sets up a fake. Key defaults to APIKey.
type Config struct {
	Key string
}

// Server is a running fake VES. Safe for concurrent use.
type Server struct {
	*httptest.Server
	key string

	mu       sync.Mutex
	vehicles map[string]Vehicle
	fail     []int
	asked    []string // registrations asked about, in order
}

// NewServer starts a fake VES; Close it when done.
func NewServer(cfg Config) *Server {
	s := &Server{key: cfg.Key, vehicles: testVehicles()}
	if s.key == "" {
		s.key = APIKey
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /vehicle-enquiry/v1/vehicles", s.enquire)
	s.Server = httptest.NewServer(mux)
	return s
}

// Add makes the fake hold v (its "registrationNumber" names it).
func (s *Server) Add(v Vehicle) {
	reg, _ := v["registrationNumber"].(string)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.vehicles[reg] = maps.Clone(v)
}

// FailNext makes the next len(statuses) enquiries with the right key
// answer those statuses in turn (429, 500 or 503 with DVLA's bodies).
func (s *Server) FailNext(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = append(s.fail, statuses...)
}

// Asked returns the registrations asked about so far, one per request
// that reached the enquiry (a bad key or body included, as "").
func (s *Server) Asked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.asked...)
}

var errorBodies = map[int][4]string{ // status, code, title, detail
	400: {"400", "400", "Bad Request", "Invalid format for field - vehicle registration number"},
	404: {"404", "404", "Vehicle Not Found", "Record for vehicle not found"},
	429: {"429", "429", "Too Many Requests", "Too many requests, please try again later"},
	500: {"500", "500", "Internal Server Error", "System Error occurred"},
	503: {"503", "503", "Service Unavailable", "The service is currently unavailable for maintenance"},
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func answerError(w http.ResponseWriter, status int) {
	e := errorBodies[status]
	writeJSON(w, status, map[string]any{"errors": []map[string]string{{"status": e[0], "code": e[1], "title": e[2], "detail": e[3]}}})
}

var registrationRE = regexp.MustCompile(`^[A-Z0-9]{1,7}$`)

func (s *Server) enquire(w http.ResponseWriter, r *http.Request) {
	var body struct {
		RegistrationNumber *string `json:"registrationNumber"`
	}
	decodeErr := json.NewDecoder(r.Body).Decode(&body)
	reg := ""
	if decodeErr == nil && body.RegistrationNumber != nil {
		reg = *body.RegistrationNumber
	}
	s.mu.Lock()
	s.asked = append(s.asked, reg)
	var injected int
	keyOK := r.Header.Get("x-api-key") == s.key
	if keyOK && len(s.fail) > 0 {
		injected, s.fail = s.fail[0], s.fail[1:]
	}
	v, found := s.vehicles[reg]
	s.mu.Unlock()

	switch {
	case !keyOK:
		writeJSON(w, http.StatusForbidden, map[string]string{"message": "Forbidden"})
	case injected != 0:
		answerError(w, injected)
	case decodeErr != nil || !registrationRE.MatchString(reg):
		answerError(w, http.StatusBadRequest)
	case Failing[reg] != 0:
		answerError(w, Failing[reg])
	case !found:
		answerError(w, http.StatusNotFound)
	default:
		writeJSON(w, http.StatusOK, v)
	}
}
