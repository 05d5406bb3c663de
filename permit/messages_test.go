package permit_test

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/scheme"
)

// withNotifications is the minimal scheme with a notifications section.
func withNotifications(t testing.TB, section string) string {
	t.Helper()
	base, err := os.ReadFile(minimalFile)
	require.NoError(t, err)
	return string(base) + section
}

func loadString(t testing.TB, doc string) (*permit.Scheme, error) {
	t.Helper()
	return scheme.Load(strings.NewReader(doc))
}

// Every kind renders with every example scheme: a one-line subject, a
// text and an HTML body that both name the council and how to reach it.
func TestRenderEveryKind(t *testing.T) {
	for _, file := range []string{leicestershireFile, strathmoreFile, minimalFile} {
		s := mustLoad(t, file)
		for _, k := range permit.MessageKinds() {
			t.Run(s.ID+"/"+string(k), func(t *testing.T) {
				m, ok := s.SampleMessage(k)
				require.True(t, ok)
				e, err := s.Render(m)
				require.NoError(t, err)
				require.NotEmpty(t, e.Subject)
				require.NotContains(t, e.Subject, "\n")
				require.Equal(t, strings.TrimSpace(e.Subject), e.Subject)
				require.True(t, strings.HasPrefix(e.HTML, "<!DOCTYPE html>"), e.HTML)
				require.True(t, strings.HasSuffix(e.HTML, "</html>\n"), e.HTML)
				// Cancellations, scheduled changes and address changes
				// give the operator's contact; the others the council's.
				contact := s.Council
				if k == permit.MessageCancelled || k == permit.MessageVehicleScheduled || k == permit.MessageAddressChanged {
					contact = s.Operator
				}
				for _, body := range []string{e.Text, e.HTML} {
					require.Contains(t, body, "Dear Jane Smith,")
					require.Contains(t, body, s.Council.Name)
					require.Contains(t, body, contact.Name)
					if contact.Email != "" {
						require.Contains(t, body, contact.Email)
					}
					if contact.Phone != "" {
						require.Contains(t, body, contact.Phone)
					}
					require.NotContains(t, body, "<no value>")
					require.NotContains(t, body, "2027-03-31", "dates are written for people")
				}
				require.True(t, strings.HasSuffix(e.Text, "\n") && !strings.HasSuffix(e.Text, "\n\n"))
			})
		}
	}
}

func TestMessageKinds(t *testing.T) {
	require.Equal(t, []permit.MessageKind{
		permit.MessageApplicationReceived, permit.MessageApproved, permit.MessageRejected, permit.MessageCancelled,
		permit.MessageVehicleChanged, permit.MessageVehicleScheduled, permit.MessageExpiryReminder, permit.MessageAddressChanged, permit.MessageBecameFree,
		permit.MessageSignInCode,
	}, permit.MessageKinds())
	require.False(t, permit.MessageKind("refund").Valid())
	require.Nil(t, permit.MessageKind("refund").Keys())
	require.Equal(t, []string{"address", "name", "council_name", "council_email", "council_phone", "council_website",
		"operator_name", "operator_email", "operator_phone", "operator_website"}, permit.MessageAddressChanged.Keys())
	require.Contains(t, permit.MessageRejected.Keys(), "reason")
	require.Contains(t, permit.MessageExpiryReminder.Keys(), "renew_from")
	_, ok := mustLoad(t, minimalFile).SampleMessage("refund")
	require.False(t, ok)
}

