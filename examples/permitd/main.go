// Command permitd is the evaluation server: the resident web pages at /
// (adapters/web) and the v1 JSON API of docs/API.md under /v1/, over
// a SQLite file (or a PostgreSQL database), the Leicestershire example
// scheme and gazetteer, a simulated card payment provider that moves no money, and
// notifications written to the log. `go run ./examples/permitd` starts it
// with no set-up; see README.md beside this file for a curl walkthrough.
//
// Flags, each also read from the environment variable in brackets (a flag
// wins over its variable):
//
//	--addr           (PERMITD_ADDR)          listen address, default 127.0.0.1:8080
//	--db             (PERMITD_DB)            SQLite file (default permitd.db) or a postgres:// DSN
//	--scheme         (PERMITD_SCHEME)        scheme YAML file; default the Leicestershire example
//	--gazetteer      (PERMITD_GAZETTEER)     gazetteer CSV (or .csv.gz); default the Leicestershire example;
//	                                         "db" for the one imported into the database (permitctl import-gazetteer);
//	                                         "osplaces" for Ordnance Survey's OS Places API (PERMITD_OSPLACES_KEY,
//	                                         and PERMITD_OSPLACES_URL for another address than api.os.uk)
//	--zones          (PERMITD_ZONES)         zone map: GeoJSON polygons (zones/zonemap) giving each property its zone;
//	                                         default the scheme's zone_map file; "none" for the gazetteer's zone column
//	--vehicle-check  (PERMITD_VEHICLE_CHECK) "dvla" asks the DVLA Vehicle Enquiry Service about vehicles when the
//	                                         scheme's vehicle_check is warn or require (PERMITD_DVLA_API_KEY, and
//	                                         --dvla-url / PERMITD_DVLA_URL for another address, such as a fake's);
//	                                         default none: registrations are checked for their form only
//	--notify         (PERMITD_NOTIFY)        "govuknotify" sends residents' messages through GOV.UK Notify
//	                                         (PERMITD_NOTIFY_API_KEY; template ids from --notify-templates FILE /
//	                                         PERMITD_NOTIFY_TEMPLATES, JSON {"email": {"approved": "<uuid>", ...}, ...};
//	                                         --notify-url / PERMITD_NOTIFY_URL for another address, such as a fake's).
//	                                         Messages are recorded in the database with the change they report and
//	                                         sent by a background sender (adapters/notifyoutbox), retried until Notify
//	                                         takes them; email, or a text message to a UK mobile, or a letter for the
//	                                         scheme's notifications.by_letter. Delivery receipts: POST
//	                                         /v1/notification-receipts/govuknotify with the callback's bearer token
//	                                         PERMITD_NOTIFY_RECEIPT_TOKEN. Default: the log (or --smtp-addr)
//	--officer-token  (PERMITD_OFFICER_TOKEN) NAME=TOKEN of a named officer (events say officer:NAME), or a bare
//	                                         token named by its hash; repeatable, or comma-separated
//	--oidc-issuer    (PERMITD_OIDC_ISSUER)   the council's OpenID Connect provider for the officer pages at /officer/, with
//	                                         --oidc-client-id, PERMITD_OIDC_CLIENT_SECRET, --oidc-redirect-url and
//	                                         --oidc-officer-claim NAME=VALUE; without it officers sign in there with their token
//	--token-ttl      (PERMITD_TOKEN_TTL)     how long a resident's token lasts, default 24h (wall clock)
//	--sign-in-rate-per-address (PERMITD_SIGN_IN_RATE_PER_ADDRESS) sign-in codes one email address may be sent, default 5/15m
//	--sign-in-rate-per-client  (PERMITD_SIGN_IN_RATE_PER_CLIENT)  sign-in requests one client address may make, default 30/15m
//	--integration-token (PERMITD_INTEGRATION_TOKEN) NAME=TOKEN of a read-only integration (feed, permits,
//	                                         accounts, review queue, its own webhooks); repeatable, or comma-separated
//	--test-clock     (PERMITD_TEST_CLOCK=1)  enable POST /v1/test-clock (evaluation only), and keep every message
//	                                         sent in the database's evaluation outbox (GET /v1/test-clock/outbox)
//	--webhook-allow-loopback (PERMITD_WEBHOOK_ALLOW_LOOPBACK=1) let webhooks point at this machine (tests, evaluation)
//	--webhook-allow-private  (PERMITD_WEBHOOK_ALLOW_PRIVATE=1)  let webhooks point at private ranges (a council's own network)
//	--webhook-max-attempts   (PERMITD_WEBHOOK_MAX_ATTEMPTS)     caps the failed attempts before a delivery is dead; 0 (default): retried for 3 days
//	--max-document-bytes       (PERMITD_MAX_DOCUMENT_BYTES)        largest uploaded file, default 10 MiB
//	--max-documents-per-permit (PERMITD_MAX_DOCUMENTS_PER_PERMIT)  most files one permit may have, default 20
//	--max-permit-document-bytes (PERMITD_MAX_PERMIT_DOCUMENT_BYTES) most bytes of one permit's files, default 20 × the largest file
//	--body-read-timeout   (PERMITD_BODY_READ_TIMEOUT)   how long a client has to send a request body, default 10s (then 408)
//	--upload-read-timeout (PERMITD_UPLOAD_READ_TIMEOUT) the same for a file upload, default 60s
//	--max-connections     (PERMITD_MAX_CONNECTIONS)     most client connections open at once, default 1000; more wait to be accepted
//	--account-creation-rate (PERMITD_ACCOUNT_CREATION_RATE) accounts one client address may open, N/duration, default 20/1h; off for none (429 rate_limited)
//	--trusted-proxy       (PERMITD_TRUSTED_PROXY)       addresses or CIDR prefixes of proxies whose X-Forwarded-For is believed; repeatable or comma-separated
//	--metrics-addr        (PERMITD_METRICS_ADDR)        serve GET /metrics (Prometheus) there, without a token, and not on --addr;
//	                                                    empty (default): on --addr, to officers only
//	--payments     (PERMITD_PAYMENTS)     "fake" (default): a simulated provider in GOV.UK Pay's shape, its hosted
//	                                      page on this server at /v1/payments/fake/<token>, payments in the database;
//	                                      "govukpay": GOV.UK Pay (PERMITD_GOVUKPAY_API_KEY; its signed notifications at
//	                                      POST /v1/payment-notifications/govukpay when PERMITD_GOVUKPAY_WEBHOOK_SECRET
//	                                      is set; --govukpay-url / PERMITD_GOVUKPAY_URL for another address, such as a
//	                                      fake's); "instant": the card authorised within the apply request (permit.Payments)
//	--public-url   (PERMITD_PUBLIC_URL)   the URL residents' browsers reach the server at: the base of payment return
//	                                      URLs and of the fake's page; default http://ADDR
//
// Everything it remembers between requests is in the database: permits,
// uploaded documents, Idempotency-Key answers (kept 24 hours, then deleted
// by the due jobs) and the simulated gateway's payments, so a restart or a
// second instance on the same PostgreSQL database loses nothing. A new
// SQLite file is created readable by its owner only.
//
// With no officer token configured it makes one and prints it once. It logs
// "listening on http://ADDR" once it accepts connections, runs due jobs
// (scheduled vehicle changes, expiry reminders, abandoned payments,
// review-deadline breaches) every minute unless the test clock drives them,
// delivers the event feed to the webhooks officers register
// (adapters/webhook, in the same database, on the wall clock even under the
// test clock, so receivers can check signature timestamps), and on SIGINT or
// SIGTERM stops accepting connections and finishes the requests in flight.
package main

