package permittest

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
)

// Event IDs are opaque to readers but strictly increasing in feed order as
// strings (a store pads numbers), so that a back-office system can order and
// deduplicate what it has fetched without knowing the store.
var eventTests = []namedTest{
	{"EmptyLog", testEmptyLog},
	{"CommitOrderAndIDs", testEventOrder},
	{"PagingSeesEachOnce", testEventPaging},
	{"MalformedCursorOrLimit", testEventCursorValidation},
	{"EventsAreCopies", testEventCopies},
	{"EventResourcesAreCopiedOnAppend", testEventResourceCopies},
	{"ConcurrentWritersAndReader", testEventsConcurrent},
}

// allEvents pages through the whole log.
func allEvents(t *testing.T, st permit.Store, limit int) []permit.Event {
	t.Helper()
	var all []permit.Event
	cursor := ""
	for {
		evs, next, err := st.Events(t.Context(), cursor, limit)
		require.NoError(t, err)
		require.LessOrEqual(t, len(evs), limit)
		if len(evs) == 0 {
			require.Equal(t, cursor, next, "the cursor is unchanged when there is nothing new")
			return all
		}
		require.NotEqual(t, cursor, next, "the cursor moves past a non-empty page")
		all = append(all, evs...)
		cursor = next
	}
}

func requireIncreasingIDs(t *testing.T, evs []permit.Event) {
	t.Helper()
	for i, e := range evs {
		require.NotEmpty(t, e.ID, "event %d has no ID", i)
		if i > 0 {
			require.Less(t, evs[i-1].ID, e.ID, "IDs increase in feed order (as strings)")
		}
	}
}

func event(n int) permit.Event {
	return permit.Event{
		Type:      permit.EventPermitApplied,
		At:        fixtureCreatedAt.Add(time.Duration(n) * time.Second),
		Actor:     "account:acc-1",
		PermitID:  fmt.Sprintf("p-%d", n),
		AccountID: "acc-1",
		Data:      map[string]string{"n": strconv.Itoa(n)},
	}
}

func appendEvents(t *testing.T, st permit.Store, evs ...permit.Event) {
	t.Helper()
	update(t, st, func(tx permit.Tx) error {
		for _, e := range evs {
			if err := tx.AppendEvent(e); err != nil {
				return err
			}
		}
		return nil
	})
}

func testEmptyLog(t *testing.T, s suite) {
	st := s.store(t)
	evs, next, err := st.Events(t.Context(), "", 10)
	require.NoError(t, err)
	require.Empty(t, evs)
	require.Equal(t, "", next)
}

func testEventOrder(t *testing.T, s suite) {
	st := s.store(t)
	loc := london(t)
	e1, e2, e3, e4 := event(1), event(2), event(3), event(4)
	e2.At = time.Date(2028, time.March, 26, 2, 0, 0, 1000, loc)
	e2.Type, e2.Actor, e2.Data = permit.EventPermitApproved, "officer:jo smith", map[string]string{"reason": "ünïcødé ✓", "empty": ""}
	e3.Data = nil
	e4.ID = "chosen-by-caller" // the store assigns IDs
	appendEvents(t, st, e1, e2)
	appendEvents(t, st, e3)
	err := st.Update(t.Context(), func(tx permit.Tx) error {
		require.NoError(t, tx.AppendEvent(event(99)))
		return &fnError{99}
	})
	require.Error(t, err)
	appendEvents(t, st, e4)

	evs, next, err := st.Events(t.Context(), "", 100)
	require.NoError(t, err)
	require.Len(t, evs, 4, "committed events only")
	for i, want := range []permit.Event{e1, e2, e3, e4} {
		requireEvent(t, want, evs[i])
	}
	require.NotEqual(t, "chosen-by-caller", evs[3].ID)
	requireIncreasingIDs(t, evs)
	require.Equal(t, evs[3].ID, next, "the cursor is the last event's ID")

	more, again, err := st.Events(t.Context(), next, 100)
	require.NoError(t, err)
	require.Empty(t, more)
	require.Equal(t, next, again)

	// Appending after a reader caught up: it gets just the new one.
	e5 := event(5)
	appendEvents(t, st, e5)
	more, _, err = st.Events(t.Context(), next, 100)
	require.NoError(t, err)
	require.Len(t, more, 1)
	requireEvent(t, e5, more[0])
	require.Less(t, next, more[0].ID)
}

func testEventPaging(t *testing.T, s suite) {
	st := s.store(t)
	var want []permit.Event
	for batch := range 4 {
		var evs []permit.Event
		for j := range batch + 1 { // batches of 1, 2, 3, 4 events
			evs = append(evs, event(len(want)+j))
		}
		appendEvents(t, st, evs...)
		want = append(want, evs...)
	}
	full := allEvents(t, st, 100)
	require.Len(t, full, len(want))
	for _, limit := range []int{1, 2, 7, 10, 11} {
		t.Run(fmt.Sprintf("limit %d", limit), func(t *testing.T) {
			got := allEvents(t, st, limit)
			require.Len(t, got, len(want))
			for i := range want {
				requireEvent(t, want[i], got[i])
				require.Equal(t, full[i].ID, got[i].ID)
			}
		})
	}
}