// The keys the Service fills are the keys its kind declares, so a
// template proven at load cannot meet a message it does not expect: one
// household's year, every kind of message, each rendered.
func TestServiceMessagesCarryTheirKeys(t *testing.T) {
	w := newWorld(t, at(2026, 4, 1, 9, 0))
	ctx := context.Background()
	a := w.account(home, "jane@example.org")
	// Next door, a free application is rejected and the paid one filed
	// after it becomes free.
	b := w.account(neighbour, "jane.next.door@example.org")
	squat := w.mustApply(b, "essential-carer", "JK12LMN")
	w.mustApply(b, "essential-carer", "LM34NPR")
	_, err := w.svc.Reject(ctx, w.officer, squat.ID, permit.Rejection{Code: "not_resident", Reason: "The applicant does not live here."})
	require.NoError(t, err)
	free := w.mustApply(a, "essential-carer", "AB12CDE")
	_, err = w.svc.Approve(ctx, w.officer, free.ID)
	require.NoError(t, err)
	refused := w.mustApply(a, "essential-carer", "CD34EFG")
	_, err = w.svc.Reject(ctx, w.officer, refused.ID, permit.Rejection{Code: "proof_unclear", Reason: "The letter does not show the carer's name."})
	require.NoError(t, err)
	paid := w.mustApply(a, "essential-carer", "EF56GHI")
	_, err = w.svc.Approve(ctx, w.officer, paid.ID)
	require.NoError(t, err)
	_, err = w.svc.Cancel(ctx, permit.AccountActor(a.ID), paid.ID, "carer no longer needed")
	require.NoError(t, err)
	_, _, err = w.svc.ChangeVehicle(ctx, permit.AccountActor(a.ID), free.ID, "XY99ZZZ", time.Time{})
	require.NoError(t, err)
	_, _, err = w.svc.ChangeVehicle(ctx, permit.AccountActor(a.ID), free.ID, "GH78JKL", d(2026, 6, 12))
	require.NoError(t, err)
	bill := []evidence.Document{{Kind: "utility_bill", IssuedOn: d(2026, 3, 15), Name: "Jane Smith", Address: "Rose Cottage, Ashby Road, LE11 3AB"}}
	c, err := w.svc.RequestAddressChange(ctx, permit.AccountActor(a.ID), a.ID, sameZone, bill)
	require.NoError(t, err)
	_, err = w.svc.ApproveAddressChange(ctx, w.officer, c.ID)
	require.NoError(t, err)
	w.setNow(at(2027, 3, 1, 9, 0))
	_, err = w.svc.RunDue(ctx, w.svc.Now())
	require.NoError(t, err)
	_, err = w.svc.Renew(ctx, permit.AccountActor(a.ID), free.ID, permit.Renewal{Evidence: w.proofOfCare()})
	require.NoError(t, err)

	// Keys the Service may leave out: renewal_of unless a renewal, a
	// cancellation's refund when the council ends a permit.
	mayLack := map[permit.MessageKind][]string{
		permit.MessageApplicationReceived: {"renewal_of"},
		permit.MessageCancelled:           {"refund"},
	}
	s := w.svc.Scheme()
	seen := map[permit.MessageKind]bool{}
	for _, m := range w.notes.Messages() {
		seen[m.Kind] = true
		keys := m.Kind.Keys()
		for k := range m.Data {
			require.Contains(t, keys, k, "%s carries %s, which its templates cannot use", m.Kind, k)
		}
		for _, k := range keys {
			if _, ok := m.Data[k]; !ok {
				require.Contains(t, mayLack[m.Kind], k, "%s lacks %s", m.Kind, k)
			}
		}
		e, err := s.Render(m)
		require.NoError(t, err, "%s", m.Kind)
		if v := m.Data["vrm"]; v != "" {
			require.Contains(t, e.Text, v)
			require.Contains(t, e.HTML, v)
		}
	}
	// Every kind but the sign-in code, which the HTTP adapters send.
	require.Len(t, seen, len(permit.MessageKinds())-1, "the year sends every kind: %v", slices.Sorted(maps.Keys(seen)))

	renewal := w.notes.Of(permit.MessageApplicationReceived)
	e, err := s.Render(renewal[len(renewal)-1])
	require.NoError(t, err)
	require.Contains(t, e.Text, "application to renew permit "+free.ID)
}

