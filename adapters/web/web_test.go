package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/adapters/memstore"
	"github.com/carerpermit/carerpermit/adapters/web"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/scheme"
	"github.com/carerpermit/carerpermit/zones"
)

// The test gazetteer: real Loughborough postcodes, invented houses, zones
// of the Leicestershire example scheme; the last property is in no zone.
const testGazetteer = zones.GazetteerHeader + `
100000000001,,,12,Ashby Road,Loughborough,LE11 3AB,loughborough-3,Loughborough 3
100000000002,,,14,Ashby Road,Loughborough,LE11 3AB,loughborough-3,Loughborough 3
100000000005,,,7,High Street,Leicester,LE1 1AA,,
`

var start = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)

type harness struct {
	t   testing.TB
	h   http.Handler
	svc *permit.Service
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	f, err := os.Open("../../examples/leicestershire/scheme.yaml")
	require.NoError(t, err)
	defer f.Close()
	s, err := scheme.Load(f)
	require.NoError(t, err)
	g, err := zones.LoadGazetteer(strings.NewReader(testGazetteer))
	require.NoError(t, err)
	svc, err := permit.NewService(s, memstore.New(), g, fakepay.New(), &permit.Options{Now: func() time.Time { return start }})
	require.NoError(t, err)
	h, err := web.New(svc, g, nil)
	require.NoError(t, err)
	return &harness{t: t, h: h, svc: svc}
}

type page struct {
	status int
	header http.Header
	body   string
	doc    *html.Node
}

func (hs *harness) get(path string) page {
	hs.t.Helper()
	return hs.do(httptest.NewRequest("GET", path, nil))
}

// post sends a form as a browser on the same site does.
func (hs *harness) post(path string, form url.Values) page {
	hs.t.Helper()
	r := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	return hs.do(r)
}

func (hs *harness) do(r *http.Request) page {
	hs.t.Helper()
	w := httptest.NewRecorder()
	hs.h.ServeHTTP(w, r)
	p := page{status: w.Code, header: w.Header(), body: w.Body.String()}
	if strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
		doc, err := html.Parse(strings.NewReader(p.body))
		require.NoError(hs.t, err)
		p.doc = doc
	}
	return p
}

// find returns the text of the first element with the class.
func (p page) text(class string) string {
	var out string
	var walk func(n *html.Node) bool
	walk = func(n *html.Node) bool {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				if a.Key == "class" && strings.Contains(" "+a.Val+" ", " "+class+" ") {
					out = strings.Join(strings.Fields(textOf(n)), " ")
					return true
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if walk(c) {
				return true
			}
		}
		return false
	}
	if p.doc != nil {
		walk(p.doc)
	}
	return out
}

func textOf(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(textOf(c))
		b.WriteString(" ")
	}
	return b.String()
}

func TestStartPage(t *testing.T) {
	hs := newHarness(t)
	p := hs.get("/")
	require.Equal(t, http.StatusOK, p.status)
	require.Equal(t, "Leicestershire County Council", p.text("govuk-generic-header__homepage-link"), "the council's name, not GOV.UK")
	require.NotContains(t, p.body, "govuk-header__logotype", "no crown")
	require.NotContains(t, p.body, "govuk-footer__crown")
	require.Contains(t, p.text("govuk-list"), "Essential Carer")
	require.Contains(t, p.body, `href="/apply/type"`)
	require.Contains(t, p.body, `<html lang="en"`)
	require.NotContains(t, strings.ToLower(p.body), "<script>", "no inline script")
	require.Contains(t, p.header.Get("Content-Security-Policy"), "script-src 'self'")
	require.NotContains(t, p.header.Get("Content-Security-Policy"), "unsafe-inline")
	require.Equal(t, "nosniff", p.header.Get("X-Content-Type-Options"))
}

func TestAssetsAreServedFromTheBinary(t *testing.T) {
	hs := newHarness(t)
	for path, ctype := range map[string]string{
		"/assets/govuk-frontend/govuk-frontend.min.css": "text/css",
		"/assets/govuk-frontend/govuk-frontend.min.js":  "javascript",
		"/assets/init.js": "javascript",
	} {
		p := hs.get(path)
		require.Equal(t, http.StatusOK, p.status, path)
		require.Contains(t, p.header.Get("Content-Type"), ctype, path)
	}
	css := hs.get("/assets/govuk-frontend/govuk-frontend.min.css").body
	require.NotContains(t, css, "GDS Transport", "a council must not use the GOV.UK font")
	require.Equal(t, http.StatusNotFound, hs.get("/assets/nothing.css").status)
}

