package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// routes is the API's table: method and path, who may call, what body,
// and the query parameters the route reads (any other is 400).
func (h *api) routes() {
	h.route("GET /v1/addresses", anyone, noBody, h.findAddresses, "postcode", "house")
	h.route("POST /v1/accounts", anyone, requiredJSON, h.createAccount)
	h.route("GET /v1/accounts", officer, noBody, h.searchAccounts, "name", "email", "postcode", "vrm", "zone", "after", "limit")
	h.route("GET /v1/accounts/{id}", signedIn, noBody, h.getAccount)
	h.route("PATCH /v1/accounts/{id}", signedIn, requiredJSON, h.changeContact)
	h.route("GET /v1/accounts/{id}/export", signedIn, noBody, h.exportAccount)
	h.route("POST /v1/accounts/{id}/erasure", officer, optionalJSON, h.requestErasure)
	h.route("GET /v1/accounts/{id}/eligibility", signedIn, noBody, h.eligibility, "type", "renewal_of", "starts_on", "pay")
	h.route("POST /v1/accounts/{id}/permits", signedIn, requiredJSON, h.apply)
	h.route("GET /v1/accounts/{id}/permits", signedIn, noBody, h.permitsOfAccount)
	h.route("POST /v1/accounts/{id}/address-changes", signedIn, requiredJSON, h.requestAddressChange)
	h.route("GET /v1/permits", officer, noBody, h.searchPermits, "name", "email", "postcode", "vrm", "status", "zone", "after", "limit")
	h.route("GET /v1/permits/{id}", signedIn, noBody, h.getPermit)
	h.route("POST /v1/permits/{id}/approve", officer, optionalJSON, h.approve)
	h.route("POST /v1/permits/{id}/reject", officer, requiredJSON, h.reject)
	h.route("POST /v1/permits/{id}/cancel", signedIn, optionalJSON, h.cancel)
	h.route("POST /v1/permits/{id}/payment", signedIn, optionalJSON, h.newPaymentAttempt)
	h.route("POST /v1/permits/{id}/payment/refresh", signedIn, optionalJSON, h.refreshPayment)
	h.route("GET /v1/payments/{payment_id}/return", anyone, noBody, h.paymentReturn)
	h.route("POST /v1/permits/{id}/vehicle-changes", signedIn, requiredJSON, h.changeVehicle)
	h.route("DELETE /v1/permits/{id}/vehicle-changes/{change_id}", signedIn, noBody, h.withdrawVehicleChange)
	h.route("POST /v1/permits/{id}/renewals", signedIn, requiredJSON, h.renew)
	h.route("POST /v1/permits/{id}/documents", signedIn, multipartDoc, h.uploadDocument)
	h.route("GET /v1/permits/{id}/documents", signedIn, noBody, h.listDocuments)
	h.route("GET /v1/permits/{id}/documents/{doc_id}", signedIn, noBody, h.getDocument)
	h.route("GET /v1/address-changes/{id}", signedIn, noBody, h.getAddressChange)
	h.route("POST /v1/address-changes/{id}/approve", officer, optionalJSON, h.approveAddressChange)
	h.route("POST /v1/address-changes/{id}/reject", officer, requiredJSON, h.rejectAddressChange)
	h.route("GET /v1/review-queue", officer, noBody, h.reviewQueue, "after", "limit")
	h.route("GET /v1/payment-retries", officer, noBody, h.paymentRetries, "limit")
	h.route("GET /v1/enforcement/vehicles/{vrm}", officer, noBody, h.checkVehicle, "zone", "at")
	h.route("GET /v1/events", officer, noBody, h.events, "after", "limit")
	h.route("GET /v1/permits/{id}/events", signedIn, noBody, h.permitEvents)
	h.route("GET /v1/openapi.json", anyone, noBody, h.openAPI)
	h.route("GET /healthz", anyone, noBody, h.healthz)
	if h.metrics != nil {
		h.route("GET /metrics", officer, noBody, h.serveMetrics)
	}
	if h.clock != nil {
		h.route("GET /v1/test-clock", officer, noBody, h.getTestClock)
		h.route("POST /v1/test-clock", officer, requiredJSON, h.setTestClock)
	}
	if h.outbox != nil {
		h.route("GET /v1/test-clock/outbox", officer, noBody, h.testOutbox, "to", "limit")
	}
	if h.signIn != nil {
		h.route("POST /v1/sign-in", anyone, requiredJSON, h.startSignIn)
		h.route("POST /v1/sign-in/verify", anyone, requiredJSON, h.verifySignIn)
		h.route("POST /v1/sign-out", signedIn, optionalJSON, h.signOut)
	}
}

