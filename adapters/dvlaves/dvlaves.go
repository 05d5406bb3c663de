// Package dvlaves is a permit.VehicleRegister over the DVLA Vehicle Enquiry
// Service (VES, https://developer-portal.driver-vehicle-licensing.api.gov.uk):
// POST /vehicle-enquiry/v1/vehicles with the registration in the body (DVLA
// treats it as sensitive, so it never goes in a URL) and the x-api-key
// header. It decides only how DVLA's answers map onto the port:
//
//   - 200: the vehicle, in DVLA's words, dates read as calendar dates;
//   - 404: permit.ErrVehicleNotFound; 400: permit.ErrInvalidVRM;
//   - 429, 5xx, a refused key (403) or no answer: permit.ErrUnavailable,
//     after retries with backoff (an enquiry changes nothing, so even a
//     request cut off is sent again).
//
// Every failure is an *Error keeping DVLA's status, code, title and detail,
// never the registration. dvlavestest is a fake VES for tests.
package dvlaves

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/adapters/internal/httpclient"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones/civil"
)

// The VES environments.
const (
	DefaultBaseURL = "https://driver-vehicle-licensing.api.gov.uk"
	UATBaseURL     = "https://uat.driver-vehicle-licensing.api.gov.uk"
)

// Path is the enquiry's path under the base URL.
const Path = "/vehicle-enquiry/v1/vehicles"

// Config says which VES to ask and with which key.
type Config struct {
	APIKey  string
	BaseURL string // DefaultBaseURL when empty; tests give a fake's
}

// Options tune the HTTP client. A resident may be waiting on the answer,
// so the defaults are short: 5 s an attempt, 3 attempts, 8 s in all.
type Options struct {
	HTTP         *http.Client
	Timeout      time.Duration
	MaxAttempts  int
	MaxRetryTime time.Duration
	// Now, Sleep and Jitter stand in for the clock and waiting in tests
	// (see httpclient.Options).
	Now    func() time.Time
	Sleep  func(ctx context.Context, d time.Duration) error
	Jitter func() float64
}

// Error is an enquiry DVLA did not answer with a vehicle: its answer
// (Status, DVLA's code, title and detail) or the transport failure (Status
// 0). errors.Is matches the permit sentinel its status means.
type Error struct {
	Status   int
	Code     string
	Title    string
	Detail   string
	Attempts int
	Err      error
}

func (e *Error) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("dvlaves: vehicle enquiry not answered: %v", e.Err)
	}
	s := fmt.Sprintf("dvlaves: vehicle enquiry: %d", e.Status)
	if e.Code != "" {
		s += " (" + e.Code + ")"
	}
	for _, part := range []string{e.Title, e.Detail} {
		if part != "" {
			s += ": " + part
		}
	}
	if e.Status/100 == 2 && e.Err != nil {
		s += ": " + e.Err.Error()
	}
	if e.Attempts > 1 {
		s += fmt.Sprintf(" after %d attempts", e.Attempts)
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Is maps the answer onto the port's sentinels: 404 is
// permit.ErrVehicleNotFound, 400 permit.ErrInvalidVRM, anything else
// permit.ErrUnavailable.
func (e *Error) Is(target error) bool {
	switch e.Status {
	case http.StatusNotFound:
		return target == permit.ErrVehicleNotFound
	case http.StatusBadRequest:
		return target == permit.ErrInvalidVRM
	}
	return target == permit.ErrUnavailable
}

// Client asks VES. Safe for concurrent use.
type Client struct {
	key    string
	url    string
	client *httpclient.Client
}

var _ permit.VehicleRegister = (*Client)(nil)

// New returns a Client; opts may be nil.
func New(cfg Config, opts *Options) (*Client, error) {
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, errors.New("dvlaves: no API key")
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 3
	}
	if o.MaxRetryTime <= 0 {
		o.MaxRetryTime = 8 * time.Second
	}
	client := httpclient.New(&httpclient.Options{
		HTTP: o.HTTP, Timeout: o.Timeout, MaxAttempts: o.MaxAttempts, MaxRetryTime: o.MaxRetryTime,
		BaseDelay: 250 * time.Millisecond, MaxDelay: 2 * time.Second,
		Now: o.Now, Sleep: o.Sleep, Jitter: o.Jitter,
		// An enquiry changes nothing at DVLA: a request cut off may be sent
		// again like a GET.
		Retryable: func(_ *http.Request, status int, err error) bool {
			return err != nil || status == http.StatusTooManyRequests || status >= 500
		},
	})
	return &Client{key: strings.TrimSpace(cfg.APIKey), url: base + Path, client: client}, nil
}

