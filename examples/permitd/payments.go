package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/adapters/govukpay"
	"github.com/carerpermit/carerpermit/adapters/httpapi"
	"github.com/carerpermit/carerpermit/adapters/metrics"
	"github.com/carerpermit/carerpermit/adapters/sqlstore"
	"github.com/carerpermit/carerpermit/permit"
)

// The --payments values.
const (
	// paymentsFake is the simulated provider in GOV.UK Pay's shape
	// (fakepay.Hosted): its hosted page is served by this server under
	// fakePagePath, its payments are in the database. The default.
	paymentsFake = "fake"
	// paymentsGOVUK is GOV.UK Pay (adapters/govukpay).
	paymentsGOVUK = "govukpay"
	// paymentsInstant is the synchronous simulated gateway
	// (fakepay.SQLGateway behind permit.Payments): the card is authorised
	// within the apply request, with no page to visit. For comparing with
	// the hosted shape, and for programs written against permit.Payments.
	paymentsInstant = "instant"
)

// fakePagePath is where the simulated provider's hosted page is served.
const fakePagePath = "/v1/payments/fake"

// govukpayNotificationsPath receives GOV.UK Pay's signed notifications.
const govukpayNotificationsPath = "/v1/payment-notifications/govukpay"

// keepNotifications is how long a handled notification's id is kept to
// recognise a repeat: Pay stops sending one again after about three days.
const keepNotifications = 7 * 24 * time.Hour

// checkPaymentsConfig checks the payment settings of c.
func checkPaymentsConfig(c *config) error {
	switch c.payments {
	case "":
		c.payments = paymentsFake
	case paymentsFake, paymentsInstant:
	case paymentsGOVUK:
		if strings.TrimSpace(c.govukpayKey) == "" {
			return errors.New("--payments govukpay needs PERMITD_GOVUKPAY_API_KEY, the service's GOV.UK Pay API key")
		}
	default:
		return fmt.Errorf("--payments %q: give fake, govukpay or instant", c.payments)
	}
	if c.publicURL != "" {
		u, err := url.Parse(c.publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("--public-url %q: give the absolute http(s) URL residents reach this server at, such as https://permits.example.gov.uk", c.publicURL)
		}
		c.publicURL = strings.TrimRight(c.publicURL, "/")
	}
	if c.govukpayURL != "" && c.payments != paymentsGOVUK {
		return errors.New("--govukpay-url is for --payments govukpay")
	}
	return nil
}

// paymentWiring is what the chosen provider adds to the server.
type paymentWiring struct {
	// sync is the permit.Payments of --payments instant, nil otherwise.
	sync permit.Payments
	// hosted is the provider of fake and govukpay, nil otherwise.
	hosted permit.HostedPayments
	// page serves the simulated provider's hosted page at /<token> (fake only).
	page http.Handler
	// govukpay and its notification log (govukpay only).
	govukpay *govukpay.Client
	log      *govukpay.SQLMessageLog
	name     string // for the start-up log line
}

// wirePayments opens the provider --payments names. apiURL is the API's
// public base URL, with --base-path (the fake's page is under it); now is
// the server's clock (the test clock when enabled).
func wirePayments(ctx context.Context, cfg config, store *sqlstore.Store, mx *metrics.Metrics, apiURL string, now func() time.Time) (paymentWiring, error) {
	switch cfg.payments {
	case paymentsInstant:
		pay, err := fakepay.NewSQL(ctx, store.DB(), fakepay.Dialect(store.Dialect()))
		if err != nil {
			return paymentWiring{}, fmt.Errorf("opening the simulated gateway's tables: %w", err)
		}
		return paymentWiring{sync: mx.Payments(pay), name: "simulated, authorised at once (fakepay)"}, nil
	case paymentsGOVUK:
		c, err := govukpay.New(govukpay.Options{BaseURL: cfg.govukpayURL, APIKey: cfg.govukpayKey})
		if err != nil {
			return paymentWiring{}, err
		}
		log, err := govukpay.NewSQLMessageLog(ctx, store.DB(), govukpay.Dialect(store.Dialect()), nil)
		if err != nil {
			return paymentWiring{}, fmt.Errorf("opening the GOV.UK Pay notification log: %w", err)
		}
		return paymentWiring{hosted: c, govukpay: c, log: log, name: "GOV.UK Pay"}, nil
	}
	h, err := fakepay.NewHosted(ctx, store.DB(), fakepay.Dialect(store.Dialect()), fakepay.HostedOptions{PageURL: apiURL + fakePagePath, Now: now,
		LockWriter: store.LockWriter})
	if err != nil {
		return paymentWiring{}, fmt.Errorf("opening the simulated provider's tables: %w", err)
	}
	return paymentWiring{hosted: h, page: h.Page(), name: "simulated hosted page (fakepay)"}, nil
}

// options sets the Service's hosted payments and return URLs.
func (w paymentWiring) options(opts *permit.Options, apiURL string) {
	if w.hosted == nil {
		return
	}
	opts.HostedPayments = w.hosted
	opts.PaymentReturnURL = httpapi.ReturnURL(apiURL)
}

// mount adds the provider's routes to the server's mux, under the base
// path and without it (as mountAPI does): the fake's page, or Pay's
// notifications (when a signing secret is configured).
func (w paymentWiring) mount(mux *http.ServeMux, base string, cfg config, svc *permit.Service, log *slog.Logger) {
	prefixes := []string{""}
	if base != "" {
		prefixes = append(prefixes, base)
	}
	if w.page != nil {
		for _, p := range prefixes {
			mux.Handle(p+fakePagePath+"/", http.StripPrefix(p+fakePagePath, w.page))
		}
	}
	if w.govukpay == nil {
		return
	}
	if cfg.govukpaySecret == "" {
		log.Warn("no PERMITD_GOVUKPAY_WEBHOOK_SECRET: GOV.UK Pay's notifications are not taken; the payer's return and the due jobs confirm payments")
		return
	}
	h := &govukpay.NotificationHandler{
		Secret: cfg.govukpaySecret, Payments: w.govukpay, Log: w.log, Logger: log,
		OnPayment: func(ctx context.Context, p permit.HostedPayment) error {
			return onPayment(ctx, svc, log, p)
		},
	}
	for _, p := range prefixes {
		mux.Handle(p+govukpayNotificationsPath, h)
	}
}

// onPayment acts on a payment as GOV.UK Pay reports it after a
// notification: the application it was started for is confirmed (which
// does nothing unless the payment is that application's current attempt
// and still awaited).
func onPayment(ctx context.Context, svc *permit.Service, log *slog.Logger, p permit.HostedPayment) error {
	if p.PermitID == "" {
		log.WarnContext(ctx, "GOV.UK Pay notification for a payment without a permit_id; ignored", "payment_id", p.ID)
		return nil
	}
	_, err := svc.ConfirmPaymentByID(ctx, p.PermitID, p.ID)
	if errors.Is(err, permit.ErrNotFound) {
		log.WarnContext(ctx, "GOV.UK Pay notification for a permit this server does not hold; ignored", "payment_id", p.ID, "permit_id", p.PermitID)
		return nil
	}
	return err
}

// forget deletes the old records of handled notifications (due jobs).
func (w paymentWiring) forget(ctx context.Context, now time.Time) (int64, error) {
	if w.log == nil {
		return 0, nil
	}
	return w.log.Forget(ctx, now.Add(-keepNotifications))
}
