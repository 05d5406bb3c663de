// Package lognotify is a permit.Notifier that writes each message to a
// structured log instead of sending it: the evaluation server's stand-in
// for an email provider, so an evaluator can watch decisions and expiry
// reminders go out. It decides only what of a message is logged: the kind,
// account, permit and template values, and of the address only its domain.
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

// Notify logs m at level INFO as one record "notification". It never fails.
func (n *Notifier) Notify(ctx context.Context, m permit.Message) error {
	attrs := []slog.Attr{
		slog.String("kind", string(m.Kind)), slog.String("account_id", m.AccountID),
		slog.String("permit_id", m.PermitID), slog.String("to_domain", domain(m.To)),
	}
	keys := make([]string, 0, len(m.Data))
	for k := range m.Data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	data := make([]any, 0, len(keys))
	for _, k := range keys {
		data = append(data, slog.String(k, m.Data[k]))
	}
	attrs = append(attrs, slog.Group("data", data...))
	n.log.LogAttrs(ctx, slog.LevelInfo, "notification", attrs...)
	return nil
}

// domain keeps the part of an address after the @: enough to see where a
// message would go without putting residents' addresses in the log.
func domain(addr string) string {
	if _, d, ok := strings.Cut(addr, "@"); ok {
		return d
	}
	return ""
}
