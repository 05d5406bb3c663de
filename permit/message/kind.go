package message

import (
	"embed"
	"fmt"
	"slices"
)

// Kind names a notification template.
type Kind string

// The notifications the permit Service sends.
const (
	ApplicationReceived Kind = "application_received"
	Approved            Kind = "approved"
	Rejected            Kind = "rejected"
	Cancelled           Kind = "cancelled"
	VehicleChanged      Kind = "vehicle_changed"
	VehicleScheduled    Kind = "vehicle_change_scheduled"
	ExpiryReminder      Kind = "expiry_reminder"
	AddressChanged      Kind = "address_changed"
	// BecameFree: a paid application became free because the free
	// application ahead of it was rejected or withdrawn; its card
	// authorisation is cancelled.
	BecameFree Kind = "became_free"
	// SignInCode carries a one-time code a resident signs in with (the
	// HTTP adapters send it, not the Service).
	SignInCode Kind = "sign_in_code"
)

// Message is a notification to an account holder. Data carries the values
// a template fills in (permit, dates, amounts, reasons, council contact).
type Message struct {
	Kind      Kind
	AccountID string
	To        string // email address
	PermitID  string
	Data      map[string]string

	// ID names this one message, e.g. after the event that caused it. A
	// provider keeps it as its reference, so it must say nothing about a
	// person. Empty: the notifier names the message by its kind and permit.
	ID string
	// Phone is a UK mobile number in E.164 form ("+447700900123"), for a
	// text message.
	Phone string
	// Postal is the address a letter goes to, one line each, the
	// addressee's name first and the postcode last.
	Postal []string
	// Channel is how the message goes; empty lets the notifier choose
	// (ChannelOf).
	Channel Channel
}

// Channel is a way of reaching an account holder.
type Channel string

// The channels: GOV.UK Notify sends all three; an email sender only the first.
const (
	ChannelEmail  Channel = "email"
	ChannelSMS    Channel = "sms"
	ChannelLetter Channel = "letter"
)

// Channels returns every channel, in the order ChannelOf prefers them.
func Channels() []Channel { return []Channel{ChannelEmail, ChannelSMS, ChannelLetter} }

// ParseChannel reads a channel as configuration spells it: "email",
// "sms" or "letter".
func ParseChannel(s string) (Channel, error) {
	if c := Channel(s); slices.Contains(Channels(), c) {
		return c, nil
	}
	return "", fmt.Errorf("channel %q: want email, sms or letter", s)
}

// ChannelOf is how m goes: its Channel when set, otherwise email when it
// has an address (To), a text message when it has a Phone, a letter when
// it has a Postal address; ok is false when it has none of them.
func ChannelOf(m Message) (c Channel, ok bool) {
	switch {
	case m.Channel != "":
		return m.Channel, true
	case m.To != "":
		return ChannelEmail, true
	case m.Phone != "":
		return ChannelSMS, true
	case len(m.Postal) > 0:
		return ChannelLetter, true
	}
	return "", false
}

//go:embed templates/*.tmpl
var standardTemplates embed.FS

// Email is a message rendered for people: a one-line subject, a plain text
// body and an HTML body saying the same.
type Email struct {
	Subject string
	Text    string
	HTML    string
}

// The parts of a message a scheme may override.
const (
	partSubject = "subject"
	partText    = "text"
	partHTML    = "html"
)

var messageParts = []string{partSubject, partText, partHTML}

// Parts returns the parts of a message a scheme may give its own template
// for: "subject", "text" and "html".
func Parts() []string { return slices.Clone(messageParts) }

// maxRenderedBytes bounds one rendered part: a template that loops on
// purpose or by mistake fails instead of filling memory.
const maxRenderedBytes = 256 << 10

// The keys every message about a permit carries, and every message at all.
var (
	permitMessageKeys  = []string{"permit_id", "permit_type", "vrm", "status", "starts_on", "expires_on", "price", "address"}
	accountMessageKeys = []string{"name", "council_name", "council_email", "council_phone", "council_website",
		"operator_name", "operator_email", "operator_phone", "operator_website"}
)

// messageSpec is what the Service puts in a message of one kind.
type messageSpec struct {
	kind   Kind
	permit bool     // carries permitMessageKeys
	extra  []string // keys of this kind only
	// optional keys may be empty: a council without a website, a
	// cancellation without a reason.
	optional []string
}

var messageSpecs = []messageSpec{
	{kind: ApplicationReceived, permit: true, extra: []string{"renewal_of"}, optional: []string{"renewal_of"}},
	{kind: Approved, permit: true},
	{kind: Rejected, permit: true, extra: []string{"reason_code", "reason_text", "reason"}, optional: []string{"reason_text"}},
	{kind: Cancelled, permit: true, extra: []string{"reason", "refund"}, optional: []string{"reason", "refund"}},
	{kind: VehicleChanged, permit: true},
	{kind: VehicleScheduled, permit: true, extra: []string{"effective_on"}},
	{kind: ExpiryReminder, permit: true, extra: []string{"days_before", "renew_from"}},
	{kind: AddressChanged, extra: []string{"address"}},
	{kind: BecameFree, permit: true, extra: []string{"previous_price"}},
	{kind: SignInCode, extra: []string{"code", "expires_in_minutes"}},
}

// How values of some keys are written; Render refuses a message whose
// value is not, so that a template never prints a half-formatted date.
var (
	dateKeys  = []string{"starts_on", "expires_on", "effective_on", "renew_from"}
	moneyKeys = []string{"price", "refund", "previous_price"}
	countKeys = []string{"days_before", "expires_in_minutes"}
)

func specOf(k Kind) (messageSpec, bool) {
	i := slices.IndexFunc(messageSpecs, func(s messageSpec) bool { return s.kind == k })
	if i < 0 {
		return messageSpec{}, false
	}
	return messageSpecs[i], true
}

// MessageKinds returns every kind of message the Service sends, in the
// order of a permit's life.
func Kinds() []Kind {
	out := make([]Kind, len(messageSpecs))
	for i, s := range messageSpecs {
		out[i] = s.kind
	}
	return out
}

// Valid reports whether k is one of MessageKinds.
func (k Kind) Valid() bool {
	_, ok := specOf(k)
	return ok
}

// Keys returns the Data keys a message of kind k carries — the names its
// templates may use — or nil for an unknown kind. Messages about a permit
// carry permit_id, permit_type (its name), vrm, status, starts_on,
// expires_on, price and address; every message carries name (the account
// holder's), council_name, council_email, council_phone and
// council_website (the council: rejections) and operator_name,
// operator_email, operator_phone and operator_website (who runs the
// permit service: cancellations, scheduled changes, address changes)
// from the scheme. Per kind: application_received adds
// renewal_of (empty unless a renewal); rejected adds reason_code,
// reason_text (the scheme's words for the code; empty when the scheme
// lists no rejection reasons) and reason (the officer's); cancelled adds reason and refund (either may be empty);
// vehicle_change_scheduled adds effective_on (vrm is the new vehicle);
// expiry_reminder adds days_before and renew_from; address_changed carries
// only address (the new one) besides the account's keys; sign_in_code
// carries code (the one-time code) and expires_in_minutes. Dates are
// YYYY-MM-DD and money is pounds with two places, "55.00".
func (k Kind) Keys() []string {
	s, ok := specOf(k)
	if !ok {
		return nil
	}
	var out []string
	if s.permit {
		out = append(out, permitMessageKeys...)
	}
	for _, e := range s.extra {
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return append(out, accountMessageKeys...)
}