// integrationMay reports whether an integration token may call a route:
// it reads the feed, permits, accounts and the review queue, and the
// endpoints anyone may read; it decides nothing.
func integrationMay(route string) bool {
	switch route {
	case "GET /v1/events", "GET /v1/accounts", "GET /v1/permits", "GET /v1/permits/{id}", "GET /v1/permits/{id}/events", "GET /v1/accounts/{id}",
		"GET /v1/accounts/{id}/permits", "GET /v1/address-changes/{id}", "GET /v1/review-queue",
		"GET /v1/addresses", "GET /v1/openapi.json", "GET /healthz":
		return true
	}
	return false
}

// ownAccount refuses an account token asking about another account with
// 404, as if it did not exist: nothing says whether it does.
func ownAccount(c *call, accountID string) error {
	if c.p.Role == RoleAccount && c.p.ID != accountID {
		return permit.ErrNotFound
	}
	return nil
}

// ownPermit loads a permit the caller may see (the Service says which:
// another account's is ErrNotFound).
func (h *api) ownPermit(ctx context.Context, c *call, id string) (permit.Permit, error) {
	return h.svc.Permit(ctx, c.p.actor(), id)
}

func (h *api) findAddresses(w http.ResponseWriter, r *http.Request, _ *call) error {
	q := r.URL.Query()
	raw := q.Get("postcode")
	if strings.TrimSpace(raw) == "" {
		return badRequest("postcode", CodeInvalidPostcode, "Give a postcode, such as ?postcode=LE11 3AB.").withCode(CodeInvalidPostcode)
	}
	pc, err := zones.ParsePostcode(raw)
	if err != nil {
		return err
	}
	house := q.Get("house")
	if len(house) > 100 {
		return badRequest("house", "too_long", "house must be at most 100 characters.")
	}
	props, err := h.locator.FindProperties(r.Context(), pc, house)
	if err != nil {
		return err
	}
	out := make([]propertyJSON, 0, len(props))
	for _, p := range props {
		out = append(out, propertyOf(p))
	}
	return writeJSON(w, http.StatusOK, out)
}

type newAccountRequest struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Phone string `json:"phone"`
	UPRN  string `json:"uprn"`
}

func (h *api) createAccount(w http.ResponseWriter, r *http.Request, c *call) error {
	if c.p.Role != RoleOfficer {
		if err := h.accountLimiter.check(r.Context(), r); err != nil {
			return err
		}
	}
	var in newAccountRequest
	if err := decodeJSON(c.body, &in); err != nil {
		return err
	}
	uprn, fp := parseUPRN("uprn", in.UPRN)
	if fp != nil {
		return invalidFields([]fieldProblem{*fp})
	}
	na := permit.NewAccount{Name: in.Name, Email: in.Email, Phone: in.Phone, UPRN: uprn}
	cred, err := h.auth.NewAccountCredential(r.Context(), na)
	if err != nil {
		return err
	}
	na.Credential = cred.Stored
	acc, err := h.svc.CreateAccount(r.Context(), c.p.actor(), na)
	if errors.Is(err, permit.ErrNotFound) {
		return invalidField("uprn", "unknown_uprn", "No property has that UPRN; find it with GET /v1/addresses.")
	}
	if err != nil {
		return err
	}
	out := accountOf(acc)
	switch {
	case cred.Issue != nil:
		if out.Token, err = cred.Issue(r.Context(), acc.ID); err != nil {
			return fmt.Errorf("httpapi: account %s is open but no token was issued: %w", acc.ID, err)
		}
	case cred.Token != nil:
		out.Token = cred.Token(acc.ID)
	}
	w.Header().Set("Location", h.link("/v1/accounts/"+acc.ID))
	return writeJSON(w, http.StatusCreated, out)
}

