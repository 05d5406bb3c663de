package evidence

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/carerpermit/carerpermit/zones"
	"github.com/carerpermit/carerpermit/zones/civil"
)

// Code is a stable, machine-readable name for a kind of problem. Codes are
// part of the HTTP API contract: new ones may be added, none renamed.
type Code string

// The problem codes, each with the sentinel its errors match (see Result.Err).
const (
	CodeMissing       Code = "evidence_missing"         // ErrEvidenceMissing: no document given for a requirement
	CodeOutOfDate     Code = "evidence_out_of_date"     // ErrEvidenceOutOfDate: too old, stale for a renewal, or a tenancy that has ended
	CodeIncomplete    Code = "evidence_incomplete"      // ErrEvidenceIncomplete: something the document must show is not given
	CodeInvalid       Code = "evidence_invalid"         // ErrEvidenceInvalid: a value is malformed (a term date, a V5C reference)
	CodeDatedInFuture Code = "evidence_dated_in_future" // ErrEvidenceInvalid: issued, or a tenancy starting, after the submission date
	CodeUnknownKind   Code = "evidence_unknown_kind"    // ErrEvidenceInvalid: a kind the council does not accept
	CodeMismatch      Code = "evidence_mismatch"        // ErrEvidenceMismatch: vehicle or name differs from the request
)

// Category sentinels; check them with errors.Is on Result.Err.
var (
	ErrEvidenceMissing    = errors.New("evidence missing")
	ErrEvidenceOutOfDate  = errors.New("evidence out of date")
	ErrEvidenceIncomplete = errors.New("evidence incomplete")
	ErrEvidenceInvalid    = errors.New("evidence invalid")
	ErrEvidenceMismatch   = errors.New("evidence does not match the request")
)

func (c Code) sentinel() error {
	switch c {
	case CodeMissing:
		return ErrEvidenceMissing
	case CodeOutOfDate:
		return ErrEvidenceOutOfDate
	case CodeIncomplete:
		return ErrEvidenceIncomplete
	case CodeMismatch:
		return ErrEvidenceMismatch
	}
	return ErrEvidenceInvalid
}

// Problem is one reason the evidence is not good enough.
type Problem struct {
	Code        Code
	Requirement string // Requirement.Name concerned; "" for an unknown kind
	Document    int    // index into Submission.Documents; -1 when a document is missing
	Kind        Kind   // the document's kind; "" when a document is missing
	Field       string // "issued_on", "name", "address", "kind" or "fields.<key>"; "" when missing
	Detail      string // one sentence for the applicant
}

// Submission is what Check judges: the documents given for one action, and
// the facts from the request they are compared with.
type Submission struct {
	Action       Action
	On           time.Time // submission date (civil)
	Requirements []Requirement
	Documents    []Document
	// VRM is the vehicle of the request, compared with a V5C's vrm.
	VRM string
	// HolderName, when set, is compared with the name on kinds that require
	// a name (see the package comment for how names are compared).
	HolderName string
	// PropertyPostcode, when not zero, is the postcode of the property the
	// request is about: a document of a kind that requires an address must
	// show it (read with zones.ParsePostcode, so case and spacing do not
	// matter), or it is not evidence for that property.
	PropertyPostcode zones.Postcode
	// PropertyAddress is that property's address in words, for the message
	// that says which address a document should have shown.
	PropertyAddress string
	// PreviousAcceptedOn is when the previous document of a FreshForRenewal
	// kind was accepted; zero when unknown. Used only when Action is renew.
	PreviousAcceptedOn time.Time
}

// Result is the outcome of Check.
type Result struct {
	// Problems in requirement order, each requirement's in document order,
	// then unknown kinds in document order; nil when the evidence is good.
	Problems []Problem
	// Accepted lists, ascending and without repeats, the documents that pass
	// every check of their kind and count toward a requirement.
	Accepted []int
}

