package notifyoutbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/carerpermit/carerpermit/permit"
)

// Messages is what a Sender needs of the permit Service (*permit.Service
// has it): the recorded messages due, leased, and a way to record each
// one's outcome.
type Messages interface {
	TakeMessages(ctx context.Context, at time.Time, lease time.Duration, limit int) ([]permit.RecordedMessage, error)
	SettleMessage(ctx context.Context, m permit.RecordedMessage, status permit.MessageStatus, next time.Time, lastErr string) error
}

var _ Messages = (*permit.Service)(nil)

// Sender sends the messages a permit Service records in its store with
// the change they report (permit.Options.RecordMessages): the outbox is
// then the store's own table, written in the change's transaction, so a
// crash after the commit cannot lose a message. It takes the due ones
// (permit.Service.TakeMessages, leased so that two instances never send
// one at once and one whose sender died is taken again after the lease),
// hands them to next and records the outcome
// (permit.Service.SettleMessage); retries and refusals as for Outbox.
// Safe for concurrent use.
type Sender struct {
	msgs Messages
	next permit.Notifier
	o    Options
	wake chan struct{}
}

// NewSender returns a Sender taking the messages a Service built with
// permit.Options.RecordMessages records in its store (msgs: the Service)
// and sending them through next. Of opts, LockWriter is not used: the
// Service writes through its Store.
func NewSender(msgs Messages, next permit.Notifier, opts *Options) (*Sender, error) {
	if msgs == nil || next == nil {
		return nil, errors.New("notifyoutbox: NewSender: the messages and the notifier are required")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.FirstRetry <= 0 {
		o.FirstRetry = 30 * time.Second
	}
	if o.MaxRetry <= 0 {
		o.MaxRetry = time.Hour
	}
	if o.Lease <= 0 {
		o.Lease = 2 * time.Minute
	}
	if o.Batch <= 0 {
		o.Batch = 100
	}
	return &Sender{msgs: msgs, next: next, o: o, wake: make(chan struct{}, 1)}, nil
}

// Wake makes a running sender look for messages at once: give it to
// permit.Options.MessagesRecorded.
func (b *Sender) Wake(int) {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// Drain sends the recorded messages whose time has come (up to
// Options.Batch), each leased first.
func (b *Sender) Drain(ctx context.Context) (Report, error) {
	var r Report
	due, err := b.msgs.TakeMessages(ctx, b.o.Now(), b.o.Lease, b.o.Batch)
	if err != nil {
		return r, fmt.Errorf("notifyoutbox: taking due messages: %w", err)
	}
	var errs []error
	for _, m := range due {
		if ctx.Err() != nil {
			return r, errors.Join(append(errs, ctx.Err())...)
		}
		res, err := b.send(ctx, m)
		if err != nil {
			errs = append(errs, err)
		}
		switch res {
		case permit.MessageSent:
			r.Sent++
		case permit.MessageFailed:
			r.Failed++
		case permit.MessagePending:
			r.Retried++
		}
	}
	return r, errors.Join(errs...)
}

// send hands one leased message to the provider and records the outcome.
func (b *Sender) send(ctx context.Context, m permit.RecordedMessage) (permit.MessageStatus, error) {
	sendErr := b.next.Notify(ctx, m.Message)
	status, next, lastErr := permit.MessageSent, time.Time{}, ""
	switch {
	case sendErr == nil:
	case b.o.Permanent != nil && b.o.Permanent(sendErr):
		if b.o.Failed != nil {
			b.o.Failed(m.Message, sendErr)
		}
		status, lastErr = permit.MessageFailed, sendErr.Error()
	default:
		pause := b.o.FirstRetry
		for i := 0; i < m.Attempts && pause < b.o.MaxRetry; i++ {
			pause *= 2
		}
		status, next, lastErr = permit.MessagePending, b.o.Now().Add(min(pause, b.o.MaxRetry)), sendErr.Error()
	}
	if err := b.msgs.SettleMessage(ctx, m, status, next, lastErr); err != nil {
		return status, fmt.Errorf("notifyoutbox: recording message %s %s: %w", m.ID, status, err)
	}
	return status, nil
}

// Run drains whenever woken (Wake) and every poll (for retries and other
// instances' messages) until ctx ends; errors go to report (nil ignores
// them). A sender per server instance is enough.
func (b *Sender) Run(ctx context.Context, poll time.Duration, report func(Report, error)) {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		r, err := b.Drain(ctx)
		if report != nil && (err != nil || r != (Report{})) && ctx.Err() == nil {
			report(r, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-b.wake:
		case <-t.C:
		}
	}
}
