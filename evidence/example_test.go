package evidence_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/carerpermit/carerpermit/evidence"
)

func ExampleRules_Check() {
	rules, err := evidence.NewRules([]evidence.KindRule{
		{Kind: "tenancy_agreement", Title: "tenancy agreement", Checks: []evidence.Check{evidence.CheckTenancy}},
		{Kind: "utility_bill", Title: "utility bill", MaxAgeMonths: 3, RequireName: true, RequireAddress: true},
		{Kind: "bank_statement", Title: "bank statement", MaxAgeMonths: 3, RequireName: true, RequireAddress: true},
		{Kind: "v5c", Title: "V5C", Checks: []evidence.Check{evidence.CheckV5C}},
	})
	if err != nil {
		panic(err)
	}
	residency := evidence.Requirement{
		Name: "proof_of_residency", Title: "proof of residency",
		OneOf: []evidence.Kind{"tenancy_agreement", "utility_bill", "bank_statement"},
	}
	vehicle := evidence.Requirement{Name: "vehicle_document", Title: "vehicle registration document", OneOf: []evidence.Kind{"v5c"}}

	res := rules.Check(evidence.Submission{
		Action:       evidence.ActionApplicationNewZone,
		On:           time.Date(2025, time.May, 31, 0, 0, 0, 0, time.UTC),
		Requirements: []evidence.Requirement{residency, vehicle},
		VRM:          "AB12CDE",
		Documents: []evidence.Document{
			{Kind: "utility_bill", IssuedOn: time.Date(2025, time.February, 27, 0, 0, 0, 0, time.UTC), Name: "Jane Smith", Address: "12 High Street"},
			{Kind: "v5c", IssuedOn: time.Date(2021, time.March, 4, 0, 0, 0, 0, time.UTC),
				Fields: map[string]string{"document_reference": "12345678901", "vrm": "ab12 cde"}},
		},
	})
	fmt.Println("accepted documents:", res.Accepted)
	for _, p := range res.Problems {
		fmt.Printf("%s (document %d, %s): %s\n", p.Code, p.Document, p.Field, p.Detail)
	}
	fmt.Println(errors.Is(res.Err(), evidence.ErrEvidenceOutOfDate))
	// Output:
	// accepted documents: [1]
	// evidence_out_of_date (document 0, issued_on): Your utility bill is dated 27 February 2025; it must be dated on or after 28 February 2025 (within the last 3 months).
	// true
}

func ExampleMonthsBefore() {
	for _, on := range []time.Time{
		time.Date(2025, time.May, 31, 0, 0, 0, 0, time.UTC),
		time.Date(2024, time.May, 31, 0, 0, 0, 0, time.UTC),
		time.Date(2025, time.June, 30, 0, 0, 0, 0, time.UTC),
	} {
		fmt.Println(on.Format("2 Jan 2006"), "− 3 months =", evidence.MonthsBefore(on, 3).Format("2 Jan 2006"))
	}
	// Output:
	// 31 May 2025 − 3 months = 28 Feb 2025
	// 31 May 2024 − 3 months = 29 Feb 2024
	// 30 Jun 2025 − 3 months = 30 Mar 2025
}

func ExampleParseAction() {
	a, err := evidence.ParseAction("renew")
	fmt.Println(a, err)
	_, err = evidence.ParseAction("renewal")
	fmt.Println(errors.Is(err, evidence.ErrUnknownAction))
	// Output:
	// renew <nil>
	// true
}