func sample(t *testing.T, s *permit.Scheme, k permit.MessageKind, data map[string]string) permit.Message {
	t.Helper()
	m, ok := s.SampleMessage(k)
	require.True(t, ok)
	maps.Copy(m.Data, data)
	return m
}

// R3: the rejection gives the reason and whom to contact at the council.
func TestRenderRejectedSaysWhomToContact(t *testing.T) {
	s := mustLoad(t, leicestershireFile)
	e, err := s.Render(sample(t, s, permit.MessageRejected, map[string]string{
		"reason_code": "proof_unclear", "reason": "The letter does not show the carer's name.", "price": "55.00",
		"reason_text": "The evidence you sent does not clearly show what the permit needs.",
	}))
	require.NoError(t, err)
	require.Equal(t, "Your Essential Carer Permit application (per_5f3a9c2e7b1d4086) has not been approved", e.Subject)
	require.Contains(t, e.Text, "Reason: The evidence you sent does not clearly show what the permit needs. The letter does not show the carer's name.\nReason code: proof_unclear",
		"the scheme's words for the code, then the officer's")
	require.Contains(t, e.Text, "please contact Leicestershire County Council directly, quoting reference per_5f3a9c2e7b1d4086:\n  website https://www.leicestershire.gov.uk\n")
	require.Contains(t, e.Text, "The card payment of £55.00 has been cancelled")
	require.Contains(t, e.Text, "apply again")
	require.Contains(t, e.HTML, `The letter does not show the carer&#39;s name.`)
	require.Contains(t, e.HTML, `directly, quoting reference per_5f3a9c2e7b1d4086: see <a href="https://www.leicestershire.gov.uk">https://www.leicestershire.gov.uk</a>.`)
	require.NotContains(t, e.Text+e.HTML, "mipermit", "a rejection is discussed with the council, not the operator")

	free, err := s.Render(sample(t, s, permit.MessageRejected, map[string]string{"price": "0.00"}))
	require.NoError(t, err)
	require.NotContains(t, free.Text, "card payment", "a free application took no payment")
}

// R5: the reminder says when the permit expires and from when it can be renewed.
func TestRenderExpiryReminder(t *testing.T) {
	s := mustLoad(t, leicestershireFile)
	e, err := s.Render(sample(t, s, permit.MessageExpiryReminder, map[string]string{
		"expires_on": "2027-03-31", "renew_from": "2027-03-01", "days_before": "30",
	}))
	require.NoError(t, err)
	require.Equal(t, "Your Essential Carer Permit for AB12CDE expires on 31 March 2027", e.Subject)
	require.Contains(t, e.Text, "expires at the end of Wednesday 31 March 2027.")
	require.Contains(t, e.Text, "You can renew it from 1 March 2027 until it expires.")
	require.Contains(t, e.HTML, "You can renew it from <strong>1 March 2027</strong>")
}

// R6: the cancellation says what is refunded, if anything.
func TestRenderCancelledRefund(t *testing.T) {
	s := mustLoad(t, strathmoreFile)
	for _, tc := range []struct {
		refund, want, not string
	}{
		{"27.50", "£27.50 will be refunded to the card you paid with.", "No refund"},
		{"0.00", "No refund is due under the council's permit rules.", "refunded"},
		{"", "", "refund"}, // the council ended the permit: no refund line at all
	} {
		e, err := s.Render(sample(t, s, permit.MessageCancelled, map[string]string{"refund": tc.refund, "reason": ""}))
		require.NoError(t, err)
		require.Contains(t, e.Text, tc.want)
		require.NotContains(t, e.Text, tc.not)
		require.Contains(t, e.Text, "has been cancelled. It is no longer valid", "no empty brackets for no reason")
	}
}

