package evidence

import "testing"

func BenchmarkCheck(b *testing.B) {
	r := exampleRules(b)
	on := d(2025, 5, 31)
	good := Submission{
		Action: ActionApplicationNewZone, On: on, VRM: "AB12CDE", HolderName: "Jane Smith",
		Requirements: []Requirement{proofOfResidency, vehicleDocument, proofOfCare},
		Documents:    []Document{bill(d(2025, 4, 1)), v5c(d(2020, 1, 1), "12345678901", "ab12 cde"), care(d(2025, 5, 1))},
	}
	bad := good
	bad.Documents = []Document{bill(d(2024, 4, 1)), v5c(d(2020, 1, 1), "1234", "XY34ZZZ")}
	for _, bc := range []struct {
		name string
		s    Submission
	}{{"accepted", good}, {"refused", bad}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = r.Check(bc.s)
			}
		})
	}
}
