package permit

import (
	"fmt"
	"time"

	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/zones"
)

// The scheme's caps against squatting on a household's free slot (RULES
// R1, 2026-12): one client opened 16,232 accounts at addresses of its
// choosing and filed a free application from each. Besides the free slot
// going to the first application approved (see promoteToFree), a scheme
// may cap the applications waiting at one property and the accounts
// opened at one property in a day; the HTTP API also limits how fast one
// client opens accounts.

// Codes of the caps.
const (
	// CodeTooManyPendingApplications: the property already has as many
	// new applications waiting for a decision as the scheme allows
	// (Scheme.PendingApplicationsPerProperty). It is a blocking reason of
	// an eligibility decision, so the applying resident and the eligibility
	// answer both see it.
	CodeTooManyPendingApplications eligibility.Code = "too_many_pending_applications"
	// CodeTooManyNewAccounts: the property already has as many accounts
	// opened today as the scheme allows (Scheme.AccountsPerPropertyPerDay);
	// the error is a *LimitError.
	CodeTooManyNewAccounts = "too_many_new_accounts"
)

// LimitError refuses a request that would go past one of the scheme's caps
// (see CodeTooManyNewAccounts). It unwraps to ErrNotEligible.
type LimitError struct {
	Code   string // stable, e.g. "too_many_new_accounts"
	Detail string // one sentence for the person who asked
}

func (e *LimitError) Error() string { return "permit: " + e.Code + ": " + e.Detail }

// Unwrap lets errors.Is match ErrNotEligible.
func (e *LimitError) Unwrap() error { return ErrNotEligible }

// capPendingApplications adds a blocking reason to a decision about a new
// application at uprn when the property already has the scheme's number
// of new applications waiting for a decision. counting holds every permit
// at the property (and others, which are not counted).
func (s *Service) capPendingApplications(d *eligibility.Decision, uprn zones.UPRN, counting []Permit) {
	limit := s.scheme.PendingApplicationsPerProperty
	if limit < 1 {
		return
	}
	n := 0
	for _, p := range counting {
		if p.UPRN == uprn && p.RenewalOf == "" && (p.Status == PendingReview || p.Status == AwaitingPayment) {
			n++
		}
	}
	if n < limit {
		return
	}
	d.Eligible = false
	d.Reasons = append(d.Reasons, eligibility.Reason{Code: CodeTooManyPendingApplications, Blocking: true,
		Detail: fmt.Sprintf("%s at this address already waiting for a decision, the most this council allows; apply again once %s been decided.",
			applications(n), itHasOrSomeHave(n))})
}

func applications(n int) string {
	if n == 1 {
		return "There is 1 application"
	}
	return fmt.Sprintf("There are %d applications", n)
}

func itHasOrSomeHave(n int) string {
	if n == 1 {
		return "it has"
	}
	return "one of them has"
}

// capNewAccounts refuses an account at uprn when the property already has
// the scheme's number of accounts opened on the day of at.
func (s *Service) capNewAccounts(tx ReadTx, uprn zones.UPRN, at time.Time) error {
	limit := s.scheme.AccountsPerPropertyPerDay
	if limit < 1 {
		return nil
	}
	accs, err := tx.AccountsAtProperty(uprn)
	if err != nil {
		return err
	}
	today, n := s.today(at), 0
	for _, a := range accs {
		if s.today(a.CreatedAt).Equal(today) {
			n++
		}
	}
	if n < limit {
		return nil
	}
	opened := "1 account has"
	if n != 1 {
		opened = fmt.Sprintf("%d accounts have", n)
	}
	return &LimitError{Code: CodeTooManyNewAccounts, Detail: fmt.Sprintf(
		"%s been opened at this address today, the most this council allows in a day; try again tomorrow, or contact the council.", opened)}
}
