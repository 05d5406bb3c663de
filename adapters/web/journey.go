package web

import (
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// The second half of the apply journey: the account (opened here, which
// signs the resident in with a session stored by Sessions), the vehicle,
// check your answers with the price or "free" and why, and the
// confirmation with the review's due date.

func (h *handler) journeyRoutes() {
	h.mux.HandleFunc("GET /apply/account", h.accountForm)
	h.mux.HandleFunc("POST /apply/account", h.accountPost)
	h.mux.HandleFunc("GET /apply/vehicle", h.vehicleForm)
	h.mux.HandleFunc("POST /apply/vehicle", h.vehiclePost)
	h.mux.HandleFunc("GET /apply/check", h.checkPage)
	h.mux.HandleFunc("POST /apply/check", h.submit)
	h.mux.HandleFunc("GET /apply/done/{id}", h.confirmation)
	h.mux.HandleFunc("POST /sign-out", h.signOut)
	h.mux.HandleFunc("GET /permits", h.yourPermits)
}

// answersWith reads the journey's answers including the vehicle.
func vrmOf(r *http.Request) string {
	if r.Method == http.MethodPost {
		return r.PostForm.Get("vrm")
	}
	return r.URL.Query().Get("vrm")
}

func (h *handler) accountPage(a answers, name, email, phone string, errs []fieldError) *page {
	p := &page{Title: h.t("account_title"), Back: "/apply/property?" + a.query(), Errors: errs}
	p.Form = map[string]any{
		"Answers": a,
		"Name": Input{ID: "name", Name: "name", Value: name, Autocomplete: "name", Spellcheck: new(bool),
			Label: Label{Text: h.t("account_name")}, ErrorMessage: p.errorFor("name")},
		"Email": Input{ID: "email", Name: "email", Type: "email", Value: email, Autocomplete: "email", Spellcheck: new(bool),
			Label: Label{Text: h.t("account_email")}, Hint: &Hint{Text: h.t("account_email_hint")}, ErrorMessage: p.errorFor("email")},
		"Phone": Input{ID: "phone", Name: "phone", Type: "tel", Value: phone, Autocomplete: "tel", Classes: "govuk-input--width-20",
			Label: Label{Text: h.t("account_phone")}, ErrorMessage: p.errorFor("phone")},
		"Button": Button{Text: h.t("continue")},
	}
	return p
}

// journeyStart checks the answers before the account step; false means
// it has sent the browser back to the first missing one.
func (h *handler) journeyStart(w http.ResponseWriter, r *http.Request, a answers) bool {
	if !h.knownType(a.Type) {
		seeOther(w, r, "/apply/type")
		return false
	}
	if _, err := zones.ParseUPRN(a.UPRN); err != nil || a.UPRN == "" {
		seeOther(w, r, "/apply/address?"+answers{Type: a.Type}.query())
		return false
	}
	return true
}

func (h *handler) accountForm(w http.ResponseWriter, r *http.Request) {
	a := answersOf(r.URL.Query())
	if !h.journeyStart(w, r, a) {
		return
	}
	acc, err := h.signedIn(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if acc != "" {
		seeOther(w, r, "/apply/vehicle?"+a.query())
		return
	}
	h.render(w, r, http.StatusOK, "page-account", h.accountPage(a, "", "", "", nil))
}

func (h *handler) accountPost(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	a := answersOf(r.PostForm)
	if !h.journeyStart(w, r, a) {
		return
	}
	name, email, phone := r.PostForm.Get("name"), r.PostForm.Get("email"), r.PostForm.Get("phone")
	var errs []fieldError
	if strings.TrimSpace(email) == "" {
		// The pages need an address to reach the resident; the API does not.
		errs = append(errs, fieldError{"email", h.t("account_email_required")})
	}
	uprn, _ := zones.ParseUPRN(a.UPRN)
	var acc permit.Account
	var err error
	if len(errs) == 0 {
		acc, err = h.svc.CreateAccount(r.Context(), permit.PublicActor, permit.NewAccount{Name: name, Email: email, Phone: phone, UPRN: uprn})
	}
	var ve *permit.ValidationError
	var le *permit.LimitError
	switch {
	case errors.As(err, &ve):
		for _, f := range ve.Fields {
			errs = append(errs, fieldError{f.Field, h.fieldText(f)})
		}
	case errors.As(err, &le):
		errs = append(errs, fieldError{"name", le.Detail})
	case errors.Is(err, permit.ErrNotFound):
		seeOther(w, r, "/apply/address?"+answers{Type: a.Type}.query())
		return
	case err != nil:
		h.fail(w, r, err)
		return
	}
	if len(errs) > 0 {
		h.render(w, r, http.StatusUnprocessableEntity, "page-account", h.accountPage(a, name, email, phone, errs))
		return
	}
	if err := h.signIn(w, r, acc.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	seeOther(w, r, "/apply/vehicle?"+a.query())
}

// fieldText is the catalogue's words for a field problem the service
// found, or the service's own sentence when the catalogue has none.
func (h *handler) fieldText(f permit.FieldError) string {
	if s, ok := h.cat.Messages["field_"+f.Field+"_"+f.Code]; ok {
		return s
	}
	return f.Detail
}

// account returns the signed-in account, or sends the browser to the
// start of the account step.
func (h *handler) account(w http.ResponseWriter, r *http.Request, a answers) (string, bool) {
	acc, err := h.signedIn(r)
	if err != nil {
		h.fail(w, r, err)
		return "", false
	}
	if acc == "" {
		seeOther(w, r, "/apply/account?"+a.query())
		return "", false
	}
	return acc, true
}

func (h *handler) vehiclePage(a answers, vrm string, errs []fieldError) *page {
	p := &page{Title: h.t("vehicle_title"), Back: "/apply/property?" + a.query(), Errors: errs}
	p.Form = map[string]any{
		"Answers": a,
		"VRM": Input{ID: "vrm", Name: "vrm", Value: vrm, Classes: "govuk-input--width-10 govuk-input--extra-letter-spacing", Spellcheck: new(bool),
			Label: Label{Text: h.t("vehicle_title"), IsPageHeading: true, Classes: "govuk-label--l"},
			Hint:  &Hint{Text: h.t("vehicle_hint")}, ErrorMessage: p.errorFor("vrm")},
		"Button": Button{Text: h.t("continue")},
	}
	return p
}

func (h *handler) vehicleForm(w http.ResponseWriter, r *http.Request) {
	a := answersOf(r.URL.Query())
	if !h.journeyStart(w, r, a) {
		return
	}
	if _, ok := h.account(w, r, a); !ok {
		return
	}
	h.render(w, r, http.StatusOK, "page-vehicle", h.vehiclePage(a, vrmOf(r), nil))
}

func (h *handler) vehiclePost(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	a := answersOf(r.PostForm)
	if !h.journeyStart(w, r, a) {
		return
	}
	if _, ok := h.account(w, r, a); !ok {
		return
	}
	raw := vrmOf(r)
	var errs []fieldError
	if strings.TrimSpace(raw) == "" {
		errs = append(errs, fieldError{"vrm", h.t("vehicle_required")})
	} else if _, err := permit.ParseVRM(raw); err != nil {
		errs = append(errs, fieldError{"vrm", h.t("vehicle_invalid")})
	}
	if len(errs) > 0 {
		h.render(w, r, http.StatusUnprocessableEntity, "page-vehicle", h.vehiclePage(a, raw, errs))
		return
	}
	vrm, _ := permit.ParseVRM(raw)
	seeOther(w, r, "/apply/evidence?"+applyState(a, string(vrm)).Encode())
}

// checkPageFor builds check your answers: what was said, the price or
// "free" and why (the service's decision), and what the decision refuses.
func (h *handler) checkPageFor(r *http.Request, a answers, vrm, accountID string, docs []staged, errs []fieldError) (*page, error) {
	acc, err := h.svc.Account(r.Context(), permit.AccountActor(accountID), accountID)
	if err != nil {
		return nil, err
	}
	d, err := h.svc.Eligibility(r.Context(), permit.AccountActor(accountID), permit.EligibilityQuery{AccountID: accountID, Type: a.Type})
	if err != nil {
		return nil, err
	}
	pt, _ := h.svc.Scheme().PermitType(a.Type)
	change := func(href, what string) *SummaryActions {
		return &SummaryActions{Items: []SummaryAction{{Href: href, Text: h.t("change"), VisuallyHiddenText: what}}}
	}
	price := h.t("check_free")
	if !d.Free {
		price = h.t("check_pay", "price", "£"+d.Price.StringFixed(2))
	}
	var why []string
	for _, rs := range d.Reasons {
		if !rs.Blocking && rs.Detail != "" {
			why = append(why, rs.Detail)
		}
	}
	if d.Quote.Reason != "" && !d.Free {
		why = append(why, d.Quote.Reason)
	}
	list := SummaryList{Rows: []SummaryRow{
		{Key: SummaryCell{Text: h.t("check_type")}, Value: SummaryCell{Text: pt.Name}, Actions: change("/apply/type?"+a.query(), h.t("check_type"))},
		{Key: SummaryCell{Text: h.t("check_address")}, Value: SummaryCell{Text: acc.Address}, Actions: change("/apply/address?"+answers{Type: a.Type}.query(), h.t("check_address"))},
		{Key: SummaryCell{Text: h.t("check_vehicle")}, Value: SummaryCell{Text: vrm}, Actions: change("/apply/vehicle?"+a.query()+"&vrm="+vrm, h.t("check_vehicle"))},
		{Key: SummaryCell{Text: h.t("check_price")}, Value: SummaryCell{Text: strings.TrimSpace(price + ". " + strings.Join(why, " "))}},
	}}
	if !d.StartsOn.IsZero() {
		list.Rows = append(list.Rows, SummaryRow{Key: SummaryCell{Text: h.t("check_dates")},
			Value: SummaryCell{Text: h.t("check_dates_value", "from", longDate(d.StartsOn), "to", longDate(d.ExpiresOn))}})
	}
	var refusals []string
	for _, rs := range d.Reasons {
		if rs.Blocking {
			refusals = append(refusals, rs.Detail)
		}
	}
	state := applyState(a, vrm)
	list.Rows = append(list.Rows, h.docRows(docs, func(id string) string {
		return withDocs("/apply/evidence?"+state.Encode(), without(docIDs(docs), id))
	})...)
	p := &page{Title: h.t("check_title"), Back: withDocs("/apply/evidence?"+state.Encode(), docIDs(docs)), Errors: errs}
	p.Form = map[string]any{"Answers": a, "VRM": vrm, "List": list, "Refusals": refusals, "Eligible": d.Eligible,
		"Docs": docIDs(docs), "Button": Button{Text: h.t("check_submit"), ID: "submit"}}
	return p, nil
}

func (h *handler) checkPage(w http.ResponseWriter, r *http.Request) {
	a := answersOf(r.URL.Query())
	if !h.journeyStart(w, r, a) {
		return
	}
	acc, ok := h.account(w, r, a)
	if !ok {
		return
	}
	vrm, err := permit.ParseVRM(vrmOf(r))
	if err != nil {
		seeOther(w, r, "/apply/vehicle?"+a.query())
		return
	}
	st, err := h.applyDocStep(r, a, string(vrm), acc)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	docs, err := h.stagedDocs(r.Context(), acc, r.URL.Query()["doc"])
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if unmet(st.Reqs, docs) >= 0 {
		// A document is still missing: the evidence step asks for it.
		seeOther(w, r, withDocs("/apply/evidence?"+st.State.Encode(), docIDs(docs)))
		return
	}
	p, err := h.checkPageFor(r, a, string(vrm), acc, docs, nil)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "page-check", p)
}

func (h *handler) submit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	a := answersOf(r.PostForm)
	if !h.journeyStart(w, r, a) {
		return
	}
	acc, ok := h.account(w, r, a)
	if !ok {
		return
	}
	vrm := vrmOf(r)
	docs, err := h.stagedDocs(r.Context(), acc, r.PostForm["doc"])
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p, err := h.svc.Apply(r.Context(), permit.AccountActor(acc), permit.Application{AccountID: acc, Type: a.Type, VRM: vrm, Evidence: documentsOf(docs)})
	if err == nil {
		if err := h.attach(r.Context(), p.ID, docs); err != nil {
			// The application stands; the files wait under the account
			// and the officers see the documents' details meanwhile.
			h.log.ErrorContext(r.Context(), "web: filing evidence files under the permit", "permit_id", p.ID, "err", err)
		}
		payOrConfirm(w, r, p, "/apply/done/"+p.ID)
		return
	}
	errs, ok := h.refusal(err)
	if !ok {
		h.fail(w, r, err)
		return
	}
	pg, perr := h.checkPageFor(r, a, vrm, acc, docs, errs)
	if perr != nil {
		h.fail(w, r, perr)
		return
	}
	h.render(w, r, http.StatusUnprocessableEntity, "page-check", pg)
}

// refusal turns the service's refusal of an application into the page's
// errors, in the service's (the scheme's) words; false for a failure.
func (h *handler) refusal(err error) ([]fieldError, bool) {
	var ve *permit.ValidationError
	var ne *permit.NotEligibleError
	var ee *permit.EvidenceError
	switch {
	case errors.As(err, &ve):
		var out []fieldError
		for _, f := range ve.Fields {
			out = append(out, fieldError{f.Field, h.fieldText(f)})
		}
		return out, true
	case errors.As(err, &ne):
		var out []fieldError
		for _, rs := range ne.Decision.Reasons {
			if rs.Blocking {
				out = append(out, fieldError{"submit", rs.Detail})
			}
		}
		return out, true
	case errors.As(err, &ee):
		return h.evidenceRefusal(ee), true
	case errors.Is(err, permit.ErrVRMInUse):
		return []fieldError{{"submit", h.t("check_vrm_in_use")}}, true
	case errors.Is(err, permit.ErrPaymentFailed):
		return []fieldError{{"submit", h.t("check_payment_failed")}}, true
	}
	return nil, false
}

func (h *handler) confirmation(w http.ResponseWriter, r *http.Request) {
	acc, err := h.signedIn(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if acc == "" {
		h.notFound(w, r)
		return
	}
	// Another account's permit is not found, as if it did not exist (the
	// Service says so).
	p, err := h.svc.Permit(r.Context(), permit.AccountActor(acc), r.PathValue("id"))
	if errors.Is(err, permit.ErrNotFound) {
		h.notFound(w, r)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if p.Status == permit.AwaitingPayment {
		h.payState(w, r, p)
		return
	}
	due := h.svc.Scheme().ReviewDueOn(eligibility.Today(p.CreatedAt, h.svc.Scheme().Location))
	money := h.t("done_free")
	if !p.Free {
		money = h.t("done_paid", "price", "£"+p.Price.StringFixed(2))
	}
	h.render(w, r, http.StatusOK, "page-done", &page{Title: h.t("done_title"), Form: map[string]any{
		"Panel": Panel{TitleText: h.t("done_title"), HTML: h.panelBody(p.ID)},
		"Next":  h.t("done_next", "council", h.council(), "due", longDate(due)),
		"Money": money,
	}})
}

// longDate writes a date as GOV.UK style asks: "2 November 2026".
func longDate(d time.Time) string { return d.Format("2 January 2006") }

// panelBody is the confirmation panel's reference line.
func (h *handler) panelBody(id string) template.HTML {
	return template.HTML(template.HTMLEscapeString(h.t("done_reference")) + "<br><strong>" + template.HTMLEscapeString(id) + "</strong>")
}
