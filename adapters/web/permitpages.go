package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/pricing"
)

// A permit's own pages: its details, changing its vehicle now or from a
// date (and withdrawing a scheduled change), renewing it inside the
// renewal window with fresh evidence, and cancelling it. Each action is
// the service's; each refusal is shown in its words where it happens.

func (h *handler) permitRoutes() {
	h.mux.HandleFunc("GET /permits/{id}", h.permitDetails)
	h.mux.HandleFunc("GET /permits/{id}/vehicle", h.vehicleChangeForm)
	h.mux.HandleFunc("POST /permits/{id}/vehicle", h.vehicleChangePost)
	h.mux.HandleFunc("POST /permits/{id}/vehicle/withdraw", h.vehicleChangeWithdraw)
	h.mux.HandleFunc("GET /permits/{id}/renew", h.renewEvidence)
	h.mux.HandleFunc("POST /permits/{id}/renew", h.renewEvidence)
	h.mux.HandleFunc("GET /permits/{id}/renew/check", h.renewCheck)
	h.mux.HandleFunc("POST /permits/{id}/renew/check", h.renewSubmit)
	h.mux.HandleFunc("GET /permits/{id}/renewed", h.renewed)
	h.mux.HandleFunc("GET /permits/{id}/cancel", h.cancelForm)
	h.mux.HandleFunc("POST /permits/{id}/cancel", h.cancelPost)
}

// permitRows are the summary of a permit, as its holder reads it.
func (h *handler) permitRows(p permit.Permit, today time.Time) []SummaryRow {
	pt, _ := h.svc.Scheme().PermitType(p.Type)
	row := func(k, v string) SummaryRow {
		return SummaryRow{Key: SummaryCell{Text: k}, Value: SummaryCell{Text: v}}
	}
	rows := []SummaryRow{
		row(h.t("check_type"), pt.Name),
		row(h.t("permit_reference"), p.ID),
		row(h.t("permit_status"), h.statusText(p.StatusOn(today))),
		row(h.t("check_vehicle"), string(p.VRM)),
		row(h.t("check_address"), p.Address),
	}
	if !p.StartsOn.IsZero() {
		rows = append(rows, row(h.t("check_dates"), h.t("check_dates_value", "from", longDate(p.StartsOn), "to", longDate(p.ExpiresOn))))
	}
	if p.Free {
		rows = append(rows, row(h.t("check_price"), h.t("check_free")))
	} else {
		rows = append(rows, row(h.t("check_price"), "£"+p.Price.StringFixed(2)))
	}
	if p.Rejection != nil && p.Rejection.Reason != "" {
		rows = append(rows, row(h.t("permit_rejection"), p.Rejection.Reason))
	}
	return rows
}

// live reports whether a permit may still be changed by its holder:
// approved and not over, or still on its way to approval.
func live(p permit.Permit, today time.Time) bool {
	return p.Live(today) || p.Status == permit.PendingReview || p.Status == permit.AwaitingPayment
}

func (h *handler) permitDetails(w http.ResponseWriter, r *http.Request) {
	_, p, ok := h.ownPermit(w, r)
	if !ok {
		return
	}
	today := h.svc.Today()
	pt, _ := h.svc.Scheme().PermitType(p.Type)
	form := map[string]any{"List": SummaryList{Rows: h.permitRows(p, today)}, "ID": p.ID, "Notice": h.notice(r)}
	status := p.StatusOn(today)
	if c := p.PendingVehicleChange; c != nil {
		form["Pending"] = h.t("permit_change_scheduled", "vrm", string(c.VRM), "date", longDate(c.EffectiveOn))
		form["PendingID"] = c.ID
		form["Withdraw"] = Button{Text: h.t("permit_withdraw_change"), Classes: "govuk-button--secondary"}
	}
	if live(p, today) {
		form["ChangeVehicle"] = "/permits/" + p.ID + "/vehicle"
		form["Cancel"] = "/permits/" + p.ID + "/cancel"
	}
	if p.Status == permit.AwaitingPayment {
		form["Pay"] = "/apply/pay/" + p.ID
		form["PayButton"] = Button{Text: h.t("pay_continue")}
	}
	if (status == permit.Current || status == permit.Upcoming) && pt.Renewable && p.RenewedBy == "" {
		d, err := h.svc.RenewalEligibility(r.Context(), permit.AccountActor(p.AccountID), p.ID, false)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if d.Eligible {
			form["Renew"] = "/permits/" + p.ID + "/renew"
		} else {
			form["RenewClosed"] = h.renewalRefusal(d)
		}
	}
	h.render(w, r, http.StatusOK, "page-permit", &page{Title: h.t("permit_title", "type", pt.Name), Back: "/permits", Form: form})
}