func TestRenderVehicleChangeScheduled(t *testing.T) {
	s := mustLoad(t, leicestershireFile)
	e, err := s.Render(sample(t, s, permit.MessageVehicleScheduled, map[string]string{"vrm": "GH78JKL", "effective_on": "2027-06-12"}))
	require.NoError(t, err)
	require.Equal(t, "Your Essential Carer Permit changes to GH78JKL on 12 June 2027", e.Subject)
	require.Contains(t, e.Text, "will change to GH78JKL at the start of Saturday 12 June 2027.")
}

// Values are escaped in HTML and can never break the subject line.
func TestRenderEscapes(t *testing.T) {
	s, err := loadString(t, withNotifications(t, `notifications:
  templates:
    rejected:
      subject: "Rejected: {{.reason}}"
`))
	require.NoError(t, err)
	hostile := "<script>alert('x')</script>\r\nBcc: everyone@example.com"
	e, err := s.Render(sample(t, s, permit.MessageRejected, map[string]string{"reason": hostile, "reason_text": "", "name": `Jane "<b>" Smith`}))
	require.NoError(t, err)
	require.Equal(t, "Rejected: <script>alert('x')</script> Bcc: everyone@example.com", e.Subject)
	require.NotContains(t, e.HTML, "<script>")
	require.Contains(t, e.HTML, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;")
	require.Contains(t, e.HTML, "Dear Jane &#34;&lt;b&gt;&#34; Smith,")
	require.Contains(t, e.Text, "Reason: <script>alert('x')</script>", "plain text is not escaped")
}

func TestRenderErrors(t *testing.T) {
	s := mustLoad(t, minimalFile)
	for _, tc := range []struct {
		name  string
		m     permit.Message
		field string
	}{
		{"unknown kind", permit.Message{Kind: "refund"}, "kind"},
		{"date not ISO", sample(t, s, permit.MessageApproved, map[string]string{"expires_on": "31/03/2027"}), "data.expires_on"},
		{"impossible date", sample(t, s, permit.MessageExpiryReminder, map[string]string{"renew_from": "2027-02-30"}), "data.renew_from"},
		{"money with symbol", sample(t, s, permit.MessageApproved, map[string]string{"price": "£55.00"}), "data.price"},
		{"refund not money", sample(t, s, permit.MessageCancelled, map[string]string{"refund": "some"}), "data.refund"},
		{"days not a number", sample(t, s, permit.MessageExpiryReminder, map[string]string{"days_before": "thirty"}), "data.days_before"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Render(tc.m)
			require.ErrorIs(t, err, permit.ErrValidation)
			var v *permit.ValidationError
			require.ErrorAs(t, err, &v)
			require.Len(t, v.Fields, 1)
			require.Equal(t, tc.field, v.Fields[0].Field)
		})
	}
	_, err := (&permit.Scheme{}).Render(permit.Message{Kind: permit.MessageApproved})
	require.ErrorContains(t, err, "scheme.Load")
}

// Keys missing from Data are empty, and the council's contact details
// come from the scheme: a message built by hand still renders.
func TestRenderFillsMissingKeys(t *testing.T) {
	s := mustLoad(t, leicestershireFile)
	e, err := s.Render(permit.Message{Kind: permit.MessageAddressChanged, Data: map[string]string{"name": "Jane Smith", "address": "Rose Cottage"}})
	require.NoError(t, err)
	require.Contains(t, e.Text, "  Rose Cottage\n")
	require.Contains(t, e.Text, "MiPermit help desk\nEmail:     help@mipermit.com\nTelephone: 0345 520 7007 (option 2)\n")

	e, err = s.Render(permit.Message{Kind: permit.MessageAddressChanged, Data: map[string]string{"operator_phone": ""}})
	require.NoError(t, err)
	require.NotContains(t, e.Text, "Telephone", "a key given empty stays empty")
}

