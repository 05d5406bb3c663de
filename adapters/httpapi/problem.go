package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/adapters/internal/httpx"
	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// The error codes of docs/API.md, and the ones this adapter added (those
// every API adapter answers with are httpx's). Codes are a contract: add
// new ones, never rename.
const (
	CodeInvalidJSON          = httpx.CodeInvalidJSON
	CodeValidationFailed     = httpx.CodeValidationFailed
	CodeInvalidPostcode      = "invalid_postcode"
	CodeInvalidVRM           = "invalid_vrm"
	CodeNotFound             = httpx.CodeNotFound
	CodeUnauthorized         = httpx.CodeUnauthorized
	CodeForbidden            = httpx.CodeForbidden
	CodeNotEligible          = "not_eligible"
	CodeInvalidTransition    = httpx.CodeInvalidTransition
	CodeDifferentZone        = "different_zone"
	CodeVRMInUse             = "vrm_in_use"
	CodeVehicleNotFound      = "vehicle_not_found"
	CodeConflict             = httpx.CodeConflict
	CodeRateLimited          = "rate_limited"
	CodeIdempotencyKeyReused = httpx.CodeIdempotencyKeyReused
	CodePayloadTooLarge      = httpx.CodePayloadTooLarge
	CodeUnsupportedMediaType = httpx.CodeUnsupportedMediaType
	CodePaymentFailed        = "payment_failed"
	CodeMethodNotAllowed     = httpx.CodeMethodNotAllowed
	CodeInternal             = httpx.CodeInternal
	CodeUnavailable          = httpx.CodeUnavailable
	CodeRequestTimeout       = "request_timeout"
	// CodeCursorBeyondEnd: a feed cursor past the newest event (410).
	CodeCursorBeyondEnd = "cursor_beyond_end"
)

// fieldProblem is one entry of a problem's "errors" list.
type fieldProblem = httpx.FieldProblem

// problemJSON is an RFC 9457 problem details document (httpx.Problem) with
// this adapter's extension members.
type problemJSON struct {
	httpx.Problem
	Reasons              []reasonJSON           `json:"reasons,omitempty"`
	RequiredEvidence     []requirementJSON      `json:"required_evidence,omitempty"`
	EvidenceRequirements []requirementNamesJSON `json:"evidence_requirements,omitempty"`
	Zone                 *zoneJSON              `json:"zone,omitempty"`
	// RequiredEvidenceByType: on different_zone, each permit type's needs.
	RequiredEvidenceByType map[string][]requirementJSON `json:"required_evidence_by_type,omitempty"`
	// Refused and WouldErase: on erasure_refused, every reason and what
	// the erasure would reach.
	Refused    []refusalJSON      `json:"refused,omitempty"`
	WouldErase *erasureCountsJSON `json:"would_erase,omitempty"`
}

// apiError is an error this adapter answers with; every error a handler
// returns is turned into one by problemFor. It is an httpx.Error with this
// adapter's extension members (see sharedError).
type apiError struct {
	status int
	code   string
	detail string
	extra  func(*problemJSON) // extension members
	header http.Header        // e.g. Allow, Retry-After, WWW-Authenticate
	cause  error              // logged, never sent
}

func (e *apiError) Error() string {
	if e.cause != nil {
		return e.code + ": " + e.detail + ": " + e.cause.Error()
	}
	return e.code + ": " + e.detail
}

func (e *apiError) Unwrap() error { return e.cause }

func newError(status int, code, detail string) *apiError {
	return &apiError{status: status, code: code, detail: detail}
}

// sharedError is the answer httpx words for every API adapter.
func sharedError(e *httpx.Error) *apiError {
	ae := &apiError{status: e.Status, code: e.Code, detail: e.Detail, header: e.Header, cause: e.Cause}
	if fs := e.Errors; len(fs) > 0 {
		ae.extra = func(p *problemJSON) { p.Errors = fs }
	}
	return ae
}

// badRequest is a request the server could not read (400): malformed
// query parameters, headers or JSON. A readable request whose values break
// the rules is 422 instead.
func badRequest(field, code, detail string) *apiError {
	return sharedError(httpx.BadRequest(field, code, detail))
}