// OK reports whether the evidence satisfies every requirement and contains
// no document of an unknown kind.
func (r Result) OK() bool { return len(r.Problems) == 0 }

// Err returns nil when OK, else a *ProblemsError listing every problem.
func (r Result) Err() error {
	if r.OK() {
		return nil
	}
	return &ProblemsError{Problems: r.Problems}
}

// ProblemsError carries every problem of a Result. errors.Is matches it to
// the category sentinel of its first problem (ErrEvidenceMissing, ...), which
// is the one an API should name as the overall error code.
type ProblemsError struct {
	Problems []Problem // never empty
}

func (e *ProblemsError) Error() string {
	var b strings.Builder
	b.WriteString("evidence: ")
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(string(p.Code))
		b.WriteString(": ")
		b.WriteString(p.Detail)
	}
	return b.String()
}

// Unwrap returns the category sentinel of the first problem.
func (e *ProblemsError) Unwrap() error {
	if len(e.Problems) == 0 {
		return nil
	}
	return e.Problems[0].Code.sentinel()
}

// Check judges the documents of s against s.Requirements and the kind rules.
// It never panics, whatever s holds; a nil *Rules knows no kinds.
func (r *Rules) Check(s Submission) Result {
	j := judge{docs: s.Documents, vrm: s.VRM, holder: s.HolderName, on: civil.Of(s.On), renew: s.Action == ActionRenew,
		postcode: s.PropertyPostcode, address: s.PropertyAddress}
	if j.renew && !s.PreviousAcceptedOn.IsZero() {
		j.hasPrev, j.prev = true, civil.Of(s.PreviousAcceptedOn)
	}
	var res Result
	for _, q := range s.Requirements {
		start := len(res.Problems)
		satisfied := false
		for i := range s.Documents {
			kind := s.Documents[i].Kind
			if !slices.Contains(q.OneOf, kind) {
				continue
			}
			kr := r.lookup(kind)
			if kr == nil {
				continue // reported once, as an unknown kind, below
			}
			before := len(res.Problems)
			res.Problems = j.document(res.Problems, q.Name, i, kr)
			if len(res.Problems) == before {
				satisfied = true
				if res.Accepted == nil {
					res.Accepted = make([]int, 0, len(s.Documents))
				}
				res.Accepted = append(res.Accepted, i)
			}
		}
		switch {
		case satisfied:
			res.Problems = res.Problems[:start]
		case len(res.Problems) == start:
			res.Problems = append(res.Problems, Problem{
				Code:        CodeMissing,
				Requirement: q.Name,
				Document:    -1,
				Detail:      missingSentence(r, q),
			})
		}
	}
	for i := range s.Documents {
		if kind := s.Documents[i].Kind; r.lookup(kind) == nil {
			res.Problems = append(res.Problems, Problem{
				Code:     CodeUnknownKind,
				Document: i,
				Kind:     kind,
				Field:    "kind",
				Detail:   fmt.Sprintf("We do not accept a document of type %q.", kind),
			})
		}
	}
	if len(res.Problems) == 0 {
		res.Problems = nil // a satisfied group may have left an empty slice
	}
	if len(res.Accepted) > 1 {
		slices.Sort(res.Accepted)
		res.Accepted = slices.Compact(res.Accepted)
	}
	return res
}

// judge holds what every document of one submission is judged against.
type judge struct {
	docs   []Document
	vrm    string
	holder string
	// postcode and address are the request's property (postcode zero:
	// addresses are not compared).
	postcode zones.Postcode
	address  string
	on       civil.Date
	renew    bool
	hasPrev  bool
	prev     civil.Date
}

