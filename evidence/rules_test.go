package evidence

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNewRulesListsEveryProblem(t *testing.T) {
	_, err := NewRules([]KindRule{
		{Kind: "utility_bill", Title: "utility bill", MaxAgeMonths: 3},
		{Kind: "utility_bill", Title: "utility bill"},
		{Kind: "", Title: ""},
		{Kind: " v5c", Title: "V5C", Checks: []Check{"v5c", "passport_check", "v5c"}},
		{Kind: "bank_statement", Title: "bank statement", MaxAgeMonths: -1, RequiredFields: []string{"sort_code", " ", "sort_code"}},
		{Kind: "proof_of_care", Title: "proof of care", FreshForRenewal: true},
		{Kind: "old", Title: "old", MaxAgeMonths: 1201},
	})
	require.ErrorIs(t, err, ErrInvalidRules)
	var re *RulesError
	require.ErrorAs(t, err, &re)
	require.Equal(t, "kinds", re.What)
	require.Equal(t, []Issue{
		{Index: 1, Field: "kind", Reason: `"utility_bill" is listed more than once`},
		{Index: 2, Field: "kind", Reason: "is blank"},
		{Index: 2, Field: "title", Reason: "is blank; it is used in sentences shown to applicants"},
		{Index: 3, Field: "kind", Reason: `" v5c" has spaces around it`},
		{Index: 3, Field: "checks[1]", Reason: `unknown check "passport_check" (want "tenancy" or "v5c")`},
		{Index: 3, Field: "checks[2]", Reason: `"v5c" is listed more than once`},
		{Index: 4, Field: "max_age_months", Reason: "is -1; it must be 0 (no limit) to 1200"},
		{Index: 4, Field: "required_fields[1]", Reason: "is blank"},
		{Index: 4, Field: "required_fields[2]", Reason: `"sort_code" is listed more than once`},
		{Index: 5, Field: "fresh_for_renewal", Reason: "needs max_age_months, which applies when the previous acceptance date is unknown"},
		{Index: 6, Field: "max_age_months", Reason: "is 1201; it must be 0 (no limit) to 1200"},
	}, re.Issues)
	require.Contains(t, err.Error(), `kinds[1].kind: "utility_bill" is listed more than once; kinds[2].kind: is blank`)
}

func TestNewRulesAcceptsTheExampleScheme(t *testing.T) {
	r, err := NewRules(exampleKinds())
	require.NoError(t, err)
	kr, ok := r.Kind("utility_bill")
	require.True(t, ok)
	require.Equal(t, exampleKinds()[2], kr)
	_, ok = r.Kind("passport")
	require.False(t, ok)
}

func TestNewRulesKeepsItsOwnCopies(t *testing.T) {
	kinds := []KindRule{{Kind: "tenancy_agreement", Title: "tenancy agreement", Checks: []Check{CheckTenancy}, RequiredFields: []string{"landlord"}}}
	r, err := NewRules(kinds)
	require.NoError(t, err)
	kinds[0].Checks[0] = CheckV5C
	kinds[0].RequiredFields[0] = "other"
	kinds[0].Title = "changed"

	kr, _ := r.Kind("tenancy_agreement")
	require.Equal(t, []Check{CheckTenancy}, kr.Checks)
	require.Equal(t, []string{"landlord"}, kr.RequiredFields)
	require.Equal(t, "tenancy agreement", kr.Title)

	kr.Checks[0] = CheckV5C // the copy Kind returns is the caller's
	again, _ := r.Kind("tenancy_agreement")
	require.Equal(t, []Check{CheckTenancy}, again.Checks)
}

func TestValidateRequirements(t *testing.T) {
	r := exampleRules(t)
	require.NoError(t, r.ValidateRequirements(nil))
	require.NoError(t, r.ValidateRequirements([]Requirement{proofOfResidency, proofOfCare, vehicleDocument}))

	err := r.ValidateRequirements([]Requirement{
		proofOfCare,
		{Name: "proof_of_care", Title: "proof of care again", OneOf: []Kind{"proof_of_care"}},
		{Name: " ", Title: " "},
		{Name: "id", Title: "identity", OneOf: []Kind{"passport", "blue_badge", "blue_badge"}},
	})
	require.ErrorIs(t, err, ErrInvalidRules)
	var re *RulesError
	require.ErrorAs(t, err, &re)
	require.Equal(t, "requirements", re.What)
	require.Equal(t, []Issue{
		{Index: 1, Field: "name", Reason: `"proof_of_care" is listed more than once`},
		{Index: 2, Field: "name", Reason: "is blank"},
		{Index: 2, Field: "title", Reason: "is blank; it is used in sentences shown to applicants"},
		{Index: 2, Field: "one_of", Reason: "is empty; list at least one kind"},
		{Index: 3, Field: "one_of[0]", Reason: `unknown kind "passport"`},
		{Index: 3, Field: "one_of[2]", Reason: `"blue_badge" is listed more than once`},
	}, re.Issues)
}

func TestParseAction(t *testing.T) {
	for _, a := range Actions() {
		got, err := ParseAction(string(a))
		require.NoError(t, err)
		require.Equal(t, a, got)
		require.True(t, got.Valid())
	}
	for _, s := range []string{"", "Apply", " apply", "renewal", "address_change"} {
		_, err := ParseAction(s)
		require.ErrorIs(t, err, ErrUnknownAction, s)
		require.Contains(t, err.Error(), "apply, first_application, renew, vehicle_change, address_change_same_zone, application_new_zone")
	}
}
