package evidence

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/zones"
)

// brief renders a problem as "code requirement #document field" so a table
// can say which problems it expects in which order.
func brief(p Problem) string {
	return fmt.Sprintf("%s %s #%d %s", p.Code, p.Requirement, p.Document, p.Field)
}

func TestCheck(t *testing.T) {
	may31 := d(2025, 5, 31)
	le11_4aj := zones.MustParsePostcode("LE11 4AJ")
	tests := []struct {
		name     string
		kinds    []KindRule // nil: the example scheme
		s        Submission
		want     []string // brief of each problem, in order
		accepted []int
		detail   string // when set, the first problem's Detail
	}{
		{
			name:     "R7 utility bill exactly 3 months back on 31 May is accepted",
			s:        Submission{Action: ActionAddressChangeSameZone, On: may31, Requirements: []Requirement{proofOfResidency}, Documents: []Document{bill(d(2025, 2, 28))}},
			accepted: []int{0},
		},
		{
			name:   "R7 utility bill one day older than 3 months on 31 May is out of date",
			s:      Submission{Action: ActionAddressChangeSameZone, On: may31, Requirements: []Requirement{proofOfResidency}, Documents: []Document{bill(d(2025, 2, 27))}},
			want:   []string{"evidence_out_of_date proof_of_residency #0 issued_on"},
			detail: "Your utility bill is dated 27 February 2025; it must be dated on or after 28 February 2025 (within the last 3 months).",
		},
		{
			name:     "R7 leap year: utility bill of 29 February 2024 accepted on 31 May 2024",
			s:        Submission{Action: ActionAddressChangeSameZone, On: d(2024, 5, 31), Requirements: []Requirement{proofOfResidency}, Documents: []Document{bill(d(2024, 2, 29))}},
			accepted: []int{0},
		},
		{
			name: "R7 leap year: bank statement of 28 February 2024 out of date on 31 May 2024",
			s: Submission{Action: ActionAddressChangeSameZone, On: d(2024, 5, 31), Requirements: []Requirement{proofOfResidency},
				Documents: []Document{{Kind: "bank_statement", IssuedOn: d(2024, 2, 28), Name: "Jane Smith", Address: "12 High Street"}}},
			want:   []string{"evidence_out_of_date proof_of_residency #0 issued_on"},
			detail: "Your bank statement is dated 28 February 2024; it must be dated on or after 29 February 2024 (within the last 3 months).",
		},
		{
			name:     "R7 utility bill of 30 March accepted on 30 June",
			s:        Submission{Action: ActionAddressChangeSameZone, On: d(2025, 6, 30), Requirements: []Requirement{proofOfResidency}, Documents: []Document{bill(d(2025, 3, 30))}},
			accepted: []int{0},
		},
		{
			name: "R7 utility bill of 29 March out of date on 30 June (calendar months, not 90 days)",
			s:    Submission{Action: ActionAddressChangeSameZone, On: d(2025, 6, 30), Requirements: []Requirement{proofOfResidency}, Documents: []Document{bill(d(2025, 3, 29))}},
			want: []string{"evidence_out_of_date proof_of_residency #0 issued_on"},
		},
		{
			name:  "Dates: one month back from 31 March is 28 February",
			kinds: []KindRule{{Kind: "utility_bill", Title: "utility bill", MaxAgeMonths: 1}},
			s: Submission{On: d(2025, 3, 31), Requirements: []Requirement{{Name: "bill", Title: "bill", OneOf: []Kind{"utility_bill"}}},
				Documents: []Document{{Kind: "utility_bill", IssuedOn: d(2025, 2, 27)}, {Kind: "utility_bill", IssuedOn: d(2025, 2, 28)}}},
			accepted: []int{1},
		},
		{
			name:  "Dates: one month back from 31 March 2024 is 29 February",
			kinds: []KindRule{{Kind: "utility_bill", Title: "utility bill", MaxAgeMonths: 1}},
			s: Submission{On: d(2024, 3, 31), Requirements: []Requirement{{Name: "bill", Title: "bill", OneOf: []Kind{"utility_bill"}}},
				Documents: []Document{{Kind: "utility_bill", IssuedOn: d(2024, 2, 28)}}},
			want:   []string{"evidence_out_of_date bill #0 issued_on"},
			detail: "Your utility bill is dated 28 February 2024; it must be dated on or after 29 February 2024 (within the last month).",
		},
		{
			name: "Dates: midnight in British Summer Time is read as its London date",
			s: Submission{Action: ActionAddressChangeSameZone, On: london(t, 2025, 5, 31), Requirements: []Requirement{proofOfResidency},
				Documents: []Document{bill(london(t, 2025, 2, 28)), bill(london(t, 2025, 5, 31))}},
			accepted: []int{0, 1},
		},
		{
			name:   "Dates: a document dated after the submission date is dated in the future",
			s:      Submission{Action: ActionAddressChangeSameZone, On: may31, Requirements: []Requirement{proofOfResidency}, Documents: []Document{bill(d(2025, 6, 1))}},
			want:   []string{"evidence_dated_in_future proof_of_residency #0 issued_on"},
			detail: "Your utility bill is dated 1 June 2025, which is after the date of this request (31 May 2025).",
		},
		{
			name:     "Dates: a document dated on the submission date is accepted",
			s:        Submission{Action: ActionAddressChangeSameZone, On: may31, Requirements: []Requirement{proofOfResidency}, Documents: []Document{bill(may31)}},
			accepted: []int{0},
		},
		{
			name:   "R2 a document without a date of issue is incomplete",
			s:      Submission{Action: ActionApply, On: may31, Requirements: []Requirement{proofOfResidency}, Documents: []Document{bill(time.Time{})}},
			want:   []string{"evidence_incomplete proof_of_residency #0 issued_on"},
			detail: "Your utility bill does not show the date it was issued.",
		},
		{
			name:     "R7 tenancy agreement whose term covers the submission date is accepted",
			s:        Submission{Action: ActionAddressChangeSameZone, On: may31, Requirements: []Requirement{proofOfResidency}, Documents: []Document{tenancy(d(2024, 6, 1), "2024-06-01", "2025-05-31", "yes")}},
			accepted: []int{0},
		},
		{
			name:     "R7 tenancy agreement starting on the submission date is accepted",
			s:        Submission{Action: ActionAddressChangeSameZone, On: may31, Requirements: []Requirement{proofOfResidency}, Documents: []Document{tenancy(d(2025, 5, 1), " 2025-05-31 ", "2026-05-30", "TRUE")}},
			accepted: []int{0},
		},
		{
			name:   "R7 tenancy agreement whose term ended the day before is out of date",
			s:      Submission{Action: ActionAddressChangeSameZone, On: may31, Requirements: []Requirement{proofOfResidency}, Documents: []Document{tenancy(d(2024, 5, 1), "2024-05-31", "2025-05-30", "yes")}},
			want:   []string{"evidence_out_of_date proof_of_residency #0 fields.term_end"},
			detail: "The term on your tenancy agreement ended on 30 May 2025, before the date of this request (31 May 2025).",
		},
		{
			name:   "R7 tenancy agreement whose term starts after the submission date",
			s:      Submission{Action: ActionAddressChangeSameZone, On: may31, Requirements: []Requirement{proofOfResidency}, Documents: []Document{tenancy(d(2025, 5, 20), "2025-06-01", "2026-05-31", "yes")}},
			want:   []string{"evidence_dated_in_future proof_of_residency #0 fields.term_start"},
			detail: "The term on your tenancy agreement starts on 1 June 2025, after the date of this request (31 May 2025).",
		},
		{
			name:   "R7 tenancy agreement without signatures is incomplete",
			s:      Submission{Action: ActionAddressChangeSameZone, On: may31, Requirements: []Requirement{proofOfResidency}, Documents: []Document{tenancy(d(2025, 1, 1), "2025-01-01", "2025-12-31", "")}},
			want:   []string{"evidence_incomplete proof_of_residency #0 fields.signed"},
			detail: "Your tenancy agreement does not show that it is signed.",
		},
		{
			name: "R7 tenancy agreement marked not signed is incomplete",
			s:    Submission{Action: ActionAddressChangeSameZone, On: may31, Requirements: []Requirement{proofOfResidency}, Documents: []Document{tenancy(d(2025, 1, 1), "2025-01-01", "2025-12-31", "no")}},
			want: []string{"evidence_incomplete proof_of_residency #0 fields.signed"},
		},
		{
			name: "R7 tenancy agreement must show name, address and term: every gap listed",
			s: Submission{Action: ActionAddressChangeSameZone, On: may31, Requirements: []Requirement{proofOfResidency},
				Documents: []Document{{Kind: "tenancy_agreement", IssuedOn: d(2025, 1, 1), Fields: map[string]string{FieldSigned: "yes"}}}},
			want: []string{
				"evidence_incomplete proof_of_residency #0 name",
				"evidence_incomplete proof_of_residency #0 address",
				"evidence_incomplete proof_of_residency #0 fields.term_start",
				"evidence_incomplete proof_of_residency #0 fields.term_end",
			},
			detail: "Your tenancy agreement does not show a name.",
		},
		{
			name: "R7 tenancy term dates must be YYYY-MM-DD",
			s:    Submission{Action: ActionAddressChangeSameZone, On: may31, Requirements: []Requirement{proofOfResidency}, Documents: []Document{tenancy(d(2025, 1, 1), "01/01/2025", "2025-02-30", "yes")}},
			want: []string{
				"evidence_invalid proof_of_residency #0 fields.term_start",
				"evidence_invalid proof_of_residency #0 fields.term_end",
			},
			detail: `The start date of the term on your tenancy agreement ("01/01/2025") must be written as YYYY-MM-DD.`,
		},
		{
			name:   "R7 tenancy term that ends before it starts is invalid",
			s:      Submission{Action: ActionAddressChangeSameZone, On: may31, Requirements: []Requirement{proofOfResidency}, Documents: []Document{tenancy(d(2025, 1, 1), "2025-12-31", "2025-01-01", "yes")}},
			want:   []string{"evidence_invalid proof_of_residency #0 fields.term_end"},
			detail: "The term on your tenancy agreement ends on 1 January 2025, before it starts on 31 December 2025.",
		},
		{
			name:     "R7 one good and one bad document in a one-of group is accepted",
			s:        Submission{Action: ActionAddressChangeSameZone, On: may31, Requirements: []Requirement{proofOfResidency}, Documents: []Document{bill(d(2024, 1, 1)), tenancy(d(2025, 1, 1), "2025-01-01", "2025-12-31", "yes")}},
			accepted: []int{1},
		},
		{
			name: "R7 documents given but none good: their problems, not missing",
			s: Submission{Action: ActionAddressChangeSameZone, On: may31, Requirements: []Requirement{proofOfResidency},
				Documents: []Document{bill(d(2024, 1, 1)), {Kind: "solicitor_letter", IssuedOn: d(2025, 5, 1), Name: "Jane Smith"}}},
			want: []string{
				"evidence_out_of_date proof_of_residency #0 issued_on",
				"evidence_incomplete proof_of_residency #1 address",
			},
		},
		{
			name:   "R7 missing proof of residency names the acceptable kinds",
			s:      Submission{Action: ActionAddressChangeSameZone, On: may31, Requirements: []Requirement{proofOfResidency}},
			want:   []string{"evidence_missing proof_of_residency #-1 "},
			detail: "Proof of residency is required: one of a tenancy agreement, a utility bill, a bank statement, a letter of completion or a letter from a solicitor.",
		},
		{
			name:     "R7 new zone: a missing V5C names the document",
			s:        Submission{Action: ActionApplicationNewZone, On: may31, VRM: "AB12CDE", Requirements: []Requirement{proofOfResidency, vehicleDocument}, Documents: []Document{bill(may31)}},
			want:     []string{"evidence_missing vehicle_document #-1 "},
			detail:   "Vehicle registration document is required: a V5C.",
			accepted: []int{0},
		},
		{
			name:     "R7 new zone: V5C with an 11-digit reference and the same vehicle ignoring spaces and case",
			s:        Submission{Action: ActionApplicationNewZone, On: may31, VRM: "AB12CDE", Requirements: []Requirement{vehicleDocument}, Documents: []Document{v5c(d(2020, 1, 1), "12345678901", "ab12 cde")}},
			accepted: []int{0},
		},
		{
			name:     "R4 V5C reference written with spaces between groups is accepted",
			s:        Submission{Action: ActionVehicleChange, On: may31, VRM: " ab12cde ", Requirements: []Requirement{vehicleDocument}, Documents: []Document{v5c(d(2020, 1, 1), "1234 5678 901", "AB12 CDE")}},
			accepted: []int{0},
		},
		{
			name:   "R4 V5C reference of 10 digits is invalid",
			s:      Submission{Action: ActionVehicleChange, On: may31, VRM: "AB12CDE", Requirements: []Requirement{vehicleDocument}, Documents: []Document{v5c(d(2020, 1, 1), "1234567890", "AB12CDE")}},
			want:   []string{"evidence_invalid vehicle_document #0 fields.document_reference"},
			detail: "The document reference on your V5C must be exactly 11 digits.",
		},
		{
			name: "R4 V5C reference of 12 digits is invalid",
			s:    Submission{Action: ActionVehicleChange, On: may31, VRM: "AB12CDE", Requirements: []Requirement{vehicleDocument}, Documents: []Document{v5c(d(2020, 1, 1), "123456789012", "AB12CDE")}},
			want: []string{"evidence_invalid vehicle_document #0 fields.document_reference"},
		},
		{
			name: "R4 V5C reference with letters is invalid",
			s:    Submission{Action: ActionVehicleChange, On: may31, VRM: "AB12CDE", Requirements: []Requirement{vehicleDocument}, Documents: []Document{v5c(d(2020, 1, 1), "1234567890A", "AB12CDE")}},
			want: []string{"evidence_invalid vehicle_document #0 fields.document_reference"},
		},
		{
			name: "R4 V5C without reference or registration is incomplete",
			s:    Submission{Action: ActionVehicleChange, On: may31, VRM: "AB12CDE", Requirements: []Requirement{vehicleDocument}, Documents: []Document{{Kind: "v5c", IssuedOn: d(2020, 1, 1)}}},
			want: []string{
				"evidence_incomplete vehicle_document #0 fields.document_reference",
				"evidence_incomplete vehicle_document #0 fields.vrm",
			},
		},
		{
			name:   "R4 V5C for another vehicle is a mismatch",
			s:      Submission{Action: ActionVehicleChange, On: may31, VRM: "xy34 zzz", Requirements: []Requirement{vehicleDocument}, Documents: []Document{v5c(d(2020, 1, 1), "12345678901", "ab12 cde")}},
			want:   []string{"evidence_mismatch vehicle_document #0 fields.vrm"},
			detail: "Your V5C is for vehicle AB12CDE, not XY34ZZZ, the vehicle on this request.",
		},
		{
			name: "defect 9 utility bill for another address is not proof of residency at the property",
			s: Submission{Action: ActionAddressChangeSameZone, On: may31, Requirements: []Requirement{proofOfResidency},
				PropertyPostcode: le11_4aj, PropertyAddress: "16 Leicester Close, Loughborough, LE11 4AJ",
				Documents: []Document{{Kind: "utility_bill", IssuedOn: d(2025, 5, 1), Name: "Jane Smith", Address: "99 Nowhere Road"}}},
			want:   []string{"evidence_incomplete proof_of_residency #0 address"},
			detail: "The address on your utility bill (99 Nowhere Road) has no postcode; it must be the address of the property, 16 Leicester Close, Loughborough, LE11 4AJ.",
		},
		{
			name: "defect 9 utility bill with another postcode is a mismatch",
			s: Submission{Action: ActionAddressChangeSameZone, On: may31, Requirements: []Requirement{proofOfResidency},
				PropertyPostcode: le11_4aj, PropertyAddress: "16 Leicester Close, Loughborough, LE11 4AJ",
				Documents: []Document{{Kind: "utility_bill", IssuedOn: d(2025, 5, 1), Name: "Jane Smith", Address: "99 Nowhere Road, Leicester LE1 1AA"}}},
			want:   []string{"evidence_mismatch proof_of_residency #0 address"},
			detail: "Your utility bill is for an address in LE1 1AA (99 Nowhere Road, Leicester LE1 1AA), not the property, 16 Leicester Close, Loughborough, LE11 4AJ.",
		},
		{
			name: "defect 9 tenancy agreement with the property's postcode written any way is accepted",
			s: Submission{Action: ActionAddressChangeSameZone, On: may31, Requirements: []Requirement{proofOfResidency},
				PropertyPostcode: le11_4aj, PropertyAddress: "16 Leicester Close, Loughborough, LE11 4AJ",
				Documents: []Document{func() Document {
					t := tenancy(d(2025, 1, 1), "2025-01-01", "2026-01-01", "yes")
					t.Address = "16 Leicester Close, Loughborough, le114aj"
					return t
				}()}},
			accepted: []int{0},
		},
		{
			name: "defect 9 one good proof of residency is enough beside one for elsewhere",
			s: Submission{Action: ActionAddressChangeSameZone, On: may31, Requirements: []Requirement{proofOfResidency},
				PropertyPostcode: le11_4aj,
				Documents: []Document{
					{Kind: "utility_bill", IssuedOn: d(2025, 5, 1), Name: "Jane Smith", Address: "99 Nowhere Road"},
					{Kind: "bank_statement", IssuedOn: d(2025, 5, 1), Name: "Jane Smith", Address: "16 Leicester Close LE11 4AJ"},
				}},
			accepted: []int{1},
		},
		{
			name: "defect 9 a kind that need not show an address is not compared",
			s: Submission{Action: ActionApply, On: may31, Requirements: []Requirement{proofOfCare}, PropertyPostcode: le11_4aj,
				Documents: []Document{{Kind: "proof_of_care", IssuedOn: d(2025, 5, 1), Address: "Surgery, 1 Other Street, LE1 1AA"}}},
			accepted: []int{0},
		},
		{
			name:     "defect 8 V5C registration with a hyphen is the same vehicle as the request's",
			s:        Submission{Action: ActionVehicleChange, On: may31, VRM: "AB12CDE", Requirements: []Requirement{vehicleDocument}, Documents: []Document{v5c(d(2020, 1, 1), "12345678901", "AB12-CDE")}},
			accepted: []int{0},
		},
		{
			name:     "defect 8 request registration typed with a hyphen matches the V5C",
			s:        Submission{Action: ActionVehicleChange, On: may31, VRM: "ab12-cde", Requirements: []Requirement{vehicleDocument}, Documents: []Document{v5c(d(2020, 1, 1), "12345678901", "AB12 CDE")}},
			accepted: []int{0},
		},
		{
			name:   "defect 8 V5C registration that is not one is invalid",
			s:      Submission{Action: ActionVehicleChange, On: may31, VRM: "AB12CDE", Requirements: []Requirement{vehicleDocument}, Documents: []Document{v5c(d(2020, 1, 1), "12345678901", "AB12*CDE")}},
			want:   []string{"evidence_invalid vehicle_document #0 fields.vrm"},
			detail: `The registration on your V5C ("AB12*CDE") is not a vehicle registration: it has 2 to 7 letters and digits, with at least one of each.`,
		},
		{
			name: "R4 V5C given with a request that names no vehicle is a mismatch",
			s:    Submission{Action: ActionVehicleChange, On: may31, Requirements: []Requirement{vehicleDocument}, Documents: []Document{v5c(d(2020, 1, 1), "12345678901", "AB12CDE")}},
			want: []string{"evidence_mismatch vehicle_document #0 fields.vrm"},
		},
		{
			name:     "R5 renewal proof of care issued after the previous one was accepted",
			s:        Submission{Action: ActionRenew, On: may31, PreviousAcceptedOn: d(2024, 6, 10), Requirements: []Requirement{proofOfCare}, Documents: []Document{care(d(2024, 6, 11))}},
			accepted: []int{0},
		},
		{
			name:   "R5 renewal proof of care issued the day the previous one was accepted is stale",
			s:      Submission{Action: ActionRenew, On: may31, PreviousAcceptedOn: d(2024, 6, 10), Requirements: []Requirement{proofOfCare}, Documents: []Document{care(d(2024, 6, 10))}},
			want:   []string{"evidence_out_of_date proof_of_care #0 issued_on"},
			detail: "Your proof of care is dated 10 June 2024; to renew, it must be dated after 10 June 2024, when your previous proof of care was accepted.",
		},
		{
			name: "R5 renewal proof of care issued before the previous one was accepted is stale",
			s:    Submission{Action: ActionRenew, On: may31, PreviousAcceptedOn: d(2025, 3, 1), Requirements: []Requirement{proofOfCare}, Documents: []Document{care(d(2025, 1, 15))}},
			want: []string{"evidence_out_of_date proof_of_care #0 issued_on"},
		},
		{
			name:   "R5 renewal with the previous acceptance older than the maximum age: the maximum age binds",
			s:      Submission{Action: ActionRenew, On: may31, PreviousAcceptedOn: d(2023, 1, 1), Requirements: []Requirement{proofOfCare}, Documents: []Document{care(d(2024, 5, 30))}},
			want:   []string{"evidence_out_of_date proof_of_care #0 issued_on"},
			detail: "Your proof of care is dated 30 May 2024; it must be dated on or after 31 May 2024 (within the last 12 months).",
		},
		{
			name:     "R5 renewal with the previous acceptance unknown falls back to the maximum age",
			s:        Submission{Action: ActionRenew, On: may31, Requirements: []Requirement{proofOfCare}, Documents: []Document{care(d(2024, 5, 31)), care(d(2024, 5, 30))}},
			accepted: []int{0},
		},
		{
			name:     "R2 a first application ignores the previous acceptance date",
			s:        Submission{Action: ActionApply, On: may31, PreviousAcceptedOn: d(2025, 3, 1), Requirements: []Requirement{proofOfCare}, Documents: []Document{care(d(2025, 1, 15))}},
			accepted: []int{0},
		},
		{
			name: "R2 a document of a kind the council does not accept, even with every requirement met",
			s: Submission{Action: ActionApply, On: may31, Requirements: []Requirement{proofOfCare},
				Documents: []Document{{Kind: "passport", IssuedOn: d(2025, 1, 1)}, care(d(2025, 1, 1))}},
			want:     []string{"evidence_unknown_kind  #0 kind"},
			detail:   `We do not accept a document of type "passport".`,
			accepted: []int{1},
		},
		{
			name: "R2 a known kind no requirement asks for is ignored",
			s: Submission{Action: ActionApply, On: may31, Requirements: []Requirement{proofOfCare},
				Documents: []Document{{Kind: "blue_badge"}, care(d(2025, 1, 1))}},
			accepted: []int{1},
		},
		{
			name: "R2 problems in requirement order, then document order, then unknown kinds",
			s: Submission{Action: ActionApplicationNewZone, On: may31, VRM: "AB12CDE",
				Requirements: []Requirement{proofOfResidency, vehicleDocument, proofOfCare},
				Documents: []Document{
					v5c(d(2020, 1, 1), "1", "AB12CDE"),
					{Kind: "selfie"},
					bill(d(2026, 1, 1)),
					bill(d(2020, 1, 1)),
				}},
			want: []string{
				"evidence_dated_in_future proof_of_residency #2 issued_on",
				"evidence_out_of_date proof_of_residency #3 issued_on",
				"evidence_invalid vehicle_document #0 fields.document_reference",
				"evidence_missing proof_of_care #-1 ",
				"evidence_unknown_kind  #1 kind",
			},
		},
		{
			name:     "R7 holder name matches ignoring case, title and punctuation, or as an initial",
			s:        Submission{Action: ActionAddressChangeSameZone, On: may31, HolderName: "Jane Mary O'Brien-Smith", Requirements: []Requirement{proofOfResidency}, Documents: []Document{withName(bill(may31), "MRS J. OBRIEN SMITH")}},
			accepted: []int{0},
		},
		{
			name:   "R7 a different holder name is a mismatch",
			s:      Submission{Action: ActionAddressChangeSameZone, On: may31, HolderName: "Jane Smith", Requirements: []Requirement{proofOfResidency}, Documents: []Document{withName(bill(may31), "Mr John Smith")}},
			want:   []string{"evidence_mismatch proof_of_residency #0 name"},
			detail: "Your utility bill is in the name of Mr John Smith, not Jane Smith.",
		},
		{
			name: "R7 a utility bill without a name or address is incomplete",
			s: Submission{Action: ActionAddressChangeSameZone, On: may31, HolderName: "Jane Smith", Requirements: []Requirement{proofOfResidency},
				Documents: []Document{{Kind: "utility_bill", IssuedOn: may31, Name: " ", Address: ""}}},
			want: []string{
				"evidence_incomplete proof_of_residency #0 name",
				"evidence_incomplete proof_of_residency #0 address",
			},
		},
		{
			name:  "R7 a scheme's own required field is named in words",
			kinds: []KindRule{{Kind: "council_tax_bill", Title: "council tax bill", RequiredFields: []string{"account_number"}}},
			s: Submission{On: may31, Requirements: []Requirement{{Name: "proof_of_residency", Title: "proof of residency", OneOf: []Kind{"council_tax_bill"}}},
				Documents: []Document{{Kind: "council_tax_bill", IssuedOn: may31}}},
			want:   []string{"evidence_incomplete proof_of_residency #0 fields.account_number"},
			detail: "Your council tax bill does not show the account number.",
		},
		{
			name:     "R7 a document counting toward two groups is accepted once",
			s:        Submission{On: may31, Requirements: []Requirement{proofOfResidency, {Name: "bill", Title: "bill", OneOf: []Kind{"utility_bill"}}}, Documents: []Document{bill(may31)}},
			accepted: []int{0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := exampleRules(t)
			if tt.kinds != nil {
				var err error
				r, err = NewRules(tt.kinds)
				require.NoError(t, err)
			}
			res := r.Check(tt.s)
			got := make([]string, len(res.Problems))
			for i, p := range res.Problems {
				got[i] = brief(p)
				require.NotEmpty(t, p.Detail, "problem %d has no detail", i)
			}
			require.Equal(t, tt.want, nilIfEmpty(got))
			require.Equal(t, tt.accepted, res.Accepted)
			require.Equal(t, len(tt.want) == 0, res.OK())
			if res.OK() {
				require.Nil(t, res.Problems)
			}
			if tt.detail != "" {
				require.Equal(t, tt.detail, res.Problems[0].Detail)
			}
		})
	}
}