// vehicle is VES's Vehicle schema (the fields the port keeps).
type vehicle struct {
	RegistrationNumber string `json:"registrationNumber"`
	Make               string `json:"make"`
	Colour             string `json:"colour"`
	FuelType           string `json:"fuelType"`
	TypeApproval       string `json:"typeApproval"`
	YearOfManufacture  int    `json:"yearOfManufacture"`
	TaxStatus          string `json:"taxStatus"`
	TaxDueDate         string `json:"taxDueDate"`
	MOTStatus          string `json:"motStatus"`
	MOTExpiryDate      string `json:"motExpiryDate"`
	MarkedForExport    bool   `json:"markedForExport"`
}

// CheckVehicle asks VES about vrm (sent without spaces). Errors: an
// *Error matching permit.ErrVehicleNotFound, permit.ErrInvalidVRM or
// permit.ErrUnavailable; ctx's error when ctx ends first.
func (c *Client) LookUpVehicle(ctx context.Context, vrm permit.VRM) (permit.Vehicle, error) {
	reg := registration(string(vrm))
	if reg == "" {
		return permit.Vehicle{}, &Error{Status: http.StatusBadRequest, Detail: "no registration to ask about", Err: permit.ErrInvalidVRM}
	}
	req, err := httpclient.NewJSONRequest(ctx, http.MethodPost, c.url, map[string]string{"registrationNumber": reg})
	if err != nil {
		return permit.Vehicle{}, err
	}
	req.Header.Set("x-api-key", c.key)
	req.Header.Set("X-Correlation-Id", correlationID())
	var v vehicle
	resp, err := c.client.DoJSON(req, &v)
	if err != nil {
		if ctx.Err() != nil {
			return permit.Vehicle{}, ctx.Err()
		}
		e := &Error{Err: err}
		var herr *httpclient.Error
		if errors.As(err, &herr) {
			e.Status, e.Code, e.Attempts = herr.Status, herr.Code, herr.Attempts
			e.Title, e.Detail = titleDetail(herr.Body)
		}
		return permit.Vehicle{}, e
	}
	out := permit.Vehicle{
		VRM: vrm, Make: v.Make, Colour: v.Colour, FuelType: v.FuelType, TypeApproval: v.TypeApproval,
		YearOfManufacture: v.YearOfManufacture, TaxStatus: permit.TaxStatus(v.TaxStatus), MOTStatus: permit.MOTStatus(v.MOTStatus),
		MarkedForExport: v.MarkedForExport,
	}
	var bad []string
	for _, d := range []struct {
		name string
		in   string
		out  *civil.Date
	}{{"taxDueDate", v.TaxDueDate, &out.TaxDueDate}, {"motExpiryDate", v.MOTExpiryDate, &out.MOTExpiryDate}} {
		if d.in == "" {
			continue
		}
		day, err := civil.Parse(d.in)
		if err != nil {
			bad = append(bad, d.name)
			continue
		}
		*d.out = day
	}
	if len(bad) > 0 || registration(v.RegistrationNumber) != reg {
		return permit.Vehicle{}, &Error{Status: resp.Status, Attempts: resp.Attempts,
			Err: fmt.Errorf("the answer does not read as the vehicle asked about (registration, or dates %v)", bad)}
	}
	return out, nil
}

// registration is s as VES wants it: letters and digits only, in capitals.
func registration(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// titleDetail reads the title and detail of DVLA's first error.
func titleDetail(body []byte) (title, detail string) {
	var e struct {
		Errors []struct {
			Title  string `json:"title"`
			Detail string `json:"detail"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &e) == nil && len(e.Errors) > 0 {
		return e.Errors[0].Title, e.Errors[0].Detail
	}
	return "", ""
}

func correlationID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "carerpermit-" + hex.EncodeToString(b[:])
}