import (
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/carerpermit/carerpermit/adapters/dvlaves"
	"github.com/carerpermit/carerpermit/adapters/govuknotify"
	"github.com/carerpermit/carerpermit/adapters/httpapi"
	"github.com/carerpermit/carerpermit/adapters/lognotify"
	"github.com/carerpermit/carerpermit/adapters/metrics"
	"github.com/carerpermit/carerpermit/adapters/notifyoutbox"
	"github.com/carerpermit/carerpermit/adapters/osplaces"
	"github.com/carerpermit/carerpermit/adapters/smtpmail"
	"github.com/carerpermit/carerpermit/adapters/sqlstore"
	_ "github.com/carerpermit/carerpermit/adapters/sqlstore/postgres" // --db postgres://...
	_ "github.com/carerpermit/carerpermit/adapters/sqlstore/sqlite"   // --db FILE (the default)
	"github.com/carerpermit/carerpermit/adapters/web"
	"github.com/carerpermit/carerpermit/adapters/webhook"
	"github.com/carerpermit/carerpermit/examples/leicestershire"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/scheme"
	"github.com/carerpermit/carerpermit/zones"
	"github.com/carerpermit/carerpermit/zones/zonemap"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "permitd:", err)
		os.Exit(1)
	}
}

// Server timeouts: a slow or stalled client cannot hold a connection (and
// its goroutine) for long; an upload of the largest document still fits in
// the read timeout on a slow line.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 60 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	shutdownTimeout   = 30 * time.Second
	// defaultMaxConnections caps open client connections: each costs a
	// goroutine and buffers, and a council's traffic needs far fewer.
	defaultMaxConnections = 1000
	jobsEvery             = time.Minute
	webhookPoll           = time.Second
)

type config struct {
	addr, db, scheme, gazetteer string
	zones                       string
	osplacesKey, osplacesURL    string
	vehicleCheck, dvlaURL       string
	notify, notifyTemplates     string
	notifyURL, notifyKey        string
	notifyReceiptToken          string
	dvlaKey                     string
	officerTokens               []string
	integrations                []httpapi.Integration
	testClock                   bool
	webhookPolicy               webhook.Policy
	webhookMaxAttempts          int
	smtp                        smtpmail.Config
	maxDocumentBytes            int64
	maxDocuments                int
	maxPermitDocumentBytes      int64
	bodyReadTimeout             time.Duration
	uploadReadTimeout           time.Duration
	maxConnections              int
	accountCreationRate         httpapi.RateLimit
	trustedProxies              []netip.Prefix
	metricsAddr                 string
	basePath                    string
	oidc                        web.OIDCConfig
	tokenTTL                    time.Duration
	signInPerAddress            httpapi.RateLimit
	signInPerClient             httpapi.RateLimit
	payments, publicURL         string
	govukpayURL, govukpayKey    string
	govukpaySecret              string
}

// defaultAccountCreationRate is how many accounts one client address may
// open: enough for a family or a council's front desk behind one address,
// far below the 16,232 accounts in 45 seconds issue 11 saw.
const defaultAccountCreationRate = "20/1h"

// proxyList is the repeatable --trusted-proxy flag.
type proxyList []netip.Prefix

func (p *proxyList) String() string { return fmt.Sprintf("%d prefix(es)", len(*p)) }

func (p *proxyList) Set(s string) error {
	ps, err := httpapi.ParseTrustedProxies(s)
	if err != nil {
		return err
	}
	*p = append(*p, ps...)
	return nil
}

// rateFlag is a flag.Value over httpapi.ParseRateLimit.
type rateFlag struct{ r *httpapi.RateLimit }

func (f rateFlag) String() string {
	if f.r == nil {
		return ""
	}
	return f.r.String()
}

func (f rateFlag) Set(s string) error {
	r, err := httpapi.ParseRateLimit(s)
	if err != nil {
		return err
	}
	*f.r = r
	return nil
}

// tokenList is the repeatable --officer-token flag.
type tokenList []string

func (t *tokenList) String() string {
	if len(*t) == 1 {
		return "1 token"
	}
	return fmt.Sprintf("%d tokens", len(*t))
}

func (t *tokenList) Set(s string) error {
	*t = append(*t, splitTokens(s)...)
	return nil
}

func splitTokens(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// envInt reads a whole number from the environment, def when unset.
func envInt(getenv func(string) string, name string, def int64) (int64, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s=%q is not a whole number", name, v)
	}
	return n, nil
}

func envDuration(getenv func(string) string, name string, def time.Duration) (time.Duration, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%s=%q is not a duration such as 10s", name, v)
	}
	return d, nil
}

func envOr(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}