// document appends the problems of document i, judged as kind kr for the
// requirement named req, to dst.
func (j *judge) document(dst []Problem, req string, i int, kr *kindRule) []Problem {
	d := &j.docs[i]
	title := kr.Title
	add := func(code Code, field, format string, args ...any) {
		dst = append(dst, Problem{
			Code: code, Requirement: req, Document: i, Kind: d.Kind, Field: field,
			Detail: fmt.Sprintf(format, args...),
		})
	}

	if d.IssuedOn.IsZero() {
		add(CodeIncomplete, "issued_on", "Your %s does not show the date it was issued.", title)
	} else if issued := civil.Of(d.IssuedOn); issued.After(j.on) {
		add(CodeDatedInFuture, "issued_on", "Your %s is dated %s, which is after the date of this request (%s).",
			title, issued.Long(), j.on.Long())
	} else {
		var earliest civil.Date
		hasLimit, byPrevious := false, false
		if kr.MaxAgeMonths > 0 {
			earliest, hasLimit = j.on.AddMonths(-kr.MaxAgeMonths), true
		}
		if kr.FreshForRenewal && j.hasPrev {
			if next := j.prev.AddDays(1); !hasLimit || next.After(earliest) {
				earliest, hasLimit, byPrevious = next, true, true
			}
		}
		if hasLimit && issued.Before(earliest) {
			if byPrevious {
				add(CodeOutOfDate, "issued_on", "Your %s is dated %s; to renew, it must be dated after %s, when your previous %s was accepted.",
					title, issued.Long(), j.prev.Long(), title)
			} else {
				add(CodeOutOfDate, "issued_on", "Your %s is dated %s; it must be dated on or after %s (within the last %s).",
					title, issued.Long(), earliest.Long(), monthsWords(kr.MaxAgeMonths))
			}
		}
	}

	if (kr.RequireName || kr.tenancy) && blank(d.Name) {
		add(CodeIncomplete, "name", "Your %s does not show a name.", title)
	}
	if (kr.RequireAddress || kr.tenancy) && blank(d.Address) {
		add(CodeIncomplete, "address", "Your %s does not show an address.", title)
	}
	missingField := func(f string) {
		if blank(d.Fields[f]) {
			add(CodeIncomplete, "fields."+f, "Your %s does not show %s.", title, fieldWords(f))
		}
	}
	for _, f := range kr.RequiredFields {
		if !(kr.tenancy && f == FieldSigned) { // judged with the term below
			missingField(f)
		}
	}
	if kr.tenancy {
		for _, f := range [...]string{FieldTermStart, FieldTermEnd} {
			if !slices.Contains(kr.RequiredFields, f) {
				missingField(f)
			}
		}
		if !isYes(d.Fields[FieldSigned]) {
			add(CodeIncomplete, "fields."+FieldSigned, "Your %s does not show that it is signed.", title)
		}
		j.tenancyTerm(add, d, title)
	}
	if kr.v5c {
		for _, f := range [...]string{FieldDocumentReference, FieldVRM} {
			if !slices.Contains(kr.RequiredFields, f) {
				missingField(f)
			}
		}
		if ref := d.Fields[FieldDocumentReference]; !blank(ref) && !isV5CReference(ref) {
			add(CodeInvalid, "fields."+FieldDocumentReference, "The document reference on your %s must be exactly 11 digits.", title)
		}
		if raw := d.Fields[FieldVRM]; !blank(raw) {
			// Both registrations are read by ParseVRM, the parser
			// the request's own registration went through.
			vrm, err := ParseVRM(raw)
			switch {
			case err != nil:
				add(CodeInvalid, "fields."+FieldVRM, "The registration on your %s (%q) is not a vehicle registration: it has 2 to 7 letters and digits, with at least one of each.", title, strings.TrimSpace(raw))
			case blank(j.vrm):
				add(CodeMismatch, "fields."+FieldVRM, "Your %s is for vehicle %s, but this request does not name a vehicle.", title, vrm)
			default:
				if want, err := ParseVRM(j.vrm); err != nil || want != vrm {
					add(CodeMismatch, "fields."+FieldVRM, "Your %s is for vehicle %s, not %s, the vehicle on this request.", title, vrm, compactVRM(j.vrm))
				}
			}
		}
	}
	if (kr.RequireAddress || kr.tenancy) && !blank(d.Address) && !j.postcode.IsZero() {
		j.propertyAddress(add, d, title)
	}
	if (kr.RequireName || kr.tenancy) && !blank(d.Name) && !blank(j.holder) && !sameName(d.Name, j.holder) {
		add(CodeMismatch, "name", "Your %s is in the name of %s, not %s.", title, strings.TrimSpace(d.Name), strings.TrimSpace(j.holder))
	}
	return dst
}