func (h *api) getAccount(w http.ResponseWriter, r *http.Request, c *call) error {
	id := r.PathValue("id")
	if c.p.Role == RoleOfficer {
		// The record of who looked (issue 19): written before the answer,
		// so an officer never sees an account without a trace of it.
		if err := h.svc.RecordAccountViewed(r.Context(), c.p.actor(), id); err != nil {
			return err
		}
	}
	// Another account's is ErrNotFound (the Service says so).
	acc, err := h.svc.Account(r.Context(), c.p.actor(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, accountOf(acc))
}

func (h *api) eligibility(w http.ResponseWriter, r *http.Request, c *call) error {
	id := r.PathValue("id")
	q := r.URL.Query()
	typ := q.Get("type")
	renewalOf := q.Get("renewal_of")
	if typ == "" && renewalOf == "" {
		return badRequest("type", "required", "Give the permit type, such as ?type=essential-carer.")
	}
	startsOn, fp := parseStartDate("starts_on", q.Get("starts_on"))
	if fp != nil {
		return badRequest(fp.Field, fp.Code, fp.Detail)
	}
	pay := false
	if s := q.Get("pay"); s != "" {
		var err error
		if pay, err = strconv.ParseBool(s); err != nil {
			return badRequest("pay", "invalid_boolean", "pay must be true or false.")
		}
	}
	var d eligibility.Decision
	var err error
	if renewalOf != "" {
		// The renewal of one of the account's permits: why it would be
		// free or paid (R1, decision of 2026-12).
		p, err := h.ownPermit(r.Context(), c, renewalOf)
		if err != nil {
			return err
		}
		if p.AccountID != id {
			return newError(http.StatusNotFound, CodeNotFound, "The account has no permit "+renewalOf+".")
		}
		d, err = h.svc.RenewalEligibility(r.Context(), c.p.actor(), renewalOf, pay)
		if err != nil {
			return err
		}
	} else if d, err = h.svc.Eligibility(r.Context(), c.p.actor(), permit.EligibilityQuery{AccountID: id, Type: typ, StartsOn: startsOn, Pay: pay}); err != nil {
		return err
	}
	if slices.ContainsFunc(d.Reasons, func(r eligibility.Reason) bool { return r.Code == eligibility.CodeUnknownPermitType }) {
		// docs/API.md: an unknown type is 422 unknown_permit_type, as when applying.
		return &permit.NotEligibleError{Decision: d}
	}
	return writeJSON(w, http.StatusOK, eligibilityOf(h.svc.Scheme().Evidence, d))
}

type applyRequest struct {
	Type     string         `json:"type"`
	VRM      string         `json:"vrm"`
	StartsOn string         `json:"starts_on"`
	Pay      bool           `json:"pay"`
	Evidence []documentJSON `json:"evidence"`
	// MoveTo applies for a permit at a property in another zone, the new
	// application R7 asks for after a move.
	MoveTo string `json:"move_to"`
}

func (h *api) apply(w http.ResponseWriter, r *http.Request, c *call) error {
	id := r.PathValue("id")
	if err := ownAccount(c, id); err != nil {
		return err
	}
	var in applyRequest
	if err := decodeJSON(c.body, &in); err != nil {
		return err
	}
	var bad []fieldProblem
	startsOn, fp := parseStartDate("starts_on", in.StartsOn)
	if fp != nil {
		bad = append(bad, *fp)
	}
	var moveTo zones.UPRN
	if in.MoveTo != "" {
		if moveTo, fp = parseUPRN("move_to", in.MoveTo); fp != nil {
			bad = append(bad, *fp)
		}
	}
	docs, docProblems := documents(in.Evidence)
	if bad = append(bad, docProblems...); len(bad) > 0 {
		return invalidFields(bad)
	}
	p, err := h.svc.Apply(r.Context(), c.p.actor(), permit.Application{
		AccountID: id, Type: in.Type, VRM: in.VRM, StartsOn: startsOn, Pay: in.Pay, Evidence: docs, MoveTo: moveTo,
	})
	if err != nil {
		return err
	}
	w.Header().Set("Location", h.link("/v1/permits/"+p.ID))
	return writeJSON(w, http.StatusCreated, permitOf(p, h.svc.Today()))
}

func (h *api) permitsOfAccount(w http.ResponseWriter, r *http.Request, c *call) error {
	ps, err := h.svc.PermitsOfAccount(r.Context(), c.p.actor(), r.PathValue("id"))
	if err != nil {
		return err
	}
	today := h.svc.Today()
	out := make([]permitJSON, 0, len(ps))
	for _, p := range ps {
		out = append(out, permitOf(p, today))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"permits": out})
}