// renewalRefusal says why a permit cannot be renewed today, in the
// service's words, with the day the window opens when that is why.
func (h *handler) renewalRefusal(d eligibility.Decision) []string {
	var out []string
	for _, rs := range d.Reasons {
		if rs.Blocking {
			out = append(out, rs.Detail)
		}
	}
	return out
}

// notice is a sentence the page after an action shows (post, redirect,
// get: the action names it in the query).
func (h *handler) notice(r *http.Request) string {
	q := r.URL.Query()
	switch q.Get("done") {
	case "vehicle":
		return h.t("vehicle_change_done", "vrm", q.Get("vrm"))
	case "scheduled":
		return h.t("vehicle_change_scheduled", "vrm", q.Get("vrm"), "date", q.Get("on"))
	case "withdrawn":
		return h.t("vehicle_change_withdrawn")
	}
	return ""
}

type vehicleChangeForm struct {
	VRM, When string
	On        dateValue
}

func (h *handler) vehicleChangePage(p permit.Permit, f vehicleChangeForm, errs []fieldError) *page {
	pg := &page{Title: h.t("vehicle_change_title"), Back: "/permits/" + p.ID, Errors: errs}
	later := h.dateInput("on", h.t("vehicle_change_date"), h.t("evidence_date_hint"), f.On, pg)
	pg.Form = map[string]any{
		"Action":  "/permits/" + p.ID + "/vehicle",
		"Current": h.t("check_vehicle") + ": " + string(p.VRM),
		"VRM": Input{ID: "vrm", Name: "vrm", Value: f.VRM, Classes: "govuk-input--width-10 govuk-input--extra-letter-spacing", Spellcheck: new(bool),
			Label: Label{Text: h.t("vehicle_change_vrm"), Classes: "govuk-label--s"}, Hint: &Hint{Text: h.t("vehicle_hint")}, ErrorMessage: pg.errorFor("vrm")},
		"When": Radios{Name: "when", IDPrefix: "when", Value: f.When, ErrorMessage: pg.errorFor("when"),
			Fieldset: &Fieldset{Legend: &Legend{Text: h.t("vehicle_change_when"), Classes: "govuk-fieldset__legend--s"}},
			Items:    []RadioItem{{Value: "now", Text: h.t("vehicle_change_now")}, {Value: "later", Text: h.t("vehicle_change_later")}}},
		"On":     later,
		"Button": Button{Text: h.t("vehicle_change_button"), ID: "submit"},
	}
	return pg
}

func (h *handler) vehicleChangeForm(w http.ResponseWriter, r *http.Request) {
	_, p, ok := h.ownPermit(w, r)
	if !ok {
		return
	}
	h.render(w, r, http.StatusOK, "page-vehicle-change", h.vehicleChangePage(p, vehicleChangeForm{}, nil))
}

func (h *handler) vehicleChangePost(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	acc, p, ok := h.ownPermit(w, r)
	if !ok {
		return
	}
	f := vehicleChangeForm{VRM: r.PostForm.Get("vrm"), When: r.PostForm.Get("when"), On: dateOf(r.PostForm, "on")}
	var errs []fieldError
	if strings.TrimSpace(f.VRM) == "" {
		errs = append(errs, fieldError{"vrm", h.t("vehicle_required")})
	} else if _, err := permit.ParseVRM(f.VRM); err != nil {
		errs = append(errs, fieldError{"vrm", h.t("vehicle_invalid")})
	}
	var on time.Time
	switch f.When {
	case "now":
	case "later":
		t, ok := f.On.date()
		if !ok {
			errs = append(errs, fieldError{"on-day", h.t("vehicle_change_date_req")})
		}
		on = t
	default:
		errs = append(errs, fieldError{"when", h.t("vehicle_change_when_req")})
	}
	if len(errs) == 0 {
		np, change, err := h.svc.ChangeVehicle(r.Context(), permit.AccountActor(acc), p.ID, f.VRM, on)
		if err == nil {
			v := url.Values{"done": {"vehicle"}, "vrm": {string(np.VRM)}}
			if change != nil {
				v = url.Values{"done": {"scheduled"}, "vrm": {string(change.VRM)}, "on": {longDate(change.EffectiveOn)}}
			}
			seeOther(w, r, "/permits/"+p.ID+"?"+v.Encode())
			return
		}
		refused, ok := h.changeRefusal(err)
		if !ok {
			h.fail(w, r, err)
			return
		}
		errs = refused
	}
	h.render(w, r, http.StatusUnprocessableEntity, "page-vehicle-change", h.vehicleChangePage(p, f, errs))
}

