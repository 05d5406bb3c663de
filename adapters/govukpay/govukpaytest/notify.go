package govukpaytest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"
)

// retryAfter is Pay's delivery schedule after a failed attempt
// (pay-webhooks SendAttempter): then it stops.
var retryAfter = []time.Duration{time.Minute, 5 * time.Minute, time.Hour, 24 * time.Hour, 48 * time.Hour}

// Notification is one webhook message, as pay-webhooks sends it.
type Notification struct {
	MessageID  string
	EventType  string // card_payment_started, _succeeded, _captured, _failed, _expired, _refunded
	PaymentID  string
	Body       []byte // the exact bytes posted
	Signature  string // the Pay-Signature header
	Attempts   int
	Delivered  bool
	GaveUp     bool
	Deliveries int       // successful posts (Redeliver adds more)
	next       time.Time // next attempt, on the fake clock
	queued     bool
}

type message struct {
	WebhookMessageID string     `json:"webhook_message_id"`
	CreatedDate      string     `json:"created_date"`
	ResourceID       string     `json:"resource_id"`
	APIVersion       int        `json:"api_version"`
	ResourceType     string     `json:"resource_type"`
	EventType        string     `json:"event_type"`
	Resource         apiPayment `json:"resource"`
}

// notifyLocked records a notification about p in its present state.
func (s *Server) notifyLocked(p *payment, event string) {
	res := s.view(p, false) // a notification carries no usable payment link
	now := s.clock()
	m := message{WebhookMessageID: s.newID(), CreatedDate: payTime(now), ResourceID: p.id, APIVersion: 1,
		ResourceType: "payment", EventType: event, Resource: res}
	body, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	s.notes = append(s.notes, &Notification{MessageID: m.WebhookMessageID, EventType: event, PaymentID: p.id,
		Body: body, Signature: Sign(s.opts.WebhookSecret, body), next: now, queued: true})
}

// Notifications returns every notification so far, in the order they
// happened.
func (s *Server) Notifications() []Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Notification, len(s.notes))
	for i, n := range s.notes {
		out[i] = *n
		out[i].Body = bytes.Clone(n.Body)
	}
	return out
}

// retryDueLocked queues failed deliveries whose retry time has come.
func (s *Server) retryDueLocked(now time.Time) {
	for _, n := range s.notes {
		if !n.Delivered && !n.GaveUp && !n.queued && !now.Before(n.next) {
			n.queued = true
		}
	}
}

// kick wakes the background sender.
func (s *Server) kick() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Server) deliverInBackground() {
	defer s.workers.Done()
	for {
		select {
		case <-s.done:
			return
		case <-s.wake:
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				select {
				case <-s.done:
				case <-ctx.Done():
				}
				cancel()
			}()
			_ = s.DeliverNotifications(ctx)
			cancel()
		}
	}
}

// DeliverNotifications posts every queued notification, in order, to
// Options.WebhookURL and returns the failures. A failed one is tried again
// on Pay's schedule (1 minute, 5 minutes, 1 hour, 1 day, 2 days, on the
// fake's clock) and then given up.
func (s *Server) DeliverNotifications(ctx context.Context) error {
	if s.opts.WebhookURL == "" {
		return errors.New("govukpaytest: no WebhookURL to deliver to")
	}
	s.delivery.Lock()
	defer s.delivery.Unlock()
	var errs []error
	for {
		s.mu.Lock()
		i := slices.IndexFunc(s.notes, func(n *Notification) bool { return n.queued })
		if i < 0 {
			s.mu.Unlock()
			return errors.Join(errs...)
		}
		n := s.notes[i] // stays queued while in flight, so no sweep queues it twice
		body, sig := n.Body, n.Signature
		s.mu.Unlock()

		err := s.post(ctx, body, sig)

		s.mu.Lock()
		n.queued = false
		n.Attempts++
		if err == nil {
			n.Delivered = true
			n.Deliveries++
		} else {
			errs = append(errs, fmt.Errorf("notification %s (%s): %w", n.MessageID, n.EventType, err))
			if n.Attempts > len(retryAfter) {
				n.GaveUp = true
			} else {
				n.next = s.clock().Add(retryAfter[n.Attempts-1])
			}
		}
		s.mu.Unlock()
		if ctx.Err() != nil {
			return errors.Join(append(errs, ctx.Err())...)
		}
	}
}

// Redeliver posts a notification again, as Pay may (delivery is at least
// once): a receiver must take it as a duplicate.
func (s *Server) Redeliver(ctx context.Context, messageID string) error {
	s.mu.Lock()
	i := slices.IndexFunc(s.notes, func(n *Notification) bool { return n.MessageID == messageID })
	if i < 0 {
		s.mu.Unlock()
		return fmt.Errorf("govukpaytest: no notification %q", messageID)
	}
	n := s.notes[i]
	body, sig := n.Body, n.Signature
	s.mu.Unlock()
	if err := s.post(ctx, body, sig); err != nil {
		return err
	}
	s.mu.Lock()
	n.Deliveries++
	s.mu.Unlock()
	return nil
}

func (s *Server) post(ctx context.Context, body []byte, sig string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.opts.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Pay-Signature", sig)
	resp, err := s.opts.Client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("answered %d", resp.StatusCode)
	}
	return nil
}
