package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/permit"
)

// OfficerOptions configure the officer pages (NewOfficer).
type OfficerOptions struct {
	// Catalogue is the pages' text; the zero value means English().
	Catalogue Catalogue
	// Secure marks cookies Secure even on plain http requests (behind a
	// proxy that ends https).
	Secure bool
	// Logger receives the detail of server errors; nil logs nothing.
	Logger *slog.Logger
	// Sessions keeps officers' sign-in sessions, with the officer's name
	// where a resident's session has an account (adapters/sqlstore's
	// OfficerSessions); nil keeps them in memory (tests only).
	Sessions Sessions
	// SessionTTL is how long an officer's sign-in lasts; 0 means
	// DefaultOfficerSessionTTL.
	SessionTTL time.Duration
	// Files is where the evidence files are (the store the JSON API and
	// the resident pages keep them in); nil shows none.
	Files Files
	// TokenSignIn, when set, offers a sign-in with an officer token (for
	// evaluation without an OpenID Connect provider): it returns the
	// officer's name for a good token.
	TokenSignIn func(ctx context.Context, token string) (name string, ok bool)
	// OIDC, when set, signs officers in through the council's OpenID
	// Connect provider (NewOIDC).
	OIDC *OIDC
}

// DefaultOfficerSessionTTL is how long an officer's sign-in lasts.
const DefaultOfficerSessionTTL = 8 * time.Hour

// officerCookie is the officer pages' session cookie, sent to /officer/
// only.
const officerCookie = "permit_officer"

// officerPages are the officer pages: the resident pages' rendering with
// officers' sessions and routes.
type officerPages struct {
	*handler
	sessions Sessions
	ttl      time.Duration
	token    func(ctx context.Context, token string) (string, bool)
	oidc     *OIDC
}

// NewOfficer returns the officer pages as an http.Handler, to be served
// at /officer/: the review queue with due dates and flags, an
// application with its evidence, approval and rejection with the
// scheme's reasons, the search of accounts and permits, and an account's
// page. Every action goes through svc as the officer signed in
// (permit.OfficerActor with the officer's name), so events say
// officer:NAME. Officers sign in through the council's OpenID Connect
// provider (OfficerOptions.OIDC) or, for evaluation, with an officer
// token. The security of the resident pages applies: cross-site posts
// refused, a Content Security Policy without inline script, cookies
// HttpOnly, SameSite=Lax and Secure behind https.
func NewOfficer(svc *permit.Service, opts *OfficerOptions) (http.Handler, error) {
	if svc == nil {
		return nil, errors.New("web: NewOfficer needs a Service")
	}
	var o OfficerOptions
	if opts != nil {
		o = *opts
	}
	if o.TokenSignIn == nil && o.OIDC == nil {
		return nil, errors.New("web: NewOfficer needs a way to sign officers in: OIDC, or TokenSignIn")
	}
	if o.Catalogue.Messages == nil {
		o.Catalogue = English()
	}
	if miss := o.Catalogue.missing(); o.Catalogue.Lang == "" || len(miss) > 0 {
		return nil, fmt.Errorf("web: the catalogue has no Lang, or no text for %s", strings.Join(miss, ", "))
	}
	t, err := parseTemplates(o.Catalogue)
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	base := &handler{svc: svc, cat: o.Catalogue, tmpl: t, secure: o.Secure, log: o.Logger, files: o.Files}
	if base.log == nil {
		base.log = slog.New(slog.DiscardHandler)
	}
	p := &officerPages{handler: base, sessions: o.Sessions, ttl: o.SessionTTL, token: o.TokenSignIn, oidc: o.OIDC}
	if p.sessions == nil {
		p.sessions = NewMemorySessions()
	}
	if p.ttl <= 0 {
		p.ttl = DefaultOfficerSessionTTL
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /officer/{$}", p.signedIn(p.queue))
	mux.HandleFunc("GET /officer/sign-in", p.signInPage)
	mux.HandleFunc("POST /officer/sign-in", p.signInToken)
	mux.HandleFunc("GET /officer/sign-in/oidc", p.oidcStart)
	mux.HandleFunc("GET /officer/oidc/callback", p.oidcCallback)
	mux.HandleFunc("POST /officer/sign-out", p.signOut)
	mux.HandleFunc("GET /officer/permits/{id}", p.signedIn(p.permitPage))
	mux.HandleFunc("POST /officer/permits/{id}/approve", p.signedIn(p.approve))
	mux.HandleFunc("POST /officer/permits/{id}/reject", p.signedIn(p.reject))
	mux.HandleFunc("GET /officer/permits/{id}/documents/{doc}", p.signedIn(p.document))
	mux.HandleFunc("GET /officer/search", p.signedIn(p.search))
	mux.HandleFunc("GET /officer/accounts/{id}", p.signedIn(p.accountPage))
	mux.HandleFunc("/officer/", p.notFound)
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.render(w, r, http.StatusForbidden, "page-message", &page{Title: p.t("refused_title"), Message: p.t("refused")})
	}))
	return secureHeaders(cop.Handler(mux)), nil
}

