package permit

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// A Service built with Options.RecordMessages does not send its messages:
// it records each one in the store, in the transaction of the change it
// reports, as a RecordedMessage (Tx.CreateMessage). A crash after the
// commit cannot lose a message, and a change that is not committed sends
// none. A sender (adapters/notifyoutbox) takes the due ones
// (ReadTx.MessagesDue), hands them to the Notifier and records what
// happened (Tx.UpdateMessage); the provider's receipts are recorded by
// Service.RecordDelivery.

// MessageStatus says where a recorded message stands with the sender.
type MessageStatus string

// Recorded message states.
const (
	MessagePending MessageStatus = "pending" // to be sent at NextAttemptAt
	MessageSent    MessageStatus = "sent"    // the provider took it
	MessageFailed  MessageStatus = "failed"  // the provider refused it for good
)

// Delivery is the provider's last word on a sent message (GOV.UK
// Notify's receipt statuses).
type Delivery string

// Deliveries. A permanent failure (a number or address that does not
// exist) is shown to officers on the account (Account.MessageFailure).
const (
	DeliveryUnknown          Delivery = ""                  // no receipt yet
	DeliveryDelivered        Delivery = "delivered"         // reached the person (or, for a letter, was posted)
	DeliveryPermanentFailure Delivery = "permanent-failure" // the address or number does not work
	DeliveryTemporaryFailure Delivery = "temporary-failure" // the inbox was full or the phone off, for days
	DeliveryTechnicalFailure Delivery = "technical-failure" // the provider could not send it
	// DeliveryRefused is not a receipt: the provider refused the message
	// when it was sent (a number or address it will not take, a missing
	// template), and the sender gave up on it (SettleMessage with
	// MessageFailed). It counts as a permanent failure.
	DeliveryRefused Delivery = "refused"
)

// ParseDelivery reads a receipt's status as GOV.UK Notify writes it;
// ok is false for any other (and for "").
func ParseDelivery(s string) (Delivery, bool) {
	switch d := Delivery(s); d {
	case DeliveryDelivered, DeliveryPermanentFailure, DeliveryTemporaryFailure, DeliveryTechnicalFailure:
		return d, true
	}
	return "", false
}

// RecordedMessage is a message recorded with the change it reports, and
// what became of it.
type RecordedMessage struct {
	// Message is what goes; its ID names the record and is the
	// reference the provider keeps (never personal data).
	Message
	Status    MessageStatus
	Attempts  int    // sends tried so far
	LastError string // why the last send failed
	// NextAttemptAt is when the sender next takes it (instant, UTC); a
	// sender that takes it moves it ahead for as long as it may take, so
	// no other sender takes it meanwhile. Meaningful while pending.
	NextAttemptAt time.Time
	// Delivery is the provider's last receipt, and DeliveredAt (instant,
	// UTC) when it says that happened.
	Delivery    Delivery
	DeliveredAt time.Time
	CreatedAt   time.Time // instant, UTC
	UpdatedAt   time.Time // instant, UTC
	Version     int       // optimistic concurrency; the store increments it
}

// MessageFailure is a message the provider could not deliver for good,
// kept on the account so that officers see that its holder is not
// hearing from the council (GET /v1/accounts/{id}): the contact details
// need checking. A later delivered message or a change of contact details
// clears it.
type MessageFailure struct {
	MessageID string
	Kind      MessageKind
	Channel   Channel
	PermitID  string
	Delivery  Delivery
	At        time.Time // instant, UTC: when the provider gave up
}

// DeliveryReceipt is a provider's word on a message it sent: the
// message's ID (its reference), what happened and when.
type DeliveryReceipt struct {
	MessageID string
	Delivery  Delivery
	// At is when the provider says it happened (instant); zero: now.
	At time.Time
}

// RecordDelivery records a provider's receipt for a recorded message
// (Options.RecordMessages), with the event notification.delivered or
// notification.failed. A permanent failure is kept on the account
// (Account.MessageFailure) for officers; a later delivery on the same
// channel clears it. The same receipt again changes nothing and appends
// no event: providers send a receipt more than once. Only the system
// records receipts (the endpoint that authenticates the provider acts as
// it).
//
// Errors: ErrForbidden for any other actor; *ValidationError for a
// missing message ID or an unknown delivery; ErrNotFound when the store
// holds no such message.
func (s *Service) RecordDelivery(ctx context.Context, by Actor, r DeliveryReceipt) (RecordedMessage, error) {
	if by.Role != RoleSystem {
		return RecordedMessage{}, fmt.Errorf("%w: only the system records delivery receipts", ErrForbidden)
	}
	var v ValidationError
	if r.MessageID == "" {
		v.add("reference", "required", "The receipt names no message (its reference).")
	}
	if _, ok := ParseDelivery(string(r.Delivery)); !ok {
		v.add("status", "invalid_status", "The status must be delivered, permanent-failure, temporary-failure or technical-failure.")
	}
	if err := v.err(); err != nil {
		return RecordedMessage{}, err
	}
	var out RecordedMessage
	err := s.update(ctx, by, func(o *op) error {
		m, err := o.Message(r.MessageID)
		if err != nil {
			return err
		}
		out = m
		if m.Delivery == r.Delivery {
			return nil // told already
		}
		at := r.At
		if at.IsZero() {
			at = o.at
		}
		m.Delivery, m.DeliveredAt, m.UpdatedAt = r.Delivery, at.UTC(), o.at
		if err := o.UpdateMessage(m); err != nil {
			return err
		}
		m.Version++
		out = m
		return o.delivered(m)
	})
	if err != nil {
		return RecordedMessage{}, err
	}
	return out, nil
}

