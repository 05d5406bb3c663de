package permit_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/scheme"
)

// The example councils' scheme files, and the smallest scheme that loads
// (the scheme reader's test file, shared).
const (
	leicestershireFile = "../examples/leicestershire/scheme.yaml"
	strathmoreFile     = "../examples/strathmore/scheme.yaml"
	minimalFile        = "scheme/testdata/minimal.yaml"
)

func mustLoad(t testing.TB, path string) *permit.Scheme {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	s, err := scheme.Load(bytes.NewReader(data))
	require.NoError(t, err)
	return s
}

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