// officerHandler is a page that needs a signed-in officer.
type officerHandler func(w http.ResponseWriter, r *http.Request, officer permit.Actor)

// signedIn sends a visitor who is not signed in to the sign-in page.
func (p *officerPages) signedIn(next officerHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name, err := p.officer(r)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		if name == "" {
			seeOther(w, r, "/officer/sign-in")
			return
		}
		next(w, r, permit.OfficerActor(name))
	}
}

// officer returns the name of the request's signed-in officer, "" for
// none.
func (p *officerPages) officer(r *http.Request) (string, error) {
	c, err := r.Cookie(officerCookie)
	if err != nil || c.Value == "" {
		return "", nil
	}
	name, ok, err := p.sessions.Account(r.Context(), sessionID(c.Value), time.Now())
	if err != nil || !ok {
		return "", err
	}
	return name, nil
}

// startSession signs the officer in: a session in the database and its
// cookie, for /officer/ only. Officers' sessions run on the wall clock.
func (p *officerPages) startSession(w http.ResponseWriter, r *http.Request, name string) error {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	secret := base64.RawURLEncoding.EncodeToString(b[:])
	now := time.Now()
	if err := p.sessions.Create(r.Context(), sessionID(secret), name, now, now.Add(p.ttl)); err != nil {
		return err
	}
	p.officerCookie(w, r, secret, p.ttl)
	return nil
}

