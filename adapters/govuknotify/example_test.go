package govuknotify_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/carerpermit/carerpermit/adapters/govuknotify"
	"github.com/carerpermit/carerpermit/adapters/govuknotify/govuknotifytest"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/message"
)

func Example() {
	// A fake Notify service with one text message template.
	fake := govuknotifytest.NewServer(govuknotifytest.Config{Templates: []govuknotifytest.Template{
		{ID: "a1c2e3f4-0000-4b5c-8d9e-0f1a2b3c4d5e", Type: "sms", Body: "Permit ((permit_id)) for ((vrm)) is approved."},
	}})
	defer fake.Close()

	// Template ids come from configuration, e.g. a JSON file.
	templates, err := govuknotify.ParseTemplates(strings.NewReader(`{"sms": {"approved": "a1c2e3f4-0000-4b5c-8d9e-0f1a2b3c4d5e"}}`))
	if err != nil {
		panic(err)
	}
	n, err := govuknotify.New(govuknotify.Config{APIKey: fake.APIKey(), BaseURL: fake.URL, Templates: templates}, nil)
	if err != nil {
		panic(err)
	}

	// A resident with only a mobile number gets a text message.
	m := permit.Message{Kind: message.Approved, ID: "msg_0001", PermitID: "pmt_1", Phone: "+447700900123",
		Data: map[string]string{"permit_id": "pmt_1", "vrm": "AB12CDE"}}
	if _, err := n.Send(context.Background(), m); err != nil {
		panic(err)
	}
	sent := fake.Sent()[0]
	fmt.Println(sent.Type, sent.Reference, sent.Body)

	// A message Notify refuses is refused for good.
	delete(m.Data, "vrm")
	err = n.Notify(context.Background(), m)
	fmt.Println(errors.Is(err, govuknotify.ErrPermanent))
	// Output:
	// sms msg_0001 Permit pmt_1 for AB12CDE is approved.
	// true
}