// parseConfig reads flags over environment variables over defaults.
func parseConfig(args []string, getenv func(string) string, out io.Writer) (config, error) {
	fs := flag.NewFlagSet("permitd", flag.ContinueOnError)
	fs.SetOutput(out)
	var c config
	fs.StringVar(&c.addr, "addr", envOr(getenv, "PERMITD_ADDR", "127.0.0.1:8080"), "listen address (PERMITD_ADDR)")
	fs.StringVar(&c.db, "db", envOr(getenv, "PERMITD_DB", "permitd.db"), "SQLite file, or a postgres:// DSN (PERMITD_DB)")
	fs.StringVar(&c.scheme, "scheme", getenv("PERMITD_SCHEME"), "scheme YAML file; empty for the Leicestershire example (PERMITD_SCHEME)")
	fs.StringVar(&c.gazetteer, "gazetteer", getenv("PERMITD_GAZETTEER"), "gazetteer CSV or .csv.gz; empty for the Leicestershire example; db for the one imported with permitctl import-gazetteer; osplaces for OS Places with PERMITD_OSPLACES_KEY (PERMITD_GAZETTEER)")
	fs.StringVar(&c.zones, "zones", getenv("PERMITD_ZONES"), "zone map, GeoJSON polygons; empty for the scheme's zone_map file; none for the gazetteer's zone column (PERMITD_ZONES)")
	// The key is a secret: from the environment only, never a flag that
	// the process list shows.
	c.osplacesKey, c.osplacesURL = getenv("PERMITD_OSPLACES_KEY"), getenv("PERMITD_OSPLACES_URL")
	fs.StringVar(&c.vehicleCheck, "vehicle-check", getenv("PERMITD_VEHICLE_CHECK"), "dvla to ask the DVLA Vehicle Enquiry Service about vehicles (PERMITD_DVLA_API_KEY) when the scheme's vehicle_check is warn or require; empty for none (PERMITD_VEHICLE_CHECK)")
	fs.StringVar(&c.dvlaURL, "dvla-url", getenv("PERMITD_DVLA_URL"), "the Vehicle Enquiry Service's address; empty for DVLA's own (PERMITD_DVLA_URL)")
	c.dvlaKey = getenv("PERMITD_DVLA_API_KEY") // a secret: never a flag
	fs.StringVar(&c.notify, "notify", getenv("PERMITD_NOTIFY"), "govuknotify to send residents' messages through GOV.UK Notify (PERMITD_NOTIFY_API_KEY, --notify-templates); empty for the log or --smtp-addr (PERMITD_NOTIFY)")
	fs.StringVar(&c.notifyTemplates, "notify-templates", getenv("PERMITD_NOTIFY_TEMPLATES"), "JSON file of Notify template ids per channel and message kind (PERMITD_NOTIFY_TEMPLATES)")
	fs.StringVar(&c.notifyURL, "notify-url", getenv("PERMITD_NOTIFY_URL"), "GOV.UK Notify's address; empty for Notify's own (PERMITD_NOTIFY_URL)")
	c.notifyKey = getenv("PERMITD_NOTIFY_API_KEY")                // a secret: never a flag
	c.notifyReceiptToken = getenv("PERMITD_NOTIFY_RECEIPT_TOKEN") // a secret: never a flag
	var tokens tokenList
	fs.Var(&tokens, "officer-token", "officer bearer token, repeatable or comma-separated (PERMITD_OFFICER_TOKEN)")
	var integrations tokenList
	fs.Var(&integrations, "integration-token", "NAME=TOKEN of a read-only integration, repeatable or comma-separated (PERMITD_INTEGRATION_TOKEN)")
	tc := getenv("PERMITD_TEST_CLOCK")
	fs.BoolVar(&c.testClock, "test-clock", tc == "1" || strings.EqualFold(tc, "true"), "enable POST /v1/test-clock, for evaluation (PERMITD_TEST_CLOCK=1)")
	wl, wp := getenv("PERMITD_WEBHOOK_ALLOW_LOOPBACK"), getenv("PERMITD_WEBHOOK_ALLOW_PRIVATE")
	fs.BoolVar(&c.webhookPolicy.AllowLoopback, "webhook-allow-loopback", wl == "1" || strings.EqualFold(wl, "true"),
		"let webhook URLs point at this machine, for tests and evaluation (PERMITD_WEBHOOK_ALLOW_LOOPBACK=1)")
	fs.BoolVar(&c.webhookPolicy.AllowPrivate, "webhook-allow-private", wp == "1" || strings.EqualFold(wp, "true"),
		"let webhook URLs point at private address ranges (PERMITD_WEBHOOK_ALLOW_PRIVATE=1)")
	maxAttempts := 0 // the dispatcher's default
	if v := getenv("PERMITD_WEBHOOK_MAX_ATTEMPTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return config{}, fmt.Errorf("PERMITD_WEBHOOK_MAX_ATTEMPTS=%q is not a whole number", v)
		}
		maxAttempts = n
	}
	fs.IntVar(&c.webhookMaxAttempts, "webhook-max-attempts", maxAttempts,
		fmt.Sprintf("caps the failed attempts before a webhook delivery is dead (which pauses its webhook); 0 for %d, more than 3 days of retries make (PERMITD_WEBHOOK_MAX_ATTEMPTS)", webhook.DefaultMaxAttempts))
	fs.StringVar(&c.smtp.Addr, "smtp-addr", getenv("PERMITD_SMTP_ADDR"), "SMTP server host:port for emails to residents; empty writes them to the log (PERMITD_SMTP_ADDR)")
	fs.StringVar(&c.smtp.From, "mail-from", getenv("PERMITD_MAIL_FROM"), "From address of those emails (PERMITD_MAIL_FROM)")
	c.smtp.Username, c.smtp.Password = getenv("PERMITD_SMTP_USERNAME"), getenv("PERMITD_SMTP_PASSWORD")
	maxDoc, err := envInt(getenv, "PERMITD_MAX_DOCUMENT_BYTES", httpapi.DefaultMaxDocumentBytes)
	if err != nil {
		return config{}, err
	}
	fs.Int64Var(&c.maxDocumentBytes, "max-document-bytes", maxDoc, "largest uploaded file in bytes (PERMITD_MAX_DOCUMENT_BYTES)")
	maxDocs, err := envInt(getenv, "PERMITD_MAX_DOCUMENTS_PER_PERMIT", httpapi.DefaultMaxDocumentsPerPermit)
	if err != nil {
		return config{}, err
	}
	fs.IntVar(&c.maxDocuments, "max-documents-per-permit", int(maxDocs), "most files one permit may have (PERMITD_MAX_DOCUMENTS_PER_PERMIT)")
	maxPermitBytes, err := envInt(getenv, "PERMITD_MAX_PERMIT_DOCUMENT_BYTES", 0)
	if err != nil {
		return config{}, err
	}
	fs.Int64Var(&c.maxPermitDocumentBytes, "max-permit-document-bytes", maxPermitBytes,
		"most bytes of all the files of one permit; 0 for max-documents-per-permit × max-document-bytes (PERMITD_MAX_PERMIT_DOCUMENT_BYTES)")
	bodyTimeout, err := envDuration(getenv, "PERMITD_BODY_READ_TIMEOUT", httpapi.DefaultBodyReadTimeout)
	if err != nil {
		return config{}, err
	}
	fs.DurationVar(&c.bodyReadTimeout, "body-read-timeout", bodyTimeout,
		"how long a client has to send a request body; a slower one gets 408 (PERMITD_BODY_READ_TIMEOUT)")
	uploadTimeout, err := envDuration(getenv, "PERMITD_UPLOAD_READ_TIMEOUT", httpapi.DefaultUploadReadTimeout)
	if err != nil {
		return config{}, err
	}
	fs.DurationVar(&c.uploadReadTimeout, "upload-read-timeout", uploadTimeout,
		"the same for a file upload (PERMITD_UPLOAD_READ_TIMEOUT)")
	maxConns, err := envInt(getenv, "PERMITD_MAX_CONNECTIONS", defaultMaxConnections)
	if err != nil {
		return config{}, err
	}
	fs.IntVar(&c.maxConnections, "max-connections", int(maxConns),
		"most client connections open at once; more wait to be accepted (PERMITD_MAX_CONNECTIONS)")
	rate := envOr(getenv, "PERMITD_ACCOUNT_CREATION_RATE", defaultAccountCreationRate)
	if c.accountCreationRate, err = httpapi.ParseRateLimit(rate); err != nil {
		return config{}, fmt.Errorf("PERMITD_ACCOUNT_CREATION_RATE: %w", err)
	}
	fs.Var(rateFlag{&c.accountCreationRate}, "account-creation-rate",
		"accounts one client address may open, as N/duration such as 20/1h, or off; more is 429 rate_limited (PERMITD_ACCOUNT_CREATION_RATE)")
	fs.StringVar(&c.oidc.Issuer, "oidc-issuer", getenv("PERMITD_OIDC_ISSUER"),
		"the council's OpenID Connect provider, for the officer pages' sign-in (PERMITD_OIDC_ISSUER)")
	fs.StringVar(&c.oidc.ClientID, "oidc-client-id", getenv("PERMITD_OIDC_CLIENT_ID"),
		"the officer pages' client ID at that provider; the secret is PERMITD_OIDC_CLIENT_SECRET (PERMITD_OIDC_CLIENT_ID)")
	fs.StringVar(&c.oidc.RedirectURL, "oidc-redirect-url", getenv("PERMITD_OIDC_REDIRECT_URL"),
		"where the provider sends officers back: the server's public address + /officer/oidc/callback (PERMITD_OIDC_REDIRECT_URL)")
	fs.StringVar(&c.oidc.OfficerClaim, "oidc-officer-claim", getenv("PERMITD_OIDC_OFFICER_CLAIM"),
		"the ID token claim that makes someone an officer, NAME=VALUE (a string claim, or a list holding VALUE), or NAME for a true claim (PERMITD_OIDC_OFFICER_CLAIM)")
	c.oidc.ClientSecret = getenv("PERMITD_OIDC_CLIENT_SECRET") // a secret: never a flag
	ttl, err := envDuration(getenv, "PERMITD_TOKEN_TTL", httpapi.DefaultTokenTTL)
	if err != nil {
		return config{}, err
	}
	fs.DurationVar(&c.tokenTTL, "token-ttl", ttl,
		"how long a resident's token lasts from its sign-in (POST /v1/sign-in/verify, POST /v1/accounts) (PERMITD_TOKEN_TTL)")
	if c.signInPerAddress, err = httpapi.ParseRateLimit(envOr(getenv, "PERMITD_SIGN_IN_RATE_PER_ADDRESS", httpapi.DefaultSignInPerAddress.String())); err != nil {
		return config{}, fmt.Errorf("PERMITD_SIGN_IN_RATE_PER_ADDRESS: %w", err)
	}
	fs.Var(rateFlag{&c.signInPerAddress}, "sign-in-rate-per-address",
		"sign-in codes one email address may be sent, N/duration (PERMITD_SIGN_IN_RATE_PER_ADDRESS)")
	if c.signInPerClient, err = httpapi.ParseRateLimit(envOr(getenv, "PERMITD_SIGN_IN_RATE_PER_CLIENT", httpapi.DefaultSignInPerClient.String())); err != nil {
		return config{}, fmt.Errorf("PERMITD_SIGN_IN_RATE_PER_CLIENT: %w", err)
	}
	fs.Var(rateFlag{&c.signInPerClient}, "sign-in-rate-per-client",
		"sign-in requests (codes asked for or given) one client address may make, N/duration (PERMITD_SIGN_IN_RATE_PER_CLIENT)")
	var proxies proxyList
	if v := getenv("PERMITD_TRUSTED_PROXY"); v != "" {
		if err := proxies.Set(v); err != nil {
			return config{}, fmt.Errorf("PERMITD_TRUSTED_PROXY: %w", err)
		}
	}
	fs.Var(&proxies, "trusted-proxy",
		"address or CIDR prefix of a proxy whose X-Forwarded-For is believed, repeatable or comma-separated; from anyone else it is ignored (PERMITD_TRUSTED_PROXY)")
	fs.StringVar(&c.metricsAddr, "metrics-addr", getenv("PERMITD_METRICS_ADDR"),
		"listen address for GET /metrics without a token (keep it private); empty serves it on --addr to officers only (PERMITD_METRICS_ADDR)")
	fs.StringVar(&c.basePath, "base-path", getenv("PERMITD_BASE_PATH"),
		"path the JSON API is served under, such as /permits (then /permits/v1/...); empty for the root (PERMITD_BASE_PATH)")
	fs.StringVar(&c.payments, "payments", envOr(getenv, "PERMITD_PAYMENTS", paymentsFake),
		"card payments: fake (a simulated hosted payment page on this server), govukpay (GOV.UK Pay, with PERMITD_GOVUKPAY_API_KEY) or instant (simulated, authorised within the request) (PERMITD_PAYMENTS)")
	fs.StringVar(&c.govukpayURL, "govukpay-url", getenv("PERMITD_GOVUKPAY_URL"), "GOV.UK Pay's API address; empty for Pay's own (PERMITD_GOVUKPAY_URL)")
	fs.StringVar(&c.publicURL, "public-url", getenv("PERMITD_PUBLIC_URL"),
		"the absolute URL residents' browsers reach this server at, the base of payment return URLs; empty for http://ADDR (PERMITD_PUBLIC_URL)")
	// Secrets: from the environment only, never flags the process list shows.
	c.govukpayKey, c.govukpaySecret = getenv("PERMITD_GOVUKPAY_API_KEY"), getenv("PERMITD_GOVUKPAY_WEBHOOK_SECRET")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if err := checkPaymentsConfig(&c); err != nil {
		return config{}, err
	}
	c.trustedProxies = proxies
	switch {
	case c.bodyReadTimeout <= 0 || c.bodyReadTimeout > 10*time.Minute:
		return config{}, fmt.Errorf("--body-read-timeout %s: give a duration above 0 and at most 10m, such as 10s", c.bodyReadTimeout)
	case c.uploadReadTimeout <= 0 || c.uploadReadTimeout > time.Hour:
		return config{}, fmt.Errorf("--upload-read-timeout %s: give a duration above 0 and at most 1h, such as 60s", c.uploadReadTimeout)
	case c.oidc.Issuer != "" && (c.oidc.ClientID == "" || c.oidc.RedirectURL == "" || c.oidc.OfficerClaim == ""):
		return config{}, errors.New("--oidc-issuer needs --oidc-client-id, --oidc-redirect-url and --oidc-officer-claim (and PERMITD_OIDC_CLIENT_SECRET)")
	case c.tokenTTL < time.Minute || c.tokenTTL > 90*24*time.Hour:
		return config{}, fmt.Errorf("--token-ttl %s: give a minute to 90 days, such as 24h", c.tokenTTL)
	case c.signInPerAddress.Off() || c.signInPerClient.Off():
		return config{}, errors.New("--sign-in-rate-per-address and --sign-in-rate-per-client cannot be off: without them codes can be guessed")
	case c.maxConnections < 1:
		return config{}, fmt.Errorf("--max-connections %d: give a number above 0", c.maxConnections)
	}
	switch {
	case c.maxDocumentBytes < 1:
		return config{}, fmt.Errorf("--max-document-bytes %d: give a number of bytes above 0", c.maxDocumentBytes)
	case c.maxDocuments < 1:
		return config{}, fmt.Errorf("--max-documents-per-permit %d: give a number above 0", c.maxDocuments)
	case c.maxPermitDocumentBytes < 0:
		return config{}, fmt.Errorf("--max-permit-document-bytes %d: give a number of bytes, or 0 for the default", c.maxPermitDocumentBytes)
	}
	switch c.notify {
	case "", notifyLog:
		c.notify = ""
	case notifyGOVUK:
		if strings.TrimSpace(c.notifyKey) == "" {
			return config{}, errors.New("--notify govuknotify needs PERMITD_NOTIFY_API_KEY, the GOV.UK Notify API key")
		}
		if c.notifyTemplates == "" {
			return config{}, errors.New("--notify govuknotify needs --notify-templates FILE (PERMITD_NOTIFY_TEMPLATES), the template ids per channel and message kind")
		}
		if c.smtp.Addr != "" {
			return config{}, errors.New("--notify govuknotify and --smtp-addr: choose one way to send")
		}
	default:
		return config{}, fmt.Errorf("--notify %q: give govuknotify, or log", c.notify)
	}
	switch c.vehicleCheck {
	case "", vehicleCheckNone:
		c.vehicleCheck = ""
	case vehicleCheckDVLA:
		if strings.TrimSpace(c.dvlaKey) == "" {
			return config{}, errors.New("--vehicle-check dvla needs PERMITD_DVLA_API_KEY, the council's Vehicle Enquiry Service API key")
		}
	default:
		return config{}, fmt.Errorf("--vehicle-check %q: give dvla, or none", c.vehicleCheck)
	}
	if c.gazetteer == gazetteerOSPlaces && strings.TrimSpace(c.osplacesKey) == "" {
		return config{}, errors.New("--gazetteer osplaces needs PERMITD_OSPLACES_KEY, the OS Places API key of the council's OS Data Hub project")
	}
	if c.smtp.Addr != "" && c.smtp.From == "" {
		return config{}, errors.New("--smtp-addr needs --mail-from (PERMITD_MAIL_FROM), the address emails come from")
	}
	if c.webhookMaxAttempts < 0 || c.webhookMaxAttempts > 100 {
		return config{}, fmt.Errorf("--webhook-max-attempts %d: give 1 to 100, or 0 for the default", c.webhookMaxAttempts)
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected argument %q (flags start with --)", fs.Arg(0))
	}
	c.officerTokens = tokens
	if len(tokens) == 0 {
		c.officerTokens = splitTokens(getenv("PERMITD_OFFICER_TOKEN"))
	}
	if len(integrations) == 0 {
		integrations = splitTokens(getenv("PERMITD_INTEGRATION_TOKEN"))
	}
	for _, it := range integrations {
		name, tok, ok := strings.Cut(it, "=")
		if !ok || name == "" || tok == "" {
			return config{}, fmt.Errorf("--integration-token: give NAME=TOKEN, not %q", redacted(it))
		}
		c.integrations = append(c.integrations, httpapi.Integration{Name: name, Token: tok})
	}
	return c, nil
}

