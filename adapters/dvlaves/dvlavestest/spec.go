package dvlavestest

import (
	"embed"
	"fmt"
	"sync"

	"github.com/carerpermit/carerpermit/adapters/internal/contract"
)

// spec is DVLA's published OpenAPI document for VES 1.1.0 (spec/SOURCES.md).
//
//go:embed spec/dvla-ves-openapi-1.1.0.yaml
var spec embed.FS

// Spec loads DVLA's published OpenAPI document for VES, for checking an
// adapter's requests and the fake's answers (contract.Spec.Transport).
// Where the document leaves out what VES answers, the answer is not
// checked and the tests must check it another way:
//
//   - 429: VES throttles (its test registration ER19THR answers 429) but
//     the document lists no 429; the fake answers DVLA's error shape.
//   - 403: a missing or wrong x-api-key is refused by DVLA's API gateway
//     with {"message":"Forbidden"}, which the document does not list.
//
// And where the document contradicts itself it is repaired: the months of
// first registration are "format: date" but their own examples, and what
// VES sends, are months ("2019-03"); they are checked as YYYY-MM.
//
// The document is read once; callers share the Spec (safe for concurrent
// use), each test taking its own Transport.
func Spec() (*contract.Spec, error) { return loadSpec() }

var loadSpec = sync.OnceValues(func() (*contract.Spec, error) {
	s, err := contract.Load(spec, "spec/dvla-ves-openapi-1.1.0.yaml")
	if err != nil {
		return nil, err
	}
	vehicle, err := s.Schema("Vehicle")
	if err != nil {
		return nil, err
	}
	for _, month := range []string{"monthOfFirstRegistration", "monthOfFirstDvlaRegistration"} {
		p := vehicle.Properties[month]
		if p == nil || p.Value == nil {
			return nil, fmt.Errorf("dvlavestest: the document's Vehicle has no %s", month)
		}
		p.Value.Format, p.Value.Pattern = "", `^[0-9]{4}-(0[1-9]|1[0-2])$`
	}
	s.KnownDefect(operation, 429, "VES throttles with 429, which the document does not list")
	s.KnownDefect(operation, 403, "the API gateway refuses a bad key with 403, which the document does not list")
	return s, nil
})

// operation is the enquiry's operationId in the document.
const operation = "getVehicleDetailsByRegistrationNumber"
