package web_test

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit"
)

// The real-browser tests drive Debian's chromium (headless) through a
// resident's journey and check every page with axe-core (vendored in
// testdata/axe with its licence, by scripts/refresh-axe-core.sh) against
// the WCAG 2.2 A and AA rules. Without chromium they skip with a message,
// unless browserEnv is "required" (CI sets it: .ci/run).

// browserEnv set to "required" makes a missing browser fatal; "done"
// skips the tests (CI's later runs of the whole module, after the step
// that ran them).
const browserEnv = "CARERPERMIT_BROWSER_TESTS"

//go:embed testdata/axe/axe.min.js
var axeSource string

// chromiumPath finds the browser, or skips (fails when required).
func chromiumPath(t *testing.T) string {
	t.Helper()
	if os.Getenv(browserEnv) == "done" {
		t.Skipf("real-browser test skipped: %s=done (CI ran them in their own step)", browserEnv)
	}
	for _, name := range []string{os.Getenv("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv(browserEnv) == "required" {
		t.Fatalf("%s=required but no chromium was found on PATH (apt-get install chromium)", browserEnv)
	}
	t.Skipf("real-browser test skipped: no chromium on PATH (install Debian's chromium, or set CHROMIUM; %s=required makes this fatal)", browserEnv)
	return ""
}

// newBrowserTab starts a headless chromium for the test. It runs as
// root here, so without the sandbox.
func newBrowserTab(t *testing.T, js bool) context.Context {
	t.Helper()
	path := chromiumPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1024, 900))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelC(); cancelA() })
	// The first call starts the browser (without a timeout: it would
	// stop the browser). axe is injected through the DevTools protocol,
	// which the pages' Content Security Policy (no inline script) would
	// otherwise refuse.
	_, err := chromedp.Call(ctx, cdppage.SetBypassCSP, cdppage.SetBypassCSPParams{Enabled: true})
	require.NoError(t, err)
	if !js {
		_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		require.NoError(t, err)
		ctx = context.WithValue(ctx, noScriptKey{}, true)
	}
	ctx, cancelT := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(cancelT)
	return ctx
}

type axeResult struct {
	Violations []struct {
		ID, Impact, Help string
		Nodes            []struct {
			Target []any
			HTML   string
		}
	}
}

// checkA11y runs axe-core on the page shown with the WCAG 2.2 A and AA
// rules and fails the test for any violation, naming the rule and nodes.
func checkA11y(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	run := `(async () => {
		if (!window.axe) { ` + "eval(" + jsString(axeSource) + ")" + ` }
		const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}});
		return {violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => ({target: n.target, html: n.html}))}))};
	})()`
	res, err := chromedp.Run(ctx, chromedp.Evaluate[axeResult](run, chromedp.EvalAwaitPromise))
	require.NoError(t, err, what)
	for _, v := range res.Violations {
		var nodes []string
		for _, n := range v.Nodes {
			nodes = append(nodes, fmt.Sprint(n.Target)+" "+n.HTML)
		}
		t.Errorf("%s: axe %s (%s): %s\n  %s", what, v.ID, v.Impact, v.Help, strings.Join(nodes, "\n  "))
	}
	checked++
}

// checked counts the pages axe looked at (logged at the end).
var checked int

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// shot saves a screenshot of the page as test output: in
// CARERPERMIT_SCREENSHOTS when set, else the test's temporary folder.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("CARERPERMIT_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(70))
	require.NoError(t, err)
	p := filepath.Join(dir, name+".jpg")
	require.NoError(t, os.WriteFile(p, buf, 0o644))
	t.Logf("screenshot %s", p)
}

// step does actions, waits for the next page (the current one is marked
// through the DOM, not by script, so that the wait cannot end on it),
// checks it with axe when scripts run, and returns its heading.
//
// With scripts on, the wait and the heading are read by polling a script
// rather than through DOM node IDs: a document that is replaced while
// chromedp holds its node IDs fails with "No node with given id found",
// which on a loaded machine made the journey fail now and then.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) string {
	t.Helper()
	var all []chromedp.Action[chromedp.Void]
	if loc, err := chromedp.Run(ctx, chromedp.Location()); err == nil && strings.HasPrefix(loc, "http") {
		all = append(all, chromedp.SetAttributeValue(chromedp.CSS("body"), "data-left", "1"))
	}
	all = append(all, actions...)
	if !scripts(ctx) {
		all = append(all, chromedp.WaitReady(chromedp.CSS(`body:not([data-left]) footer`)))
		require.NoError(t, chromedp.Do(ctx, all...), what)
		h1, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
		require.NoError(t, err, what)
		return strings.TrimSpace(h1)
	}
	require.NoError(t, chromedp.Do(ctx, all...), what)
	h1 := waitForPage(t, ctx, what)
	checkA11y(t, ctx, what)
	return h1
}