// redacted shows the start of a malformed token setting, never all of it.
func redacted(s string) string {
	if len(s) <= 4 {
		return "…"
	}
	return s[:4] + "…"
}

// syncWriter lets the logger and the plain lines share stdout.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// run is the whole server; main and the end-to-end tests call it. It
// returns when ctx is done (after a graceful shutdown) or on a failure.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	out := &syncWriter{w: stdout}
	cfg, err := parseConfig(args, getenv, out)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(out, nil))

	scheme, warnings, err := loadScheme(cfg.scheme, time.Now())
	if err != nil {
		return err
	}
	for _, w := range warnings {
		log.Warn("scheme: "+w.String(), "file", cfg.scheme)
	}
	zoneMap, zoneSource, err := loadZoneMap(cfg.zones, cfg.scheme, scheme)
	if err != nil {
		return err
	}
	var gaz zones.Locator
	var properties int
	switch cfg.gazetteer {
	case gazetteerInDB:
	case gazetteerOSPlaces:
		if zoneMap == nil {
			return errors.New("--gazetteer osplaces: OS Places knows no permit zones; give a zone map (--zones FILE, or the scheme's zone_map)")
		}
		gaz, err = osplaces.New(osplaces.Config{Key: cfg.osplacesKey, BaseURL: cfg.osplacesURL}, nil)
		if err != nil {
			return err
		}
		properties = -1 // OS Places does not say
	default:
		g, err := loadGazetteer(cfg.gazetteer)
		if err != nil {
			return err
		}
		gaz, properties = g, g.Len()
	}
	store, err := sqlstore.Open(ctx, cfg.db, nil)
	if err != nil {
		return fmt.Errorf("opening the database: %w", err)
	}
	defer store.Close()
	if cfg.gazetteer == gazetteerInDB {
		if gaz, properties, err = databaseGazetteer(ctx, store); err != nil {
			return err
		}
	}
	if zoneMap != nil {
		listed := scheme.ZoneMap != nil && scheme.ZoneMap.ListedZoneWithoutPosition
		gaz = zonemap.NewLocator(gaz, zoneMap, &zonemap.LocatorOptions{ListedZoneWithoutPosition: listed})
		log.Info("zones drawn as polygons", "zone_map", zoneSource, "zones", len(zoneMap.Zones()), "without_position", map[bool]string{true: "listed_zone", false: "refuse"}[listed])
	}

	var notifier permit.Notifier = lognotify.New(log)
	if cfg.smtp.Addr != "" {
		smtpCfg := cfg.smtp
		// Replies go to whoever answers residents' questions about
		// their permits: the operator (the council when it runs the
		// service itself).
		smtpCfg.ReplyTo = scheme.Operator.Email
		mailer, err := smtpmail.New(scheme, smtpCfg, &smtpmail.Options{Logger: log})
		if err != nil {
			return fmt.Errorf("email: %w", err)
		}
		defer func() {
			cctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
			defer cancel()
			_ = mailer.Close(cctx)
		}()
		notifier = mailer
	}
	// With GOV.UK Notify, the Service records each message in the store
	// with the change it reports and a sender hands it to Notify
	// afterwards (notifyoutbox.Sender), so a request never waits for
	// Notify and a crash after a commit loses no message.
	var notify permit.Notifier
	if cfg.notify == notifyGOVUK {
		if notify, err = govukNotify(cfg); err != nil {
			return err
		}
	}
	// Listening before the service is built lets the public URL default
	// to the address actually bound (--addr 127.0.0.1:0 in tests).
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	ln = limitListener(ln, cfg.maxConnections)
	defer ln.Close()
	publicURL := cfg.publicURL
	if publicURL == "" {
		publicURL = "http://" + ln.Addr().String()
	}
	mx := metrics.New()
	if err := mx.WatchDB(store.DB()); err != nil {
		return err
	}
	// The test clock, when enabled, is the service's clock as well as
	// the API's POST /v1/test-clock; every message sent under it is also
	// kept in the database's evaluation outbox (GET /v1/test-clock/outbox).
	var clock *httpapi.TestClock
	var evalOutbox *sqlstore.EvaluationOutbox
	if cfg.testClock {
		clock = httpapi.NewTestClock()
		evalOutbox = store.EvaluationOutbox(clock.Now)
		notifier = bothNotifiers{evalOutbox, notifier}
		if notify != nil {
			notify = bothNotifiers{evalOutbox, notify}
		}
	}
	notifier = mx.Notifier(notifier)
	// The log and GOV.UK Notify take every channel; an email server only
	// email (a resident with only a mobile number then hears nothing).
	channels := []permit.Channel{permit.ChannelEmail, permit.ChannelSMS, permit.ChannelLetter}
	if cfg.smtp.Addr != "" {
		channels = []permit.Channel{permit.ChannelEmail}
	}
	var sender *notifyoutbox.Sender
	svcOpts := &permit.Options{Notifier: notifier, Channels: channels, DueRan: mx.ObserveDue,
		RecordMessages: notify != nil, MessagesRecorded: func(n int) { sender.Wake(n) },
		// Retention and anonymisation (issue 19): the evidence files the
		// API keeps, and what the store keeps beside its tables (sessions,
		// tokens, recorded messages, idempotency records).
		Documents: httpapi.DocumentFiles(store.Blobs()), Forgetters: []permit.Forgetter{store},
		NotifyFailed: func(m permit.Message, err error) {
			log.Warn("notification failed", "kind", m.Kind, "account_id", m.AccountID, "permit_id", m.PermitID, "err", err)
		},
		PaymentRecordFailed: func(err error) {
			log.Error("payment outcome not recorded; the due jobs will ask again", "err", err)
		}}
	if notify != nil {
		// A subject access export lists the messages the store keeps.
		svcOpts.Messages = store
	}
	if cfg.vehicleCheck == vehicleCheckDVLA {
		ves, err := dvlaves.New(dvlaves.Config{APIKey: cfg.dvlaKey, BaseURL: cfg.dvlaURL}, nil)
		if err != nil {
			return err
		}
		svcOpts.Vehicles = ves
		svcOpts.VehicleCheckFailed = func(_ permit.VRM, err error) {
			// The registration is the resident's: not logged.
			log.Warn("DVLA vehicle check not answered; the permit is flagged vehicle_unchecked and the due jobs ask again", "err", err)
		}
		if scheme.VehicleCheck == "" || scheme.VehicleCheck == permit.VehicleCheckOff {
			log.Warn("--vehicle-check dvla is set but the scheme's vehicle_check is off: no vehicle is checked")
		}
	}
	now := time.Now
	if clock != nil {
		svcOpts.Now = clock.Now
		now = clock.Now
	}
	// The provider sends payers back to the API, under --base-path.
	apiURL := publicURL + strings.TrimSuffix(cfg.basePath, "/")
	pay, err := wirePayments(ctx, cfg, store, mx, apiURL, now)
	if err != nil {
		return err
	}
	pay.options(svcOpts, apiURL)
	svc, err := permit.NewService(scheme, mx.Store(store), gaz, pay.sync, svcOpts)
	if err == nil && notify != nil {
		sender, err = notifyoutbox.NewSender(svc, mx.Notifier(notify), &notifyoutbox.Options{
			Now: svc.Now, // the test clock, when there is one: messages are due by it
			Permanent: func(err error) bool {
				return errors.Is(err, govuknotify.ErrPermanent) || errors.Is(err, govuknotify.ErrNoTemplate) || errors.Is(err, govuknotify.ErrInvalidMessage)
			},
			Failed: func(m permit.Message, err error) {
				log.Error("message refused by GOV.UK Notify; kept as failed", "kind", m.Kind, "account_id", m.AccountID, "permit_id", m.PermitID, "message_id", m.ID, "err", err)
			},
		})
	}
	if err != nil {
		return err
	}
	tokens := cfg.officerTokens
	if len(tokens) == 0 {
		tok, err := newOfficerToken()
		if err != nil {
			return err
		}
		tokens = []string{generatedOfficer + "=" + tok}
		fmt.Fprintf(out, "no officer token configured; generated one for this run (shown once): %s\n", tok)
	}
	auth, err := httpapi.NewTokenAuth(svc, tokens, cfg.integrations...)
	if err != nil {
		return err
	}
	// Residents' tokens are sessions in the database: they expire
	// (--token-ttl, on the wall clock) and POST /v1/sign-out ends them.
	auth.UseSessions(store.AccountTokens(), &httpapi.SessionOptions{TTL: cfg.tokenTTL})
	var outboxAPI httpapi.Outbox
	if evalOutbox != nil {
		outboxAPI = outboxReader{evalOutbox}
	}
	if clock != nil {
		log.Warn("test clock enabled: POST /v1/test-clock moves time; for evaluation only")
	}
	idem := store.Idempotency(nil)
	handler, err := httpapi.New(svc, gaz, auth, &httpapi.Options{Logger: log, TestClock: clock, Ping: pinger(store),
		Blobs: store.Blobs(), Idempotency: idem, MaxDocumentBytes: cfg.maxDocumentBytes,
		MaxDocumentsPerPermit: cfg.maxDocuments, MaxPermitDocumentBytes: cfg.maxPermitDocumentBytes,
		BodyReadTimeout: cfg.bodyReadTimeout, UploadReadTimeout: cfg.uploadReadTimeout,
		Rates: store.RateLimits(), AccountCreationLimit: cfg.accountCreationRate, TrustedProxies: cfg.trustedProxies,
		Observe: mx.ObserveRequest, Metrics: metricsOnMain(cfg, mx), BasePath: cfg.basePath,
		SignIn: &httpapi.SignInOptions{Codes: store.SignInCodes(), Notifier: signInNotifier(notifier, notify, mx),
			PerAddress: cfg.signInPerAddress, PerClient: cfg.signInPerClient},
		Outbox: outboxAPI})
	if err != nil {
		return fmt.Errorf("--base-path: %w", err)
	}
	hooks, err := webhook.NewSQLStore(ctx, store.DB(), webhook.Dialect(store.Dialect()))
	if err != nil {
		return fmt.Errorf("opening the webhook tables: %w", err)
	}
	if err := mx.WatchWebhookBacklog(webhookBacklog(hooks)); err != nil {
		return err
	}
	hooksAPI, err := webhook.NewHandler(hooks, &webhook.HandlerOptions{Authorize: webhookCaller(auth), Policy: cfg.webhookPolicy, Logger: log,
		Observe: mx.ObserveRequest, BasePath: cfg.basePath})
	if err != nil {
		return err
	}
	dispatcher, err := webhook.NewDispatcher(hooks, systemFeed(svc), &webhook.DispatcherOptions{Policy: cfg.webhookPolicy,
		MaxAttempts: cfg.webhookMaxAttempts, PollInterval: webhookPoll, Logger: log, Reported: webhookReported(mx)})
	if err != nil {
		return err
	}
	if cfg.webhookPolicy.AllowLoopback {
		log.Warn("webhooks may point at this machine (--webhook-allow-loopback); for tests and evaluation only")
	}
	// The resident pages (GOV.UK Frontend, adapters/web) are the site; the
	// JSON API keeps /v1/, /healthz and /metrics.
	pages, err := web.New(svc, gaz, &web.Options{Logger: log, Sessions: store.WebSessions(),
		Files: store.Blobs(), MaxDocumentBytes: cfg.maxDocumentBytes})
	if err != nil {
		return err
	}
	officerPages, err := newOfficerPages(ctx, cfg, svc, auth, store, log)
	if err != nil {
		return err
	}
	root := http.NewServeMux()
	root.Handle("/officer/", officerPages)
	// Notify's delivery receipts, with the callback's bearer token; with
	// no token (or without --notify govuknotify, when there is none to
	// give) every receipt is refused (401).
	if notify != nil && cfg.notifyReceiptToken == "" {
		log.Warn("PERMITD_NOTIFY_RECEIPT_TOKEN is not set: GOV.UK Notify's delivery receipts are refused (401)")
	}
	receipts := govuknotify.ReceiptHandler(cfg.notifyReceiptToken, svc, log)
	mountAPI(root, strings.TrimSuffix(cfg.basePath, "/"), handler, hooksAPI, receipts)
	root.Handle("/", pages)
	pay.mount(root, strings.TrimSuffix(cfg.basePath, "/"), cfg, svc, log)
	srv := &http.Server{
		Handler:           root,
		ReadHeaderTimeout: readHeaderTimeout,
		// The handler bounds each body (--body-read-timeout, longer for
		// uploads); this is the outer bound of a whole request.
		ReadTimeout:    readHeaderTimeout + max(readTimeout, cfg.bodyReadTimeout, cfg.uploadReadTimeout),
		WriteTimeout:   writeTimeout,
		IdleTimeout:    idleTimeout,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:    func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	var propertiesLogged any = properties
	if properties < 0 {
		propertiesLogged = "OS Places"
	}
	log.Info("permitd", "scheme", scheme.ID, "database", string(store.Dialect()), "properties", propertiesLogged, "payments", pay.name, "public_url", publicURL)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(out, "listening on http://%s\n", ln.Addr())
	if cfg.metricsAddr != "" {
		msrv, err := serveMetrics(ctx, cfg.metricsAddr, mx, log, out, served)
		if err != nil {
			return err
		}
		defer msrv.Close()
	}

	var jobs sync.WaitGroup
	jobsCtx, stopJobs := context.WithCancel(ctx)
	defer stopJobs()
	due := svc
	if clock != nil {
		due = nil // the test clock runs the rules' due jobs; expired records still go
	}
	jobs.Go(func() { runJobs(jobsCtx, due, idem, pay.forget, log) })
	jobs.Go(func() { _ = dispatcher.Run(jobsCtx) })
	if sender != nil {
		jobs.Go(func() {
			sender.Run(jobsCtx, outboxPoll, func(r notifyoutbox.Report, err error) {
				if err != nil {
					log.Error("sending messages", "err", err)
				}
				if r.Retried > 0 || r.Failed > 0 {
					log.Warn("messages not sent", "retried_later", r.Retried, "failed", r.Failed, "sent", r.Sent)
				}
			})
		})
	}

	select {
	case err := <-served:
		stopJobs()
		jobs.Wait()
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	stopJobs()
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err = srv.Shutdown(sctx)
	jobs.Wait()
	if err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	log.Info("stopped")
	return nil
}

// mountAPI serves the JSON API and the webhook routes under base (""
// for the root): base/v1/..., base/healthz and base/metrics. Under a base
// path they answer without it as well, as when a proxy in front takes it
// off (the handlers still write it in Location headers and problem
// instances); the resident pages keep the rest of the site.
func mountAPI(root *http.ServeMux, base string, api, hooks, receipts http.Handler) {
	prefixes := []string{""}
	if base != "" {
		prefixes = append(prefixes, base)
	}
	for _, p := range prefixes {
		root.Handle(p+"/v1/webhooks", hooks)
		root.Handle(p+"/v1/webhooks/", hooks)
		root.Handle(p+"/v1/notification-receipts/govuknotify", receipts)
		root.Handle(p+"/v1/", api)
		root.Handle(p+"/healthz", api)
		root.Handle(p+"/metrics", api)
	}
}

// metricsOnMain is GET /metrics on the main listener, to officers only,
// unless --metrics-addr gives it a listener of its own.
func metricsOnMain(cfg config, mx *metrics.Metrics) http.Handler {
	if cfg.metricsAddr != "" {
		return nil
	}
	return mx.Handler()
}

// serveMetrics serves GET /metrics, without a token, on a listener of its
// own (--metrics-addr): one that only the council's monitoring reaches.
// A failure to serve is sent to served, as the main listener's is.
func serveMetrics(ctx context.Context, addr string, mx *metrics.Metrics, log *slog.Logger, out io.Writer, served chan<- error) (*http.Server, error) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", mx.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readTimeout,
		WriteTimeout: writeTimeout, IdleTimeout: idleTimeout, MaxHeaderBytes: 64 << 10,
		ErrorLog:    slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) }}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			select {
			case served <- fmt.Errorf("metrics: %w", err):
			default: // the main listener failed first
			}
		}
	}()
	fmt.Fprintf(out, "metrics on http://%s/metrics\n", ln.Addr())
	return srv, nil
}

