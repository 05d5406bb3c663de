package permit

import (
	"context"
	"errors"

	"github.com/carerpermit/carerpermit/pricing"
)

// Messages are made inside the transaction of the change they report
// (op.notify), from the state that transaction sees, so a change that
// is not committed tells nobody. With Options.RecordMessages they are
// recorded there, in the store (see RecordedMessage); otherwise they are
// handed to the Notifier once the transaction has committed (sent).

// notify makes the message of kind about p, as p stands in o, for its
// account holder.
func (o *op) notify(kind MessageKind, p Permit, extra map[string]string) error {
	if !o.s.tells() {
		return nil
	}
	acc, err := o.Account(p.AccountID)
	if errors.Is(err, ErrNotFound) {
		o.s.notifyFailed(Message{Kind: kind, AccountID: p.AccountID, PermitID: p.ID}, err)
		return nil
	}
	if err != nil {
		return err
	}
	return o.notifyPermit(kind, acc, p, extra)
}

// notifyPermit is notify for a caller that has already read the account.
func (o *op) notifyPermit(kind MessageKind, acc Account, p Permit, extra map[string]string) error {
	if !o.s.tells() {
		return nil
	}
	data := map[string]string{
		"permit_id": p.ID, "permit_type": o.s.typeName(p.Type), "vrm": string(p.VRM), "status": string(p.StatusOn(o.today)),
		"starts_on": date(p.StartsOn), "expires_on": date(p.ExpiresOn), "price": pricing.FormatMoney(p.Price), "address": p.Address,
	}
	for k, v := range extra {
		data[k] = v
	}
	return o.notifyAccount(kind, acc, p.ID, data)
}

// notifyAccount makes a message of kind to acc's holder, on the channel
// Reach.Choose picks; none when there is no way to reach them.
func (o *op) notifyAccount(kind MessageKind, acc Account, permitID string, data map[string]string) error {
	s := o.s
	if !s.tells() {
		return nil
	}
	m, ok := s.reach().Choose(kind, acc)
	if !ok {
		return nil // no way to reach the holder: nothing to send
	}
	if data == nil {
		data = map[string]string{}
	}
	data["name"] = acc.Name
	c, op := s.scheme.Council, s.scheme.Operator
	data["council_name"], data["council_email"], data["council_phone"], data["council_website"] = c.Name, c.Email, c.Phone, c.Website
	data["operator_name"], data["operator_email"], data["operator_phone"], data["operator_website"] = op.Name, op.Email, op.Phone, op.Website
	m.PermitID, m.Data = permitID, data
	if s.recordMessages {
		m.ID = s.newID("msg")
		if err := o.CreateMessage(RecordedMessage{Message: m, Status: MessagePending, NextAttemptAt: o.at, CreatedAt: o.at, UpdatedAt: o.at}); err != nil {
			return err
		}
	}
	o.messages = append(o.messages, m)
	return nil
}

// tells reports whether the Service makes messages at all.
func (s *Service) tells() bool { return s.notifier != nil || s.recordMessages }

// sent hands the messages a committed transaction made to the Notifier,
// or, when they were recorded in it, tells the sender there are some.
func (s *Service) sent(ctx context.Context, messages []Message) {
	if len(messages) == 0 {
		return
	}
	if s.recordMessages {
		if s.messagesRecorded != nil {
			s.messagesRecorded(len(messages))
		}
		return
	}
	for _, m := range messages {
		if err := s.notifier.Notify(ctx, m); err != nil {
			s.notifyFailed(m, err)
		}
	}
}

func (s *Service) notifyFailed(m Message, err error) {
	if s.onNotifyFailed != nil {
		s.onNotifyFailed(m, err)
	}
}

// reach is how the Service's messages reach account holders.
func (s *Service) reach() Reach {
	return Reach{Sends: s.sends, ByLetter: s.scheme.ByLetter}
}
