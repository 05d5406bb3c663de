package permit

import (
	"errors"
	"fmt"

	"github.com/carerpermit/carerpermit/permit/message"
)

// What a notification carries and says is decided in package message; a
// Scheme holds its compiled templates (Messages). The names below keep the
// permit API as it was.

// Email is a message rendered for people: a one-line subject, a plain text
// body and an HTML body saying the same.
type Email = message.Email

// MessageKinds returns every kind of message the Service sends, in the
// order of a permit's life.
func MessageKinds() []MessageKind { return message.Kinds() }

// Render turns a message into the email its account holder reads, with
// the scheme's templates for m.Kind (its own where the scheme file gives
// them, the standard ones otherwise); see message.Templates.Render.
//
// Errors: a *ValidationError (ErrValidation) for an unknown kind or a
// value not written as its key requires (a date not YYYY-MM-DD, money not
// "55.00"); an error for a Scheme without Messages (not built by
// scheme.Load). Template mistakes never reach Render: scheme.Load refuses
// them.
func (s *Scheme) Render(m Message) (Email, error) {
	if s.Messages == nil {
		return Email{}, errors.New("permit: Render: the scheme has no templates; build it with scheme.Load")
	}
	e, err := s.Messages.Render(m)
	var de *message.DataError
	if errors.As(err, &de) {
		v := &ValidationError{}
		for _, f := range de.Fields {
			v.Fields = append(v.Fields, FieldError(f))
		}
		return Email{}, v
	}
	if err != nil {
		return Email{}, fmt.Errorf("permit: %w", err)
	}
	return e, nil
}

// SampleMessage returns a message of kind k with every key filled with an
// example value and the scheme's own council details: what scheme.Load
// renders each template with, and what a preview of the templates can
// show. ok is false for an unknown kind.
func (s *Scheme) SampleMessage(k MessageKind) (m Message, ok bool) {
	return message.Sample(s.Sender(), k)
}

// Sender is what the scheme tells its messages about itself: its council
// and operator contacts and the name of its first permit type (for
// sample messages).
func (s *Scheme) Sender() message.Sender {
	snd := message.Sender{Council: message.Contact(s.Council), Operator: message.Contact(s.Operator)}
	if s.Rules != nil && len(s.Rules.PermitTypes) > 0 {
		snd.SamplePermitType = s.Rules.PermitTypes[0].Name
	}
	return snd
}