// systemFeed is the event feed as the webhook dispatcher reads it: the
// system's, since it delivers every event to the webhooks officers and
// integrations registered.
func systemFeed(svc *permit.Service) webhook.EventSource {
	by := permit.Actor{Role: permit.RoleSystem, ID: "webhooks"}
	return webhook.EventSourceFunc(func(ctx context.Context, after string, limit int) ([]permit.Event, string, error) {
		return svc.Events(ctx, by, after, limit)
	})
}

// webhookBacklog and webhookReported bridge the webhook adapter to the
// metrics one: adapters do not import each other.
func webhookBacklog(hooks *webhook.SQLStore) metrics.WebhookBacklog {
	return func(ctx context.Context) (int, int, error) {
		b, err := hooks.Backlog(ctx)
		return b.Pending, b.Dead, err
	}
}

func webhookReported(mx *metrics.Metrics) func(webhook.Report, error) {
	return func(r webhook.Report, err error) {
		mx.ObserveWebhooks(metrics.WebhookRound{Enqueued: r.Enqueued, Delivered: r.Delivered, Failed: r.Failed, Dead: r.Dead, Purged: r.Purged, Paused: r.Paused}, err)
	}
}

// webhookCaller lets the webhook endpoints use the API's authentication:
// the adapters do not import each other, so the server translates.
func webhookCaller(auth httpapi.Authenticator) func(*http.Request) (webhook.Caller, error) {
	return func(r *http.Request) (webhook.Caller, error) {
		p, err := auth.Authenticate(r)
		if errors.Is(err, httpapi.ErrUnauthenticated) {
			return webhook.Caller{}, fmt.Errorf("%w: %w", webhook.ErrUnauthenticated, err)
		}
		if err != nil {
			return webhook.Caller{}, err
		}
		c := webhook.Caller{SignedIn: !p.Anonymous(), Officer: p.Role == httpapi.RoleOfficer, Name: p.ID}
		if p.Role == httpapi.RoleIntegration {
			// Named apart from officers, whose names the server makes.
			c.Integration, c.Name = true, "integration:"+p.ID
		}
		return c, nil
	}
}

