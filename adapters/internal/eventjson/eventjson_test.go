package eventjson_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/internal/eventjson"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
)

func TestOf(t *testing.T) {
	bst := time.FixedZone("BST", 3600)
	tests := []struct {
		name string
		in   permit.Event
		want string
	}{
		{"no data is an empty object, instants in UTC",
			permit.Event{ID: "evt_1", Type: "permit.approved", At: time.Date(2027, 6, 1, 10, 0, 0, 0, bst), Actor: "officer:ann", PermitID: "pmt_1"},
			`{"id":"evt_1","type":"permit.approved","at":"2027-06-01T09:00:00Z","actor":"officer:ann","permit_id":"pmt_1","data":{}}`},
		{"account and data kept",
			permit.Event{ID: "evt_2", Type: "account.created", At: time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC), Actor: "public", AccountID: "acc_1", Data: map[string]string{"uprn": "1"}},
			`{"id":"evt_2","type":"account.created","at":"2027-01-02T03:04:05Z","actor":"public","account_id":"acc_1","data":{"uprn":"1"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(eventjson.Of(tt.in))
			require.NoError(t, err)
			require.JSONEq(t, tt.want, string(b))
		})
	}
}

// The permit an event carries shows its status on the event's date, not
// on today's: the state just after that event.
func TestOfPermitStatusOnTheEventsDate(t *testing.T) {
	p := permit.Permit{ID: "pmt_1", AccountID: "acc_1", Status: permit.Approved, Version: 3,
		StartsOn: time.Date(2027, 6, 5, 0, 0, 0, 0, time.UTC), ExpiresOn: time.Date(2028, 6, 4, 0, 0, 0, 0, time.UTC)}
	tests := []struct {
		on, want string
	}{
		{"2027-06-04", "upcoming"},
		{"2027-06-05", "current"},
		{"2028-06-05", "expired"},
	}
	for _, tt := range tests {
		t.Run(tt.on, func(t *testing.T) {
			on, err := time.Parse(time.DateOnly, tt.on)
			require.NoError(t, err)
			e := eventjson.Of(permit.Event{ID: "1", Type: permit.EventPermitApproved, At: on.Add(10 * time.Hour), On: on, PermitID: p.ID, Permit: &p})
			require.NotNil(t, e.Permit)
			require.Equal(t, tt.want, e.Permit.Status)
			require.Equal(t, 3, e.Permit.Version)
			require.Nil(t, e.Account)
		})
	}
}

func TestProtectedAddressLeftOut(t *testing.T) {
	acc := permit.Account{ID: "acc_1", Name: "Jane", UPRN: 100000000001, Address: "12 Ashby Road", Protected: true}
	p := permit.Permit{ID: "per_1", AccountID: "acc_1", UPRN: 100000000001, Address: "12 Ashby Road", AddressProtected: true,
		Evidence: []evidence.Document{{Kind: "proof_of_care", Address: "12 Ashby Road"}}}
	for _, e := range []permit.Event{
		{ID: "1", Type: permit.EventAccountCreated, AccountID: "acc_1", Account: &acc, Data: map[string]string{"uprn": "100000000001", "zone": "z"}},
		{ID: "2", Type: permit.EventPermitApplied, AccountID: "acc_1", PermitID: "per_1", Permit: &p, Data: map[string]string{"uprn": "100000000001", "vrm": "AB12CDE"}},
	} {
		b, err := json.Marshal(eventjson.Of(e))
		require.NoError(t, err)
		require.NotContains(t, string(b), "Ashby")
		require.NotContains(t, string(b), "100000000001")
	}
	p.AddressProtected = false
	b, err := json.Marshal(eventjson.Of(permit.Event{ID: "3", Type: permit.EventPermitApplied, Permit: &p}))
	require.NoError(t, err)
	require.Contains(t, string(b), "Ashby", "an address not protected is shown")
}