// A scheme replaces the parts it gives and keeps the standard wording for
// the rest; its templates may use the standard parts and functions.
func TestSchemeTemplateOverride(t *testing.T) {
	s, err := loadString(t, withNotifications(t, `notifications:
  templates:
    rejected:
      subject: "{{.council_name}}: application {{.permit_id}} refused"
      text: |
        Dear {{.name}},
        {{.reason}} ({{.reason_code}})
        Applied for {{longdate .starts_on}}, price {{money .price}}.
        {{template "contact" .}}
    expiry_reminder:
      html: |
        <p>{{.permit_type}} ends {{fulldate .expires_on}}; renew from {{longdate .renew_from}} ({{days .days_before}} notice).</p>
        {{template "contact" .}}
`))
	require.NoError(t, err)
	e, err := s.Render(sample(t, s, permit.MessageRejected, map[string]string{"reason": "No proof.", "reason_code": "no_proof"}))
	require.NoError(t, err)
	require.Equal(t, "Test Council: application per_5f3a9c2e7b1d4086 refused", e.Subject)
	require.Equal(t, "Dear Jane Smith,\nNo proof. (no_proof)\nApplied for 1 April 2026, price £55.00.\nTest Council\nEmail:     permits@test.example\nTelephone: 01632 960000\n", e.Text)
	require.Contains(t, e.HTML, "<!DOCTYPE html>", "the HTML part was not overridden")

	e, err = s.Render(sample(t, s, permit.MessageExpiryReminder, map[string]string{"days_before": "1"}))
	require.NoError(t, err)
	require.Equal(t, "<p>Carer Permit ends Wednesday 31 March 2027; renew from 1 March 2027 (1 day notice).</p>\n<p>Test Council<br>Email: <a href=\"mailto:permits@test.example\">permits@test.example</a><br>Telephone: 01632 960000</p>\n", e.HTML)
	require.Equal(t, "Your Carer Permit for AB12CDE expires on 31 March 2027", e.Subject, "the standard subject")

	standard := mustLoad(t, minimalFile)
	want, err := standard.Render(sample(t, standard, permit.MessageApproved, nil))
	require.NoError(t, err)
	got, err := s.Render(sample(t, s, permit.MessageApproved, nil))
	require.NoError(t, err)
	require.Equal(t, want, got, "kinds the scheme leaves alone keep the standard wording")
}