// expiredRecords deletes what has passed its keeping time: idempotency
// records (sqlstore.IdempotencyRecords).
type expiredRecords interface {
	DeleteExpired(ctx context.Context, now time.Time) (int, error)
}

// runJobs runs the due jobs now and then every minute until ctx is done;
// with svc nil (the test clock runs the Service's) it only deletes expired
// records.
func runJobs(ctx context.Context, svc *permit.Service, idem expiredRecords, forget func(context.Context, time.Time) (int64, error), log *slog.Logger) {
	t := time.NewTicker(jobsEvery)
	defer t.Stop()
	for {
		now := time.Now()
		var rep permit.DueReport
		if svc != nil {
			var err error
			if rep, err = svc.RunDue(ctx, now); err != nil && ctx.Err() == nil {
				log.Error("due jobs", "err", err)
			}
		}
		deleted, err := idem.DeleteExpired(ctx, now)
		if err != nil && ctx.Err() == nil {
			log.Error("due jobs: deleting expired idempotency records", "err", err)
		}
		if _, err := forget(ctx, now); err != nil && ctx.Err() == nil {
			log.Error("due jobs: forgetting old payment notifications", "err", err)
		}
		if rep != (permit.DueReport{}) || deleted > 0 {
			log.Info("due jobs", "vehicle_changes_applied", rep.VehicleChangesApplied, "reminders_sent", rep.RemindersSent, "unpaid_withdrawn", rep.UnpaidWithdrawn,
				"reviews_overdue", rep.ReviewsOverdue, "address_changes_overdue", rep.AddressChangesOverdue,
				"payments_retried", rep.PaymentsRetried, "payment_retries_failed", rep.PaymentRetriesFailed, "vehicles_checked", rep.VehiclesChecked,
				"payments_confirmed", rep.PaymentsConfirmed,
				"evidence_deleted", rep.EvidenceDeleted, "documents_deleted", rep.DocumentsDeleted, "accounts_anonymised", rep.AccountsAnonymised,
				"idempotency_records_deleted", deleted)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// pinger checks the database through the store: a read that finds nothing
// still had to reach the database to say so.
func pinger(store permit.Store) func(context.Context) error {
	return func(ctx context.Context) error {
		return store.View(ctx, func(tx permit.ReadTx) error {
			_, err := tx.Account("healthz")
			if errors.Is(err, permit.ErrNotFound) {
				return nil
			}
			return err
		})
	}
}

func newOfficerToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("making an officer token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// loadScheme reads the scheme file at path (the Leicestershire scheme
// when path is empty) with the warnings about it on today.
func loadScheme(path string, today time.Time) (*permit.Scheme, []scheme.Warning, error) {
	if path == "" {
		s, err := leicestershire.Scheme()
		return s, nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	s, warnings, err := scheme.LoadWith(f, &scheme.Options{Today: today})
	if err != nil {
		return nil, nil, fmt.Errorf("scheme %s: %w", path, err)
	}
	return s, warnings, nil
}

// The --notify values.
const (
	notifyLog   = "log"
	notifyGOVUK = "govuknotify" // adapters/govuknotify behind adapters/notifyoutbox
)

// outboxPoll is how often the sender looks for messages due again (a new
// message wakes it at once).
const outboxPoll = 5 * time.Second

// signInNotifier sends sign-in codes: through GOV.UK Notify at once when
// the server sends through it (a code is wanted now, and is not a
// message the Service records), else as every other message.
func signInNotifier(notifier, notify permit.Notifier, mx *metrics.Metrics) permit.Notifier {
	if notify == nil {
		return notifier
	}
	return mx.Notifier(notify)
}

// govukNotify is GOV.UK Notify with the templates of --notify-templates.
func govukNotify(cfg config) (*govuknotify.Notifier, error) {
	f, err := os.Open(cfg.notifyTemplates)
	if err != nil {
		return nil, fmt.Errorf("--notify-templates: %w", err)
	}
	defer f.Close()
	templates, err := govuknotify.ParseTemplates(f)
	if err != nil {
		return nil, fmt.Errorf("--notify-templates %s: %w", cfg.notifyTemplates, err)
	}
	n, err := govuknotify.New(govuknotify.Config{APIKey: cfg.notifyKey, BaseURL: cfg.notifyURL, Templates: templates}, nil)
	if err != nil {
		return nil, fmt.Errorf("--notify govuknotify: %w", err)
	}
	return n, nil
}

// The --vehicle-check values.
const (
	vehicleCheckNone = "none"
	vehicleCheckDVLA = "dvla" // adapters/dvlaves
)

// gazetteerOSPlaces is the --gazetteer that asks Ordnance Survey's OS
// Places API (adapters/osplaces) with PERMITD_OSPLACES_KEY.
const gazetteerOSPlaces = "osplaces"

// loadZoneMap reads the zone map --zones names, or else the scheme's
// zone_map file (beside the scheme file; the embedded one for the
// Leicestershire example), checked against the scheme's zones and with its
// overrides. It returns nil when there is none or --zones is "none".
func loadZoneMap(flagValue, schemePath string, s *permit.Scheme) (*zonemap.Map, string, error) {
	var data []byte
	var source string
	switch {
	case flagValue == "none":
		return nil, "", nil
	case flagValue != "":
		source = flagValue
	case s.ZoneMap == nil:
		return nil, "", nil
	case schemePath == "":
		data, source = leicestershire.ZonesGeoJSON(), "the Leicestershire example's zones.geojson"
	case filepath.IsAbs(s.ZoneMap.File):
		source = s.ZoneMap.File
	default:
		source = filepath.Join(filepath.Dir(schemePath), s.ZoneMap.File)
	}
	if data == nil {
		var err error
		if data, err = os.ReadFile(source); err != nil {
			return nil, "", fmt.Errorf("zone map: %w", err)
		}
	}
	opts := &zonemap.Options{Zones: s.Rules.Zones}
	if s.ZoneMap != nil {
		opts.Overrides = s.ZoneMap.Overrides
	}
	m, err := zonemap.Parse(data, opts)
	if err != nil {
		return nil, "", fmt.Errorf("zone map %s: %w", source, err)
	}
	return m, source, nil
}

// gazetteerInDB is the --gazetteer that finds properties in the database,
// where permitctl import-gazetteer put them: a council's whole gazetteer
// without holding it in memory, shared by every instance on one database.
const gazetteerInDB = "db"

func databaseGazetteer(ctx context.Context, store *sqlstore.Store) (zones.Locator, int, error) {
	loc := store.Locator()
	n, err := loc.Len(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("gazetteer in the database: %w", err)
	}
	if n == 0 {
		return nil, 0, errors.New("--gazetteer db: the database holds no properties; import a gazetteer first: permitctl import-gazetteer FILE")
	}
	return loc, n, nil
}

func loadGazetteer(path string) (*zones.Gazetteer, error) {
	if path == "" {
		return leicestershire.Gazetteer()
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("gazetteer %s: %w", path, err)
		}
		defer zr.Close()
		r = zr
	}
	g, err := zones.LoadGazetteer(r)
	if err != nil {
		return nil, fmt.Errorf("gazetteer %s: %w", path, err)
	}
	return g, nil
}

// generatedOfficer names the officer token permitd makes when none is
// configured: events say officer:evaluation.
const generatedOfficer = "evaluation"

// bothNotifiers keeps each message in the evaluation outbox, then sends
// it as the server would anyway.
type bothNotifiers struct {
	outbox *sqlstore.EvaluationOutbox
	next   permit.Notifier
}

func (b bothNotifiers) Notify(ctx context.Context, m permit.Message) error {
	if err := b.outbox.Notify(ctx, m); err != nil {
		return err
	}
	return b.next.Notify(ctx, m)
}

// outboxReader serves the evaluation outbox to the API (adapters do not
// import each other, so the server translates).
type outboxReader struct{ o *sqlstore.EvaluationOutbox }

func (r outboxReader) Messages(ctx context.Context, to string, limit int) ([]httpapi.OutboxMessage, error) {
	ms, err := r.o.Messages(ctx, to, limit)
	out := make([]httpapi.OutboxMessage, len(ms))
	for i, m := range ms {
		out[i] = httpapi.OutboxMessage{ID: m.ID, Kind: m.Kind, Channel: m.Channel, To: m.To, SentAt: m.SentAt.UTC(), Data: m.Data}
	}
	return out, err
}

// newOfficerPages are the officer pages at /officer/: signed in through
// the council's OpenID Connect provider when --oidc-issuer is set, and
// otherwise (evaluation) with an officer token, checked as the API checks
// it. Their sessions are in the database.
func newOfficerPages(ctx context.Context, cfg config, svc *permit.Service, auth *httpapi.TokenAuth, store *sqlstore.Store, log *slog.Logger) (http.Handler, error) {
	opts := &web.OfficerOptions{Logger: log, Sessions: store.OfficerSessions(), Files: store.Blobs()}
	if cfg.oidc.Issuer != "" {
		o, err := web.NewOIDC(ctx, cfg.oidc)
		if err != nil {
			return nil, fmt.Errorf("--oidc-issuer: %w", err)
		}
		opts.OIDC = o
		return web.NewOfficer(svc, opts)
	}
	opts.TokenSignIn = func(rctx context.Context, token string) (string, bool) {
		r, err := http.NewRequestWithContext(rctx, http.MethodGet, "/", nil)
		if err != nil {
			return "", false
		}
		r.Header.Set("Authorization", "Bearer "+token)
		p, err := auth.Authenticate(r)
		if err != nil || p.Role != httpapi.RoleOfficer {
			return "", false
		}
		return p.ID, true
	}
	return web.NewOfficer(svc, opts)
}