func withName(doc Document, name string) Document {
	doc.Name = name
	return doc
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func TestResultErr(t *testing.T) {
	r := exampleRules(t)
	tests := []struct {
		name string
		s    Submission
		want error
	}{
		{"R2 missing evidence", Submission{On: d(2025, 5, 31), Requirements: []Requirement{proofOfCare}}, ErrEvidenceMissing},
		{"R7 out of date", Submission{On: d(2025, 5, 31), Requirements: []Requirement{proofOfResidency}, Documents: []Document{bill(d(2020, 1, 1))}}, ErrEvidenceOutOfDate},
		{"R7 incomplete", Submission{On: d(2025, 5, 31), Requirements: []Requirement{proofOfResidency}, Documents: []Document{{Kind: "utility_bill", IssuedOn: d(2025, 5, 1)}}}, ErrEvidenceIncomplete},
		{"R4 mismatch", Submission{On: d(2025, 5, 31), VRM: "X1", Requirements: []Requirement{vehicleDocument}, Documents: []Document{v5c(d(2020, 1, 1), "12345678901", "Y2")}}, ErrEvidenceMismatch},
		{"Dates: dated in the future", Submission{On: d(2025, 5, 31), Requirements: []Requirement{proofOfCare}, Documents: []Document{care(d(2025, 6, 1))}}, ErrEvidenceInvalid},
		{"R2 unknown kind", Submission{On: d(2025, 5, 31), Documents: []Document{{Kind: "passport"}}}, ErrEvidenceInvalid},
	}
	all := []error{ErrEvidenceMissing, ErrEvidenceOutOfDate, ErrEvidenceIncomplete, ErrEvidenceInvalid, ErrEvidenceMismatch}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := r.Check(tt.s).Err()
			require.ErrorIs(t, err, tt.want)
			for _, other := range all {
				if other != tt.want {
					require.NotErrorIs(t, err, other)
				}
			}
			var pe *ProblemsError
			require.True(t, errors.As(err, &pe))
			require.NotEmpty(t, pe.Problems)
			require.Contains(t, err.Error(), pe.Problems[0].Detail)
		})
	}

	t.Run("R2 every problem is in the message, the first decides the category", func(t *testing.T) {
		res := r.Check(Submission{On: d(2025, 5, 31), Requirements: []Requirement{proofOfCare, proofOfResidency}, Documents: []Document{bill(d(2020, 1, 1))}})
		err := res.Err()
		require.ErrorIs(t, err, ErrEvidenceMissing)
		require.Equal(t, "evidence: evidence_missing: Proof of care is required.; "+
			"evidence_out_of_date: Your utility bill is dated 1 January 2020; it must be dated on or after 28 February 2025 (within the last 3 months).",
			err.Error())
	})

	t.Run("R2 good evidence gives no error", func(t *testing.T) {
		res := r.Check(Submission{On: d(2025, 5, 31), Requirements: []Requirement{proofOfCare}, Documents: []Document{care(d(2025, 5, 1))}})
		require.True(t, res.OK())
		require.NoError(t, res.Err())
	})
}

