package govuknotifytest

import (
	"embed"
	"sync"

	"github.com/carerpermit/carerpermit/adapters/internal/contract"
)

// spec is Notify's published OpenAPI document (spec/SOURCES.md).
//
//go:embed spec/*.json
var spec embed.FS

// The send operations of the document.
var sendOperations = []string{"sendEmail", "sendTextMessage", "sendLetter"}

// Spec loads GOV.UK Notify's published OpenAPI document, for checking an
// adapter's requests and the fake's answers (contract.Spec.Transport).
// Where the document is wrong about what Notify sends, the answer body
// is not checked, and the test must check it another way:
//
//   - 500: the document says an array of errors; Notify answers the same
//     envelope as every other error, {"errors":[…],"status_code":500}
//     (the API documentation's error tables and its own examples).
//   - 201 of sendLetter: SendLetterResponse is a oneOf of two schemas with
//     no required fields, which every object matches both of, so no
//     answer can pass; check it against SendNormalLetterResponse (Schema).
//   - 200 of getMultipleMessagesStatus: GetOneMessageResponse is likewise
//     a oneOf of three schemas (sms, email, letter) that every message
//     matches all of; check each message against the one its type names.
//
// The document is read once; every caller shares the Spec (safe for
// concurrent use), each test taking its own Transport.
func Spec() (*contract.Spec, error) { return loadSpec() }

var loadSpec = sync.OnceValues(func() (*contract.Spec, error) {
	s, err := contract.Load(spec, "spec/publicapi_spec.json")
	if err != nil {
		return nil, err
	}
	for _, op := range sendOperations {
		s.KnownDefect(op, 500, "Notify's 500 is the error envelope, not an array")
	}
	s.KnownDefect("sendLetter", 201, "SendLetterResponse's oneOf matches both alternatives")
	s.KnownDefect("getMultipleMessagesStatus", 200, "GetOneMessageResponse's oneOf matches all three alternatives")
	return s, nil
})
