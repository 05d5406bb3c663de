package permit_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit"
)

func TestReachChoose(t *testing.T) {
	const addr = "12 Ashby Road, Loughborough, LE11 3AB"
	all := []permit.Channel{permit.ChannelEmail, permit.ChannelSMS, permit.ChannelLetter}
	letters := []permit.MessageKind{permit.MessageRejected}
	tests := []struct {
		name  string
		reach permit.Reach
		kind  permit.MessageKind
		acc   permit.Account
		want  permit.Message // Kind and AccountID filled by the test
		ok    bool
	}{
		{"email where there is an address", permit.Reach{Sends: all}, permit.MessageApproved,
			permit.Account{Email: "jane@example.com", Phone: "+447700900123", Address: addr},
			permit.Message{Channel: permit.ChannelEmail, To: "jane@example.com"}, true},
		{"text message where there is only a UK mobile number", permit.Reach{Sends: all}, permit.MessageApproved,
			permit.Account{Phone: "+447700900123", Address: addr},
			permit.Message{Channel: permit.ChannelSMS, Phone: "+447700900123"}, true},
		{"a number not in E.164 (stored before numbers were checked) gets no text", permit.Reach{Sends: all}, permit.MessageApproved,
			permit.Account{Phone: "07700 900123", Address: addr}, permit.Message{}, false},
		{"a landline gets no text", permit.Reach{Sends: all}, permit.MessageApproved,
			permit.Account{Phone: "+441509123456", Address: addr}, permit.Message{}, false},
		{"a kind the scheme sends by letter goes to the property", permit.Reach{Sends: all, ByLetter: letters}, permit.MessageRejected,
			permit.Account{Name: "Jane Smith", Email: "jane@example.com", Address: addr},
			permit.Message{Channel: permit.ChannelLetter, Postal: []string{"Jane Smith", "12 Ashby Road", "Loughborough", "LE11 3AB"}}, true},
		{"other kinds keep email", permit.Reach{Sends: all, ByLetter: letters}, permit.MessageApproved,
			permit.Account{Name: "Jane Smith", Email: "jane@example.com", Address: addr},
			permit.Message{Channel: permit.ChannelEmail, To: "jane@example.com"}, true},
		{"a letter kind by email when the notifier sends no letters", permit.Reach{ByLetter: letters}, permit.MessageRejected,
			permit.Account{Name: "Jane Smith", Email: "jane@example.com", Address: addr},
			permit.Message{Channel: permit.ChannelEmail, To: "jane@example.com"}, true},
		{"a letter kind by text when there is no postal address", permit.Reach{Sends: all, ByLetter: letters}, permit.MessageRejected,
			permit.Account{Name: "Jane Smith", Phone: "+447700900123"},
			permit.Message{Channel: permit.ChannelSMS, Phone: "+447700900123"}, true},
		{"the default notifier sends email only", permit.Reach{}, permit.MessageApproved,
			permit.Account{Phone: "+447700900123", Address: addr}, permit.Message{}, false},
		{"nothing to reach", permit.Reach{Sends: all}, permit.MessageApproved, permit.Account{Address: addr}, permit.Message{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.acc.ID = "acc_1"
			got, ok := tt.reach.Choose(tt.kind, tt.acc)
			require.Equal(t, tt.ok, ok)
			if ok {
				tt.want.Kind, tt.want.AccountID = tt.kind, "acc_1"
			}
			require.Equal(t, tt.want, got)
		})
	}
}

func TestPostalAddress(t *testing.T) {
	tests := []struct {
		name, holder, address string
		want                  []string
	}{
		{"house", "Jane Smith", "12 Ashby Road, Loughborough, LE11 3AB", []string{"Jane Smith", "12 Ashby Road", "Loughborough", "LE11 3AB"}},
		{"flat", "Jane Smith", "Flat 2, Rose Court, 12 Ashby Road, Loughborough, LE11 3AB",
			[]string{"Jane Smith", "Flat 2", "Rose Court", "12 Ashby Road", "Loughborough", "LE11 3AB"}},
		{"shortest", "Jane Smith", "Loughborough, LE11 3AB", []string{"Jane Smith", "Loughborough", "LE11 3AB"}},
		{"no name", "", "12 Ashby Road, Loughborough, LE11 3AB", []string{"12 Ashby Road", "Loughborough", "LE11 3AB"}},
		{"too long: the overflow joins the line before the town", "Jane Smith", "A, B, C, D, E, F, Loughborough, LE11 3AB",
			[]string{"Jane Smith", "A", "B", "C", "D, E, F", "Loughborough", "LE11 3AB"}},
		{"too short", "Jane Smith", "LE11 3AB", nil},
		{"no postcode last", "Jane Smith", "12 Ashby Road, Loughborough", nil},
		{"empty", "Jane Smith", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := permit.PostalAddress(tt.holder, tt.address)
			require.Equal(t, tt.want, got)
			if got != nil {
				require.GreaterOrEqual(t, len(got), 3)
				require.LessOrEqual(t, len(got), 7)
			}
		})
	}
}

func ExampleReach_Choose() {
	reach := permit.Reach{
		Sends:    []permit.Channel{permit.ChannelEmail, permit.ChannelSMS, permit.ChannelLetter},
		ByLetter: []permit.MessageKind{permit.MessageRejected},
	}
	acc := permit.Account{ID: "acc_1", Name: "Jane Smith", Phone: "+447700900123", Address: "12 Ashby Road, Loughborough, LE11 3AB"}
	m, _ := reach.Choose(permit.MessageApproved, acc)
	fmt.Println(m.Channel, m.Phone)
	m, _ = reach.Choose(permit.MessageRejected, acc)
	fmt.Println(m.Channel, m.Postal)
	// Output:
	// sms +447700900123
	// letter [Jane Smith 12 Ashby Road Loughborough LE11 3AB]
}