func TestCheckNilRulesKnowsNoKinds(t *testing.T) {
	var r *Rules
	res := r.Check(Submission{On: d(2025, 5, 31), Requirements: []Requirement{proofOfCare}, Documents: []Document{care(d(2025, 5, 1))}})
	got := make([]string, len(res.Problems))
	for i, p := range res.Problems {
		got[i] = brief(p)
	}
	require.Equal(t, []string{"evidence_missing proof_of_care #-1 ", "evidence_unknown_kind  #0 kind"}, got)
}

func TestCheckDoesNotChangeItsInput(t *testing.T) {
	r := exampleRules(t)
	docs := []Document{bill(d(2020, 1, 1)), tenancy(d(2025, 1, 1), "2025-01-01", "2025-12-31", "yes")}
	reqs := []Requirement{proofOfResidency}
	before := fmt.Sprint(docs, reqs)
	r.Check(Submission{On: d(2025, 5, 31), Requirements: reqs, Documents: docs})
	require.Equal(t, before, fmt.Sprint(docs, reqs))
}

func TestSameName(t *testing.T) {
	tests := []struct {
		shown, holder string
		want          bool
	}{
		{"Jane Smith", "jane  smith", true},
		{"MRS JANE SMITH", "Jane Smith", true},
		{"J Smith", "Jane Smith", true},
		{"Jane Smith", "J. Smith", true},
		{"Jane Mary Smith", "Jane Smith", true},
		{"Smith", "Jane Smith", true},
		{"Mr Smith", "Jane Smith", true},
		{"O’Brien", "Sean O'Brien", true},
		{"A Smith-Jones", "Ann Smith Jones", true},
		{"John Smith", "Jane Smith", false},
		{"Jane Smyth", "Jane Smith", false},
		{"Jane", "Jane Smith", false},
		{"Mr", "Jane Smith", false},
		{"Mr Dr Smith", "Jane Smith", true},
		{"Mr Dr", "Dr", true},
		{"' Jane ' Smith '", "Jane Smith", true},
		{"Jane Smith", "Mrs", false},
		{"Mr", "Mrs", false},
		{"???", "Jane Smith", false},
		{"Anything", "", true},
		{"Ja Smith", "Jane Smith", false},
		{"Élodie Dupont", "élodie dupont", true},
	}
	for _, tt := range tests {
		t.Run(tt.shown+" vs "+tt.holder, func(t *testing.T) {
			require.Equal(t, tt.want, sameName(tt.shown, tt.holder))
		})
	}
}

