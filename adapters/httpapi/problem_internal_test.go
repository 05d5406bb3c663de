package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// TestProblemFor pins the one table from errors to answers.
func TestProblemFor(t *testing.T) {
	notEligible := &permit.NotEligibleError{Decision: eligibility.Decision{Reasons: []eligibility.Reason{
		{Code: eligibility.CodeFreeAllowanceAvailable, Detail: "free"},
		{Code: eligibility.CodeRenewalWindowNotOpen, Detail: "Renew from 2027-10-02.", Blocking: true}}}}
	evidenceErr := &permit.EvidenceError{Result: evidence.Result{Problems: []evidence.Problem{
		{Code: evidence.CodeMissing, Requirement: "proof_of_care", Document: -1, Detail: "Add proof of care."},
		{Code: evidence.CodeOutOfDate, Requirement: "proof_of_residency", Document: 1, Field: "issued_on", Detail: "Too old."}}}}
	for _, c := range []struct {
		err    error
		status int
		code   string
		fields []string
	}{
		{&permit.ValidationError{Fields: []permit.FieldError{{Field: "name", Code: "required", Detail: "Enter a name."}}}, 422, "validation_failed", []string{"name"}},
		{&permit.ValidationError{Fields: []permit.FieldError{{Field: "vrm", Code: "invalid_vrm", Detail: "Bad."}}}, 422, "invalid_vrm", []string{"vrm"}},
		{fmt.Errorf("wrapped: %w", permit.ErrNotFound), 404, "not_found", nil},
		{fmt.Errorf("wrapped: %w", permit.ErrForbidden), 403, "forbidden", nil},
		{notEligible, 422, "renewal_window_not_open", nil},
		{evidenceErr, 422, "evidence_missing", []string{"evidence", "evidence[1].issued_on"}},
		{&permit.DifferentZoneError{To: zones.Zone{ID: "z", Name: "Z"}}, 422, "different_zone", nil},
		{&permit.TransitionError{PermitID: "per_1", State: permit.Expired, Event: permit.TransitionCancel}, 409, "invalid_transition", nil},
		{fmt.Errorf("%w: AB12CDE", permit.ErrVRMInUse), 409, "vrm_in_use", nil},
		{fmt.Errorf("%w: the DVLA holds no vehicle registered ZZ99ZZZ", permit.ErrVehicleNotFound), 422, "vehicle_not_found", nil},
		{&permit.PendingAddressChangeError{AccountID: "acc_1", PendingID: "adc_1"}, 409, "conflict", nil},
		{&permit.LimitError{Code: "too_many_new_accounts", Detail: "Try again tomorrow."}, 422, "too_many_new_accounts", nil},
		{&permit.StaleAddressChangeError{ID: "adc_1", From: 1, AccountAt: 2}, 409, "invalid_transition", nil},
		{fmt.Errorf("x: %w", permit.ErrInvalidVRM), 422, "invalid_vrm", []string{"vrm"}},
		{fmt.Errorf("%w: declined", permit.ErrPaymentFailed), 402, "payment_failed", nil},
		{fmt.Errorf("%w: stale", permit.ErrConflict), 409, "conflict", nil},
		{fmt.Errorf("%w: allowance", permit.ErrNotEligible), 422, "not_eligible", nil},
		{&zones.PostcodeError{}, 400, "invalid_postcode", []string{"postcode"}},
		{context.DeadlineExceeded, 503, "unavailable", nil},
		{errors.New(`pq: syntax error at or near "SELECT" in permits.go:12`), 500, "internal_error", nil},
	} {
		t.Run(fmt.Sprintf("%T %s", c.err, c.code), func(t *testing.T) {
			e := problemFor(c.err)
			require.Equal(t, c.status, e.status)
			require.Equal(t, c.code, e.code)
			p := e.document("/x", "req_1")
			var fields []string
			for _, f := range p.Errors {
				fields = append(fields, f.Field)
			}
			require.Equal(t, c.fields, fields)
			require.NotContains(t, p.Detail, "SELECT", "no internals in a response")
			require.NotContains(t, p.Detail, ".go:", "no internals in a response")
			require.NotEmpty(t, p.Detail)
		})
	}
	e := problemFor(&permit.DifferentZoneError{To: zones.Zone{ID: "z", Name: "Z"}, RequiredEvidence: []evidence.Requirement{{Name: "proof_of_residency", OneOf: []evidence.Kind{"utility_bill"}}}})
	require.Equal(t, []requirementJSON{{Requirement: "proof_of_residency", Detail: "Proof of residency: a utility bill.", OneOf: []string{"utility_bill"}}},
		e.document("", "").RequiredEvidence)
}