// Template problems are the file's problems, with the file's line.
func TestLoadSchemeTemplateProblems(t *testing.T) {
	for _, tc := range []struct {
		name, section string
		line          int
		path, reason  string
	}{
		{"literal block keeps lines", `notifications:
  templates:
    approved:
      text: |
        Dear {{.name}},

        {{.vrm}} {{.nope}}
`, 39, "notifications.templates.approved.text", `.nope: approved messages have no key "nope"; they have permit_id, permit_type, vrm, status, starts_on, expires_on, price, address, name, council_name, council_email, council_phone, council_website, operator_name, operator_email, operator_phone, operator_website`},
		{"quoted with escaped lines", `notifications:
  templates:
    approved:
      text: "Dear {{.name}},\n{{.vrm.x}}"
`, 36, "notifications.templates.approved.text", `template line 2: .vrm.x: vrm is text and has no field "x"`},
		{"index of a missing key", `notifications:
  templates:
    approved:
      subject: '{{index . "refund"}}'
`, 36, "notifications.templates.approved.subject", `index . "refund": approved messages have no key "refund"; they have permit_id, permit_type, vrm, status, starts_on, expires_on, price, address, name, council_name, council_email, council_phone, council_website, operator_name, operator_email, operator_phone, operator_website`},
		{"key used only on an untaken branch", `notifications:
  templates:
    application_received:
      text: "{{if eq .price \"-1\"}}{{$.pricee}}{{end}}Thanks"
`, 36, "notifications.templates.application_received.text", `$.pricee: application_received messages have no key "pricee"; they have permit_id, permit_type, vrm, status, starts_on, expires_on, price, address, renewal_of, name, council_name, council_email, council_phone, council_website, operator_name, operator_email, operator_phone, operator_website`},
		{"standard part with the wrong kind", `notifications:
  templates:
    address_changed:
      text: '{{template "details" .}}'
`, 36, "notifications.templates.address_changed.text", `{{template "details" .}} uses permit_type, permit_id, vrm, starts_on, expires_on, which address_changed messages do not have (they have address, name, council_name, council_email, council_phone, council_website, operator_name, operator_email, operator_phone, operator_website)`},
		{"standard part given text", `notifications:
  templates:
    approved:
      text: '{{template "contact" .name}}'
`, 36, "notifications.templates.approved.text", `in template "contact": at <.council_name>: can't evaluate field council_name in type string`},
		{"fails only when empty", `notifications:
  templates:
    cancelled:
      subject: 'Cancelled{{if not .refund}}{{printf "%s!" .refund | longdate}}{{end}}'
`, 36, "notifications.templates.cancelled.subject", `at <longdate>: error calling longdate: "!" is not a date written YYYY-MM-DD`},
		{"empty subject", `notifications:
  templates:
    approved:
      subject: '{{if false}}x{{end}}'
`, 36, "notifications.templates.approved.subject", `the subject is empty for a sample approved message`},
		{"endless", `notifications:
  templates:
    approved:
      text: '{{range 100000000}}Dear {{$.name}}{{end}}'
`, 36, "notifications.templates.approved.text", `the message is longer than 262144 bytes`},
		{"not text", `notifications:
  templates:
    approved:
      text: [a, b]
`, 36, "notifications.templates.approved.text", `want text, got a list`},
		{"templates not a mapping", `notifications:
  templates: [approved]
`, 34, "notifications.templates", `want a mapping of keys (application_received, approved, rejected, cancelled, vehicle_changed, vehicle_change_scheduled, expiry_reminder, address_changed, became_free, sign_in_code), got a list`},
		{"unknown section key", `notifications:
  template: {}
`, 34, "notifications.template", `unknown key "template"; did you mean "templates"?`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := loadString(t, withNotifications(t, tc.section))
			require.Nil(t, s)
			var se *permit.SchemeError
			require.ErrorAs(t, err, &se)
			require.ErrorIs(t, err, permit.ErrInvalidScheme)
			require.Equal(t, []permit.SchemeProblem{{Line: tc.line, Path: tc.path, Reason: tc.reason}}, se.Problems)
		})
	}
}

// An empty notifications section is allowed: every standard template.
func TestLoadSchemeEmptyNotifications(t *testing.T) {
	for _, section := range []string{"notifications:\n", "notifications: {}\n", "notifications: {templates: {}}\n", "notifications: {templates: {approved: {}}}\n"} {
		s, err := loadString(t, withNotifications(t, section))
		require.NoError(t, err, section)
		_, err = s.Render(sample(t, s, permit.MessageApproved, nil))
		require.NoError(t, err)
	}
}

// Whatever a resident or officer types into a reason or a name, the
// subject stays one line and the HTML carries it as text only.
func FuzzRenderValues(f *testing.F) {
	f.Add("The letter does not show the carer's name.", "Jane Smith")
	f.Add("<script>alert(1)</script>", "\r\nBcc: x@example.com")
	f.Add("a\u2028b\u0085c", "<img src=x onerror=alert(1)>")
	s := mustLoad(f, minimalFile)
	render := func(t *testing.T, k permit.MessageKind, reason, name string) permit.Email {
		m, _ := s.SampleMessage(k)
		m.Data["name"] = name
		if _, ok := m.Data["reason"]; ok {
			m.Data["reason"] = reason
		}
		e, err := s.Render(m)
		require.NoError(t, err)
		return e
	}
	f.Fuzz(func(t *testing.T, reason, name string) {
		for _, k := range permit.MessageKinds() {
			e := render(t, k, reason, name)
			require.NotContains(t, e.Subject, "\n")
			require.NotContains(t, e.Subject, "\r")
			// The values add no markup: every character that could open a
			// tag, close one or end an attribute comes from the template.
			plain := render(t, k, "x", "x")
			for _, c := range []string{"<", ">", `"`, "'"} {
				require.Equal(t, strings.Count(plain.HTML, c), strings.Count(e.HTML, c), "%s: %q in the HTML", k, c)
			}
		}
	})
}