// changeRefusal is the service's refusal of a change to a permit, in its
// words; false for a failure.
func (h *handler) changeRefusal(err error) ([]fieldError, bool) {
	var ve *permit.ValidationError
	var te *permit.TransitionError
	switch {
	case errors.As(err, &ve):
		var out []fieldError
		for _, f := range ve.Fields {
			field := f.Field
			if field == "effective_on" {
				field = "on-day"
			}
			if field != "vrm" && field != "on-day" {
				field = "submit"
			}
			out = append(out, fieldError{field, h.fieldText(f)})
		}
		return out, true
	case errors.As(err, &te):
		return []fieldError{{"submit", h.t("permit_cannot_change", "status", h.statusText(te.State))}}, true
	}
	if errs, ok := h.refusal(err); ok {
		return errs, true
	}
	var le *permit.LimitError
	if errors.As(err, &le) {
		return []fieldError{{"submit", le.Detail}}, true
	}
	return nil, false
}

func (h *handler) vehicleChangeWithdraw(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	acc, p, ok := h.ownPermit(w, r)
	if !ok {
		return
	}
	if _, err := h.svc.WithdrawVehicleChange(r.Context(), permit.AccountActor(acc), p.ID, r.PostForm.Get("change")); err != nil {
		if !errors.Is(err, permit.ErrNotFound) {
			h.fail(w, r, err)
			return
		}
	}
	seeOther(w, r, "/permits/"+p.ID+"?done=withdrawn")
}

// renewStep is a renewal's evidence step (fresh proof of care).
func (h *handler) renewStep(r *http.Request, p permit.Permit, acc string) (docStep, eligibility.Decision, error) {
	d, err := h.svc.RenewalEligibility(r.Context(), permit.AccountActor(p.AccountID), p.ID, false)
	if err != nil {
		return docStep{}, d, err
	}
	account, err := h.svc.Account(r.Context(), permit.AccountActor(acc), acc)
	if err != nil {
		return docStep{}, d, err
	}
	base := "/permits/" + p.ID
	return docStep{Path: base + "/renew", Back: base, State: url.Values{}, Reqs: d.RequiredEvidence, VRM: string(p.VRM),
		Name: account.Name, Address: account.Address, Next: base + "/renew/check"}, d, nil
}

func (h *handler) renewEvidence(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		if !h.parseUpload(w, r) {
			return
		}
	} else if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	acc, p, ok := h.ownPermit(w, r)
	if !ok {
		return
	}
	st, d, err := h.renewStep(r, p, acc)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !d.Eligible {
		h.renewClosed(w, r, p, d)
		return
	}
	h.evidenceStep(w, r, acc, st)
}

func (h *handler) renewClosed(w http.ResponseWriter, r *http.Request, p permit.Permit, d eligibility.Decision) {
	h.render(w, r, http.StatusUnprocessableEntity, "page-refused", &page{Title: h.t("renew_closed"), Back: "/permits/" + p.ID,
		Form: map[string]any{"Reasons": h.renewalRefusal(d), "Back": "/permits/" + p.ID}})
}

func (h *handler) renewCheckPage(r *http.Request, p permit.Permit, d eligibility.Decision, docs []staged, errs []fieldError) *page {
	base := "/permits/" + p.ID
	price := h.t("check_free")
	if !d.Free {
		price = h.t("check_pay", "price", "£"+d.Price.StringFixed(2))
	}
	pt, _ := h.svc.Scheme().PermitType(p.Type)
	list := SummaryList{Rows: []SummaryRow{
		{Key: SummaryCell{Text: h.t("check_type")}, Value: SummaryCell{Text: pt.Name}},
		{Key: SummaryCell{Text: h.t("check_vehicle")}, Value: SummaryCell{Text: string(p.VRM)}},
		{Key: SummaryCell{Text: h.t("check_dates")}, Value: SummaryCell{Text: h.t("check_dates_value", "from", longDate(d.StartsOn), "to", longDate(d.ExpiresOn))}},
		{Key: SummaryCell{Text: h.t("check_price")}, Value: SummaryCell{Text: price}},
	}}
	list.Rows = append(list.Rows, h.docRows(docs, func(id string) string { return withDocs(base+"/renew", without(docIDs(docs), id)) })...)
	return &page{Title: h.t("renew_check_title"), Back: withDocs(base+"/renew", docIDs(docs)), Errors: errs, Form: map[string]any{
		"List": list, "Action": base + "/renew/check", "Docs": docIDs(docs), "Button": Button{Text: h.t("renew_submit"), ID: "submit"},
	}}
}

func (h *handler) renewCheck(w http.ResponseWriter, r *http.Request) {
	acc, p, ok := h.ownPermit(w, r)
	if !ok {
		return
	}
	st, d, err := h.renewStep(r, p, acc)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !d.Eligible {
		h.renewClosed(w, r, p, d)
		return
	}
	docs, err := h.stagedDocs(r.Context(), acc, r.URL.Query()["doc"])
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if unmet(st.Reqs, docs) >= 0 {
		seeOther(w, r, withDocs(st.Path, docIDs(docs)))
		return
	}
	h.render(w, r, http.StatusOK, "page-renew-check", h.renewCheckPage(r, p, d, docs, nil))
}