// waitForPage waits until a new page has loaded completely (no data-left
// mark, a footer) and returns its first heading's text.
func waitForPage(t *testing.T, ctx context.Context, what string) string {
	t.Helper()
	waitFor(t, ctx, what, `!document.body.hasAttribute('data-left') && !!document.querySelector('footer')`)
	h1, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('h1') || {textContent: ''}).textContent`))
	require.NoError(t, err, what)
	return strings.TrimSpace(h1)
}

// waitFor polls the tab until its document has loaded completely and the
// script condition holds. Errors while the document changes (a destroyed
// execution context) are waited out; the test fails after a minute.
func waitFor(t *testing.T, ctx context.Context, what, condition string) {
	t.Helper()
	probe := `document.readyState === 'complete' && !!document.body && (` + condition + `)`
	deadline := time.Now().Add(time.Minute)
	var last error
	for time.Now().Before(deadline) && ctx.Err() == nil {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](probe))
		if err == nil && ok {
			return
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: the page did not load within a minute (last error: %v)", what, last)
}

type noScriptKey struct{}

// scripts reports whether the tab runs scripts (axe needs them).
func scripts(ctx context.Context) bool { return ctx.Value(noScriptKey{}) == nil }

func submit() chromedp.Action[chromedp.Void] { return click(`main form button[type="submit"]`) }

func click(sel string) chromedp.Action[chromedp.Void] { return chromedp.Click(chromedp.CSS(sel)) }

func keys(sel, v string) chromedp.Action[chromedp.Void] {
	return chromedp.SendKeys(chromedp.CSS(sel), v)
}

func upload(sel, file string) chromedp.Action[chromedp.Void] {
	return chromedp.SetUploadFiles(chromedp.CSS(sel), []string{file})
}

// mainText is the text of the page's main element.
func mainText(t *testing.T, ctx context.Context) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	require.NoError(t, err)
	return s
}

// bodyClass is the class attribute of the body.
func bodyClass(t *testing.T, ctx context.Context) string {
	t.Helper()
	a, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("body"), "class"))
	require.NoError(t, err)
	return a.Value
}

func TestBrowserResidentJourney(t *testing.T) {
	ctx := newBrowserTab(t, true)
	s := newSite(t)
	file := filepath.Join(t.TempDir(), "care-letter.pdf")
	require.NoError(t, os.WriteFile(file, pdf, 0o644))
	issued := start.AddDate(0, 0, -10)
	checked = 0

	require.Equal(t, "Apply for a carer or disabled resident parking permit", step(t, ctx, "start", chromedp.Navigate(s.URL+"/")))
	cls := bodyClass(t, ctx)
	require.Contains(t, cls, "govuk-frontend-supported", "GOV.UK Frontend's JavaScript ran (no CSP refusal)")
	shot(t, ctx, "01-start")
	require.Equal(t, "Which permit do you want to apply for?", step(t, ctx, "type", click(`a.govuk-button--start`)))

	// An error first: the summary, the inline message, the title.
	step(t, ctx, "type error", submit())
	title, err := chromedp.Run(ctx, chromedp.Title())
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(title, "Error: "), title)
	shot(t, ctx, "02-type-error")

	step(t, ctx, "address", click(`#type`), submit())
	step(t, ctx, "property", keys(`#postcode`, "LE11 3AB"), keys(`#house`, "12"), submit())
	step(t, ctx, "account", click(`#uprn`), submit())
	step(t, ctx, "vehicle", keys(`#name`, "Ada Lovelace"), keys(`#email`, "ada@example.com"), submit())
	require.Equal(t, "Send your proof of care", step(t, ctx, "evidence", keys(`#vrm`, "AB12CDE"), submit()))
	step(t, ctx, "evidence error", submit())
	shot(t, ctx, "03-evidence-error")
	require.Equal(t, "Check your answers before applying", step(t, ctx, "check",
		keys(`#issued-day`, issued.Format("2")),
		keys(`#issued-month`, issued.Format("1")),
		keys(`#issued-year`, issued.Format("2006")),
		upload(`#file`, file), submit()))
	shot(t, ctx, "04-check")
	require.Equal(t, "Application sent", step(t, ctx, "confirmation", click(`#submit`)))
	shot(t, ctx, "05-confirmation")
	step(t, ctx, "your permits (pending)", click(`a[href="/permits"]`))
	body := mainText(t, ctx)
	require.Contains(t, body, "Waiting for the council's review")

	// The officer approves (the officers' pages are another part).
	ps, _, err := s.svc.SearchPermits(context.Background(), permit.System, permit.Search{VRM: "AB12CDE"})
	require.NoError(t, err)
	require.Len(t, ps, 1)
	id := ps[0].ID
	_, err = s.svc.Approve(context.Background(), permit.OfficerActor("test"), id)
	require.NoError(t, err)

	step(t, ctx, "permit details", chromedp.Navigate(s.URL+"/permits/"+id))
	body = mainText(t, ctx)
	require.Contains(t, body, "Current")
	step(t, ctx, "change vehicle", click(`a[href="/permits/`+id+`/vehicle"]`))
	step(t, ctx, "change vehicle error", submit())
	shot(t, ctx, "06-vehicle-error")
	step(t, ctx, "vehicle changed", keys(`#vrm`, "CD34EFG"), click(`#when`), submit())
	body = mainText(t, ctx)
	require.Contains(t, body, "The permit's vehicle is now CD34EFG")

	// A second permit at the property is paid, on the provider's page.
	step(t, ctx, "second: vehicle", chromedp.Navigate(s.URL+"/apply/vehicle?type=essential-carer&postcode=LE11+3AB&house=12&uprn=100000000001"))
	step(t, ctx, "second: evidence", keys(`#vrm`, "XY12ABC"), submit())
	step(t, ctx, "second: check",
		keys(`#issued-day`, issued.Format("2")),
		keys(`#issued-month`, issued.Format("1")),
		keys(`#issued-year`, issued.Format("2006")),
		upload(`#file`, file), submit())
	require.NoError(t, chromedp.Do(ctx, click(`#submit`)))
	waitFor(t, ctx, "provider's page", `!!document.querySelector('button[value="pay"]')`)
	shot(t, ctx, "07-provider-page")
	loc, err := chromedp.Run(ctx, chromedp.Location())
	require.NoError(t, err)
	require.Contains(t, loc, s.URL+"/pay/", "the simulated provider's hosted page")
	require.Equal(t, "Application sent", step(t, ctx, "paid confirmation", click(`button[value="pay"]`)))
	body = mainText(t, ctx)
	require.Contains(t, body, "is held, not taken")

	// Renew inside the window, with fresh proof of care.
	s.clock.Set(ps[0].ExpiresOn.AddDate(0, 0, -20).Add(10 * time.Hour))
	fresh := s.clock.Now().AddDate(0, 0, -1)
	step(t, ctx, "permit in its renewal window", chromedp.Navigate(s.URL+"/permits/"+id))
	require.Equal(t, "Send your proof of care", step(t, ctx, "renew: evidence", click(`a[href="/permits/`+id+`/renew"]`)))
	require.Equal(t, "Check your renewal", step(t, ctx, "renew: check",
		keys(`#issued-day`, fresh.Format("2")),
		keys(`#issued-month`, fresh.Format("1")),
		keys(`#issued-year`, fresh.Format("2006")),
		upload(`#file`, file), submit()))
	require.Equal(t, "Renewal sent", step(t, ctx, "renewed", click(`#submit`)))
	shot(t, ctx, "08-renewed")

	// Cancel, told it is non-refundable.
	require.Equal(t, "Cancel your permit", step(t, ctx, "cancel", chromedp.Navigate(s.URL+"/permits/"+id+"/cancel")))
	body = mainText(t, ctx)
	require.Contains(t, body, "does not refund permits")
	require.Equal(t, "Permit cancelled", step(t, ctx, "cancelled", click(`#submit`)))
	shot(t, ctx, "09-cancelled")

	// Change of address, same zone.
	step(t, ctx, "address change", chromedp.Navigate(s.URL+"/address"))
	step(t, ctx, "address change: property", keys(`#postcode`, "LE11 3NH"), submit())
	step(t, ctx, "address change: evidence", click(`#uprn`), submit())
	t.Logf("axe-core checked %d pages: no WCAG 2.2 A or AA violation", checked)
}

// TestBrowserWithoutJavaScript: with JavaScript off the pages still take
// the resident through (every page is a plain form).
func TestBrowserWithoutJavaScript(t *testing.T) {
	ctx := newBrowserTab(t, false)
	s := newSite(t)
	step(t, ctx, "start (no JS)", chromedp.Navigate(s.URL+"/"))
	cls := bodyClass(t, ctx)
	require.NotContains(t, cls, "js-enabled", "no script ran")
	step(t, ctx, "type (no JS)", click(`a.govuk-button--start`))
	step(t, ctx, "type error (no JS)", submit())
	step(t, ctx, "address (no JS)", click(`#type`), submit())
	step(t, ctx, "property (no JS)", keys(`#postcode`, "LE11 3AB"), submit())
	require.Equal(t, "Your details", step(t, ctx, "account (no JS)", click(`#uprn`), submit()))
	shot(t, ctx, "nojs-account")
}
