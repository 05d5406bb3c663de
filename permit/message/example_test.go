package message_test

import (
	"fmt"

	"github.com/carerpermit/carerpermit/permit/message"
)

// A council's own subject for approvals, proven by Compile, then used.
func ExampleCompile() {
	sender := message.Sender{Council: message.Contact{Name: "Leicestershire County Council"}}
	ts, problems := message.Compile(sender, map[message.Kind]map[string]string{
		message.Approved: {"subject": "Permit {{.permit_id}} approved until {{longdate .expires_on}}"},
	})
	if len(problems) > 0 {
		fmt.Println(problems)
		return
	}
	m, _ := message.Sample(sender, message.Approved)
	m.Data["permit_id"], m.Data["expires_on"] = "per_1", "2027-03-31"
	e, err := ts.Render(m)
	fmt.Println(e.Subject, err)

	// A template naming a key approvals do not carry is a problem of the
	// scheme, found before any email is sent.
	_, problems = message.Compile(sender, map[message.Kind]map[string]string{
		message.Approved: {"subject": "Refund {{.refund}}"},
	})
	fmt.Println(len(problems), problems[0].Kind, problems[0].Part)
	// Output:
	// Permit per_1 approved until 31 March 2027 <nil>
	// 1 approved subject
}
