package permit

import (
	"slices"
	"testing"
)

// Every transition of the table has its event, one the feed documents:
// op.take writes a transition only with it.
func TestEveryTransitionHasItsEvent(t *testing.T) {
	known := EventTypes()
	for from, row := range lifecycle {
		for tr := range row {
			et, ok := events[tr]
			if !ok {
				t.Errorf("transition %s (from %s) has no event in the events table", tr, from)
				continue
			}
			if !slices.Contains(known, et) {
				t.Errorf("transition %s appends %s, which EventTypes does not list", tr, et)
			}
		}
	}
	for tr := range events {
		found := false
		for _, row := range lifecycle {
			if _, ok := row[tr]; ok {
				found = true
			}
		}
		if !found {
			t.Errorf("events names transition %s, which the lifecycle table never allows", tr)
		}
	}
}