// officerCookie sets the session cookie as every cookie of the pages is
// set (HttpOnly, SameSite=Lax, Secure behind https), for /officer/ only.
func (p *officerPages) officerCookie(w http.ResponseWriter, r *http.Request, value string, maxAge time.Duration) {
	c := &http.Cookie{Name: officerCookie, Value: value, Path: "/officer/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: p.secure || r.TLS != nil}
	if maxAge < 0 {
		c.MaxAge = -1
	} else {
		c.MaxAge = int(maxAge / time.Second)
	}
	http.SetCookie(w, c)
}

func (p *officerPages) signInPage(w http.ResponseWriter, r *http.Request) {
	p.renderSignIn(w, r, http.StatusOK, nil)
}

func (p *officerPages) renderSignIn(w http.ResponseWriter, r *http.Request, status int, errs []fieldError) {
	form := map[string]any{"OIDC": p.oidc != nil, "Token": p.token != nil,
		"OIDCButton": Button{Text: p.t("officer_signin_oidc", "council", p.council()), Href: "/officer/sign-in/oidc", IsStartButton: true}}
	if p.token != nil {
		in := Input{ID: "token", Name: "token", Type: "password", Autocomplete: "off",
			Label: Label{Text: p.t("officer_signin_token"), Classes: "govuk-label--s"}, Hint: &Hint{Text: p.t("officer_signin_token_hint")}}
		pg := &page{Errors: errs}
		in.ErrorMessage = pg.errorFor("token")
		form["TokenInput"] = in
		form["TokenButton"] = Button{Text: p.t("signin_button")}
	}
	p.render(w, r, status, "officer-sign-in", &page{Title: p.t("officer_signin_title"), Errors: errs, Form: form})
}

// signInToken is the evaluation sign-in: an officer token, checked as
// the JSON API checks it.
func (p *officerPages) signInToken(w http.ResponseWriter, r *http.Request) {
	if p.token == nil {
		p.notFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	tok := strings.TrimSpace(r.PostForm.Get("token"))
	if tok == "" {
		p.renderSignIn(w, r, http.StatusUnprocessableEntity, []fieldError{{"token", p.t("officer_signin_token_required")}})
		return
	}
	name, ok := p.token(r.Context(), tok)
	if !ok {
		p.renderSignIn(w, r, http.StatusUnauthorized, []fieldError{{"token", p.t("officer_signin_token_wrong")}})
		return
	}
	if err := p.startSession(w, r, name); err != nil {
		p.fail(w, r, err)
		return
	}
	seeOther(w, r, "/officer/")
}

func (p *officerPages) signOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(officerCookie); err == nil && c.Value != "" {
		if err := p.sessions.Delete(r.Context(), sessionID(c.Value)); err != nil {
			p.fail(w, r, err)
			return
		}
	}
	p.officerCookie(w, r, "", -1)
	seeOther(w, r, "/officer/sign-in")
}

// queue is the review queue: oldest first, each with its due date, the
// overdue ones marked, and the officer's flags (the DVLA's answer).
func (p *officerPages) queue(w http.ResponseWriter, r *http.Request, officer permit.Actor) {
	items, _, err := p.svc.ReviewQueuePage(r.Context(), officer, r.URL.Query().Get("after"), 50)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	var lists []map[string]any
	for _, it := range items {
		rows := []SummaryRow{}
		var title, href string
		switch {
		case it.Permit != nil:
			pt, _ := p.svc.Scheme().PermitType(it.Permit.Type)
			title, href = pt.Name+" – "+it.Permit.ID, "/officer/permits/"+it.Permit.ID
			rows = append(rows,
				SummaryRow{Key: SummaryCell{Text: p.t("check_vehicle")}, Value: SummaryCell{Text: string(it.Permit.VRM)}},
				SummaryRow{Key: SummaryCell{Text: p.t("check_address")}, Value: SummaryCell{Text: it.Permit.Address}})
			if flags := it.Permit.Flags(); len(flags) > 0 {
				var fl []string
				for _, f := range flags {
					fl = append(fl, p.flagText(string(f)))
				}
				rows = append(rows, SummaryRow{Key: SummaryCell{Text: p.t("officer_flags")}, Value: SummaryCell{Text: strings.Join(fl, "; ")}})
			}
		case it.AddressChange != nil:
			title = p.t("officer_address_change") + " – " + it.AddressChange.ID
			rows = append(rows, SummaryRow{Key: SummaryCell{Text: p.t("check_address")}, Value: SummaryCell{Text: it.AddressChange.ToAddress}})
		}
		rows = append(rows,
			SummaryRow{Key: SummaryCell{Text: p.t("officer_submitted")}, Value: SummaryCell{Text: longDate(it.SubmittedAt.In(p.svc.Scheme().Location))}})
		due := longDate(it.DueOn)
		if it.Overdue {
			due = p.t("officer_overdue", "date", due)
		}
		rows = append(rows, SummaryRow{Key: SummaryCell{Text: p.t("officer_due")}, Value: SummaryCell{Text: due}})
		lists = append(lists, map[string]any{"Title": title, "Href": href, "Overdue": it.Overdue, "List": SummaryList{Rows: rows}})
	}
	p.render(w, r, http.StatusOK, "officer-queue", &page{Title: p.t("officer_queue_title"), Form: map[string]any{
		"Items": lists, "Search": p.searchInput(""),
	}})
}

func (p *officerPages) flagText(f string) string {
	if t, ok := p.cat.Messages["officer_flag_"+f]; ok {
		return t
	}
	return f
}

func (p *officerPages) searchInput(v string) Input {
	return Input{ID: "q", Name: "q", Value: v, Label: Label{Text: p.t("officer_search_label"), Classes: "govuk-label--s"},
		Hint: &Hint{Text: p.t("officer_search_hint")}}
}

// permitPage is one application or permit: its details, its evidence
// (the files, opened one by one), its history, and the decision while it
// waits for one.
func (p *officerPages) permitPage(w http.ResponseWriter, r *http.Request, officer permit.Actor) {
	done := ""
	switch r.URL.Query().Get("done") {
	case "approved":
		done = p.t("officer_approved")
	case "rejected":
		done = p.t("officer_rejected")
	}
	p.showPermit(w, r, officer, http.StatusOK, nil, done)
}

func (p *officerPages) showPermit(w http.ResponseWriter, r *http.Request, officer permit.Actor, status int, errs []fieldError, done string) {
	pm, err := p.svc.Permit(r.Context(), officer, r.PathValue("id"))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	acc, err := p.svc.Account(r.Context(), officer, pm.AccountID)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	today := p.svc.Today()
	pt, _ := p.svc.Scheme().PermitType(pm.Type)
	rows := []SummaryRow{
		{Key: SummaryCell{Text: p.t("check_type")}, Value: SummaryCell{Text: pt.Name}},
		{Key: SummaryCell{Text: p.t("permit_reference")}, Value: SummaryCell{Text: pm.ID}},
		{Key: SummaryCell{Text: p.t("permit_status")}, Value: SummaryCell{Text: p.statusText(pm.StatusOn(today))}},
		{Key: SummaryCell{Text: p.t("officer_holder")}, Value: SummaryCell{Text: acc.Name},
			Actions: &SummaryActions{Items: []SummaryAction{{Href: "/officer/accounts/" + acc.ID, Text: p.t("officer_view"), VisuallyHiddenText: p.t("officer_holder")}}}},
		{Key: SummaryCell{Text: p.t("check_vehicle")}, Value: SummaryCell{Text: string(pm.VRM)}},
		{Key: SummaryCell{Text: p.t("check_address")}, Value: SummaryCell{Text: pm.Address}},
	}
	if !pm.StartsOn.IsZero() {
		rows = append(rows, SummaryRow{Key: SummaryCell{Text: p.t("check_dates")},
			Value: SummaryCell{Text: p.t("check_dates_value", "from", longDate(pm.StartsOn), "to", longDate(pm.ExpiresOn))}})
	}
	for _, f := range pm.Flags() {
		rows = append(rows, SummaryRow{Key: SummaryCell{Text: p.t("officer_flags")}, Value: SummaryCell{Text: p.flagText(string(f))}})
	}
	if pm.Rejection != nil {
		rows = append(rows, SummaryRow{Key: SummaryCell{Text: p.t("officer_rejected_because")}, Value: SummaryCell{Text: pm.Rejection.Reason}})
	}
	var evidenceRows []SummaryRow
	for _, d := range pm.Evidence {
		evidenceRows = append(evidenceRows, SummaryRow{Key: SummaryCell{Text: p.kindText(string(d.Kind))},
			Value: SummaryCell{Text: p.t("officer_evidence_value", "date", longDate(d.IssuedOn), "name", d.Name)}})
	}
	var files []map[string]string
	if p.files != nil {
		_, attrs, err := p.files.Attrs(r.Context(), "permits/"+pm.ID+"/documents/")
		if err != nil {
			p.fail(w, r, err)
			return
		}
		for _, a := range attrs {
			files = append(files, map[string]string{"Href": "/officer/permits/" + pm.ID + "/documents/" + url.PathEscape(a["id"]),
				"Text": p.t("officer_file", "kind", p.kindText(a["kind"]), "name", a["filename"], "type", a["content_type"])})
		}
	}
	history, err := p.svc.PermitHistory(r.Context(), officer, pm.ID)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	var hist []SummaryRow
	for _, e := range history {
		hist = append(hist, SummaryRow{Key: SummaryCell{Text: e.At.In(p.svc.Scheme().Location).Format("2 January 2006 15:04")},
			Value: SummaryCell{Text: p.t("officer_history_value", "type", string(e.Type), "actor", e.Actor)}})
	}
	form := map[string]any{"Details": SummaryList{Rows: rows}, "Evidence": SummaryList{Rows: evidenceRows}, "Files": files,
		"History": SummaryList{Rows: hist}, "Pending": pm.Status == permit.PendingReview, "ID": pm.ID, "Done": done}
	if pm.Status == permit.PendingReview {
		pg := &page{Errors: errs}
		var items []RadioItem
		for _, rr := range p.svc.Scheme().RejectionReasons {
			items = append(items, RadioItem{Value: rr.Code, Text: rr.Text})
		}
		code := r.PostFormValue("reason_code")
		if len(items) > 0 {
			form["Reasons"] = Radios{Name: "reason_code", IDPrefix: "reason_code", Value: code, Items: items,
				Fieldset:     &Fieldset{Legend: &Legend{Text: p.t("officer_reject_reason"), Classes: "govuk-fieldset__legend--s"}},
				ErrorMessage: pg.errorFor("reason_code")}
		} else {
			form["ReasonCode"] = Input{ID: "reason_code", Name: "reason_code", Value: code,
				Label: Label{Text: p.t("officer_reject_code"), Classes: "govuk-label--s"}, ErrorMessage: pg.errorFor("reason_code")}
		}
		form["Reason"] = Input{ID: "reason", Name: "reason", Value: r.PostFormValue("reason"),
			Label: Label{Text: p.t("officer_reject_words"), Classes: "govuk-label--s"}, Hint: &Hint{Text: p.t("officer_reject_words_hint")},
			ErrorMessage: pg.errorFor("reason")}
		form["Approve"] = Button{Text: p.t("officer_approve")}
		form["Reject"] = Button{Text: p.t("officer_reject"), Classes: "govuk-button--warning"}
	}
	p.render(w, r, status, "officer-permit", &page{Title: p.t("officer_permit_title", "id", pm.ID), Back: "/officer/", Errors: errs, Form: form})
}

func (p *officerPages) kindText(k string) string {
	if t, ok := p.cat.Messages["kind_"+k]; ok {
		return t
	}
	return strings.ReplaceAll(k, "_", " ")
}

// approve decides an application; a refusal is shown on its page in the
// council's words.
func (p *officerPages) approve(w http.ResponseWriter, r *http.Request, officer permit.Actor) {
	_, err := p.svc.Approve(r.Context(), officer, r.PathValue("id"))
	p.decided(w, r, officer, err, "approved")
}

func (p *officerPages) reject(w http.ResponseWriter, r *http.Request, officer permit.Actor) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	_, err := p.svc.Reject(r.Context(), officer, r.PathValue("id"),
		permit.Rejection{Code: r.PostForm.Get("reason_code"), Reason: strings.TrimSpace(r.PostForm.Get("reason"))})
	p.decided(w, r, officer, err, "rejected")
}

