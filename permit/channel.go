package permit

import (
	"slices"
	"strings"

	"github.com/carerpermit/carerpermit/permit/message"
	"github.com/carerpermit/carerpermit/zones"
)

// Channel is a way of reaching an account holder (package message).
type Channel = message.Channel

// The channels a message may go by.
const (
	ChannelEmail  = message.ChannelEmail
	ChannelSMS    = message.ChannelSMS
	ChannelLetter = message.ChannelLetter
)

// Reach is what decides how a message reaches an account holder: the
// channels the notifier can send (Options.Channels) and the kinds of
// message the scheme sends by letter to the property (Scheme.ByLetter).
type Reach struct {
	Sends    []Channel
	ByLetter []MessageKind
}

// Choose decides how a message of kind k reaches acc's holder, and the
// recipient on that channel, filled into a Message: only the one
// recipient goes, so nothing personal travels that the channel does not
// need.
//
//   - A kind the scheme sends by letter goes by letter to the property,
//     when the notifier sends letters and the account has an address of
//     at least a street or house and a postcode (PostalAddress).
//   - Otherwise by email where the account has an email address.
//   - Otherwise by text message where it has a UK mobile number (in
//     E.164, as the Service stores it) and the notifier sends texts.
//
// ok is false when none applies: the message is not sent.
func (r Reach) Choose(k MessageKind, acc Account) (m Message, ok bool) {
	m = Message{Kind: k, AccountID: acc.ID}
	sends := r.Sends
	if sends == nil {
		sends = []Channel{ChannelEmail}
	}
	if slices.Contains(r.ByLetter, k) && slices.Contains(sends, ChannelLetter) {
		if lines := PostalAddress(acc.Name, acc.Address); lines != nil {
			m.Channel, m.Postal = ChannelLetter, lines
			return m, true
		}
	}
	if acc.Email != "" && slices.Contains(sends, ChannelEmail) {
		m.Channel, m.To = ChannelEmail, acc.Email
		return m, true
	}
	if e164, _ := UKMobile(acc.Phone); e164 != "" && e164 == acc.Phone && slices.Contains(sends, ChannelSMS) {
		m.Channel, m.Phone = ChannelSMS, acc.Phone
		return m, true
	}
	return Message{}, false
}

// Postal address lines: GOV.UK Notify prints 3 to 7, the last a postcode.
const (
	minPostalLines = 3
	maxPostalLines = 7
)

// PostalAddress is the address a letter to name at address goes to, one
// line each: the name first, then each part of the one-line address
// (zones.Property.Address: "Flat 2, 12 Ashby Road, Loughborough, LE11
// 3AB"), the postcode last; parts beyond the seventh line are kept on the
// line before the town. Nil when that gives fewer than 3 lines: a letter
// needs at least a name, a place and a postcode, and the last line must
// be one.
func PostalAddress(name, address string) []string {
	lines := []string{strings.TrimSpace(name)}
	for part := range strings.SplitSeq(address, ",") {
		if part = strings.TrimSpace(part); part != "" {
			lines = append(lines, part)
		}
	}
	if lines[0] == "" {
		lines = lines[1:]
	}
	if len(lines) < minPostalLines {
		return nil
	}
	if _, err := zones.ParsePostcode(lines[len(lines)-1]); err != nil {
		return nil
	}
	if extra := len(lines) - maxPostalLines; extra > 0 {
		// Join the overflow into the line before the town and postcode.
		at := len(lines) - 3 - extra
		joined := strings.Join(lines[at:at+extra+1], ", ")
		lines = slices.Concat(lines[:at], []string{joined}, lines[at+extra+1:])
	}
	return lines
}
