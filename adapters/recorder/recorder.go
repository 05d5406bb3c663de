// Package recorder is a permit.Notifier that keeps every message instead
// of sending it: for tests and for an evaluation server with no mail.
package recorder

import (
	"context"
	"maps"
	"sync"

	"github.com/carerpermit/carerpermit/permit"
)

// Notifier records messages. The zero value is ready to use and safe for
// concurrent use.
type Notifier struct {
	mu       sync.Mutex
	messages []permit.Message
	// Fail, when set, makes Notify fail with its error (after recording the
	// attempt), to test that a failed send never undoes an operation.
	Fail error
}

var _ permit.Notifier = (*Notifier)(nil)

// Notify records m.
func (n *Notifier) Notify(_ context.Context, m permit.Message) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	m.Data = maps.Clone(m.Data)
	n.messages = append(n.messages, m)
	return n.Fail
}

// Messages returns every message recorded, in order.
func (n *Notifier) Messages() []permit.Message {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]permit.Message(nil), n.messages...)
}

// Of returns the recorded messages of one kind.
func (n *Notifier) Of(kind permit.MessageKind) []permit.Message {
	var out []permit.Message
	for _, m := range n.Messages() {
		if m.Kind == kind {
			out = append(out, m)
		}
	}
	return out
}