// Messages recorded for a sender to take (see RecordedMessage).

// TakeMessages gives a sender up to limit recorded messages due at the
// instant at, each moved lease ahead so that no other sender takes it
// meanwhile: a sender that dies mid-send leaves it to be taken again
// after the lease. The versions returned are those to settle with
// (SettleMessage). Two senders never get the same message in one
// lease.
func (s *Service) TakeMessages(ctx context.Context, at time.Time, lease time.Duration, limit int) ([]RecordedMessage, error) {
	var out []RecordedMessage
	err := s.updateOnce(ctx, System, at, func(o *op) error {
		out = out[:0]
		due, err := o.MessagesDue(at, limit)
		if err != nil {
			return err
		}
		for _, m := range due {
			m.NextAttemptAt, m.UpdatedAt = at.Add(lease), at
			if err := o.UpdateMessage(m); err != nil {
				return err
			}
			m.Version++
			out = append(out, m)
		}
		return nil
	})
	return out, err
}

// SettleMessage records what became of a message a sender took: status
// MessageSent, MessageFailed (refused for good: lastErr says why), or
// MessagePending again with the next attempt's time. A message refused
// for good is a permanent failure to reach its holder: it is kept on the
// account (Account.MessageFailure, delivery DeliveryRefused) with the
// event notification.failed, as a receipt of one would be. ErrConflict
// when the message changed since it was taken (another sender took it
// after the lease ran out): the other's outcome stands.
func (s *Service) SettleMessage(ctx context.Context, m RecordedMessage, status MessageStatus, next time.Time, lastErr string) error {
	return s.updateOnce(ctx, System, time.Time{}, func(o *op) error {
		cur, err := o.Message(m.ID)
		if err != nil {
			return err
		}
		if cur.Version != m.Version {
			return fmt.Errorf("%w: message %s was taken again", ErrConflict, m.ID)
		}
		cur.Status, cur.Attempts, cur.LastError, cur.UpdatedAt = status, cur.Attempts+1, lastErr, o.at
		if status == MessagePending {
			cur.NextAttemptAt = next
		}
		if status != MessageFailed {
			return o.UpdateMessage(cur)
		}
		cur.Delivery, cur.DeliveredAt = DeliveryRefused, o.at
		if err := o.UpdateMessage(cur); err != nil {
			return err
		}
		cur.Version++
		return o.delivered(cur)
	})
}

// delivered records m's delivery (just written) on its account and in the
// feed: a permanent failure kept on the account, a delivery clearing one
// on the same channel.
func (o *op) delivered(m RecordedMessage) error {
	acc, err := o.Account(m.AccountID)
	if errors.Is(err, ErrNotFound) {
		return nil // a message about no account (tests): nothing to show
	}
	if err != nil {
		return err
	}
	before := acc.MessageFailure
	switch {
	case m.Delivery == DeliveryPermanentFailure || m.Delivery == DeliveryRefused:
		acc.MessageFailure = &MessageFailure{MessageID: m.ID, Kind: m.Kind, Channel: m.Channel, PermitID: m.PermitID, Delivery: m.Delivery, At: m.DeliveredAt}
	case m.Delivery == DeliveryDelivered && acc.MessageFailure != nil && acc.MessageFailure.Channel == m.Channel:
		acc.MessageFailure = nil
	}
	if acc.MessageFailure != before {
		acc.UpdatedAt = o.at
		if err := o.UpdateAccount(acc); err != nil {
			return err
		}
	}
	et := EventNotificationFailed
	if m.Delivery == DeliveryDelivered {
		et = EventNotificationDelivered
	}
	data := map[string]string{"message_id": m.ID, "kind": string(m.Kind), "channel": string(m.Channel), "delivery": string(m.Delivery)}
	if m.PermitID != "" {
		data["permit_id"] = m.PermitID
	}
	return o.event(et, "", m.AccountID, data)
}