func (h *handler) renewSubmit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	acc, p, ok := h.ownPermit(w, r)
	if !ok {
		return
	}
	docs, err := h.stagedDocs(r.Context(), acc, r.PostForm["doc"])
	if err != nil {
		h.fail(w, r, err)
		return
	}
	np, err := h.svc.Renew(r.Context(), permit.AccountActor(acc), p.ID, permit.Renewal{Evidence: documentsOf(docs)})
	if err == nil {
		if err := h.attach(r.Context(), np.ID, docs); err != nil {
			h.log.ErrorContext(r.Context(), "web: filing evidence files under the permit", "permit_id", np.ID, "err", err)
		}
		payOrConfirm(w, r, np, "/permits/"+np.ID+"/renewed")
		return
	}
	errs, ok := h.refusal(err)
	if !ok {
		h.fail(w, r, err)
		return
	}
	d, derr := h.svc.RenewalEligibility(r.Context(), permit.AccountActor(p.AccountID), p.ID, false)
	if derr != nil {
		h.fail(w, r, derr)
		return
	}
	if !d.Eligible {
		h.renewClosed(w, r, p, d)
		return
	}
	h.render(w, r, http.StatusUnprocessableEntity, "page-renew-check", h.renewCheckPage(r, p, d, docs, errs))
}

func (h *handler) renewed(w http.ResponseWriter, r *http.Request) {
	_, p, ok := h.ownPermit(w, r)
	if !ok {
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
	h.render(w, r, http.StatusOK, "page-done", &page{Title: h.t("renew_done_title"), Form: map[string]any{
		"Panel": Panel{TitleText: h.t("renew_done_title"), HTML: h.panelBody(p.ID)},
		"Next":  h.t("done_next", "council", h.council(), "due", longDate(due)) + " " + h.t("renew_dates", "from", longDate(p.StartsOn), "to", longDate(p.ExpiresOn)),
		"Money": money,
	}})
}

// refundWords says what cancelling gives back, by the scheme's policy.
func (h *handler) refundWords(p permit.Permit, today time.Time) string {
	pol := h.svc.Scheme().Refunds
	if p.Status == permit.PendingReview || p.Status == permit.AwaitingPayment {
		return h.t("cancel_withdraw")
	}
	if pol.Kind == pricing.RefundNone || p.Free {
		return h.t("cancel_non_refundable", "council", h.council())
	}
	ref := pol.Refund(p.Price, p.StartsOn, p.ExpiresOn, today)
	return h.t("cancel_refund", "amount", "£"+ref.Amount.StringFixed(2))
}

func (h *handler) cancelForm(w http.ResponseWriter, r *http.Request) {
	_, p, ok := h.ownPermit(w, r)
	if !ok {
		return
	}
	today := h.svc.Today()
	h.render(w, r, http.StatusOK, "page-cancel", &page{Title: h.t("cancel_title"), Back: "/permits/" + p.ID, Form: map[string]any{
		"List":    SummaryList{Rows: h.permitRows(p, today)},
		"Warning": WarningText{Text: h.t("cancel_warning") + " " + h.refundWords(p, today)},
		"Action":  "/permits/" + p.ID + "/cancel",
		"Button":  Button{Text: h.t("cancel_button"), Classes: "govuk-button--warning", ID: "submit"},
	}})
}

func (h *handler) cancelPost(w http.ResponseWriter, r *http.Request) {
	acc, p, ok := h.ownPermit(w, r)
	if !ok {
		return
	}
	np, err := h.svc.Cancel(r.Context(), permit.AccountActor(acc), p.ID, "")
	if err != nil {
		errs, ok := h.changeRefusal(err)
		if !ok {
			h.fail(w, r, err)
			return
		}
		today := h.svc.Today()
		h.render(w, r, http.StatusUnprocessableEntity, "page-cancel", &page{Title: h.t("cancel_title"), Back: "/permits/" + p.ID, Errors: errs,
			Form: map[string]any{"List": SummaryList{Rows: h.permitRows(p, today)}}})
		return
	}
	msg := h.t("cancel_done", "id", np.ID)
	if c := np.Cancellation; c != nil && c.Refund.IsPositive() {
		msg += " " + h.t("cancel_done_refund", "amount", "£"+c.Refund.StringFixed(2))
	} else if np.Status == permit.Cancelled {
		msg += " " + h.refundWords(p, h.svc.Today())
	}
	h.render(w, r, http.StatusOK, "page-done", &page{Title: h.t("cancel_done_title"), Form: map[string]any{
		"Panel": Panel{TitleText: h.t("cancel_done_title")}, "Next": msg,
	}})
}
