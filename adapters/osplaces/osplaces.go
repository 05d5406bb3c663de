// Package osplaces is a zones.Locator over Ordnance Survey's OS Places API
// (AddressBase: every addressable place in Great Britain with its UPRN).
// It decides only how OS Places' answers map onto the port:
//
//   - FindProperties asks GET /postcode for the postcode's Delivery Point
//     Addresses (dataset=DPA), every page of them (maxresults up to 100,
//     offset on until header.totalresults), keeps the residential ones
//     (classification codes starting R, or the prefixes configured), and
//     chooses among them by house number or name as every Locator does
//     (zones.MatchHouse). A postcode's addresses are cached for a
//     configurable time, so that the applicant's next look-up, and the
//     application that follows, ask nothing.
//   - Property asks GET /uprn; no result, or a non-residential one, is
//     zones.ErrPropertyNotFound.
//   - Coordinates are asked in WGS84 (output_srs=EPSG:4326) and become the
//     property's Location. OS Places knows no permit zones: put a
//     zonemap.Locator in front of this one to give each property its zone.
//   - The API key goes in the "key" header, never in a URL. 401 and 403
//     (no key, or a key not on the project's plan) are configuration
//     errors (ErrConfig); 429 and 5xx are tried again with backoff
//     (adapters/internal/httpclient) and then, like a network failure,
//     permit.ErrUnavailable; a postcode OS Places has no address for is an
//     empty answer.
//
// The cache is a cache: losing it (a restart, another server instance)
// changes no answer, only how often OS Places is asked. osplacestest is a
// fake OS Places for tests.
package osplaces

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/carerpermit/carerpermit/adapters/internal/httpclient"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// DefaultBaseURL is OS Places' address.
const DefaultBaseURL = "https://api.os.uk/search/places/v1"

// ErrConfig is returned (in an *Error) when OS Places refuses the key: 401
// (no key, or an unknown one) or 403 (the key's project does not have the
// API). It is the deployment that must change, not the request. Check
// with errors.Is; such an error matches permit.ErrUnavailable too, since
// the look-up cannot be answered.
var ErrConfig = errors.New("OS Places refused the API key")

// Config says which OS Places to ask and with which key.
type Config struct {
	Key     string
	BaseURL string // DefaultBaseURL when empty; tests give a fake's
}

// Options tune the Locator; nil means the defaults.
type Options struct {
	// Classifications are the AddressBase classification code prefixes
	// of the addresses a permit can be for: ["R"] (every residential
	// class) when nil. "RD" keeps dwellings only, leaving out, e.g., RH
	// (houses in multiple occupation) and RI (residential institutions).
	Classifications []string
	// CacheTTL is how long a postcode's (or a UPRN's) answer is kept:
	// 24 hours when 0; a negative value keeps nothing. AddressBase
	// changes every six weeks, and a new house is rare.
	CacheTTL time.Duration
	// CacheEntries bounds the postcodes and UPRNs kept, 50,000 when 0: a
	// county's worth of postcodes, a few tens of megabytes at most.
	CacheEntries int
	// PageSize is maxresults, 100 (OS Places' largest) when 0.
	PageSize int

	// The HTTP client: HTTP sends the requests; Timeout bounds an attempt
	// (5 s); MaxAttempts (3) and MaxRetryTime (8 s) bound the retries of
	// 429, 5xx and network failures. An applicant is waiting.
	HTTP         *http.Client
	Timeout      time.Duration
	MaxAttempts  int
	MaxRetryTime time.Duration
	// Now is the clock of the cache and, with Sleep and Jitter, of the
	// retries, for tests (see httpclient.Options).
	Now    func() time.Time
	Sleep  func(ctx context.Context, d time.Duration) error
	Jitter func() float64
}

// maxPages bounds the pages one postcode is read in: no postcode has ten
// thousand addresses, and a service that kept answering would otherwise
// hold the applicant for ever.
const maxPages = 100

// Error is a look-up OS Places did not answer: its status and message,
// or the transport failure (Status 0).
type Error struct {
	Op       string // "postcode LE11 3AB" or "uprn 100030123456"
	Status   int
	Message  string
	Attempts int
	Err      error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("osplaces: ")
	b.WriteString(e.Op)
	switch {
	case e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden:
		fmt.Fprintf(&b, ": the API key was refused (%d", e.Status)
		if e.Message != "" {
			b.WriteString(": " + e.Message)
		}
		b.WriteString("); check the key and that its project has OS Places API")
	case e.Status != 0:
		fmt.Fprintf(&b, ": %d", e.Status)
		if e.Message != "" {
			b.WriteString(": " + e.Message)
		}
	default:
		fmt.Fprintf(&b, ": not answered: %v", e.Err)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Is: 401 and 403 are ErrConfig; every failure is permit.ErrUnavailable
// except a 400 (a request OS Places calls malformed), which is neither.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrConfig:
		return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
	case permit.ErrUnavailable:
		return e.Status != http.StatusBadRequest
	}
	return false
}

