package permit

import (
	"slices"
	"strconv"
	"strings"
)

// RejectionReason is one of the council's reasons for rejecting an
// application or an address change (R3): a stable code officers and
// back-office systems send, and the words the resident reads in the
// rejection notice.
type RejectionReason struct {
	Code string // e.g. "proof_unclear"
	Text string // one or two sentences for the resident
}

// RejectionReason returns the scheme's reason with that code. A scheme
// that lists no reasons knows none.
func (s *Scheme) RejectionReason(code string) (RejectionReason, bool) {
	i := slices.IndexFunc(s.RejectionReasons, func(r RejectionReason) bool { return r.Code == code })
	if i < 0 {
		return RejectionReason{}, false
	}
	return s.RejectionReasons[i], true
}

// RejectionCodes returns the codes of the scheme's rejection reasons, in
// the file's order.
func (s *Scheme) RejectionCodes() []string {
	out := make([]string, len(s.RejectionReasons))
	for i, r := range s.RejectionReasons {
		out[i] = r.Code
	}
	return out
}

// checkRejection validates an officer's rejection against the scheme's
// reasons, adding problems to v. With no reasons listed any non-blank code
// is accepted; a code is then required only when requireCode is set.
func (s *Scheme) checkRejection(v *ValidationError, r Rejection, requireCode bool) {
	codes := s.RejectionCodes()
	switch {
	case r.Code == "" && len(codes) > 0:
		v.add("reason_code", "required", "Give the council's reason code: "+wordList(codes, "or")+".")
	case r.Code == "" && requireCode:
		v.add("reason_code", "required", "Give the council's reason code.")
	case r.Code != "" && len(codes) > 0 && !slices.Contains(codes, r.Code):
		code := r.Code
		if len(code) > 64 {
			code = code[:64] + "…"
		}
		v.add("reason_code", "unknown_reason_code", "There is no reason code "+strconv.Quote(code)+" in this scheme; use "+wordList(codes, "or")+".")
	}
}

// wordList is "a", "a or b", "a, b or c".
func wordList(words []string, last string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " " + last + " " + words[len(words)-1]
}