// Issue 11, defect 3: a store that cannot reach its database is 503
// unavailable with Retry-After, never a 500; the cause is logged, not sent.
func TestUnavailableIs503(t *testing.T) {
	for _, err := range []error{
		fmt.Errorf("sqlstore: reading account: database %w: dial tcp 127.0.0.1:5432: connect: connection refused", permit.ErrUnavailable),
		fmt.Errorf("httpapi: authenticating: %w", fmt.Errorf("x: %w", permit.ErrUnavailable)),
		context.DeadlineExceeded,
	} {
		e := problemFor(err)
		require.Equal(t, http.StatusServiceUnavailable, e.status, "%v", err)
		require.Equal(t, CodeUnavailable, e.code)
		require.NotEmpty(t, e.header.Get("Retry-After"))
		require.NotContains(t, e.document("", "").Detail, "5432")
	}
}

// Issue 11, defect 15: "(and 1 more problems…)", "is in outside every
// permit zone", and a 409 that says what is wrong but not what to do.
func TestProblemWording(t *testing.T) {
	problems := func(n int) error {
		var ps []evidence.Problem
		for i := range n {
			ps = append(ps, evidence.Problem{Code: evidence.CodeMissing, Document: -1, Detail: fmt.Sprintf("Problem %d.", i+1)})
		}
		return &permit.EvidenceError{Result: evidence.Result{Problems: ps}}
	}
	home := zones.Property{BuildingNumber: "12", Street: "Ashby Road", Town: "Loughborough"}
	z3, z2 := zones.Zone{ID: "l3", Name: "Loughborough 3"}, zones.Zone{ID: "l2", Name: "Loughborough 2"}
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"one problem", problems(1), "Problem 1."},
		{"two problems", problems(2), "Problem 1. There is 1 more problem with the evidence; see errors."},
		{"three problems", problems(3), "Problem 1. There are 2 more problems with the evidence; see errors."},
		{"move to another zone", &permit.DifferentZoneError{From: z3, To: z2, Property: home},
			"12 Ashby Road, Loughborough is in Loughborough 2, not Loughborough 3: apply for a new permit there (move_to set to its UPRN) with the evidence listed."},
		{"move out of every zone", &permit.DifferentZoneError{From: z3, Property: home},
			"12 Ashby Road, Loughborough is not in a permit zone, so permits cannot move there and no permit can be issued for it. Cancel any permit you no longer need."},
		{"move from no zone", &permit.DifferentZoneError{To: z2, Property: home},
			"12 Ashby Road, Loughborough is in Loughborough 2, and your current address is in no permit zone: apply for a permit there (move_to set to its UPRN) with the evidence listed."},
		{"approve a current permit", &permit.TransitionError{PermitID: "per_1", State: permit.Current, Event: permit.TransitionApprove},
			"Permit per_1 is already current, so it cannot be approved: only what is pending review can be decided. Nothing has been changed."},
		{"reject an unpaid application", &permit.TransitionError{PermitID: "per_1", State: permit.AwaitingPayment, Event: permit.TransitionReject},
			"Permit per_1 is waiting for its card payment, so it cannot be rejected yet: decide it once the payment has gone through and it is pending review."},
		{"approve a decided address change", &permit.TransitionError{PermitID: "adc_1", State: "rejected", Event: permit.TransitionApprove},
			"Address change adc_1 is already rejected, so it cannot be approved: only what is pending review can be decided. Nothing has been changed."},
		{"cancel twice", &permit.TransitionError{PermitID: "per_1", State: permit.Cancelled, Event: permit.TransitionCancel},
			"Permit per_1 is already cancelled, so there is nothing to cancel."},
		{"renew a pending application", &permit.TransitionError{PermitID: "per_1", State: permit.PendingReview, Event: permit.TransitionRenew},
			"Permit per_1 is pending review, so it cannot be renewed yet: renew it once it has been approved, in the weeks before it expires."},
		{"renew an expired permit", &permit.TransitionError{PermitID: "per_1", State: permit.Expired, Event: permit.TransitionRenew},
			"Permit per_1 has expired, so it can no longer be renewed: apply for a new permit instead."},
		{"approve an application whose period passed", &permit.PeriodPassedError{PermitID: "per_1", StartsOn: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC), ExpiresOn: time.Date(2027, 11, 23, 0, 0, 0, 0, time.UTC)},
			"Permit per_1 was applied for from 2026-11-24 to 2027-11-23, and that whole period passed before it was decided, so it cannot be approved. It has been withdrawn and any card hold released; the resident can apply again for the dates they need."},
		{"change the vehicle of a rejected application", &permit.TransitionError{PermitID: "per_1", State: permit.Rejected, Event: permit.TransitionChangeVehicle},
			"Permit per_1 is rejected, so its vehicle cannot be changed: apply for a new permit for the new vehicle instead."},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := problemFor(c.err).document("", "")
			require.Equal(t, c.want, d.Detail)
			require.NotContains(t, d.Detail, "outside every permit zone")
		})
	}
	require.Nil(t, problemFor(&permit.DifferentZoneError{From: zones.Zone{ID: "a", Name: "A"}, Property: home}).document("", "").RequiredEvidence,
		"no application can be made outside every zone")
}
