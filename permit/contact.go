package permit

import (
	"context"
	"net/mail"
	"strings"
)

// ContactChange is what an account holder changes of their contact
// details; a nil field stays as it is, and "" clears it.
type ContactChange struct {
	Email *string
	// Phone is a UK mobile number in any usual form ("07700 900123",
	// "+44 7700 900123"); it is stored in E.164 ("+447700900123").
	Phone *string
}

// ChangeContact changes an account's email address or phone number and
// records EventAccountContactChanged (data: changed, the fields that
// changed, comma-separated, with their new values as email and phone).
// Only the holder and the council may: another account gets ErrNotFound,
// as if the account did not exist, any other actor ErrForbidden. Nothing
// changed is no event. Errors: *ValidationError (ErrValidation) naming
// each bad field; ErrNotFound; ErrForbidden.
func (s *Service) ChangeContact(ctx context.Context, by Actor, accountID string, ch ContactChange) (Account, error) {
	var v ValidationError
	var email, phone string
	if ch.Email != nil {
		email = strings.TrimSpace(*ch.Email)
		if email != "" {
			if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 320 {
				v.add("email", "invalid_email", "Enter an email address like name@example.com.")
			}
		}
	}
	if ch.Phone != nil {
		var ok bool
		if phone, ok = UKMobile(*ch.Phone); !ok {
			v.add("phone", "invalid_phone", "Enter a UK mobile number, such as 07700 900123 or +44 7700 900123.")
		}
	}
	if ch.Email == nil && ch.Phone == nil {
		v.add("", "required", "Give email or phone, or both.")
	}
	if err := v.err(); err != nil {
		return Account{}, err
	}
	if err := by.mayActFor(accountID, "account", accountID); err != nil {
		return Account{}, err
	}
	var out Account
	err := s.update(ctx, by, func(o *op) error {
		a, err := o.Account(accountID)
		if err != nil {
			return err
		}
		var changed []string
		data := map[string]string{}
		if ch.Email != nil && email != a.Email {
			a.Email, data["email"] = email, email
			changed = append(changed, "email")
		}
		if ch.Phone != nil && phone != a.Phone {
			a.Phone, data["phone"] = phone, phone
			changed = append(changed, "phone")
		}
		out = a
		if len(changed) == 0 {
			return nil
		}
		// New contact details are worth trying: a message that could
		// not be delivered to the old ones no longer says anything.
		a.MessageFailure = nil
		a.UpdatedAt = o.at
		if err := o.UpdateAccount(a); err != nil {
			return err
		}
		a.Version++
		out = a
		data["changed"] = strings.Join(changed, ",")
		return o.event(EventAccountContactChanged, "", a.ID, data)
	})
	if err != nil {
		return Account{}, err
	}
	return out, nil
}

// UKMobile reads a UK mobile number as people write it — "07700 900123",
// "07700-900-123", "+44 7700 900123", "+44 (0)7700 900123", "0044 7700
// 900123" — and gives it in E.164 ("+447700900123"); ok is false for
// anything else, landlines and pagers (076, but for 07624) included. ""
// is no number: "", true.
func UKMobile(s string) (e164 string, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", true
	}
	if len(s) > 40 {
		return "", false
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	d := b.String()
	switch {
	case strings.HasPrefix(d, "+440"):
		d = d[4:] // +44 (0)7700…
	case strings.HasPrefix(d, "+44"):
		d = d[3:]
	case strings.HasPrefix(d, "0044"):
		d = d[4:]
	case strings.HasPrefix(d, "0"):
		d = d[1:]
	default:
		return "", false
	}
	if len(d) != 10 || d[0] != '7' || strings.Contains(d, "+") {
		return "", false
	}
	if d[1] == '6' && !strings.HasPrefix(d, "7624") {
		return "", false // pagers
	}
	if d[1] == '0' {
		return "", false // 070: personal numbers, not mobiles
	}
	return "+44" + d, true
}