// tenancyTerm judges the term of a tenancy agreement: both dates must parse,
// and the term must cover the submission date, both ends inclusive. Missing
// dates were reported already.
func (j *judge) tenancyTerm(add func(Code, string, string, ...any), d *Document, title string) {
	rawStart, rawEnd := d.Fields[FieldTermStart], d.Fields[FieldTermEnd]
	if blank(rawStart) || blank(rawEnd) {
		return
	}
	start, errStart := civil.Parse(rawStart)
	if errStart != nil {
		add(CodeInvalid, "fields."+FieldTermStart, "The start date of the term on your %s (%q) must be written as YYYY-MM-DD.", title, strings.TrimSpace(rawStart))
	}
	end, errEnd := civil.Parse(rawEnd)
	if errEnd != nil {
		add(CodeInvalid, "fields."+FieldTermEnd, "The end date of the term on your %s (%q) must be written as YYYY-MM-DD.", title, strings.TrimSpace(rawEnd))
	}
	switch {
	case errStart != nil || errEnd != nil:
	case end.Before(start):
		add(CodeInvalid, "fields."+FieldTermEnd, "The term on your %s ends on %s, before it starts on %s.", title, end.Long(), start.Long())
	case j.on.Before(start):
		add(CodeDatedInFuture, "fields."+FieldTermStart, "The term on your %s starts on %s, after the date of this request (%s).", title, start.Long(), j.on.Long())
	case j.on.After(end):
		add(CodeOutOfDate, "fields."+FieldTermEnd, "The term on your %s ended on %s, before the date of this request (%s).", title, end.Long(), j.on.Long())
	}
}

// propertyAddress judges the address on a document that must show one: it
// must carry the postcode of the request's property, or it is evidence for
// somewhere else.
func (j *judge) propertyAddress(add func(Code, string, string, ...any), d *Document, title string) {
	shown := strings.TrimSpace(d.Address)
	expected := j.address
	if expected == "" {
		expected = j.postcode.String()
	}
	pc, ok := postcodeIn(shown)
	switch {
	case !ok:
		add(CodeIncomplete, "address", "The address on your %s (%s) has no postcode; it must be the address of the property, %s.", title, shown, expected)
	case pc != j.postcode:
		add(CodeMismatch, "address", "Your %s is for an address in %s (%s), not the property, %s.", title, pc, shown, expected)
	}
}

// postcodeIn finds the last UK postcode written in an address, as
// zones.ParsePostcode reads one: "…, Loughborough LE11 4AJ" and
// "…, le114aj" both give LE11 4AJ.
func postcodeIn(address string) (zones.Postcode, bool) {
	words := strings.FieldsFunc(address, func(r rune) bool {
		return unicode.IsSpace(r) || r == ',' || r == ';' || r == '.'
	})
	for i := len(words) - 1; i >= 0; i-- {
		if i > 0 && len(words[i]) == 3 {
			if pc, err := zones.ParsePostcode(words[i-1] + " " + words[i]); err == nil {
				return pc, true
			}
		}
		if n := len(words[i]); n >= 5 && n <= 7 {
			if pc, err := zones.ParsePostcode(words[i]); err == nil {
				return pc, true
			}
		}
	}
	return zones.Postcode{}, false
}
