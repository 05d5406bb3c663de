package permit

import (
	"context"

	"github.com/carerpermit/carerpermit/pricing"
)

// notify sends a message about a permit to its account holder, after the
// change it reports has been committed. A failure is reported through
// NotifyFailed and never undoes the operation.
func (s *Service) notify(ctx context.Context, kind MessageKind, p Permit, extra map[string]string) {
	if s.notifier == nil {
		return
	}
	acc, err := s.account(ctx, p.AccountID)
	if err != nil {
		s.notifyFailed(Message{Kind: kind, AccountID: p.AccountID, PermitID: p.ID}, err)
		return
	}
	s.notifyPermit(ctx, kind, acc, p, extra)
}

// notifyPermit is notify for a caller that has already read the account
// (the due jobs read it in the transaction that did the work).
func (s *Service) notifyPermit(ctx context.Context, kind MessageKind, acc Account, p Permit, extra map[string]string) {
	if s.notifier == nil {
		return
	}
	data := map[string]string{
		"permit_id": p.ID, "permit_type": s.typeName(p.Type), "vrm": string(p.VRM), "status": string(p.StatusOn(s.today(s.now()))),
		"starts_on": date(p.StartsOn), "expires_on": date(p.ExpiresOn), "price": pricing.FormatMoney(p.Price), "address": p.Address,
	}
	for k, v := range extra {
		data[k] = v
	}
	s.notifyAccount(ctx, kind, acc, p.ID, data)
}

func (s *Service) notifyAccount(ctx context.Context, kind MessageKind, acc Account, permitID string, data map[string]string) {
	if s.notifier == nil {
		return
	}
	m, ok := s.reach().Choose(kind, acc)
	if !ok {
		return // no way to reach the holder: nothing to send
	}
	if data == nil {
		data = map[string]string{}
	}
	data["name"] = acc.Name
	c, o := s.scheme.Council, s.scheme.Operator
	data["council_name"], data["council_email"], data["council_phone"], data["council_website"] = c.Name, c.Email, c.Phone, c.Website
	data["operator_name"], data["operator_email"], data["operator_phone"], data["operator_website"] = o.Name, o.Email, o.Phone, o.Website
	m.PermitID, m.Data = permitID, data
	if err := s.notifier.Notify(ctx, m); err != nil {
		s.notifyFailed(m, err)
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