// A template LoadScheme accepts renders every sample message: load is
// the proof, Render never meets a template error.
func FuzzTemplateOverride(f *testing.F) {
	for _, seed := range []string{
		"Dear {{.name}}, {{.reason}}",
		"{{template \"contact\" .}}{{longdate .starts_on}}",
		"{{if .reason}}{{.reason_code}}{{else}}{{.nope}}{{end}}",
		"{{range $k, $v := .}}{{$k}}={{$v}} {{end}}",
		"{{with .council_email}}{{.}}{{end}}{{money .price}}",
		"{{define \"x\"}}{{.vrm}}{{end}}{{template \"x\" .}}",
	} {
		f.Add(seed)
	}
	base := withNotifications(f, "notifications:\n  templates:\n    rejected:\n      text: ")
	f.Fuzz(func(t *testing.T, text string) {
		if strings.Contains(text, "range") && strings.ContainsAny(text, "0123456789") {
			t.Skip("a loop over a large number is slow, not wrong")
		}
		var quoted bytes.Buffer
		quoted.WriteByte('"')
		for _, r := range text {
			switch {
			case r == '"' || r == '\\':
				quoted.WriteByte('\\')
				quoted.WriteRune(r)
			case r < 0x20 || r == 0x7f:
				quoted.WriteString(`\x`)
				quoted.WriteString(strings.ToUpper(string("0123456789abcdef"[r>>4]) + string("0123456789abcdef"[r&15])))
			default:
				quoted.WriteRune(r)
			}
		}
		quoted.WriteString("\"\n")
		s, err := loadString(t, base+quoted.String())
		if err != nil {
			var se *permit.SchemeError
			require.ErrorAs(t, err, &se)
			for _, p := range se.Problems {
				require.NotEmpty(t, p.Reason)
			}
			return
		}
		for _, k := range permit.MessageKinds() {
			m, _ := s.SampleMessage(k)
			_, err := s.Render(m)
			require.NoError(t, err)
		}
	})
}

func BenchmarkRender(b *testing.B) {
	s := mustLoad(b, leicestershireFile)
	m, _ := s.SampleMessage(permit.MessageRejected)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Render(m); err != nil {
			b.Fatal(err)
		}
	}
}

