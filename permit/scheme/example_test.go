package scheme_test

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/scheme"
)

// exampleScheme is a small but complete scheme file; the example councils
// under examples/ explain every section in their comments.
const exampleScheme = `
id: example
council: {name: Example Council, email: permits@council.example}
nation: scotland
review_working_days: 5
abandon_unpaid_after: 24h
renewal_window_days: 14
reminder_days: [14, 3]
zones:
  - {id: centre, name: Town Centre}
permit_types:
  - id: carer
    name: Carer Permit
    validity_months: 12
    evidence: {apply: [care], renew: [care]}
pools:
  - {id: free, name: free Carer Permit, types: [carer], scope: account, free: 2}
tariffs:
  - {permit_type: carer, from: 2025-01-01, price: "40.00"}
refunds: {kind: pro_rata, admin_fee: "5.00"}
evidence:
  kinds:
    - {kind: care_letter, title: letter of care, max_age_months: 6, require_name: true, fresh_for_renewal: true}
    - {kind: council_tax_bill, title: council tax bill, max_age_months: 12}
  requirements:
    - {id: care, title: proof of care, one_of: [care_letter]}
    - {id: residency, title: proof of residency, one_of: [council_tax_bill]}
  address_change_same_zone: [residency]
  application_new_zone: [residency]
`

func ExampleLoad() {
	s, err := scheme.Load(strings.NewReader(exampleScheme))
	if err != nil {
		fmt.Println(err)
		return
	}
	carer, _ := s.PermitType("carer")
	fmt.Printf("%s (%s): %s for %d months\n", s.Council.Name, s.Nation, carer.Name, carer.ValidityMonths)
	fmt.Println("free per account:", s.Rules.Pools[0].Free)
	fmt.Println("renewal opens", s.Rules.RenewalWindowDays, "days before expiry; reminders at", s.ReminderDays)
	fmt.Println("refunds:", s.Refunds.Kind, "less", s.Refunds.AdminFee.StringFixed(2))

	// Submitted on Friday 27 November 2026: St Andrew's Day, Monday 30
	// November, is a Scottish bank holiday, so it does not count.
	submitted := time.Date(2026, time.November, 27, 0, 0, 0, 0, time.UTC)
	fmt.Println("review due on", s.ReviewDueOn(submitted).Format("Monday 2 January 2006"))
	// Output:
	// Example Council (scotland): Carer Permit for 12 months
	// free per account: 2
	// renewal opens 14 days before expiry; reminders at [14 3]
	// refunds: pro_rata less 5.00
	// review due on Monday 7 December 2026
}

// Every problem in a scheme file is reported at once, with its line.
func ExampleLoad_problems() {
	bad := strings.NewReplacer(
		"nation: scotland", "nation: Alba",
		"reminder_days: [14, 3]", "reminder_days: [3, 14]\nreminder_day: 7",
		`price: "40.00"`, `price: 40.00`,
	).Replace(exampleScheme)

	_, err := scheme.Load(strings.NewReader(bad))
	fmt.Println(errors.Is(err, permit.ErrInvalidScheme))
	var se *permit.SchemeError
	if errors.As(err, &se) {
		for _, p := range se.Problems {
			fmt.Println(p)
		}
	}
	// Output:
	// true
	// line 4: nation: "Alba" is not a nation; write england-and-wales, scotland or northern-ireland
	// line 8: reminder_days[1]: 14 comes after 3; list reminder days largest first
	// line 9: reminder_day: unknown key "reminder_day"; did you mean "reminder_days"?
	// line 20: tariffs[0].price: 40.00 is a number to YAML; write money as text in quotes, as "40.00"
}
