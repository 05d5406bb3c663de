package evidence

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func FuzzParseAction(f *testing.F) {
	for _, a := range Actions() {
		f.Add(string(a))
	}
	f.Add("Renew")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAction(s)
		if err != nil {
			if !errors.Is(err, ErrUnknownAction) || a != "" || Action(s).Valid() {
				t.Fatalf("ParseAction(%q) = %q, %v", s, a, err)
			}
			return
		}
		if string(a) != s || !a.Valid() || !slices.Contains(Actions(), a) {
			t.Fatalf("ParseAction(%q) = %q", s, a)
		}
	})
}

// FuzzCheck throws arbitrary documents at the example scheme: Check must not
// panic and its Result must keep its documented shape.
func FuzzCheck(f *testing.F) {
	f.Add("utility_bill", int64(0), int64(-10), "Jane Smith", "12 High St", "", "", "", "", "", "Jane Smith", "AB12CDE", int64(-400), uint8(0))
	f.Add("tenancy_agreement", int64(100), int64(-10), "J Smith", "1 Road", "2025-01-01", "2026-01-01", "yes", "", "", "Jane Smith", "", int64(0), uint8(1))
	f.Add("v5c", int64(0), int64(-5000), "", "", "", "", "", "1234567890١", "ab12 cde", "", "AB12CDE", int64(0), uint8(2))
	f.Add("proof_of_care", int64(-8000), int64(1), "", "", "", "", "", "", "", "", "", int64(-100), uint8(3))
	f.Add("passport", int64(1<<40), int64(-1<<40), "\xff", "\x00", "2025-13-01", "x", "maybe", "", "\u00a0", "Mr", "\xff", int64(1<<40), uint8(255))
	r, err := NewRules(exampleKinds())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, kind string, onDays, issuedDays int64, name, address, termStart, termEnd, signed, ref, vrm, holder, reqVRM string, prevDays int64, sel uint8) {
		base := d(2025, 5, 31)
		at := func(days int64) time.Time { return base.Add(time.Duration(days) * 24 * time.Hour) }
		doc := Document{
			Kind: Kind(kind), IssuedOn: at(issuedDays), Name: name, Address: address,
			Fields: map[string]string{FieldTermStart: termStart, FieldTermEnd: termEnd, FieldSigned: signed, FieldDocumentReference: ref, FieldVRM: vrm},
		}
		all := []Requirement{proofOfResidency, proofOfCare, vehicleDocument, {Name: kind, OneOf: []Kind{Kind(kind)}}}
		var reqs []Requirement
		for i, q := range all {
			if sel&(1<<i) != 0 {
				reqs = append(reqs, q)
			}
		}
		s := Submission{
			Action: Actions()[int(sel)%len(Actions())], On: at(onDays), Requirements: reqs,
			Documents: []Document{doc, {Kind: Kind(kind)}, doc},
			VRM:       reqVRM, HolderName: holder, PreviousAcceptedOn: at(prevDays),
		}
		res := r.Check(s)
		if res.OK() != (res.Err() == nil) {
			t.Fatalf("OK %v but Err %v", res.OK(), res.Err())
		}
		for _, p := range res.Problems {
			if p.Detail == "" || p.Code.sentinel() == nil {
				t.Fatalf("problem without detail or category: %+v", p)
			}
			if p.Document < -1 || p.Document >= len(s.Documents) || (p.Document == -1) != (p.Code == CodeMissing) {
				t.Fatalf("problem names document %d of %d: %+v", p.Document, len(s.Documents), p)
			}
		}
		if !slices.IsSorted(res.Accepted) || len(slices.Compact(slices.Clone(res.Accepted))) != len(res.Accepted) {
			t.Fatalf("Accepted not ascending and unique: %v", res.Accepted)
		}
		for _, i := range res.Accepted {
			if i < 0 || i >= len(s.Documents) {
				t.Fatalf("Accepted names document %d of %d", i, len(s.Documents))
			}
		}
		if err := res.Err(); err != nil && !errors.Is(err, res.Problems[0].Code.sentinel()) {
			t.Fatalf("Err %v does not match the first problem's category", err)
		}
	})
}
