package permit_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/scheme"
)

func TestLoadSchemeRejectionReasons(t *testing.T) {
	require.Equal(t, []string{"proof_unclear", "proof_out_of_date", "not_resident", "vehicle_mismatch", "care_not_shown", "duplicate_application"},
		mustLoad(t, leicestershireFile).RejectionCodes())
	require.Equal(t, []string{"assessment_unclear", "assessment_out_of_date", "not_resident", "vehicle_mismatch"},
		mustLoad(t, strathmoreFile).RejectionCodes())
	r, ok := mustLoad(t, leicestershireFile).RejectionReason("not_resident")
	require.True(t, ok)
	require.Equal(t, "The evidence you sent does not show that you live at the address.", r.Text)
	require.Empty(t, mustLoad(t, minimalFile).RejectionCodes(), "the section is optional")

	minimal, err := os.ReadFile(minimalFile)
	require.NoError(t, err)
	base := string(minimal)
	line := strings.Count(base, "\n") + 1 // the first line of what a case appends
	for _, c := range []struct {
		name, yaml string
		want       []string
	}{
		{"valid", "rejection_reasons:\n  - {code: unclear, text: The letter cannot be read.}\n", nil},
		{"bad code, blank text", "rejection_reasons:\n  - {code: Proof Unclear, text: \" \"}\n", []string{
			lineOf(line+1, `rejection_reasons[0].code: "Proof Unclear" is not a code: write lower-case letters, digits and underscores, such as proof_unclear`),
			lineOf(line+1, "rejection_reasons[0].text: is blank; it is what the resident reads"),
		}},
		{"repeated code", "rejection_reasons:\n  - {code: a, text: A.}\n  - {code: a, text: B.}\n", []string{
			lineOf(line+2, `rejection_reasons[1].code: "a" is listed more than once`),
		}},
		{"missing text, unknown key", "rejection_reasons:\n  - {code: a, why: A.}\n", []string{
			lineOf(line+1, `rejection_reasons[0].why: unknown key "why"; the keys here are code, text`),
			lineOf(line+1, "rejection_reasons[0].text: is required"),
		}},
		{"too long", "rejection_reasons:\n  - {code: a, text: " + strings.Repeat("x", 501) + "}\n", []string{
			lineOf(line+1, "rejection_reasons[0].text: is 501 characters long; keep it to 500, a sentence or two"),
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := scheme.Load(strings.NewReader(base + c.yaml))
			if c.want == nil {
				require.NoError(t, err)
				return
			}
			var se *permit.SchemeError
			require.ErrorAs(t, err, &se)
			var got []string
			for _, p := range se.Problems {
				got = append(got, p.String())
			}
			require.ElementsMatch(t, c.want, got)
		})
	}
}

func lineOf(n int, s string) string { return "line " + strconv.Itoa(n) + ": " + s }

// Issue 11, defect 12: reject accepted any reason_code ("because"). It is
// one of the scheme's rejection reasons, and the notice gives its text.
func TestRejectUsesTheSchemesReasons(t *testing.T) {
	w := newWorld(t, at(2026, 11, 24, 10, 0))
	ctx := context.Background()
	a := w.account(home, "jane@example.org")
	p := w.mustApply(a, "essential-carer", "AB12CDE")

	_, err := w.svc.Reject(ctx, w.officer, p.ID, permit.Rejection{Code: "because", Reason: "No."})
	var ve *permit.ValidationError
	require.ErrorAs(t, err, &ve)
	require.Equal(t, []permit.FieldError{{Field: "reason_code", Code: "unknown_reason_code",
		Detail: `There is no reason code "because" in this scheme; use proof_unclear, proof_out_of_date, not_resident, vehicle_mismatch, care_not_shown or duplicate_application.`}}, ve.Fields)
	got, err := w.svc.Permit(ctx, permit.System, p.ID)
	require.NoError(t, err)
	require.Equal(t, permit.PendingReview, got.Status, "nothing changed")

	_, err = w.svc.Reject(ctx, w.officer, p.ID, permit.Rejection{Reason: "No."})
	require.ErrorAs(t, err, &ve)
	require.Equal(t, "required", ve.Fields[0].Code)
	require.Contains(t, ve.Fields[0].Detail, "proof_unclear, proof_out_of_date")

	_, err = w.svc.Reject(ctx, w.officer, p.ID, permit.Rejection{Code: "care_not_shown", Reason: "The letter is about a weekly visit."})
	require.NoError(t, err)
	msgs := w.notes.Of(permit.MessageRejected)
	require.Len(t, msgs, 1)
	require.Equal(t, "The evidence does not show that care is given at the address often enough to need a permit.", msgs[0].Data["reason_text"])
	mail, err := w.svc.Scheme().Render(msgs[0])
	require.NoError(t, err)
	require.Contains(t, mail.Text, "Reason: The evidence does not show that care is given at the address often enough to need a permit. The letter is about a weekly visit.")

	// Address changes are refused with the same reasons.
	ch, err := w.svc.RequestAddressChange(ctx, permit.AccountActor(a.ID), a.ID, sameZone, []evidence.Document{{Kind: "utility_bill", IssuedOn: d(2026, 10, 1), Name: "Jane Smith", Address: "Rose Cottage, Ashby Road, LE11 3AB"}})
	require.NoError(t, err)
	_, err = w.svc.RejectAddressChange(ctx, w.officer, ch.ID, permit.Rejection{Code: "because", Reason: "No."})
	require.ErrorAs(t, err, &ve)
	require.Equal(t, "unknown_reason_code", ve.Fields[0].Code)
	_, err = w.svc.RejectAddressChange(ctx, w.officer, ch.ID, permit.Rejection{Code: "not_resident", Reason: "The bill is for someone else."})
	require.NoError(t, err)
}
