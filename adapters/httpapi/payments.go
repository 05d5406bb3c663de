package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/carerpermit/carerpermit/permit"
)

// Paying on the provider's hosted page (permit.Options.HostedPayments):
// a new attempt, a fresh look at the provider, and the route the
// provider brings the payer's browser back to. The provider's signed
// notifications are mounted by the server (examples/permitd), which
// wires the provider's adapter: this package imports none.

// ReturnURL is the permit.Options.PaymentReturnURL of a server whose API
// is reachable at base (its public URL with BasePath, no trailing
// slash): GET /v1/payments/{payment_id}/return, the payment named by the
// permit and the attempt ("per_1.2"), never by the provider's ID.
func ReturnURL(base string) func(permitID string, attempt int) string {
	base = strings.TrimSuffix(base, "/")
	return func(permitID string, attempt int) string {
		return base + "/v1/payments/" + permitID + "." + strconv.Itoa(attempt) + "/return"
	}
}

// newPaymentAttempt is POST /v1/permits/{id}/payment.
func (h *api) newPaymentAttempt(w http.ResponseWriter, r *http.Request, c *call) error {
	var in struct{}
	if err := decodeJSON(c.body, &in); err != nil {
		return err
	}
	if _, err := h.ownPermit(r.Context(), c, r.PathValue("id")); err != nil {
		return err
	}
	p, err := h.svc.NewPaymentAttempt(r.Context(), c.p.actor(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, permitOf(p, h.svc.Today()))
}

// refreshPayment is POST /v1/permits/{id}/payment/refresh.
func (h *api) refreshPayment(w http.ResponseWriter, r *http.Request, c *call) error {
	var in struct{}
	if err := decodeJSON(c.body, &in); err != nil {
		return err
	}
	if _, err := h.ownPermit(r.Context(), c, r.PathValue("id")); err != nil {
		return err
	}
	p, err := h.svc.ConfirmPayment(r.Context(), c.p.actor(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, permitOf(p, h.svc.Today()))
}

// paymentReturnJSON is what the return route tells the payer's browser:
// where the application stands, nothing more (the route needs no
// sign-in, so it shows no personal data and no payment page).
type paymentReturnJSON struct {
	PermitID      string              `json:"permit_id"`
	Status        string              `json:"status"`
	PaymentStatus string              `json:"payment_status"`
	Failure       *paymentFailureJSON `json:"failure,omitempty"`
}

// paymentReturn is GET /v1/payments/{payment_id}/return: the provider
// brings the payer back here; the outcome is confirmed with the provider,
// never taken from the request.
func (h *api) paymentReturn(w http.ResponseWriter, r *http.Request, _ *call) error {
	ref := r.PathValue("payment_id")
	i := strings.LastIndexByte(ref, '.')
	if i <= 0 {
		return fmt.Errorf("%w: payment %s", permit.ErrNotFound, ref)
	}
	attempt, err := strconv.Atoi(ref[i+1:])
	if err != nil || attempt < 1 {
		return fmt.Errorf("%w: payment %s", permit.ErrNotFound, ref)
	}
	p, err := h.svc.ConfirmPayment(r.Context(), permit.System, ref[:i])
	if errors.Is(err, permit.ErrInvalidTransition) {
		return fmt.Errorf("%w: payment %s (this server takes no hosted payments)", permit.ErrNotFound, ref)
	}
	if err != nil {
		return err
	}
	if p.Payment == nil || p.Payment.Attempt != attempt {
		return fmt.Errorf("%w: payment %s", permit.ErrNotFound, ref)
	}
	out := paymentReturnJSON{PermitID: p.ID, Status: string(p.StatusOn(h.svc.Today())), PaymentStatus: string(p.Payment.Status)}
	if f := p.Payment.Failure; f != nil {
		out.Failure = &paymentFailureJSON{Code: f.Code, ProviderCode: f.ProviderCode, Detail: f.Detail}
	}
	return writeJSON(w, http.StatusOK, out)
}
