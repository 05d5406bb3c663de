package memstore_test

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/carerpermit/carerpermit/adapters/memstore"
	"github.com/carerpermit/carerpermit/permit"
)

// FuzzEventsCursor: any cursor either wraps ErrValidation or reads events
// strictly after it, at most limit of them, and never panics.
func FuzzEventsCursor(f *testing.F) {
	for _, seed := range []string{"", "0", "3", "00000000000000000005", "6", "99999999999999999999", "-1", "+1", "1e3", " 1", "0x1", "１"} {
		f.Add(seed, 2)
	}
	ctx := context.Background()
	st := memstore.New()
	for range 5 {
		if err := st.Update(ctx, func(tx permit.Tx) error {
			return tx.AppendEvent(permit.Event{Type: permit.EventPermitApplied})
		}); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, cursor string, limit int) {
		evs, next, err := st.Events(ctx, cursor, limit)
		if err != nil {
			if !errors.Is(err, permit.ErrValidation) {
				t.Fatalf("Events(%q, %d): %v does not wrap ErrValidation", cursor, limit, err)
			}
			return
		}
		if len(evs) > limit {
			t.Fatalf("Events(%q, %d) returned %d events", cursor, limit, len(evs))
		}
		after := uint64(0)
		if cursor != "" {
			after, err = strconv.ParseUint(cursor, 10, 64)
			if err != nil {
				t.Fatalf("Events accepted cursor %q that is not a sequence number", cursor)
			}
		}
		for _, e := range evs {
			n, err := strconv.ParseUint(e.ID, 10, 64)
			if err != nil || n <= after || n > 5 {
				t.Fatalf("Events(%q) returned event %q", cursor, e.ID)
			}
		}
		if len(evs) == 0 && next != cursor {
			t.Fatalf("Events(%q) moved the cursor to %q without events", cursor, next)
		}
	})
}