// The Service sends a rejection with these values; the scheme turns them
// into the email. Dates and money arrive as programs write them and leave
// written for people.
func ExampleScheme_Render() {
	s, err := scheme.Load(strings.NewReader(exampleScheme))
	if err != nil {
		fmt.Println(err)
		return
	}
	e, err := s.Render(permit.Message{
		Kind: permit.MessageRejected, AccountID: "acc_1", To: "jane@example.com", PermitID: "per_1",
		Data: map[string]string{
			"permit_id": "per_1", "permit_type": "Carer Permit", "vrm": "AB12CDE", "status": "rejected",
			"starts_on": "2026-11-24", "expires_on": "2027-11-23", "price": "40.00", "address": "1 High Street, Forfar",
			"reason_code": "proof_unclear", "reason": "The letter does not show the carer's name.",
			"name": "Jane Smith", "council_name": "Example Council", "council_email": "permits@council.example",
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("Subject:", e.Subject)
	fmt.Print(e.Text)
	// Output:
	// Subject: Your Carer Permit application (per_1) has not been approved
	// Dear Jane Smith,
	//
	// We are sorry: your Carer Permit application for the vehicle AB12CDE has not been approved.
	//
	// Reason: The letter does not show the carer's name.
	// Reason code: proof_unclear
	//
	// Permit:      Carer Permit
	// Reference:   per_1
	// Vehicle:     AB12CDE
	// Address:     1 High Street, Forfar
	//
	// The card payment of £40.00 has been cancelled and nothing has been taken. How soon the money shows on your account again depends on your bank.
	//
	// An application that has not been approved cannot be resubmitted. If you still need a permit, please apply again in the same way, with evidence that answers the reason above.
	//
	// If you would like to discuss the reasons, please contact Example Council directly, quoting reference per_1:
	//   email permits@council.example
	//
	// Permits team
	// Example Council
	// Email:     permits@council.example
	//
	// This email was sent automatically; replies may not be read. Please use the contact details above.
}

// A council words any message its own way in its scheme file. A template
// that names a value its message does not carry is refused when the
// scheme loads, with its line, not when the first email is due.
func ExampleScheme_Render_schemeTemplates() {
	doc := exampleScheme + `
notifications:
  templates:
    expiry_reminder:
      subject: "Renew your {{.permit_type}} from {{longdate .renew_from}}"
`
	s, err := scheme.Load(strings.NewReader(doc))
	if err != nil {
		fmt.Println(err)
		return
	}
	m, _ := s.SampleMessage(permit.MessageExpiryReminder)
	e, _ := s.Render(m)
	fmt.Println(e.Subject)

	_, err = scheme.Load(strings.NewReader(strings.Replace(doc, ".renew_from", ".renews_from", 1)))
	fmt.Println(err)
	// Output:
	// Renew your Carer Permit from 1 March 2027
	// permit: invalid scheme: 1 problem: line 34: notifications.templates.expiry_reminder.subject: .renews_from: expiry_reminder messages have no key "renews_from"; they have permit_id, permit_type, vrm, status, starts_on, expires_on, price, address, days_before, renew_from, name, council_name, council_email, council_phone, council_website, operator_name, operator_email, operator_phone, operator_website
}

// Issue 12 finding 7: the Leicestershire rejection notice gave MiPermit's
// help desk, while the help text sends residents to the council about a
// rejection and to MiPermit about cancellations, scheduled changes and
// address changes. R3 (decision of 2026-12): the scheme names both
// contacts and each message uses the right one; the example gives the
// council's name and website only, as published.
func TestR3RejectionContactsCouncilOperatorForChanges(t *testing.T) {
	s := mustLoad(t, leicestershireFile)
	require.Equal(t, permit.Council{Name: "Leicestershire County Council", Website: "https://www.leicestershire.gov.uk"}, s.Council,
		"the help text publishes no council email or phone")
	require.Equal(t, permit.Council{Name: "MiPermit help desk", Email: "help@mipermit.com", Phone: "0345 520 7007 (option 2)"}, s.Operator)
	for _, tc := range []struct {
		kind     permit.MessageKind
		operator bool
	}{
		{permit.MessageRejected, false},
		{permit.MessageCancelled, true},
		{permit.MessageVehicleScheduled, true},
		{permit.MessageAddressChanged, true},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			m, ok := s.SampleMessage(tc.kind)
			require.True(t, ok)
			e, err := s.Render(m)
			require.NoError(t, err)
			for _, body := range []string{e.Text, e.HTML} {
				if tc.operator {
					require.Contains(t, body, "MiPermit help desk")
					require.Contains(t, body, "help@mipermit.com")
					require.Contains(t, body, "0345 520 7007 (option 2)")
				} else {
					require.Contains(t, body, "contact Leicestershire County Council directly")
					require.Contains(t, body, "https://www.leicestershire.gov.uk")
					require.NotContains(t, body, "help@mipermit.com")
					require.NotContains(t, body, "0345 520 7007")
				}
			}
		})
	}
	st := mustLoad(t, strathmoreFile)
	require.Equal(t, "permits@strathmore.example", st.Council.Email)
	require.Equal(t, "permit-service@strathmore.example", st.Operator.Email)
	min := mustLoad(t, minimalFile)
	require.Equal(t, min.Council, min.Operator, "without an operator section the council is the operator")
}
