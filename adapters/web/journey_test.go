package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/adapters/memstore"
	"github.com/carerpermit/carerpermit/adapters/web"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/scheme"
	"github.com/carerpermit/carerpermit/zones"
)

// browser is a harness that keeps cookies, as a browser does.
type browser struct {
	*harness
	cookies map[string]*http.Cookie
}

func newBrowser(hs *harness) *browser {
	return &browser{harness: hs, cookies: map[string]*http.Cookie{}}
}

func (b *browser) send(r *http.Request) page {
	b.t.Helper()
	for _, c := range b.cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	b.h.ServeHTTP(w, r)
	for _, c := range w.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	return page{status: w.Code, header: w.Header(), body: w.Body.String()}
}

func (b *browser) getB(path string) page { return b.send(httptest.NewRequest("GET", path, nil)) }

func (b *browser) postB(path string, form url.Values) page {
	r := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.send(r)
}

// newHarnessNoEvidence is the Leicestershire scheme with no document
// needed to apply, so that a journey can reach the confirmation before
// the evidence page exists.
func newHarnessNoEvidence(t testing.TB) (*harness, *web.MemorySessions) {
	t.Helper()
	raw, err := os.ReadFile("../../examples/leicestershire/scheme.yaml")
	require.NoError(t, err)
	y := strings.Replace(string(raw), "apply: [proof_of_care]", "apply: []", 1)
	s, err := scheme.Load(strings.NewReader(y))
	require.NoError(t, err)
	g, err := zones.LoadGazetteer(strings.NewReader(testGazetteer))
	require.NoError(t, err)
	svc, err := permit.NewService(s, memstore.New(), g, fakepay.New(), &permit.Options{Now: func() time.Time { return start }})
	require.NoError(t, err)
	sessions := web.NewMemorySessions()
	h, err := web.New(svc, g, &web.Options{Sessions: sessions})
	require.NoError(t, err)
	return &harness{t: t, h: h, svc: svc}, sessions
}

var journey = url.Values{"type": {"essential-carer"}, "postcode": {"LE11 3AB"}, "house": {"12"}, "uprn": {"100000000001"}}

