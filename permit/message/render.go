package message

import (
	"bytes"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"slices"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/carerpermit/carerpermit/pricing"
)

// kindTemplates are one kind's compiled templates. Executing them
// concurrently is safe.
type kindTemplates struct {
	subject *texttemplate.Template
	text    *texttemplate.Template
	html    *htmltemplate.Template
}

// Contact is how residents reach the council or the operator that runs
// its permit service; the empty fields are not published.
type Contact struct {
	Name    string
	Email   string
	Phone   string
	Website string
}

// Sender is what a scheme tells its messages about itself: the contacts
// filled in when a message does not carry them, and the permit type name
// its sample messages use.
type Sender struct {
	Council  Contact
	Operator Contact
	// SamplePermitType names the permit in sample messages; "Essential
	// Carer Permit" when empty.
	SamplePermitType string
}

// contacts are the council_* and operator_* keys of every message.
func (s Sender) contacts() map[string]string {
	return map[string]string{"council_name": s.Council.Name, "council_email": s.Council.Email,
		"council_phone": s.Council.Phone, "council_website": s.Council.Website,
		"operator_name": s.Operator.Name, "operator_email": s.Operator.Email,
		"operator_phone": s.Operator.Phone, "operator_website": s.Operator.Website}
}

// Templates are one scheme's compiled templates for every kind, built and
// proven by Compile. Rendering concurrently is safe.
type Templates struct {
	sender Sender
	kinds  map[Kind]*kindTemplates
}

// FieldError is one value of a message that cannot be rendered.
type FieldError struct {
	Field  string // "kind", or "data." and the key
	Code   string // stable code: unknown_kind, invalid_date, invalid_money, invalid_number
	Detail string // one sentence naming the value
}

// DataError lists what is wrong with a message given to Render: its kind
// or values not written as their keys require.
type DataError struct {
	Fields []FieldError
}

func (e *DataError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Detail
	}
	return "message: " + strings.Join(parts, "; ")
}

// Render turns a message into the email its account holder reads, with
// the templates for m.Kind (the scheme's own where its file gives them,
// the standard ones otherwise). Every key of m.Kind.Keys missing
// from m.Data is taken as empty, except the council's and the operator's
// contact details, which are then taken from the Sender. The subject is one line: runs of
// white space, line breaks included, become one space. HTML is escaped, so
// a rejection reason cannot inject markup.
//
// Errors: a *DataError for an unknown kind or a value not written as its
// key requires (a date not YYYY-MM-DD, money not "55.00"); an error for
// nil Templates. Template mistakes never reach Render: Compile refuses
// them.
func (t *Templates) Render(m Message) (Email, error) {
	if t == nil {
		return Email{}, errors.New("message: Render: no templates; build them with Compile")
	}
	ts, ok := t.kinds[m.Kind]
	if !ok {
		return Email{}, &DataError{Fields: []FieldError{{Field: "kind", Code: "unknown_kind",
			Detail: fmt.Sprintf("%q is not a kind of message; the kinds are %s", string(m.Kind), kindList())}}}
	}
	data, err := t.data(m)
	if err != nil {
		return Email{}, err
	}
	e, err := ts.execute(data)
	if err != nil {
		return Email{}, fmt.Errorf("message: rendering %s message: %w", m.Kind, err)
	}
	return e, nil
}

func kindList() string {
	names := make([]string, len(messageSpecs))
	for i, s := range messageSpecs {
		names[i] = string(s.kind)
	}
	return strings.Join(names, ", ")
}

// data is what m's templates see: every key of its kind, checked.
func (t *Templates) data(m Message) (map[string]string, error) {
	keys := m.Kind.Keys()
	data := make(map[string]string, len(keys))
	council := t.sender.contacts()
	var v DataError
	for _, k := range keys {
		val, given := m.Data[k]
		if !given {
			val = council[k]
		}
		data[k] = val
		if val == "" {
			continue
		}
		switch {
		case slices.Contains(dateKeys, k):
			if _, err := parseDate(val); err != nil {
				v.Fields = append(v.Fields, FieldError{"data." + k, "invalid_date", fmt.Sprintf("%q is not a date written YYYY-MM-DD", val)})
			}
		case slices.Contains(moneyKeys, k):
			if _, err := pricing.ParseMoney(val); err != nil {
				v.Fields = append(v.Fields, FieldError{"data." + k, "invalid_money", fmt.Sprintf("%q is not an amount written as 55.00", val)})
			}
		case slices.Contains(countKeys, k):
			if _, err := strconv.Atoi(val); err != nil {
				v.Fields = append(v.Fields, FieldError{"data." + k, "invalid_number", fmt.Sprintf("%q is not a whole number", val)})
			}
		}
	}
	if len(v.Fields) > 0 {
		return data, &v
	}
	return data, nil
}

func (t *kindTemplates) execute(data map[string]string) (Email, error) {
	var e Email
	var b limitedBuffer
	if err := t.subject.Execute(&b, data); err != nil {
		return Email{}, err
	}
	e.Subject = strings.Join(strings.Fields(b.String()), " ")
	b.Reset()
	if err := t.text.Execute(&b, data); err != nil {
		return Email{}, err
	}
	e.Text = trimBody(b.String())
	b.Reset()
	if err := t.html.Execute(&b, data); err != nil {
		return Email{}, err
	}
	e.HTML = trimBody(b.String())
	return e, nil
}

