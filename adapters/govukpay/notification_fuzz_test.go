package govukpay_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/carerpermit/carerpermit/adapters/govukpay"
	"github.com/carerpermit/carerpermit/adapters/govukpay/govukpaytest"
	"github.com/carerpermit/carerpermit/permit"
)

// reader is a provider that knows one payment.
type reader struct{ permit.HostedPayments }

func (reader) Payment(_ context.Context, id string) (permit.HostedPayment, error) {
	if id != "hu20sqlact5260q2nanm0q8u93" {
		return permit.HostedPayment{}, permit.ErrNotFound
	}
	return permit.HostedPayment{ID: id, Status: permit.PaymentAuthorised}, nil
}

// Whatever a signed body holds, the handler answers 204 or 400 and acts
// only on the payment it read from the provider; an unsigned one is 401.
func FuzzNotificationHandler(f *testing.F) {
	f.Add([]byte(`{"webhook_message_id":"m1","resource_id":"hu20sqlact5260q2nanm0q8u93","resource_type":"payment","event_type":"card_payment_captured","resource":{"state":{"status":"success"}}}`), true)
	f.Add([]byte(`{"id":"m2","resource_id":"x"}`), true)
	f.Add([]byte(`{"resource_id":`), true)
	f.Add([]byte(`[]`), false)
	f.Fuzz(func(t *testing.T, body []byte, signed bool) {
		var got []permit.HostedPayment
		h := &govukpay.NotificationHandler{Secret: "s", Payments: reader{}, Log: &govukpay.MemoryLog{},
			OnPayment: func(_ context.Context, p permit.HostedPayment) error { got = append(got, p); return nil }}
		req := httptest.NewRequest("POST", "/v1/payment-notifications/govukpay", bytes.NewReader(body))
		if signed {
			req.Header.Set("Pay-Signature", govukpaytest.Sign("s", body))
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch {
		case !signed && rec.Code != http.StatusUnauthorized:
			t.Fatalf("unsigned body answered %d", rec.Code)
		case signed && rec.Code != http.StatusNoContent && rec.Code != http.StatusBadRequest:
			t.Fatalf("signed body answered %d", rec.Code)
		}
		for _, p := range got {
			if p.ID != "hu20sqlact5260q2nanm0q8u93" || p.Status != permit.PaymentAuthorised {
				t.Fatalf("acted on %+v, not on the payment as read", p)
			}
		}
	})
}