// Locator asks OS Places. Safe for concurrent use.
type Locator struct {
	key, base string
	client    *httpclient.Client
	classes   []string
	pageSize  int
	ttl       time.Duration
	entries   int
	now       func() time.Time

	mu         sync.RWMutex
	byPostcode map[zones.Postcode]cached
	byUPRN     map[zones.UPRN]cachedProperty
}

type cached struct {
	properties []zones.Property
	keys       []zones.HouseKeys // keys[i] are properties[i]'s
	expires    time.Time
}

type cachedProperty struct {
	property zones.Property
	found    bool
	expires  time.Time
}

var _ zones.Locator = (*Locator)(nil)

// New returns a Locator; opts may be nil.
func New(cfg Config, opts *Options) (*Locator, error) {
	if strings.TrimSpace(cfg.Key) == "" {
		return nil, errors.New("osplaces: no API key")
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	if _, err := url.Parse(base); err != nil {
		return nil, fmt.Errorf("osplaces: base URL: %w", err)
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	l := &Locator{
		key: cfg.Key, base: base, classes: o.Classifications, pageSize: o.PageSize, ttl: o.CacheTTL, entries: o.CacheEntries, now: o.Now,
		byPostcode: map[zones.Postcode]cached{}, byUPRN: map[zones.UPRN]cachedProperty{},
	}
	if l.classes == nil {
		l.classes = []string{"R"}
	}
	if l.pageSize <= 0 || l.pageSize > 100 {
		l.pageSize = 100
	}
	if l.ttl == 0 {
		l.ttl = 24 * time.Hour
	}
	if l.entries <= 0 {
		l.entries = 50_000
	}
	if l.now == nil {
		l.now = time.Now
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
	l.client = httpclient.New(&httpclient.Options{
		HTTP: o.HTTP, UserAgent: "carerpermit-osplaces", Timeout: o.Timeout, MaxAttempts: o.MaxAttempts,
		MaxRetryTime: o.MaxRetryTime, Now: o.Now, Sleep: o.Sleep, Jitter: o.Jitter,
	})
	return l, nil
}

// FindProperties implements zones.Locator: the residential addresses OS
// Places has at postcode, in its order, chosen by zones.MatchHouse. Each
// property's Zone is zero and its Location is OS Places' WGS84 position.
// Errors: ctx's as they are; an *Error (see Error.Is) when OS Places does
// not answer; an address whose UPRN or postcode OS Places gives malformed
// is left out.
func (l *Locator) FindProperties(ctx context.Context, postcode zones.Postcode, house string) ([]zones.Property, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if postcode.IsZero() {
		return nil, fmt.Errorf("osplaces: finding properties: no postcode given: %w", zones.ErrInvalidPostcode)
	}
	c, ok := l.cachedPostcode(postcode)
	if !ok {
		all, err := l.fetchPostcode(ctx, postcode)
		if err != nil {
			return nil, err
		}
		c = l.keepPostcode(postcode, all)
	}
	m := zones.NewHouseMatcher(house)
	n := 0
	for i := range c.keys {
		if m.Matches(c.keys[i]) {
			n++
		}
	}
	found := make([]zones.Property, 0, n)
	for i := range c.keys {
		if m.Matches(c.keys[i]) {
			found = append(found, c.properties[i])
		}
	}
	return found, nil
}

// Property implements zones.Locator: OS Places' address with that UPRN, if
// it is residential; otherwise an error wrapping zones.ErrPropertyNotFound.
func (l *Locator) Property(ctx context.Context, uprn zones.UPRN) (zones.Property, error) {
	if err := ctx.Err(); err != nil {
		return zones.Property{}, err
	}
	notFound := fmt.Errorf("osplaces: UPRN %d: %w", uint64(uprn), zones.ErrPropertyNotFound)
	if uprn.IsZero() || uprn > zones.MaxUPRN {
		return zones.Property{}, notFound
	}
	if c, ok := l.cachedUPRN(uprn); ok {
		if !c.found {
			return zones.Property{}, notFound
		}
		return c.property, nil
	}
	page, err := l.get(ctx, "uprn "+uprn.String(), "uprn", url.Values{"uprn": {uprn.String()}}, 0)
	if err != nil {
		return zones.Property{}, err
	}
	var p zones.Property
	found := false
	for _, r := range page.Results {
		if r.DPA == nil {
			continue
		}
		if q, ok := l.property(r.DPA); ok && q.UPRN == uprn {
			p, found = q, true
			break
		}
	}
	l.keepUPRN(uprn, cachedProperty{property: p, found: found})
	if !found {
		return zones.Property{}, notFound
	}
	return p, nil
}

func (l *Locator) fetchPostcode(ctx context.Context, postcode zones.Postcode) ([]zones.Property, error) {
	op := "postcode " + postcode.String()
	all := []zones.Property{}
	offset := 0
	for range maxPages {
		page, err := l.get(ctx, op, "postcode", url.Values{"postcode": {postcode.String()}}, offset)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Results {
			if r.DPA == nil {
				continue
			}
			if p, ok := l.property(r.DPA); ok && p.Postcode == postcode {
				all = append(all, p)
			}
		}
		offset += len(page.Results)
		if len(page.Results) == 0 || offset >= page.Header.TotalResults {
			return all, nil
		}
	}
	return nil, &Error{Op: op, Err: fmt.Errorf("more than %d pages of addresses", maxPages)}
}

// The parts of OS Places' answer the Locator reads.
type answer struct {
	Header struct {
		TotalResults int `json:"totalresults"`
		Offset       int `json:"offset"`
	} `json:"header"`
	Results []struct {
		DPA *dpa `json:"DPA"`
	} `json:"results"`
}

type dpa struct {
	UPRN                      string  `json:"UPRN"`
	OrganisationName          string  `json:"ORGANISATION_NAME"`
	SubBuildingName           string  `json:"SUB_BUILDING_NAME"`
	BuildingName              string  `json:"BUILDING_NAME"`
	BuildingNumber            string  `json:"BUILDING_NUMBER"`
	DependentThoroughfareName string  `json:"DEPENDENT_THOROUGHFARE_NAME"`
	ThoroughfareName          string  `json:"THOROUGHFARE_NAME"`
	DependentLocality         string  `json:"DEPENDENT_LOCALITY"`
	PostTown                  string  `json:"POST_TOWN"`
	Postcode                  string  `json:"POSTCODE"`
	Lat                       float64 `json:"LAT"`
	Lng                       float64 `json:"LNG"`
	X                         float64 `json:"X_COORDINATE"`
	Y                         float64 `json:"Y_COORDINATE"`
	ClassificationCode        string  `json:"CLASSIFICATION_CODE"`
}

func (l *Locator) get(ctx context.Context, op, path string, q url.Values, offset int) (*answer, error) {
	q.Set("dataset", "DPA")
	q.Set("output_srs", "EPSG:4326")
	q.Set("maxresults", strconv.Itoa(l.pageSize))
	q.Set("offset", strconv.Itoa(offset))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, l.base+"/"+path+"?"+q.Encode(), nil)
	if err != nil {
		return nil, &Error{Op: op, Err: err}
	}
	req.Header.Set("key", l.key)
	req.Header.Set("Accept", "application/json")
	var out answer
	_, err = l.client.DoJSON(req, &out)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		var herr *httpclient.Error
		if errors.As(err, &herr) {
			return nil, &Error{Op: op, Status: herr.Status, Message: herr.Description, Attempts: herr.Attempts, Err: err}
		}
		return nil, &Error{Op: op, Err: err}
	}
	return &out, nil
}

// property maps a DPA record onto a Property (see INTEGRATIONS.md §4.3),
// or reports that it is not a residential address it can use.
func (l *Locator) property(d *dpa) (zones.Property, bool) {
	if !l.residential(d.ClassificationCode) {
		return zones.Property{}, false
	}
	uprn, err := zones.ParseUPRN(d.UPRN)
	if err != nil {
		return zones.Property{}, false
	}
	pc, err := zones.ParsePostcode(d.Postcode)
	if err != nil {
		return zones.Property{}, false
	}
	p := zones.Property{
		UPRN:           uprn,
		SubBuilding:    titleCase(d.SubBuildingName),
		BuildingName:   titleCase(d.BuildingName),
		BuildingNumber: strings.ToUpper(strings.TrimSpace(d.BuildingNumber)),
		Street:         titleCase(d.ThoroughfareName),
		Town:           titleCase(d.PostTown),
		Postcode:       pc,
	}
	if p.Street == "" {
		p.Street = titleCase(d.DependentThoroughfareName)
	}
	if p.BuildingName == "" && p.BuildingNumber == "" {
		// A farm or a business with a home: its name is the organisation's.
		p.BuildingName = titleCase(d.OrganisationName)
	}
	lat, lng := d.Lat, d.Lng
	if lat == 0 && lng == 0 {
		lat, lng = d.Y, d.X // in EPSG:4326, as asked
	}
	if ll := (zones.LatLng{Lat: lat, Lng: lng}); ll.CheckUK() == nil {
		p.Location = ll
	}
	return p, true
}

func (l *Locator) residential(code string) bool {
	for _, c := range l.classes {
		if strings.HasPrefix(code, c) {
			return true
		}
	}
	return false
}

// titleCase turns OS Places' capitals into the way an address is written:
// "FLAT 2" as "Flat 2", "ASHBY-DE-LA-ZOUCH" as "Ashby-De-La-Zouch". (Small
// words are not special-cased: the address reads, and matching ignores
// case anyway.)
func titleCase(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	var b strings.Builder
	b.Grow(len(s))
	start := true
	for _, r := range s {
		switch {
		case unicode.IsLetter(r):
			if start {
				b.WriteRune(unicode.ToUpper(r))
			} else {
				b.WriteRune(unicode.ToLower(r))
			}
			start = false
		case r == '\'' || r == '’':
			b.WriteRune(r) // "ST JOHN'S" is "St John's"
		default:
			b.WriteRune(r)
			start = !unicode.IsDigit(r)
		}
	}
	if !utf8.ValidString(b.String()) {
		return s
	}
	return b.String()
}

func (l *Locator) cachedPostcode(pc zones.Postcode) (cached, bool) {
	if l.ttl < 0 {
		return cached{}, false
	}
	l.mu.RLock()
	c, ok := l.byPostcode[pc]
	l.mu.RUnlock()
	if !ok || !l.now().Before(c.expires) {
		return cached{}, false
	}
	return c, true
}

func (l *Locator) cachedUPRN(u zones.UPRN) (cachedProperty, bool) {
	if l.ttl < 0 {
		return cachedProperty{}, false
	}
	l.mu.RLock()
	c, ok := l.byUPRN[u]
	l.mu.RUnlock()
	if !ok || !l.now().Before(c.expires) {
		return cachedProperty{}, false
	}
	return c, true
}

// keepPostcode caches a postcode's properties (unless caching is off) and
// returns them with their house keys.
func (l *Locator) keepPostcode(pc zones.Postcode, ps []zones.Property) cached {
	c := cached{properties: ps, keys: make([]zones.HouseKeys, len(ps))}
	for i, p := range ps {
		c.keys[i] = zones.HouseKeysOf(p)
	}
	if l.ttl < 0 {
		return c
	}
	expires := l.now().Add(l.ttl)
	c.expires = expires
	l.mu.Lock()
	defer l.mu.Unlock()
	l.makeRoom()
	l.byPostcode[pc] = c
	// The postcode's answer also answers its UPRNs.
	for _, p := range ps {
		l.byUPRN[p.UPRN] = cachedProperty{property: p, found: true, expires: expires}
	}
	return c
}

func (l *Locator) keepUPRN(u zones.UPRN, c cachedProperty) {
	if l.ttl < 0 {
		return
	}
	c.expires = l.now().Add(l.ttl)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.makeRoom()
	l.byUPRN[u] = c
}

// makeRoom drops the expired entries, and if the cache is still full, all
// of it: a full cache is rare (a county has fewer postcodes than the
// bound), and starting again is simpler than keeping an order of use.
// l.mu is held.
func (l *Locator) makeRoom() {
	if len(l.byPostcode)+len(l.byUPRN) < l.entries {
		return
	}
	now := l.now()
	for k, c := range l.byPostcode {
		if !now.Before(c.expires) {
			delete(l.byPostcode, k)
		}
	}
	for k, c := range l.byUPRN {
		if !now.Before(c.expires) {
			delete(l.byUPRN, k)
		}
	}
	if len(l.byPostcode)+len(l.byUPRN) >= l.entries {
		clear(l.byPostcode)
		clear(l.byUPRN)
	}
}