// invalidField is a readable request with a bad value (422).
func invalidField(field, code, detail string) *apiError {
	return invalidFields([]fieldProblem{{Field: field, Code: code, Detail: detail}})
}

func invalidFields(fs []fieldProblem) *apiError {
	code := CodeValidationFailed
	if allCode(fs, CodeInvalidVRM) {
		code = CodeInvalidVRM
	}
	detail := fs[0].Detail
	if len(fs) > 1 {
		detail = strconv.Itoa(len(fs)) + " fields are invalid; see errors."
	}
	e := newError(http.StatusUnprocessableEntity, code, detail)
	e.extra = func(p *problemJSON) { p.Errors = fs }
	return e
}

func allCode(fs []fieldProblem, code string) bool {
	for _, f := range fs {
		if f.Code != code {
			return false
		}
	}
	return len(fs) > 0
}

// problemFor is problemOf without the scheme's document kinds: evidence
// requirements are then worded from their identifiers.
func problemFor(err error) *apiError { return problemOf(err, nil) }

// problemOf is the one table from errors to HTTP answers. Details come
// from typed domain data or fixed sentences, never from an error's text,
// so nothing of a store's or a provider's internals reaches a response.
// rules (the scheme's document kinds) word required_evidence.
func problemOf(err error, rules *evidence.Rules) *apiError {
	var (
		ae  *apiError
		ve  *permit.ValidationError
		ne  *permit.NotEligibleError
		ee  *permit.EvidenceError
		dz  *permit.DifferentZoneError
		te  *permit.TransitionError
		ppe *permit.PeriodPassedError
		pac *permit.PendingAddressChangeError
		sac *permit.StaleAddressChangeError
		le  *permit.LimitError
		pce *zones.PostcodeError
		he  *httpx.Error
	)
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &he):
		return sharedError(he)
	case errors.As(err, &ve):
		fs := make([]fieldProblem, 0, len(ve.Fields))
		for _, f := range ve.Fields {
			fs = append(fs, fieldProblem{Field: f.Field, Code: f.Code, Detail: f.Detail})
		}
		if len(fs) == 0 {
			return invalidField("", CodeValidationFailed, "The request is invalid.")
		}
		return invalidFields(fs)
	case errors.As(err, &ne):
		return notEligible(ne, rules)
	case errors.As(err, &ee):
		return evidenceProblem(ee, rules)
	case errors.As(err, &dz):
		return differentZone(dz, rules)
	case errors.As(err, &pac):
		return newError(http.StatusConflict, CodeConflict, fmt.Sprintf(
			"Address change %s is still waiting for a decision. You can ask for another once it has been decided.", pac.PendingID))
	case errors.As(err, &le):
		return newError(http.StatusUnprocessableEntity, le.Code, le.Detail)
	case errors.As(err, &sac):
		return newError(http.StatusConflict, CodeInvalidTransition, fmt.Sprintf(
			"Address change %s moves the account from another address: the account has moved since it was asked for. Reject it; the resident can ask again from their current address.", sac.ID))
	case errors.As(err, &ppe):
		return newError(http.StatusConflict, CodeInvalidTransition, fmt.Sprintf(
			"Permit %s was applied for from %s to %s, and that whole period passed before it was decided, so it cannot be approved. It has been withdrawn and any card hold released; the resident can apply again for the dates they need.",
			ppe.PermitID, ppe.StartsOn.Format(time.DateOnly), ppe.ExpiresOn.Format(time.DateOnly)))
	case errors.As(err, &te):
		return newError(http.StatusConflict, CodeInvalidTransition, transitionDetail(te))
	case errors.Is(err, permit.ErrForbidden):
		return newError(http.StatusForbidden, CodeForbidden, "Only council officers may do this.")
	case errors.Is(err, permit.ErrNotFound):
		return newError(http.StatusNotFound, CodeNotFound, "There is nothing here, or it is not yours to see.")
	case errors.Is(err, permit.ErrVehicleNotFound):
		return newError(http.StatusUnprocessableEntity, CodeVehicleNotFound, "The DVLA holds no vehicle with that registration. Check the registration and try again.")
	case errors.Is(err, permit.ErrVRMInUse):
		return newError(http.StatusConflict, CodeVRMInUse, "That registration is already on another live permit of this type at this property.")
	case errors.Is(err, permit.ErrInvalidVRM):
		return invalidField("vrm", CodeInvalidVRM, "Enter a vehicle registration of 2 to 7 letters and digits, such as AB12 CDE.")
	case errors.Is(err, permit.ErrPaymentFailed):
		return newError(http.StatusPaymentRequired, CodePaymentFailed, "The card payment did not go through; nothing has been taken.")
	case errors.Is(err, permit.ErrConflict):
		e := newError(http.StatusConflict, CodeConflict, "Someone else changed this at the same moment; try again.")
		e.header = http.Header{"Retry-After": {"1"}}
		return e
	case errors.Is(err, permit.ErrNotEligible):
		return newError(http.StatusUnprocessableEntity, CodeNotEligible, "The scheme's rules do not allow this; contact the council.")
	case errors.As(err, &pce), errors.Is(err, zones.ErrInvalidPostcode):
		return badRequest("postcode", CodeInvalidPostcode, "Enter a full UK postcode, such as LE11 3AB.").withCode(CodeInvalidPostcode)
	case errors.Is(err, permit.ErrUnavailable):
		return sharedError(httpx.Unavailable(err))
	case errors.Is(err, os.ErrDeadlineExceeded):
		// A request body (an upload) that did not arrive in time.
		e := newError(http.StatusRequestTimeout, CodeRequestTimeout, "The request body did not arrive in time; send the request again.")
		e.header = http.Header{"Connection": {"close"}}
		e.cause = err
		return e
	case errors.Is(err, context.DeadlineExceeded):
		return sharedError(httpx.Busy(err))
	}
	return sharedError(httpx.Internal(err))
}

