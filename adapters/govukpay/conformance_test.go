package govukpay_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/govukpay"
	"github.com/carerpermit/carerpermit/adapters/govukpay/govukpaytest"
	"github.com/carerpermit/carerpermit/permit/hostedpaytest"
)

// The GOV.UK Pay adapter, against the fake (which checks every request
// against Pay's document), passes the suite every hosted payment provider
// must pass.
func TestConformance(t *testing.T) {
	hostedpaytest.Run(t, func(t *testing.T) hostedpaytest.Harness {
		pay := govukpaytest.New(t, govukpaytest.Options{})
		c, err := govukpay.New(govukpay.Options{BaseURL: pay.URL, APIKey: govukpaytest.DefaultAPIKey, RateLimit: -1})
		require.NoError(t, err)
		outcomes := map[hostedpaytest.Outcome]govukpaytest.Outcome{
			hostedpaytest.Pay: govukpaytest.Pay, hostedpaytest.Decline: govukpaytest.Decline, hostedpaytest.Cancel: govukpaytest.Cancel,
		}
		return hostedpaytest.Harness{
			Payments: c,
			Payer: func(_ context.Context, nextURL string, o hostedpaytest.Outcome) (string, error) {
				return pay.Complete(nextURL, outcomes[o])
			},
			Advance: pay.Advance,
		}
	})
}