func testEventCursorValidation(t *testing.T, s suite) {
	st := s.store(t)
	appendEvents(t, st, event(1), event(2))
	for _, cursor := range []string{"not-a-cursor", "-1", "1.5", " "} {
		_, _, err := st.Events(t.Context(), cursor, 10)
		require.ErrorIs(t, err, permit.ErrValidation, "cursor %q", cursor)
	}
	for _, limit := range []int{0, -1} {
		_, _, err := st.Events(t.Context(), "", limit)
		require.ErrorIs(t, err, permit.ErrValidation, "limit %d", limit)
	}
}

func testEventCopies(t *testing.T, s suite) {
	st := s.store(t)
	update(t, st, func(tx permit.Tx) error {
		e := event(1)
		require.NoError(t, tx.AppendEvent(e))
		e.Data["n"] = "scribbled"
		e.Data["added"] = "scribbled"
		return nil
	})
	evs, _, err := st.Events(t.Context(), "", 10)
	require.NoError(t, err)
	require.Len(t, evs, 1)
	requireEvent(t, event(1), evs[0])
	evs[0].Data["n"] = "scribbled"
	evs, _, err = st.Events(t.Context(), "", 10)
	require.NoError(t, err)
	requireEvent(t, event(1), evs[0])
}

// testEventResourceCopies: the resources an event points to are the
// caller's again once AppendEvent returns (the Service changes a permit
// after appending its event, and does not copy it first).
func testEventResourceCopies(t *testing.T, s suite) {
	st := s.store(t)
	acc := NewAccount("acc-1", 100000000001)
	want := NewPermit("p-1", acc)
	update(t, st, func(tx permit.Tx) error {
		e := event(1)
		p := NewPermit("p-1", acc)
		e.Permit = &p
		require.NoError(t, tx.AppendEvent(e))
		p.Status = permit.Cancelled
		p.Evidence[0].Name = "scribbled"
		p.Evidence[0].Fields[evidence.FieldVRM] = "scribbled"
		p.Payment.ID = "scribbled"
		p.Evidence = append(p.Evidence, p.Evidence[0])
		return nil
	})
	evs, _, err := st.Events(t.Context(), "", 10)
	require.NoError(t, err)
	require.Len(t, evs, 1)
	got := evs[0].Permit
	require.NotNil(t, got)
	require.Equal(t, want.Status, got.Status)
	require.Len(t, got.Evidence, 1)
	require.Equal(t, want.Evidence[0].Name, got.Evidence[0].Name)
	require.Equal(t, want.Evidence[0].Fields[evidence.FieldVRM], got.Evidence[0].Fields[evidence.FieldVRM])
	require.NotNil(t, got.Payment)
	require.Equal(t, want.Payment.ID, got.Payment.ID)
}

// testEventsConcurrent: writers commit (and roll back) while a reader pages
// through the feed; the reader ends with every committed event exactly once,
// and each writer's events in its commit order.
func testEventsConcurrent(t *testing.T, s suite) {
	st := s.store(t)
	const writers, txPerWriter = 6, 15
	var wg sync.WaitGroup
	committed := make([][]string, writers) // per writer, event keys in commit order
	errs := make([]error, writers)
	for w := range writers {
		wg.Go(func() {
			for n := range txPerWriter {
				size := 1 + n%3
				keys := make([]string, size)
				err := retryConflict(t.Context(), st, func(tx permit.Tx) error {
					for j := range keys {
						keys[j] = fmt.Sprintf("w%d-t%d-e%d", w, n, j)
						e := event(n)
						e.Data = map[string]string{"key": keys[j]}
						if err := tx.AppendEvent(e); err != nil {
							return err
						}
					}
					if n%5 == 4 {
						return errRolledBack
					}
					return nil
				})
				switch err {
				case nil:
					committed[w] = append(committed[w], keys...)
				case errRolledBack:
				default:
					errs[w] = err
					return
				}
			}
		})
	}

	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	var seen []permit.Event
	cursor := ""
	read := func() int {
		evs, next, err := st.Events(t.Context(), cursor, 4)
		require.NoError(t, err)
		seen = append(seen, evs...)
		cursor = next
		return len(evs)
	}
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
			read()
		}
	}
	for read() > 0 {
	}
	for w, err := range errs {
		require.NoError(t, err, "writer %d", w)
	}

	requireIncreasingIDs(t, seen)
	got := make(map[int][]string)
	count := make(map[string]int)
	for _, e := range seen {
		key := e.Data["key"]
		count[key]++
		var w, n, j int
		_, err := fmt.Sscanf(key, "w%d-t%d-e%d", &w, &n, &j)
		require.NoError(t, err, "event key %q", key)
		got[w] = append(got[w], key)
	}
	for key, c := range count {
		require.Equal(t, 1, c, "event %s seen %d times", key, c)
	}
	for w := range writers {
		require.Equal(t, committed[w], got[w], "writer %d's committed events, in commit order", w)
	}
}

var errRolledBack = &fnError{-1}