func (p *officerPages) decided(w http.ResponseWriter, r *http.Request, officer permit.Actor, err error, done string) {
	var ve *permit.ValidationError
	switch {
	case err == nil:
		seeOther(w, r, "/officer/permits/"+url.PathEscape(r.PathValue("id"))+"?done="+url.QueryEscape(done))
	case errors.As(err, &ve):
		var errs []fieldError
		for _, f := range ve.Fields {
			errs = append(errs, fieldError{f.Field, p.fieldText(f)})
		}
		p.showPermit(w, r, officer, http.StatusUnprocessableEntity, errs, "")
	case errors.Is(err, permit.ErrInvalidTransition):
		p.showPermit(w, r, officer, http.StatusConflict, []fieldError{{"decision", p.t("officer_cannot_decide") + " " + permitErrorDetail(err)}}, "")
	default:
		p.fail(w, r, err)
	}
}

// permitErrorDetail is the service's sentence after its sentinel, e.g.
// "the application's whole period has passed; …".
func permitErrorDetail(err error) string {
	s := err.Error()
	if _, after, ok := strings.Cut(s, ": "); ok {
		return after
	}
	return ""
}

// document sends one evidence file to the officer as an attachment,
// recorded as document.viewed before it goes.
func (p *officerPages) document(w http.ResponseWriter, r *http.Request, officer permit.Actor) {
	if p.files == nil {
		p.notFound(w, r)
		return
	}
	id, doc := r.PathValue("id"), r.PathValue("doc")
	if _, err := p.svc.Permit(r.Context(), officer, id); err != nil {
		p.fail(w, r, err)
		return
	}
	f, attrs, err := p.files.Get(r.Context(), "permits/"+id+"/documents/"+doc)
	if errors.Is(err, fs.ErrNotExist) {
		p.notFound(w, r)
		return
	}
	if err != nil {
		p.fail(w, r, err)
		return
	}
	defer f.Close()
	if err := p.svc.RecordDocumentViewed(r.Context(), officer, id, doc); err != nil {
		p.fail(w, r, err)
		return
	}
	ct := attrs["content_type"]
	switch ct {
	case "application/pdf", "image/jpeg", "image/png":
	default:
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename=%q`, doc+extensionOf(ct)))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = io.Copy(w, f)
}

func extensionOf(ct string) string {
	switch ct {
	case "application/pdf":
		return ".pdf"
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	}
	return ""
}

// search finds accounts and permits: a registration, a postcode, an
// email address or part of a name, whichever the words look like.
func (p *officerPages) search(w http.ResponseWriter, r *http.Request, officer permit.Actor) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	form := map[string]any{"Search": p.searchInput(q), "Query": q}
	if q == "" {
		p.render(w, r, http.StatusOK, "officer-search", &page{Title: p.t("officer_search_title"), Back: "/officer/", Form: form})
		return
	}
	var found []map[string]any
	seen := map[string]bool{}
	add := func(accs []permit.Account) {
		for _, a := range accs {
			if seen[a.ID] {
				continue
			}
			seen[a.ID] = true
			found = append(found, map[string]any{"Href": "/officer/accounts/" + a.ID, "Name": a.Name, "Address": a.Address, "ID": a.ID})
		}
	}
	var permits []map[string]any
	for _, s := range searchesFor(q) {
		accs, _, err := p.svc.SearchAccounts(r.Context(), officer, s)
		var ve *permit.ValidationError
		if errors.As(err, &ve) {
			continue // not a postcode, not a registration…
		}
		if err != nil {
			p.fail(w, r, err)
			return
		}
		add(accs)
		if s.VRM != "" || s.Postcode != "" {
			ps, _, err := p.svc.SearchPermits(r.Context(), officer, s)
			if err == nil {
				for _, pm := range ps {
					permits = append(permits, map[string]any{"Href": "/officer/permits/" + pm.ID, "ID": pm.ID, "VRM": string(pm.VRM),
						"Status": p.statusText(pm.StatusOn(p.svc.Today()))})
				}
			}
		}
	}
	form["Accounts"], form["Permits"] = found, permits
	p.render(w, r, http.StatusOK, "officer-search", &page{Title: p.t("officer_search_title"), Back: "/officer/", Form: form})
}

// searchesFor is what the words of a search may be.
func searchesFor(q string) []permit.Search {
	if strings.Contains(q, "@") {
		return []permit.Search{{Email: q, Limit: 50}}
	}
	return []permit.Search{{Postcode: q, Limit: 50}, {VRM: q, Limit: 50}, {Name: q, Limit: 50}}
}

// accountPage is an account: its details and its permits. Looking is
// recorded (account.viewed), as for the JSON API.
func (p *officerPages) accountPage(w http.ResponseWriter, r *http.Request, officer permit.Actor) {
	acc, err := p.svc.Account(r.Context(), officer, r.PathValue("id"))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	if err := p.svc.RecordAccountViewed(r.Context(), officer, acc.ID); err != nil {
		p.fail(w, r, err)
		return
	}
	ps, err := p.svc.PermitsOfAccount(r.Context(), officer, acc.ID)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	details := SummaryList{Rows: []SummaryRow{
		{Key: SummaryCell{Text: p.t("officer_holder")}, Value: SummaryCell{Text: acc.Name}},
		{Key: SummaryCell{Text: p.t("officer_email")}, Value: SummaryCell{Text: acc.Email}},
		{Key: SummaryCell{Text: p.t("check_address")}, Value: SummaryCell{Text: acc.Address}},
		{Key: SummaryCell{Text: p.t("officer_account_reference")}, Value: SummaryCell{Text: acc.ID}},
	}}
	today := p.svc.Today()
	var rows []SummaryRow
	for _, pm := range ps {
		pt, _ := p.svc.Scheme().PermitType(pm.Type)
		rows = append(rows, SummaryRow{Key: SummaryCell{Text: pt.Name + " – " + string(pm.VRM)},
			Value:   SummaryCell{Text: p.statusText(pm.StatusOn(today))},
			Actions: &SummaryActions{Items: []SummaryAction{{Href: "/officer/permits/" + pm.ID, Text: p.t("officer_view"), VisuallyHiddenText: pm.ID}}}})
	}
	p.render(w, r, http.StatusOK, "officer-account", &page{Title: acc.Name, Back: "/officer/", Form: map[string]any{
		"Details": details, "Permits": SummaryList{Rows: rows}}})
}