// trimBody drops blank lines around a body and ends it with one newline.
func trimBody(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	return s + "\n"
}

var errTooLong = fmt.Errorf("the message is longer than %d bytes", maxRenderedBytes)

// limitedBuffer fails a template that writes more than maxRenderedBytes.
type limitedBuffer struct{ bytes.Buffer }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > maxRenderedBytes {
		return 0, errTooLong
	}
	return b.Buffer.Write(p)
}

// templateFuncs are the functions templates may call besides the
// standard ones. They take the values as the Service writes them.
func templateFuncs() map[string]any {
	return map[string]any{
		// longdate writes 2027-03-31 as "31 March 2027".
		"longdate": func(iso string) (string, error) { return formatDate(iso, "2 January 2006") },
		// fulldate writes 2027-03-31 as "Wednesday 31 March 2027".
		"fulldate": func(iso string) (string, error) { return formatDate(iso, "Monday 2 January 2006") },
		// money writes 55.00 as "£55.00".
		"money": func(amount string) (string, error) {
			if amount == "" {
				return "", nil
			}
			d, err := pricing.ParseMoney(amount)
			if err != nil {
				return "", fmt.Errorf("money: %q is not an amount written as 55.00", amount)
			}
			return "£" + pricing.FormatMoney(d), nil
		},
		// days writes 1 as "1 day" and 30 as "30 days".
		"days": func(n string) (string, error) {
			if n == "" {
				return "", nil
			}
			i, err := strconv.Atoi(n)
			if err != nil {
				return "", fmt.Errorf("days: %q is not a whole number", n)
			}
			if i == 1 || i == -1 {
				return n + " day", nil
			}
			return n + " days", nil
		},
	}
}

func parseDate(iso string) (time.Time, error) { return time.Parse(time.DateOnly, iso) }

func formatDate(iso, layout string) (string, error) {
	if iso == "" {
		return "", nil
	}
	t, err := parseDate(iso)
	if err != nil {
		return "", fmt.Errorf("%q is not a date written YYYY-MM-DD", iso)
	}
	return t.Format(layout), nil
}

// Sample returns a message of kind k with every key filled with an
// example value and the Sender's contacts and permit type: what Compile renders each
// template with, and what a preview of the templates can
// show. ok is false for an unknown kind.
func Sample(s Sender, k Kind) (m Message, ok bool) {
	full, _, ok := samples(s, k)
	return full, ok
}

// samples returns two messages of a kind: one with every key filled, one
// with every key that may be empty left empty (and a free permit), so
// that both sides of a template's conditions run at load.
func samples(s Sender, k Kind) (full, sparse Message, ok bool) {
	spec, ok := specOf(k)
	if !ok {
		return Message{}, Message{}, false
	}
	typeName := "Essential Carer Permit"
	if s.SamplePermitType != "" {
		typeName = s.SamplePermitType
	}
	status := map[Kind]string{ApplicationReceived: "pending_review", Rejected: "rejected", Cancelled: "cancelled"}[k]
	if status == "" {
		status = "current"
	}
	values := map[string]string{
		"permit_id": "per_5f3a9c2e7b1d4086", "permit_type": typeName, "vrm": "AB12CDE", "status": status,
		"starts_on": "2026-04-01", "expires_on": "2027-03-31", "price": "55.00",
		"address": "12 Ashby Road, Loughborough, LE11 3AB", "name": "Jane Smith",
		"council_name": s.Council.Name, "council_email": s.Council.Email, "council_phone": s.Council.Phone, "council_website": s.Council.Website,
		"operator_name": s.Operator.Name, "operator_email": s.Operator.Email, "operator_phone": s.Operator.Phone, "operator_website": s.Operator.Website,
		"renewal_of": "per_0b8e41d7a2c69f35", "reason_code": "proof_unclear", "reason": "The letter does not show the carer's name.",
		"reason_text": "The evidence you sent does not clearly show what the permit needs.",
		"refund":      "27.50", "previous_price": "55.00", "effective_on": "2026-06-12", "days_before": "30", "renew_from": "2027-03-01",
	}
	switch k {
	case Cancelled:
		values["reason"] = "no longer needed"
	case VehicleScheduled, VehicleChanged:
		values["vrm"] = "CD34EFG"
	}
	full = Message{Kind: k, AccountID: "acc_7c1e9a40d25b8f63", To: "jane.smith@example.com", Data: map[string]string{}}
	if spec.permit {
		full.PermitID = values["permit_id"]
	}
	sparse = full
	sparse.Data = map[string]string{}
	for _, key := range k.Keys() {
		full.Data[key] = values[key]
		switch {
		case slices.Contains(spec.optional, key):
			sparse.Data[key] = ""
		case key == "price":
			sparse.Data[key] = "0.00"
		default:
			sparse.Data[key] = values[key]
		}
	}
	return full, sparse, true
}
