package permit

import (
	"context"
	"encoding/base64"
	"errors"
	"sort"
	"strings"
	"time"
)

// ErrCursorBeyondEnd is wrapped by Events' error for a cursor past the
// newest event of the feed: one this feed never gave, as after a database
// restored from a backup older than the reader's place. Checked with
// errors.Is.
var ErrCursorBeyondEnd = errors.New("permit: the cursor is beyond the end of the event feed")

// EventsFrom is Events that tells a reader it has gone past the end: when
// nothing comes after a cursor, and the cursor is after the newest event
// the feed holds, the error wraps ErrCursorBeyondEnd. As Events, it is
// for the council and read-only integrations (ErrForbidden for others).
func (s *Service) EventsFrom(ctx context.Context, by Actor, after string, limit int) ([]Event, string, error) {
	evs, next, err := s.Events(ctx, by, after, limit)
	if err != nil || len(evs) > 0 || after == "" {
		return evs, next, err
	}
	last, err := view(ctx, s.store, func(tx ReadTx) (string, error) { return tx.LastEventID() })
	if err != nil {
		return nil, "", err
	}
	// Event IDs increase in feed order when compared as strings (Store).
	if after > last {
		return nil, "", &CursorBeyondEndError{Cursor: after, Last: last}
	}
	return evs, next, nil
}

// CursorBeyondEndError says a feed cursor is past the newest event.
type CursorBeyondEndError struct {
	Cursor string
	Last   string // "" for an empty feed
}

func (e *CursorBeyondEndError) Error() string {
	return "permit: event cursor " + e.Cursor + " is beyond the newest event (" + e.Last + ")"
}

func (e *CursorBeyondEndError) Unwrap() error { return ErrCursorBeyondEnd }

// ReviewQueuePage is ReviewQueue a page at a time: pending applications
// and address changes, oldest (submitted, then ID) first, after the cursor
// after ("" for the start); next is the cursor of the next page, "" after
// the last. A cursor stays good however the queue changes: items decided
// meanwhile drop out, newer ones come later. Errors: *ValidationError
// (ErrValidation) for a limit outside 1 to MaxPageSize or a cursor this
// method did not give; ErrForbidden for anyone but the council and
// read-only integrations.
func (s *Service) ReviewQueuePage(ctx context.Context, by Actor, after string, limit int) (items []ReviewItem, next string, err error) {
	if err := by.mayReadAll("the review queue", true); err != nil {
		return nil, "", err
	}
	if limit < 1 || limit > MaxPageSize {
		return nil, "", &ValidationError{Fields: []FieldError{{Field: "limit", Code: "out_of_range",
			Detail: "limit must be a whole number from 1 to 1000."}}}
	}
	at, id, err := parseQueueCursor(after)
	if err != nil {
		return nil, "", err
	}
	err = s.store.View(ctx, func(tx ReadTx) error {
		ps, err := tx.PendingReviewAfter(at, id, limit+1)
		if err != nil {
			return err
		}
		cs, err := tx.PendingAddressChangesAfter(at, id, limit+1)
		if err != nil {
			return err
		}
		for i := range ps {
			p := ps[i]
			items = append(items, s.permitReviewItem(p))
		}
		for i := range cs {
			c := cs[i]
			items = append(items, ReviewItem{Kind: "address_change", AddressChange: &c, SubmittedAt: c.CreatedAt, DueOn: c.DueOn})
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	sort.Slice(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if !a.SubmittedAt.Equal(b.SubmittedAt) {
			return a.SubmittedAt.Before(b.SubmittedAt)
		}
		return a.id() < b.id()
	})
	if len(items) > limit {
		items = items[:limit]
		last := items[limit-1]
		next = queueCursor(last.SubmittedAt, last.id())
	}
	today := s.today(s.now())
	for i := range items {
		items[i].Overdue = items[i].DueOn.Before(today)
	}
	return items, next, nil
}

// id is the item's permit or address change ID.
func (it ReviewItem) id() string {
	if it.Permit != nil {
		return it.Permit.ID
	}
	if it.AddressChange != nil {
		return it.AddressChange.ID
	}
	return ""
}

// queueCursor is a place in the review queue: an item's submission
// instant and ID, opaque to clients.
func queueCursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(at.UTC().Format(time.RFC3339Nano) + "|" + id))
}

func parseQueueCursor(s string) (time.Time, string, error) {
	if s == "" {
		return time.Time{}, "", nil
	}
	bad := &ValidationError{Fields: []FieldError{{Field: "after", Code: "invalid_cursor",
		Detail: "after must be a cursor returned as next by the review queue."}}}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, "", bad
	}
	ts, id, ok := strings.Cut(string(raw), "|")
	if !ok || id == "" {
		return time.Time{}, "", bad
	}
	at, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil || at.IsZero() {
		return time.Time{}, "", bad
	}
	return at, id, nil
}
