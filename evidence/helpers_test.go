package evidence

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// d is a civil date as the package returns them: 00:00 UTC.
func d(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }

// london is midnight of a civil date in Europe/London, as a caller in the UK
// might pass it; the package must read it as that same date.
func london(t testing.TB, y int, m time.Month, day int) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("Europe/London")
	require.NoError(t, err)
	return time.Date(y, m, day, 0, 0, 0, 0, loc)
}

// exampleKinds is the Leicestershire example scheme's document kinds.
func exampleKinds() []KindRule {
	return []KindRule{
		{Kind: "proof_of_care", Title: "proof of care", MaxAgeMonths: 12, FreshForRenewal: true},
		{Kind: "tenancy_agreement", Title: "tenancy agreement", Checks: []Check{CheckTenancy}},
		{Kind: "utility_bill", Title: "utility bill", MaxAgeMonths: 3, RequireName: true, RequireAddress: true},
		{Kind: "bank_statement", Title: "bank statement", MaxAgeMonths: 3, RequireName: true, RequireAddress: true},
		{Kind: "letter_of_completion", Title: "letter of completion", RequireName: true, RequireAddress: true},
		{Kind: "solicitor_letter", Title: "letter from a solicitor", RequireName: true, RequireAddress: true},
		{Kind: "v5c", Title: "V5C", Checks: []Check{CheckV5C}},
		{Kind: "blue_badge", Title: "Blue Badge", RequireName: true},
	}
}

var (
	proofOfResidency = Requirement{
		Name:  "proof_of_residency",
		Title: "proof of residency",
		OneOf: []Kind{"tenancy_agreement", "utility_bill", "bank_statement", "letter_of_completion", "solicitor_letter"},
	}
	proofOfCare     = Requirement{Name: "proof_of_care", Title: "proof of care", OneOf: []Kind{"proof_of_care"}}
	vehicleDocument = Requirement{Name: "vehicle_document", Title: "vehicle registration document", OneOf: []Kind{"v5c"}}
)

func exampleRules(t testing.TB) *Rules {
	t.Helper()
	r, err := NewRules(exampleKinds())
	require.NoError(t, err)
	require.NoError(t, r.ValidateRequirements([]Requirement{proofOfResidency, proofOfCare, vehicleDocument}))
	return r
}

func bill(on time.Time) Document {
	return Document{Kind: "utility_bill", IssuedOn: on, Name: "Jane Smith", Address: "12 High Street, Loughborough LE11 3AB"}
}

func tenancy(issued time.Time, start, end, signed string) Document {
	return Document{
		Kind: "tenancy_agreement", IssuedOn: issued, Name: "Jane Smith", Address: "12 High Street, Loughborough LE11 3AB",
		Fields: map[string]string{FieldTermStart: start, FieldTermEnd: end, FieldSigned: signed},
	}
}

func v5c(issued time.Time, ref, vrm string) Document {
	return Document{Kind: "v5c", IssuedOn: issued, Fields: map[string]string{FieldDocumentReference: ref, FieldVRM: vrm}}
}

func care(issued time.Time) Document { return Document{Kind: "proof_of_care", IssuedOn: issued} }