func with(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

func TestAccountStepOpensAnAccountAndSignsIn(t *testing.T) {
	hs, _ := newHarnessNoEvidence(t)
	b := newBrowser(hs)
	p := b.getB("/apply/account?" + journey.Encode())
	require.Equal(t, http.StatusOK, p.status)

	p = b.postB("/apply/account", with(journey, "name", "", "email", "not-an-email"))
	require.Equal(t, http.StatusUnprocessableEntity, p.status)
	require.Contains(t, p.body, "Enter the account holder&#39;s name.")
	require.Contains(t, p.body, `href="#name"`)
	require.Contains(t, p.body, "Enter an email address like name@example.com.")
	require.Contains(t, p.body, `href="#email"`)
	require.Empty(t, b.cookies, "no session for a refused form")

	p = b.postB("/apply/account", with(journey, "name", "Ada Lovelace", "email", "ada@example.com"))
	require.Equal(t, http.StatusSeeOther, p.status)
	require.True(t, strings.HasPrefix(p.header.Get("Location"), "/apply/vehicle?"))
	c := b.cookies["permit_session"]
	require.NotNil(t, c)
	require.True(t, c.HttpOnly)
	require.Equal(t, http.SameSiteLaxMode, c.SameSite)
	require.False(t, c.Secure, "plain http in the test")

	// Signed in: the account step is passed.
	p = b.getB("/apply/account?" + journey.Encode())
	require.Equal(t, http.StatusSeeOther, p.status)

	// Signed out: the session is gone from the store, not only the cookie.
	old := *c
	p = b.postB("/sign-out", nil)
	require.Equal(t, http.StatusSeeOther, p.status)
	require.Empty(t, b.cookies)
	b.cookies["permit_session"] = &old
	p = b.getB("/apply/vehicle?" + journey.Encode())
	require.Equal(t, http.StatusSeeOther, p.status)
	require.True(t, strings.HasPrefix(p.header.Get("Location"), "/apply/account?"), "the old cookie no longer signs in")
}

func TestSecureCookieOverHTTPS(t *testing.T) {
	hs, _ := newHarnessNoEvidence(t)
	b := newBrowser(hs)
	r := httptest.NewRequest("POST", "https://permits.example/apply/account", strings.NewReader(with(journey, "name", "Ada", "email", "ada@example.com").Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	p := b.send(r)
	require.Equal(t, http.StatusSeeOther, p.status)
	require.True(t, b.cookies["permit_session"].Secure)
}

func TestVehicleCheckAndConfirmation(t *testing.T) {
	hs, _ := newHarnessNoEvidence(t)
	b := newBrowser(hs)
	require.Equal(t, http.StatusSeeOther, b.getB("/apply/vehicle?"+journey.Encode()).status, "not signed in")
	require.Equal(t, http.StatusSeeOther, b.postB("/apply/account", with(journey, "name", "Ada Lovelace", "email", "ada@example.com")).status)

	p := b.postB("/apply/vehicle", with(journey, "vrm", ""))
	require.Equal(t, http.StatusUnprocessableEntity, p.status)
	require.Contains(t, p.body, "Enter the vehicle&#39;s registration number")
	p = b.postB("/apply/vehicle", with(journey, "vrm", "!!"))
	require.Equal(t, http.StatusUnprocessableEntity, p.status)
	require.Contains(t, p.body, "Enter a registration number like AB12 CDE")

	p = b.postB("/apply/vehicle", with(journey, "vrm", "ab12 cde"))
	require.Equal(t, http.StatusSeeOther, p.status)
	ev := p.header.Get("Location")
	require.Contains(t, ev, "/apply/evidence?")
	// No document is needed: the evidence step sends the browser on.
	p = b.getB(ev)
	require.Equal(t, http.StatusSeeOther, p.status)
	check := p.header.Get("Location")
	require.Contains(t, check, "/apply/check?")

	p = b.getB(check)
	require.Equal(t, http.StatusOK, p.status)
	require.Contains(t, p.body, "Essential Carer Permit")
	require.Contains(t, p.body, "12 Ashby Road")
	require.Contains(t, p.body, "AB12CDE")
	require.Contains(t, p.body, "Free", "the first permit at the property is free")
	require.Contains(t, p.body, "From 2 November 2026")

	p = b.postB("/apply/check", with(journey, "vrm", "AB12CDE"))
	require.Equal(t, http.StatusSeeOther, p.status)
	done := p.header.Get("Location")
	require.True(t, strings.HasPrefix(done, "/apply/done/"))

	p = b.getB(done)
	require.Equal(t, http.StatusOK, p.status)
	require.Contains(t, p.body, "Application sent")
	require.Contains(t, p.body, strings.TrimPrefix(done, "/apply/done/"))
	// Ten working days from Monday 2 November 2026.
	require.Contains(t, p.body, "will review your application by 16 November 2026")

	// Your permits lists it, waiting for the review.
	p = b.getB("/permits")
	require.Equal(t, http.StatusOK, p.status)
	require.Contains(t, p.body, strings.TrimPrefix(done, "/apply/done/"))
	require.Contains(t, p.body, "Waiting for the council&#39;s review")
	require.Equal(t, http.StatusSeeOther, newBrowser(hs).getB("/permits").status, "not signed in")

	// The same vehicle again is refused in the service's words, on the page.
	p = b.postB("/apply/check", with(journey, "vrm", "AB12CDE"))
	require.Equal(t, http.StatusUnprocessableEntity, p.status)
	require.Contains(t, p.body, "govuk-error-summary")

	// Another browser cannot see the confirmation.
	other := newBrowser(hs)
	require.Equal(t, http.StatusNotFound, other.getB(done).status)
}