func TestCrossSitePostsAreRefused(t *testing.T) {
	hs := newHarness(t)
	for name, set := range map[string]func(*http.Request){
		"Sec-Fetch-Site cross-site": func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "cross-site") },
		"foreign Origin":            func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") },
	} {
		r := httptest.NewRequest("POST", "/apply/type", strings.NewReader("type=essential-carer"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		set(r)
		p := hs.do(r)
		require.Equal(t, http.StatusForbidden, p.status, name)
		require.Contains(t, p.body, "sent from another website", name)
	}
}

func TestChooseType(t *testing.T) {
	hs := newHarness(t)
	p := hs.get("/apply/type")
	require.Equal(t, http.StatusOK, p.status)
	require.Contains(t, p.body, `value="essential-carer"`)

	p = hs.post("/apply/type", url.Values{})
	require.Equal(t, http.StatusUnprocessableEntity, p.status)
	require.Contains(t, p.text("govuk-error-summary"), "Choose which permit you want to apply for")
	require.Contains(t, p.body, `href="#type"`, "the summary links to the field")
	require.Contains(t, p.text("govuk-error-message"), "Choose which permit you want to apply for")
	require.True(t, strings.Contains(p.body, "<title>Error: "), "the title says there is an error")

	p = hs.post("/apply/type", url.Values{"type": {"no-such-type"}})
	require.Equal(t, http.StatusUnprocessableEntity, p.status)

	p = hs.post("/apply/type", url.Values{"type": {"essential-carer"}})
	require.Equal(t, http.StatusSeeOther, p.status)
	require.Equal(t, "/apply/address?type=essential-carer", p.header.Get("Location"))
}

func TestAddress(t *testing.T) {
	hs := newHarness(t)
	require.Equal(t, http.StatusSeeOther, hs.get("/apply/address").status, "no type chosen yet")
	p := hs.get("/apply/address?type=essential-carer")
	require.Equal(t, http.StatusOK, p.status)
	require.Contains(t, p.body, `autocomplete="postal-code"`)

	for _, c := range []struct{ postcode, house, want string }{
		{"", "", "Enter the postcode of the property"},
		{"NOT A POSTCODE", "", "Enter a real postcode, like LE11 3AB"},
		{"LE11 3AB", strings.Repeat("x", 101), "100 characters or fewer"},
	} {
		p = hs.post("/apply/address", url.Values{"type": {"essential-carer"}, "postcode": {c.postcode}, "house": {c.house}})
		require.Equal(t, http.StatusUnprocessableEntity, p.status, c.postcode)
		require.Contains(t, p.text("govuk-error-summary"), c.want)
		require.Contains(t, p.text("govuk-form-group--error"), c.want)
	}
	p = hs.post("/apply/address", url.Values{"type": {"essential-carer"}, "postcode": {"le113ab"}, "house": {"12"}})
	require.Equal(t, http.StatusSeeOther, p.status)
	require.Equal(t, "/apply/property?house=12&postcode=LE11+3AB&type=essential-carer", p.header.Get("Location"))
}

func TestChooseProperty(t *testing.T) {
	hs := newHarness(t)
	p := hs.get("/apply/property?type=essential-carer&postcode=LE11+3AB")
	require.Equal(t, http.StatusOK, p.status)
	require.Contains(t, p.body, "12 Ashby Road")
	require.Contains(t, p.body, "14 Ashby Road")

	p = hs.get("/apply/property?type=essential-carer&postcode=LE11+3AB&house=99")
	require.Contains(t, p.body, "We could not find an address matching LE11 3AB")

	form := url.Values{"type": {"essential-carer"}, "postcode": {"LE11 3AB"}}
	p = hs.post("/apply/property", form)
	require.Equal(t, http.StatusUnprocessableEntity, p.status)
	require.Contains(t, p.text("govuk-error-summary"), "Choose the property the permit is for")

	form.Set("uprn", "999999999999")
	p = hs.post("/apply/property", form)
	require.Equal(t, http.StatusUnprocessableEntity, p.status)
	require.Contains(t, p.text("govuk-error-summary"), "no longer in the council's address list")

	form.Set("uprn", "100000000001")
	p = hs.post("/apply/property", form)
	require.Equal(t, http.StatusSeeOther, p.status)
	require.Contains(t, p.header.Get("Location"), "/apply/account?")
	require.Contains(t, p.header.Get("Location"), "uprn=100000000001")
}

func TestPropertyOutsideTheZones(t *testing.T) {
	hs := newHarness(t)
	p := hs.post("/apply/property", url.Values{"type": {"essential-carer"}, "postcode": {"LE1 1AA"}, "uprn": {"100000000005"}})
	require.Equal(t, http.StatusOK, p.status)
	require.Contains(t, p.text("govuk-inset-text"), "7 High Street")
	require.Contains(t, p.text("govuk-inset-text"), "is not in one of Leicestershire County Council's permit zones")
	require.Contains(t, p.body, "Loughborough 3", "the zones the council covers are named")
}

func TestCatalogueMustBeComplete(t *testing.T) {
	_, err := web.New(newHarness(t).svc, emptyLocator{}, &web.Options{Catalogue: web.Catalogue{Lang: "cy", Messages: map[string]string{"continue": "Parhau"}}})
	require.ErrorContains(t, err, "the catalogue has no text for")
}

func TestWelshCatalogue(t *testing.T) {
	hs := newHarness(t)
	cy := web.English()
	cy.Lang = "cy"
	cy.Messages["start_button"] = "Dechrau nawr"
	h, err := web.New(hs.svc, emptyLocator{}, &web.Options{Catalogue: cy})
	require.NoError(t, err)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	require.Contains(t, w.Body.String(), `lang="cy"`)
	require.Contains(t, w.Body.String(), "Dechrau nawr")
}

func TestNotFound(t *testing.T) {
	p := newHarness(t).get("/no/such/page")
	require.Equal(t, http.StatusNotFound, p.status)
	require.Contains(t, p.body, "Page not found")
}

type emptyLocator struct{}

func (emptyLocator) FindProperties(context.Context, zones.Postcode, string) ([]zones.Property, error) {
	return nil, nil
}

func (emptyLocator) Property(_ context.Context, u zones.UPRN) (zones.Property, error) {
	return zones.Property{}, zones.ErrPropertyNotFound
}