func (e *apiError) withCode(code string) *apiError {
	e.code = code
	return e
}

func notEligible(ne *permit.NotEligibleError, rules *evidence.Rules) *apiError {
	detail := "The scheme's rules do not allow this."
	if r, ok := ne.Decision.Blocking(); ok {
		detail = r.Detail
	}
	e := newError(http.StatusUnprocessableEntity, ne.Code(), detail)
	d := ne.Decision
	e.extra = func(p *problemJSON) {
		p.Reasons = reasonsJSON(d.Reasons)
		if len(d.RequiredEvidence) > 0 {
			p.RequiredEvidence, p.EvidenceRequirements = requirementsJSON(rules, d.RequiredEvidence)
		}
	}
	return e
}

// evidenceProblem answers with the first problem's code (the evidence
// package orders them so that is the one to name) and every problem listed.
func evidenceProblem(ee *permit.EvidenceError, rules *evidence.Rules) *apiError {
	ps := ee.Result.Problems
	if len(ps) == 0 {
		return invalidField("evidence", string(evidence.CodeInvalid), "The evidence was not accepted.")
	}
	fs := make([]fieldProblem, 0, len(ps))
	for _, pr := range ps {
		field := "evidence"
		if pr.Document >= 0 {
			field = fmt.Sprintf("evidence[%d]", pr.Document)
			if pr.Field != "" {
				field += "." + pr.Field
			}
		}
		fs = append(fs, fieldProblem{Field: field, Code: string(pr.Code), Detail: pr.Detail, Requirement: pr.Requirement})
	}
	detail := ps[0].Detail
	switch len(ps) {
	case 1:
	case 2:
		detail += " There is 1 more problem with the evidence; see errors."
	default:
		detail += fmt.Sprintf(" There are %d more problems with the evidence; see errors.", len(ps)-1)
	}
	e := newError(http.StatusUnprocessableEntity, string(ps[0].Code), detail)
	e.extra = func(p *problemJSON) {
		p.Errors = fs
		if len(ee.Requirements) > 0 {
			p.RequiredEvidence, p.EvidenceRequirements = requirementsJSON(rules, ee.Requirements)
		}
	}
	return e
}

func reasonsJSON(rs []eligibility.Reason) []reasonJSON {
	out := make([]reasonJSON, 0, len(rs))
	for _, r := range rs {
		out = append(out, reasonJSON{Code: string(r.Code), Detail: r.Detail, Blocking: r.Blocking})
	}
	return out
}