func TestMissingSentenceArticles(t *testing.T) {
	r, err := NewRules([]KindRule{
		{Kind: "hmrc_letter", Title: "HMRC letter"},
		{Kind: "v5c", Title: "V5C"},
		{Kind: "electoral", Title: "electoral roll entry"},
		{Kind: "univ", Title: "university letter"},
		{Kind: "umb", Title: "unsigned form"},
	})
	require.NoError(t, err)
	got := missingSentence(r, Requirement{Name: "id", Title: "", OneOf: []Kind{"hmrc_letter", "v5c", "electoral", "univ", "umb", "not_known"}})
	require.Equal(t, "Id is required: one of an HMRC letter, a V5C, an electoral roll entry, a university letter, an unsigned form or a not known.", got)
	require.Equal(t, "Proof is required: one of a V5C or an HMRC letter.", missingSentence(r, Requirement{Name: "p", Title: "proof", OneOf: []Kind{"v5c", "hmrc_letter"}}))
	require.Equal(t, "Vehicle is required.", missingSentence(r, Requirement{Name: "vehicle"}))
}

func TestPostcodeIn(t *testing.T) {
	tests := []struct {
		address string
		want    string // "" when none
	}{
		{"16 Leicester Close, Loughborough, LE11 4AJ", "LE11 4AJ"},
		{"16 Leicester Close, Loughborough LE114AJ", "LE11 4AJ"},
		{"16 leicester close, le11 4aj.", "LE11 4AJ"},
		{"LE11 4AJ, 16 Leicester Close", "LE11 4AJ"},
		{"99 Nowhere Road", ""},
		{"Flat 2, 12 Ashby Road", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.address, func(t *testing.T) {
			pc, ok := postcodeIn(tt.address)
			require.Equal(t, tt.want != "", ok)
			if ok {
				require.Equal(t, tt.want, pc.String())
			}
		})
	}
}
