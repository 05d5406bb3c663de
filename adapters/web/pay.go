package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/carerpermit/carerpermit/permit"
)

// ReturnURL is the permit.Options.PaymentReturnURL of a server whose
// pages are at base (the site's public URL, no trailing slash): the
// provider brings the payer back to /apply/paid/<permit>, where the page
// asks the provider how it went (never trusting the redirect) and shows
// the confirmation, or the way to try again.
func ReturnURL(base string) func(permitID string, attempt int) string {
	base = strings.TrimSuffix(base, "/")
	return func(permitID string, attempt int) string {
		return base + "/apply/paid/" + url.PathEscape(permitID) + "?attempt=" + strconv.Itoa(attempt)
	}
}

// payOrConfirm sends the browser on after the service accepted an
// application or renewal: to the provider's page when it waits for a
// payment, else to the confirmation.
func payOrConfirm(w http.ResponseWriter, r *http.Request, p permit.Permit, done string) {
	if p.Status == permit.AwaitingPayment && p.Payment != nil && p.Payment.NextURL != "" &&
		(p.Payment.Status == permit.PaymentCreated || p.Payment.Status == "") {
		http.Redirect(w, r, p.Payment.NextURL, http.StatusSeeOther)
		return
	}
	seeOther(w, r, done)
}

// ownPermit returns the signed-in account's permit; false means it has
// answered (to the start for no session, not found for another's).
func (h *handler) ownPermit(w http.ResponseWriter, r *http.Request) (string, permit.Permit, bool) {
	acc, err := h.signedIn(r)
	if err != nil {
		h.fail(w, r, err)
		return "", permit.Permit{}, false
	}
	if acc == "" {
		seeOther(w, r, "/")
		return "", permit.Permit{}, false
	}
	// Another account's permit is not found (the Service says so).
	p, err := h.svc.Permit(r.Context(), permit.AccountActor(acc), r.PathValue("id"))
	if errors.Is(err, permit.ErrNotFound) {
		h.notFound(w, r)
		return "", permit.Permit{}, false
	}
	if err != nil {
		h.fail(w, r, err)
		return "", permit.Permit{}, false
	}
	return acc, p, true
}

// paid is where the provider brings the payer back: the outcome is asked
// of the provider through the service.
func (h *handler) paid(w http.ResponseWriter, r *http.Request) {
	acc, err := h.signedIn(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if acc == "" {
		// The session ended while the payer was away: the due jobs and
		// the provider's notification confirm the payment anyway.
		h.render(w, r, http.StatusOK, "page-message", &page{Title: h.t("pay_waiting_title"), Message: h.t("pay_return_signed_out")})
		return
	}
	_, p, ok := h.ownPermit(w, r)
	if !ok {
		return
	}
	if p.Status == permit.AwaitingPayment {
		p, err = h.svc.ConfirmPayment(r.Context(), permit.AccountActor(acc), p.ID)
		if err != nil && !errors.Is(err, permit.ErrUnavailable) {
			h.fail(w, r, err)
			return
		}
	}
	h.payState(w, r, p)
}

// payState shows a permit's payment: the confirmation once paid, else
// what went wrong and the way to pay.
func (h *handler) payState(w http.ResponseWriter, r *http.Request, p permit.Permit) {
	if p.Status != permit.AwaitingPayment {
		done := "/apply/done/" + p.ID
		if p.RenewalOf != "" {
			done = "/permits/" + p.ID + "/renewed"
		}
		seeOther(w, r, done)
		return
	}
	title, msg := h.t("pay_waiting_title"), h.t("pay_waiting")
	if p.Payment != nil && p.Payment.Failure != nil {
		title, msg = h.t("pay_failed_title"), h.t("pay_failed")
	}
	h.render(w, r, http.StatusOK, "page-pay", &page{Title: title, Message: msg, Form: map[string]any{
		"Action": "/apply/pay/" + p.ID,
		"Button": Button{Text: h.t("pay_continue")},
		"Price":  "£" + p.Price.StringFixed(2),
	}})
}

// pay sends the payer to the provider's page: the current attempt's, or
// a new one when it failed or expired.
func (h *handler) pay(w http.ResponseWriter, r *http.Request) {
	acc, p, ok := h.ownPermit(w, r)
	if !ok {
		return
	}
	if p.Status != permit.AwaitingPayment {
		h.payState(w, r, p)
		return
	}
	p, err := h.svc.NewPaymentAttempt(r.Context(), permit.AccountActor(acc), p.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if p.Status == permit.AwaitingPayment && p.Payment != nil && p.Payment.NextURL != "" {
		http.Redirect(w, r, p.Payment.NextURL, http.StatusSeeOther)
		return
	}
	h.payState(w, r, p)
}