// document renders e as the problem document sent to the client.
func (e *apiError) document(instance, requestID string) problemJSON {
	p := problemJSON{Problem: httpx.NewError(e.status, e.code, e.detail).Document(instance, requestID)}
	if e.extra != nil {
		e.extra(&p)
	}
	return p
}

// differentZone answers a move to a property in another zone: apply there
// (with the evidence listed), or, for a property in no zone, say that no
// permit can follow.
func differentZone(dz *permit.DifferentZoneError, rules *evidence.Rules) *apiError {
	addr := dz.Property.Address()
	var detail string
	switch {
	case dz.To.IsZero():
		detail = addr + " is not in a permit zone, so permits cannot move there and no permit can be issued for it. Cancel any permit you no longer need."
	case dz.From.IsZero():
		detail = fmt.Sprintf("%s is in %s, and your current address is in no permit zone: apply for a permit there (move_to set to its UPRN) with the evidence listed.", addr, dz.To.Name)
	default:
		detail = fmt.Sprintf("%s is in %s, not %s: apply for a new permit there (move_to set to its UPRN) with the evidence listed.", addr, dz.To.Name, dz.From.Name)
	}
	e := newError(http.StatusUnprocessableEntity, CodeDifferentZone, detail)
	e.extra = func(p *problemJSON) {
		p.Zone = zoneOf(dz.To)
		if dz.To.IsZero() {
			return // no application can be made there
		}
		p.RequiredEvidence, p.EvidenceRequirements = requirementsJSON(rules, dz.RequiredEvidence)
		if len(dz.ByType) > 0 {
			p.RequiredEvidenceByType = make(map[string][]requirementJSON, len(dz.ByType))
			for typ, reqs := range dz.ByType {
				p.RequiredEvidenceByType[typ], _ = requirementsJSON(rules, reqs)
			}
		}
	}
	return e
}

// transitionDetail says what is wrong with a transition and what to do
// instead.
func transitionDetail(te *permit.TransitionError) string {
	what := "Permit " + te.PermitID
	if strings.HasPrefix(te.PermitID, "adc_") {
		what = "Address change " + te.PermitID
	}
	state := strings.ReplaceAll(string(te.State), "_", " ")
	closed := te.State == permit.Rejected || te.State == permit.Withdrawn || te.State == permit.Cancelled ||
		te.State == permit.Ended || te.State == permit.Expired
	switch te.Event {
	case permit.TransitionApprove, permit.TransitionReject:
		verb := "approved"
		if te.Event == permit.TransitionReject {
			verb = "rejected"
		}
		if te.State == permit.AwaitingPayment {
			return fmt.Sprintf("%s is waiting for its card payment, so it cannot be %s yet: decide it once the payment has gone through and it is pending review.", what, verb)
		}
		return fmt.Sprintf("%s is already %s, so it cannot be %s: only what is pending review can be decided. Nothing has been changed.", what, state, verb)
	case permit.TransitionCancel, permit.TransitionWithdraw, permit.TransitionEnd:
		if closed {
			return fmt.Sprintf("%s is already %s, so there is nothing to cancel.", what, state)
		}
	case permit.TransitionRenew:
		switch {
		case te.State == permit.PendingReview || te.State == permit.AwaitingPayment:
			return fmt.Sprintf("%s is %s, so it cannot be renewed yet: renew it once it has been approved, in the weeks before it expires.", what, state)
		case te.State == permit.Expired:
			return fmt.Sprintf("%s has expired, so it can no longer be renewed: apply for a new permit instead.", what)
		case closed:
			return fmt.Sprintf("%s is %s, so it cannot be renewed: apply for a new permit instead.", what, state)
		}
	case permit.TransitionChangeVehicle:
		switch {
		case te.State == permit.AwaitingPayment:
			return fmt.Sprintf("%s is waiting for its card payment, so its vehicle cannot be changed yet: change it once the payment has gone through.", what)
		case closed:
			return fmt.Sprintf("%s is %s, so its vehicle cannot be changed: apply for a new permit for the new vehicle instead.", what, state)
		}
	}
	return fmt.Sprintf("%s is %s, which does not allow this, so nothing has been changed. Check its status and try what it allows.", what, state)
}
