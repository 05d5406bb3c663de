// Package lognotify is a permit.Notifier that writes each message to a
// structured log instead of sending it: the evaluation server's stand-in
// for an email provider, so an evaluator can watch decisions and expiry
// reminders go out. It decides only what of a message is logged: logs are
// kept, copied and read by people who may not see residents' details, so a
// record carries the kind, the account and permit IDs and the message's
// values that say nothing about a person (dates, statuses, prices, codes,
// the message ID and channel); names, addresses, email addresses, phone
// numbers, postal addresses, vehicle registrations and officers' free
// text are left out, and the record lists the keys it withheld. (The
// evaluation server's test-clock outbox shows whole messages to officers.)
package lognotify

import (
	"context"
	"log/slog"
	"slices"
	"strings"

	"github.com/carerpermit/carerpermit/permit"
)

// Notifier logs messages. Safe for concurrent use.
type Notifier struct {
	log *slog.Logger
}

var _ permit.Notifier = (*Notifier)(nil)

// New returns a Notifier writing to log (nil: slog.Default()).
func New(log *slog.Logger) *Notifier {
	if log == nil {
		log = slog.Default()
	}
	return &Notifier{log: log}
}

// loggable are the message keys (see permit.MessageKind.Keys) whose values
// are not personal data: identifiers, dates, amounts, statuses, codes and
// the council's own details. Any other key — name, address, vrm, reason,
// and keys added later — is withheld until it is listed here.
var loggable = []string{
	"permit_id", "permit_type", "status", "starts_on", "expires_on", "price", "refund",
	"renewal_of", "effective_on", "days_before", "renew_from", "reason_code", "reason_text",
	"council_name", "council_email", "council_phone", "council_website",
}

// Notify logs m at level INFO as one record "notification". It never fails.
func (n *Notifier) Notify(ctx context.Context, m permit.Message) error {
	attrs := []slog.Attr{
		slog.String("kind", string(m.Kind)), slog.String("account_id", m.AccountID),
		slog.String("permit_id", m.PermitID),
	}
	if m.ID != "" {
		attrs = append(attrs, slog.String("message_id", m.ID)) // a provider's reference: never personal data
	}
	if m.Channel != "" {
		attrs = append(attrs, slog.String("channel", string(m.Channel)))
	}
	keys := make([]string, 0, len(m.Data))
	for k := range m.Data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	data := make([]any, 0, len(keys))
	var withheld []string
	for _, k := range keys {
		if slices.Contains(loggable, k) {
			data = append(data, slog.String(k, m.Data[k]))
		} else {
			withheld = append(withheld, k)
		}
	}
	if len(data) > 0 {
		attrs = append(attrs, slog.Group("data", data...))
	}
	if m.To != "" {
		withheld = append(withheld, "to")
	}
	if m.Phone != "" {
		withheld = append(withheld, "phone")
	}
	if len(m.Postal) > 0 {
		withheld = append(withheld, "postal")
	}
	if len(withheld) > 0 {
		attrs = append(attrs, slog.String("withheld", strings.Join(withheld, ",")))
	}
	n.log.LogAttrs(ctx, slog.LevelInfo, "notification", attrs...)
	return nil
}
