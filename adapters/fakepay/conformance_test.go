package fakepay_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/carerpermit/carerpermit/permit/hostedpaytest"
)

// The simulated provider passes the suite every hosted payment provider
// must pass, so the evaluation server behaves as it will with GOV.UK Pay.
func TestHostedConformance(t *testing.T) {
	for name, newDB := range databases(t) {
		t.Run(name, func(t *testing.T) {
			hostedpaytest.Run(t, func(t *testing.T) hostedpaytest.Harness {
				e := newHosted(t, newDB(t))
				return hostedpaytest.Harness{
					Payments: e.pay,
					Payer: func(ctx context.Context, nextURL string, o hostedpaytest.Outcome) (string, error) {
						req, err := http.NewRequestWithContext(ctx, "POST", nextURL, strings.NewReader(`{"outcome": "`+string(o)+`"}`))
						if err != nil {
							return "", err
						}
						req.Header.Set("Content-Type", "application/json")
						resp, err := noRedirect.Do(req)
						if err != nil {
							return "", err
						}
						resp.Body.Close()
						if resp.StatusCode != http.StatusSeeOther {
							return "", fmt.Errorf("the page answered %d", resp.StatusCode)
						}
						return resp.Header.Get("Location"), nil
					},
					Advance: e.clock.Advance,
				}
			})
		})
	}
}