func (h *api) getPermit(w http.ResponseWriter, r *http.Request, c *call) error {
	p, err := h.ownPermit(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, permitOf(p, h.svc.Today()))
}

func (h *api) approve(w http.ResponseWriter, r *http.Request, c *call) error {
	var in struct{}
	if err := decodeJSON(c.body, &in); err != nil {
		return err
	}
	p, err := h.svc.Approve(r.Context(), c.p.actor(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, permitOf(p, h.svc.Today()))
}

type rejectRequest struct {
	ReasonCode string `json:"reason_code"`
	Reason     string `json:"reason"`
}

func (h *api) reject(w http.ResponseWriter, r *http.Request, c *call) error {
	var in rejectRequest
	if err := decodeJSON(c.body, &in); err != nil {
		return err
	}
	p, err := h.svc.Reject(r.Context(), c.p.actor(), r.PathValue("id"), permit.Rejection{Code: in.ReasonCode, Reason: in.Reason})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, permitOf(p, h.svc.Today()))
}

type cancelRequest struct {
	Reason string `json:"reason"`
}

func (h *api) cancel(w http.ResponseWriter, r *http.Request, c *call) error {
	var in cancelRequest
	if err := decodeJSON(c.body, &in); err != nil {
		return err
	}
	if len(in.Reason) > 1000 {
		return invalidField("reason", "too_long", "reason must be at most 1000 characters.")
	}
	if _, err := h.ownPermit(r.Context(), c, r.PathValue("id")); err != nil {
		return err
	}
	p, err := h.svc.Cancel(r.Context(), c.p.actor(), r.PathValue("id"), strings.TrimSpace(in.Reason))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, permitOf(p, h.svc.Today()))
}

type vehicleChangeRequest struct {
	VRM         string         `json:"vrm"`
	EffectiveOn string         `json:"effective_on"`
	Evidence    []documentJSON `json:"evidence"`
}

func (h *api) changeVehicle(w http.ResponseWriter, r *http.Request, c *call) error {
	var in vehicleChangeRequest
	if err := decodeJSON(c.body, &in); err != nil {
		return err
	}
	effectiveOn, fp := parseDate("effective_on", in.EffectiveOn)
	docs, bad := documents(in.Evidence)
	if fp != nil {
		bad = append([]fieldProblem{*fp}, bad...)
	}
	if len(bad) > 0 {
		return invalidFields(bad)
	}
	if _, err := h.ownPermit(r.Context(), c, r.PathValue("id")); err != nil {
		return err
	}
	p, change, err := h.svc.ChangeVehicle(r.Context(), c.p.actor(), r.PathValue("id"), in.VRM, effectiveOn, docs...)
	if err != nil {
		return err
	}
	if change != nil {
		w.Header().Set("Location", h.link("/v1/permits/"+p.ID))
		return writeJSON(w, http.StatusAccepted, vehicleChangeOf(p.ID, *change))
	}
	return writeJSON(w, http.StatusOK, permitOf(p, h.svc.Today()))
}

