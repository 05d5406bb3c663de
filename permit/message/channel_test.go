package message_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/permit/message"
)

func TestChannelOf(t *testing.T) {
	tests := []struct {
		name string
		m    message.Message
		want message.Channel
		ok   bool
	}{
		{"email first", message.Message{To: "a@example.com", Phone: "+447700900123"}, message.ChannelEmail, true},
		{"text message without an email address", message.Message{Phone: "+447700900123", Postal: []string{"A", "B", "LE1 1AA"}}, message.ChannelSMS, true},
		{"letter when there is only a postal address", message.Message{Postal: []string{"A", "B", "LE1 1AA"}}, message.ChannelLetter, true},
		{"the message's own channel wins", message.Message{To: "a@example.com", Postal: []string{"A"}, Channel: message.ChannelLetter}, message.ChannelLetter, true},
		{"nowhere to send", message.Message{}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok := message.ChannelOf(tt.m)
			require.Equal(t, tt.want, c)
			require.Equal(t, tt.ok, ok)
		})
	}
}

func TestParseChannel(t *testing.T) {
	for _, c := range message.Channels() {
		got, err := message.ParseChannel(string(c))
		require.NoError(t, err)
		require.Equal(t, c, got)
	}
	for _, bad := range []string{"", "Email", "post", "text"} {
		_, err := message.ParseChannel(bad)
		require.ErrorContains(t, err, "want email, sms or letter", bad)
	}
}
