package evidence

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Describe is the detail of docs/API.md's Requirement objects: a client builds an
// application from it, so it names every kind accepted and its age limit.
func TestDescribe(t *testing.T) {
	r := exampleRules(t)
	monthly, err := NewRules([]KindRule{{Kind: "letter", Title: "letter", MaxAgeMonths: 1}})
	require.NoError(t, err)
	for _, c := range []struct {
		name  string
		rules *Rules
		q     Requirement
		want  string
	}{
		{"one kind of the same name", r, proofOfCare, "Proof of care, dated in the last 12 months."},
		{"one kind of another name", r, vehicleDocument, "Vehicle registration document: a V5C."},
		{"several kinds", r, proofOfResidency, "Proof of residency: one of a tenancy agreement, a utility bill dated in the last 3 months, " +
			"a bank statement dated in the last 3 months, a letter of completion or a letter from a solicitor."},
		{"one month, singular", monthly, Requirement{Name: "l", Title: "a letter", OneOf: []Kind{"letter"}}, "A letter: a letter dated in the last month."},
		{"no title, unknown kind", r, Requirement{Name: "blue_thing", OneOf: []Kind{"thing"}}, "Blue thing: a thing."},
		{"no kinds", r, Requirement{Name: "x", Title: "something"}, "Something."},
	} {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, c.rules.Describe(c.q))
		})
	}
}
