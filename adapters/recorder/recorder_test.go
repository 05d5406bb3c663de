package recorder_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/recorder"
	"github.com/carerpermit/carerpermit/permit"
)

func TestRecordsCopiesAndFails(t *testing.T) {
	var n recorder.Notifier
	data := map[string]string{"vrm": "AB12CDE"}
	require.NoError(t, n.Notify(context.Background(), permit.Message{Kind: permit.MessageApproved, Data: data}))
	data["vrm"] = "changed"
	require.Equal(t, "AB12CDE", n.Messages()[0].Data["vrm"], "the recorder keeps its own copy")
	require.Len(t, n.Of(permit.MessageApproved), 1)
	require.Empty(t, n.Of(permit.MessageRejected))

	n.Fail = errors.New("down")
	require.ErrorContains(t, n.Notify(context.Background(), permit.Message{Kind: permit.MessageRejected}), "down")
	require.Len(t, n.Messages(), 2, "a failed send is still recorded as attempted")
}