func (h *api) withdrawVehicleChange(w http.ResponseWriter, r *http.Request, c *call) error {
	if _, err := h.ownPermit(r.Context(), c, r.PathValue("id")); err != nil {
		return err
	}
	if _, err := h.svc.WithdrawVehicleChange(r.Context(), c.p.actor(), r.PathValue("id"), r.PathValue("change_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type renewalRequest struct {
	Evidence []documentJSON `json:"evidence"`
	Pay      bool           `json:"pay"`
}

func (h *api) renew(w http.ResponseWriter, r *http.Request, c *call) error {
	var in renewalRequest
	if err := decodeJSON(c.body, &in); err != nil {
		return err
	}
	docs, bad := documents(in.Evidence)
	if len(bad) > 0 {
		return invalidFields(bad)
	}
	if _, err := h.ownPermit(r.Context(), c, r.PathValue("id")); err != nil {
		return err
	}
	p, err := h.svc.Renew(r.Context(), c.p.actor(), r.PathValue("id"), permit.Renewal{Evidence: docs, Pay: in.Pay})
	if err != nil {
		return err
	}
	w.Header().Set("Location", h.link("/v1/permits/"+p.ID))
	return writeJSON(w, http.StatusCreated, permitOf(p, h.svc.Today()))
}

type addressChangeRequest struct {
	UPRN     string         `json:"uprn"`
	Evidence []documentJSON `json:"evidence"`
}

func (h *api) requestAddressChange(w http.ResponseWriter, r *http.Request, c *call) error {
	id := r.PathValue("id")
	if err := ownAccount(c, id); err != nil {
		return err
	}
	var in addressChangeRequest
	if err := decodeJSON(c.body, &in); err != nil {
		return err
	}
	uprn, fp := parseUPRN("uprn", in.UPRN)
	var bad []fieldProblem
	if fp != nil {
		bad = append(bad, *fp)
	}
	docs, docProblems := documents(in.Evidence)
	if bad = append(bad, docProblems...); len(bad) > 0 {
		return invalidFields(bad)
	}
	ch, err := h.svc.RequestAddressChange(r.Context(), c.p.actor(), id, uprn, docs)
	if err != nil {
		if errors.Is(err, permit.ErrNotFound) {
			// The account was checked above for account tokens; tell an
			// officer which of the two is missing.
			if _, aerr := h.svc.Account(r.Context(), c.p.actor(), id); aerr == nil {
				return invalidField("uprn", "unknown_uprn", "No property has that UPRN; find it with GET /v1/addresses.")
			}
		}
		return err
	}
	w.Header().Set("Location", h.link("/v1/address-changes/"+ch.ID))
	return writeJSON(w, http.StatusAccepted, addressChangeOf(ch))
}

func (h *api) getAddressChange(w http.ResponseWriter, r *http.Request, c *call) error {
	ch, err := h.svc.AddressChange(r.Context(), c.p.actor(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, addressChangeOf(ch))
}

func (h *api) approveAddressChange(w http.ResponseWriter, r *http.Request, c *call) error {
	var in struct{}
	if err := decodeJSON(c.body, &in); err != nil {
		return err
	}
	ch, err := h.svc.ApproveAddressChange(r.Context(), c.p.actor(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, addressChangeOf(ch))
}

func (h *api) rejectAddressChange(w http.ResponseWriter, r *http.Request, c *call) error {
	var in rejectRequest
	if err := decodeJSON(c.body, &in); err != nil {
		return err
	}
	ch, err := h.svc.RejectAddressChange(r.Context(), c.p.actor(), r.PathValue("id"), permit.Rejection{Code: in.ReasonCode, Reason: in.Reason})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, addressChangeOf(ch))
}

func (h *api) reviewQueue(w http.ResponseWriter, r *http.Request, c *call) error {
	limit, err := queryInt(r, "limit", 100, 1, 1000)
	if err != nil {
		return err
	}
	items, next, err := h.svc.ReviewQueuePage(r.Context(), c.p.actor(), r.URL.Query().Get("after"), limit)
	if err != nil {
		return queryProblem(err)
	}
	today := h.svc.Today()
	out := make([]reviewItemJSON, 0, len(items))
	for _, it := range items {
		j := reviewItemJSON{Kind: it.Kind, SubmittedAt: instant(it.SubmittedAt), DueOn: date(it.DueOn), Overdue: it.Overdue}
		if !it.HoldLapsesAt.IsZero() {
			j.HoldExpiresAt, j.HoldCapturedFrom = instant(it.HoldLapsesAt), instant(it.HoldCapturedFrom)
		}
		switch {
		case it.Permit != nil:
			pj := permitOf(*it.Permit, today)
			j.ID, j.AccountID, j.Permit = it.Permit.ID, it.Permit.AccountID, &pj
		case it.AddressChange != nil:
			cj := addressChangeOf(*it.AddressChange)
			j.ID, j.AccountID, j.AddressChange = it.AddressChange.ID, it.AddressChange.AccountID, &cj
		}
		out = append(out, j)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": out, "next": next})
}

// paymentRetries lists the captures, voids and refunds still owed to the
// payment provider, oldest first.
func (h *api) paymentRetries(w http.ResponseWriter, r *http.Request, c *call) error {
	limit, err := queryInt(r, "limit", 100, 1, 1000)
	if err != nil {
		return err
	}
	rs, err := h.svc.PaymentRetries(r.Context(), c.p.actor(), limit)
	if err != nil {
		return err
	}
	out := make([]paymentRetryJSON, 0, len(rs))
	for _, pr := range rs {
		out = append(out, paymentRetryOf(pr))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

func (h *api) events(w http.ResponseWriter, r *http.Request, c *call) error {
	limit, err := queryInt(r, "limit", 100, 1, 1000)
	if err != nil {
		return err
	}
	after := r.URL.Query().Get("after")
	if len(after) > 200 {
		return badRequest("after", "invalid_cursor", "after must be a cursor returned as next by this endpoint.")
	}
	evs, next, err := h.svc.EventsFrom(r.Context(), c.p.actor(), after, limit)
	if errors.Is(err, permit.ErrCursorBeyondEnd) {
		return newError(http.StatusGone, CodeCursorBeyondEnd, "after is beyond the newest event of this feed: the server's database may have been restored from an older backup. Read the feed again from the start (no after) and skip the events you already hold by their id.")
	}
	if errors.Is(err, permit.ErrValidation) {
		return badRequest("after", "invalid_cursor", "after must be a cursor returned as next by this endpoint.")
	}
	if err != nil {
		return err
	}
	out := make([]eventJSON, 0, len(evs))
	for _, e := range evs {
		out = append(out, eventOf(e))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"events": out, "next": next})
}

// permitEvents is one permit's history: the events about it, in feed
// order, as GET /v1/events shows them.
func (h *api) permitEvents(w http.ResponseWriter, r *http.Request, c *call) error {
	p, err := h.ownPermit(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	evs, err := h.svc.PermitHistory(r.Context(), c.p.actor(), p.ID)
	if err != nil {
		return err
	}
	out := make([]eventJSON, 0, len(evs))
	for _, e := range evs {
		out = append(out, eventOf(e))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"events": out})
}

func (h *api) openAPI(w http.ResponseWriter, _ *http.Request, _ *call) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(h.openapi)
	return nil
}

func (h *api) healthz(w http.ResponseWriter, r *http.Request, _ *call) error {
	if h.ping != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := h.ping(ctx); err != nil {
			h.log.ErrorContext(r.Context(), "health check failed", "err", err, "request_id", recordOf(r).id)
			e := newError(http.StatusServiceUnavailable, CodeUnavailable, "The database is not answering.")
			e.header = http.Header{"Retry-After": {"5"}}
			return e
		}
	}
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

type testClockRequest struct {
	Now string `json:"now"`
}

func (h *api) getTestClock(w http.ResponseWriter, _ *http.Request, _ *call) error {
	return writeJSON(w, http.StatusOK, map[string]string{"now": instant(h.clock.Now())})
}

// setTestClock moves the clock and runs the jobs due at that instant, as
// the server's ticker would have (scheduled vehicle changes, reminders,
// abandoned payments, review-deadline breaches).
func (h *api) setTestClock(w http.ResponseWriter, r *http.Request, c *call) error {
	var in testClockRequest
	if err := decodeJSON(c.body, &in); err != nil {
		return err
	}
	at, fp := parseInstant("now", in.Now)
	if fp != nil {
		return invalidField(fp.Field, fp.Code, fp.Detail)
	}
	h.testMu.Lock()
	defer h.testMu.Unlock()
	h.clock.Set(at)
	rep, err := h.svc.RunDue(r.Context(), at.UTC())
	if err != nil {
		return fmt.Errorf("httpapi: running due jobs at %s: %w", at, err)
	}
	return writeJSON(w, http.StatusOK, map[string]any{
		"now": instant(at), "vehicle_changes_applied": rep.VehicleChangesApplied,
		"reminders_sent": rep.RemindersSent, "unpaid_withdrawn": rep.UnpaidWithdrawn,
		"reviews_overdue": rep.ReviewsOverdue, "address_changes_overdue": rep.AddressChangesOverdue,
		"payments_retried": rep.PaymentsRetried, "payment_retries_failed": rep.PaymentRetriesFailed,
		"vehicles_checked": rep.VehiclesChecked, "payments_confirmed": rep.PaymentsConfirmed,
		"holds_captured_early": rep.HoldsCapturedEarly,
	})
}

// serveMetrics hands GET /metrics to Options.Metrics.
func (h *api) serveMetrics(w http.ResponseWriter, r *http.Request, _ *call) error {
	h.metrics.ServeHTTP(w, r)
	return nil
}
