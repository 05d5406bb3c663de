package permit

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"regexp"
	"slices"
	"strconv"
	"strings"
	texttemplate "text/template"
	"text/template/parse"
	"time"

	"github.com/carerpermit/carerpermit/pricing"
)

// Notifications are split in two. What a message carries is the Service's:
// for each MessageKind a fixed set of Data keys (MessageKind.Keys), dates
// as YYYY-MM-DD and money as "55.00", so that every Notifier — an email
// sender, a log, a webhook — gets values a program can read. What a message
// says is the scheme's: templates turn those values into words for people
// ("31 March 2027", "£55.00"). The standard wording is embedded below; a
// council replaces any part of it in its scheme file, and LoadScheme proves
// every template against sample messages before the scheme is used.

//go:embed templates/*.tmpl
var standardTemplates embed.FS

// Email is a message rendered for people: a one-line subject, a plain text
// body and an HTML body saying the same.
type Email struct {
	Subject string
	Text    string
	HTML    string
}

// The parts of a message a scheme may override.
const (
	partSubject = "subject"
	partText    = "text"
	partHTML    = "html"
)

var messageParts = []string{partSubject, partText, partHTML}

// maxRenderedBytes bounds one rendered part: a template that loops on
// purpose or by mistake fails instead of filling memory.
const maxRenderedBytes = 256 << 10

// The keys every message about a permit carries, and every message at all.
var (
	permitMessageKeys  = []string{"permit_id", "permit_type", "vrm", "status", "starts_on", "expires_on", "price", "address"}
	accountMessageKeys = []string{"name", "council_name", "council_email", "council_phone", "council_website",
		"operator_name", "operator_email", "operator_phone", "operator_website"}
)

// messageSpec is what the Service puts in a message of one kind.
type messageSpec struct {
	kind   MessageKind
	permit bool     // carries permitMessageKeys
	extra  []string // keys of this kind only
	// optional keys may be empty: a council without a website, a
	// cancellation without a reason.
	optional []string
}

var messageSpecs = []messageSpec{
	{kind: MessageApplicationReceived, permit: true, extra: []string{"renewal_of"}, optional: []string{"renewal_of"}},
	{kind: MessageApproved, permit: true},
	{kind: MessageRejected, permit: true, extra: []string{"reason_code", "reason_text", "reason"}, optional: []string{"reason_text"}},
	{kind: MessageCancelled, permit: true, extra: []string{"reason", "refund"}, optional: []string{"reason", "refund"}},
	{kind: MessageVehicleChanged, permit: true},
	{kind: MessageVehicleScheduled, permit: true, extra: []string{"effective_on"}},
	{kind: MessageExpiryReminder, permit: true, extra: []string{"days_before", "renew_from"}},
	{kind: MessageAddressChanged, extra: []string{"address"}},
	{kind: MessageBecameFree, permit: true, extra: []string{"previous_price"}},
}

// How values of some keys are written; Render refuses a message whose
// value is not, so that a template never prints a half-formatted date.
var (
	dateKeys  = []string{"starts_on", "expires_on", "effective_on", "renew_from"}
	moneyKeys = []string{"price", "refund", "previous_price"}
	countKeys = []string{"days_before"}
)

func specOf(k MessageKind) (messageSpec, bool) {
	i := slices.IndexFunc(messageSpecs, func(s messageSpec) bool { return s.kind == k })
	if i < 0 {
		return messageSpec{}, false
	}
	return messageSpecs[i], true
}

// MessageKinds returns every kind of message the Service sends, in the
// order of a permit's life.
func MessageKinds() []MessageKind {
	out := make([]MessageKind, len(messageSpecs))
	for i, s := range messageSpecs {
		out[i] = s.kind
	}
	return out
}

// Valid reports whether k is one of MessageKinds.
func (k MessageKind) Valid() bool {
	_, ok := specOf(k)
	return ok
}

// Keys returns the Data keys a message of kind k carries — the names its
// templates may use — or nil for an unknown kind. Messages about a permit
// carry permit_id, permit_type (its name), vrm, status, starts_on,
// expires_on, price and address; every message carries name (the account
// holder's), council_name, council_email, council_phone and
// council_website (the council: rejections) and operator_name,
// operator_email, operator_phone and operator_website (who runs the
// permit service: cancellations, scheduled changes, address changes)
// from the scheme. Per kind: application_received adds
// renewal_of (empty unless a renewal); rejected adds reason_code,
// reason_text (the scheme's words for the code; empty when the scheme
// lists no rejection reasons) and reason (the officer's); cancelled adds reason and refund (either may be empty);
// vehicle_change_scheduled adds effective_on (vrm is the new vehicle);
// expiry_reminder adds days_before and renew_from; address_changed carries
// only address (the new one) besides the account's keys. Dates are
// YYYY-MM-DD and money is pounds with two places, "55.00".
func (k MessageKind) Keys() []string {
	s, ok := specOf(k)
	if !ok {
		return nil
	}
	var out []string
	if s.permit {
		out = append(out, permitMessageKeys...)
	}
	for _, e := range s.extra {
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return append(out, accountMessageKeys...)
}

// messageTemplates are one kind's compiled templates. Executing them
// concurrently is safe.
type messageTemplates struct {
	subject *texttemplate.Template
	text    *texttemplate.Template
	html    *htmltemplate.Template
}

// Render turns a message into the email its account holder reads, with
// the scheme's templates for m.Kind (its own where the scheme file gives
// them, the standard ones otherwise). Every key of m.Kind.Keys missing
// from m.Data is taken as empty, except the council's and the operator's
// contact details, which are then taken from the scheme. The subject is one line: runs of
// white space, line breaks included, become one space. HTML is escaped, so
// a rejection reason cannot inject markup.
//
// Errors: a *ValidationError (ErrValidation) for an unknown kind or a
// value not written as its key requires (a date not YYYY-MM-DD, money not
// "55.00"); an error for a Scheme that LoadScheme did not build. Template
// mistakes never reach Render: LoadScheme refuses them.
func (s *Scheme) Render(m Message) (Email, error) {
	ts, ok := s.messages[m.Kind]
	if !ok {
		if s.messages == nil {
			return Email{}, errors.New("permit: Render: the scheme has no templates; build it with LoadScheme")
		}
		return Email{}, &ValidationError{Fields: []FieldError{{Field: "kind", Code: "unknown_kind",
			Detail: fmt.Sprintf("%q is not a kind of message; the kinds are %s", string(m.Kind), kindList())}}}
	}
	data, err := s.messageData(m)
	if err != nil {
		return Email{}, err
	}
	e, err := ts.execute(data)
	if err != nil {
		return Email{}, fmt.Errorf("permit: rendering %s message: %w", m.Kind, err)
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

// messageData is what m's templates see: every key of its kind, checked.
func (s *Scheme) messageData(m Message) (map[string]string, error) {
	keys := m.Kind.Keys()
	data := make(map[string]string, len(keys))
	council := map[string]string{"council_name": s.Council.Name, "council_email": s.Council.Email,
		"council_phone": s.Council.Phone, "council_website": s.Council.Website,
		"operator_name": s.Operator.Name, "operator_email": s.Operator.Email,
		"operator_phone": s.Operator.Phone, "operator_website": s.Operator.Website}
	var v ValidationError
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
				v.add("data."+k, "invalid_date", fmt.Sprintf("%q is not a date written YYYY-MM-DD", val))
			}
		case slices.Contains(moneyKeys, k):
			if _, err := pricing.ParseMoney(val); err != nil {
				v.add("data."+k, "invalid_money", fmt.Sprintf("%q is not an amount written as 55.00", val))
			}
		case slices.Contains(countKeys, k):
			if _, err := strconv.Atoi(val); err != nil {
				v.add("data."+k, "invalid_number", fmt.Sprintf("%q is not a whole number", val))
			}
		}
	}
	return data, v.err()
}

func (t *messageTemplates) execute(data map[string]string) (Email, error) {
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

// SampleMessage returns a message of kind k with every key filled with an
// example value and the scheme's own council details: what LoadScheme
// renders each template with, and what a preview of the templates can
// show. ok is false for an unknown kind.
func (s *Scheme) SampleMessage(k MessageKind) (m Message, ok bool) {
	full, _, ok := s.samples(k)
	return full, ok
}

// samples returns two messages of a kind: one with every key filled, one
// with every key that may be empty left empty (and a free permit), so
// that both sides of a template's conditions run at load.
func (s *Scheme) samples(k MessageKind) (full, sparse Message, ok bool) {
	spec, ok := specOf(k)
	if !ok {
		return Message{}, Message{}, false
	}
	typeName := "Essential Carer Permit"
	if s.Rules != nil && len(s.Rules.PermitTypes) > 0 && s.Rules.PermitTypes[0].Name != "" {
		typeName = s.Rules.PermitTypes[0].Name
	}
	status := map[MessageKind]Status{MessageApplicationReceived: PendingReview, MessageRejected: Rejected, MessageCancelled: Cancelled}[k]
	if status == "" {
		status = Current
	}
	values := map[string]string{
		"permit_id": "per_5f3a9c2e7b1d4086", "permit_type": typeName, "vrm": "AB12CDE", "status": string(status),
		"starts_on": "2026-04-01", "expires_on": "2027-03-31", "price": "55.00",
		"address": "12 Ashby Road, Loughborough, LE11 3AB", "name": "Jane Smith",
		"council_name": s.Council.Name, "council_email": s.Council.Email, "council_phone": s.Council.Phone, "council_website": s.Council.Website,
		"operator_name": s.Operator.Name, "operator_email": s.Operator.Email, "operator_phone": s.Operator.Phone, "operator_website": s.Operator.Website,
		"renewal_of": "per_0b8e41d7a2c69f35", "reason_code": "proof_unclear", "reason": "The letter does not show the carer's name.",
		"reason_text": "The evidence you sent does not clearly show what the permit needs.",
		"refund":      "27.50", "previous_price": "55.00", "effective_on": "2026-06-12", "days_before": "30", "renew_from": "2027-03-01",
	}
	switch k {
	case MessageCancelled:
		values["reason"] = "no longer needed"
	case MessageVehicleScheduled, MessageVehicleChanged:
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

// templateProblem is a template that cannot be used, found at load.
type templateProblem struct {
	kind MessageKind
	part string
	// line is the line within the template text, 0 when unknown or when
	// the problem is in another template it calls.
	line   int
	reason string
}

// compileMessages builds each kind's templates — the override where the
// scheme gives one, the standard template otherwise — and proves them:
// each parses, names only keys its kind carries and functions that exist,
// and runs without error on sample messages with optional keys filled and
// empty. overrides maps a kind to its parts' template texts.
func (s *Scheme) compileMessages(overrides map[MessageKind]map[string]string) (map[MessageKind]*messageTemplates, []templateProblem) {
	out := make(map[MessageKind]*messageTemplates, len(messageSpecs))
	var problems []templateProblem
	// The standard parts are parsed once and cloned for each kind.
	textBase := texttemplate.New("partials").Funcs(templateFuncs()).Option("missingkey=error")
	htmlBase := htmltemplate.New("partials").Funcs(templateFuncs()).Option("missingkey=error")
	for _, part := range []string{partText, partHTML} {
		b, err := standardTemplates.ReadFile("templates/partials." + part + ".tmpl")
		if err == nil && part == partText {
			_, err = textBase.Parse(string(b))
		} else if err == nil {
			_, err = htmlBase.Parse(string(b))
		}
		if err != nil {
			return nil, []templateProblem{{part: part, reason: err.Error()}}
		}
	}
	for _, spec := range messageSpecs {
		c := templateCompiler{kind: spec.kind, keys: spec.kind.Keys()}
		ts := &messageTemplates{}
		for _, part := range messageParts {
			src, given := overrides[spec.kind][part]
			if !given {
				b, err := standardTemplates.ReadFile("templates/" + string(spec.kind) + "." + part + ".tmpl")
				if err != nil {
					problems = append(problems, templateProblem{kind: spec.kind, part: part, reason: err.Error()})
					continue
				}
				src = string(b)
			}
			name := string(spec.kind) + "." + part
			switch part {
			case partSubject:
				ts.subject = c.text(texttemplate.New(name).Funcs(templateFuncs()).Option("missingkey=error"), src)
			case partText:
				// Clone fails only for a set already executed; these never are.
				if set, err := textBase.Clone(); err != nil {
					c.addErr(name, err)
				} else {
					ts.text = c.text(set.New(name), src)
				}
			case partHTML:
				if set, err := htmlBase.Clone(); err != nil {
					c.addErr(name, err)
				} else {
					ts.html = c.html(set.New(name), src)
				}
			}
		}
		full, sparse, _ := s.samples(spec.kind)
		c.run(ts, full)
		c.run(ts, sparse)
		problems = append(problems, c.problems...)
		if len(c.problems) == 0 {
			out[spec.kind] = ts
		}
	}
	return out, problems
}

// templateCompiler parses and checks one kind's templates, collecting
// problems; a part with a problem is left nil and not run.
type templateCompiler struct {
	kind     MessageKind
	keys     []string
	problems []templateProblem
	failed   map[string]bool // parts with a problem already
}

func (c *templateCompiler) add(name string, line int, format string, args ...any) {
	part := name[strings.LastIndexByte(name, '.')+1:]
	if c.failed == nil {
		c.failed = map[string]bool{}
	}
	c.failed[part] = true
	c.problems = append(c.problems, templateProblem{kind: c.kind, part: part, line: line, reason: fmt.Sprintf(format, args...)})
}

// templateError matches the errors of text/template and html/template:
// "template: rejected.text:3: ..." (parsing), "template:
// rejected.text:3:12: executing ..." (running), "html/template:
// rejected.html:3:12: ..." (escaping).
var (
	templateError       = regexp.MustCompile(`^(?:html/)?template: ?([^:]+):(\d+)(?::\d+)?: (.*)$`)
	templateErrorNoLine = regexp.MustCompile(`^(?:html/)?template: ?([^:]+): (.*)$`)
)

// addErr records a template package's error, keeping its line when it is
// in the template itself rather than one it calls.
func (c *templateCompiler) addErr(name string, err error) {
	msg := err.Error()
	if strings.Contains(msg, "ends in a non-text context") {
		// html/template's own words name its parser's state.
		c.add(name, 0, "the HTML ends inside a tag, a quoted attribute, a script, a style or a comment; close it")
		return
	}
	m := templateError.FindStringSubmatch(msg)
	if m == nil {
		if m := templateErrorNoLine.FindStringSubmatch(msg); m != nil && m[1] == name {
			c.add(name, 0, "%s", m[2])
			return
		}
		c.add(name, 0, "%s", strings.TrimPrefix(strings.TrimPrefix(msg, "html/"), "template: "))
		return
	}
	line := 0
	if m[1] == name {
		line, _ = strconv.Atoi(m[2])
	}
	reason := strings.TrimPrefix(m[3], "executing "+strconv.Quote(name)+" ")
	if m[1] != name {
		// In a standard part the template called: its name says more
		// than a line of a file the council never sees.
		if called, rest, ok := strings.Cut(strings.TrimPrefix(reason, "executing "), " "); ok && strings.HasPrefix(reason, "executing ") {
			reason = "in template " + called + ": " + rest
		} else {
			reason = "in " + m[1] + " line " + m[2] + ": " + reason
		}
	}
	c.add(name, line, "%s", reason)
}

// text parses src into t, a new template in a set that may hold the
// standard parts, and checks the keys it uses.
func (c *templateCompiler) text(t *texttemplate.Template, src string) *texttemplate.Template {
	name := t.Name()
	if _, err := t.Parse(src); err != nil {
		c.addErr(name, err)
		return nil
	}
	if !c.checkKeys(name, func(n string) *parse.Tree {
		if x := t.Lookup(n); x != nil {
			return x.Tree
		}
		return nil
	}) {
		return nil
	}
	return t
}

func (c *templateCompiler) html(t *htmltemplate.Template, src string) *htmltemplate.Template {
	name := t.Name()
	if _, err := t.Parse(src); err != nil {
		c.addErr(name, err)
		return nil
	}
	if !c.checkKeys(name, func(n string) *parse.Tree {
		if x := t.Lookup(n); x != nil {
			return x.Tree
		}
		return nil
	}) {
		return nil
	}
	return t
}

// run executes the parts that compiled on one sample message.
func (c *templateCompiler) run(ts *messageTemplates, m Message) {
	var b limitedBuffer
	if ts.subject != nil && !c.failed[partSubject] {
		b.Reset()
		if err := ts.subject.Execute(&b, m.Data); err != nil {
			c.addErr(ts.subject.Name(), err)
		} else if strings.TrimSpace(b.String()) == "" {
			c.add(ts.subject.Name(), 0, "the subject is empty for a sample %s message", c.kind)
		}
	}
	if ts.text != nil && !c.failed[partText] {
		b.Reset()
		if err := ts.text.Execute(&b, m.Data); err != nil {
			c.addErr(ts.text.Name(), err)
		} else if strings.TrimSpace(b.String()) == "" {
			c.add(ts.text.Name(), 0, "the text is empty for a sample %s message", c.kind)
		}
	}
	if ts.html != nil && !c.failed[partHTML] {
		b.Reset()
		if err := ts.html.Execute(&b, m.Data); err != nil {
			c.addErr(ts.html.Name(), err)
		} else if strings.TrimSpace(b.String()) == "" {
			c.add(ts.html.Name(), 0, "the HTML is empty for a sample %s message", c.kind)
		}
	}
}

// checkKeys walks the template and every template it calls, and reports
// each use of a key the kind does not carry. Running on samples alone
// would miss a key used only on a branch the samples do not take.
func (c *templateCompiler) checkKeys(name string, lookup func(string) *parse.Tree) bool {
	before := len(c.problems)
	w := keyWalker{c: c, main: name, lookup: lookup, seen: map[string]bool{name: true}}
	w.tree(lookup(name))
	return len(c.problems) == before
}

type keyWalker struct {
	c      *templateCompiler
	main   string
	lookup func(string) *parse.Tree
	seen   map[string]bool
	// call is the {{template}} action of the main template being walked
	// into, if any: problems inside a called template are reported once,
	// at the call, since that is the line the council wrote.
	call *calledTemplate
}

type calledTemplate struct {
	tree    *parse.Tree
	node    *parse.TemplateNode
	missing []string // keys the kind does not carry
	other   []string // other problems
}

func (w *keyWalker) tree(t *parse.Tree) {
	if t != nil && t.Root != nil {
		w.node(t, t.Root)
	}
}

func (w *keyWalker) node(t *parse.Tree, n parse.Node) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n != nil {
			for _, x := range n.Nodes {
				w.node(t, x)
			}
		}
	case *parse.ActionNode:
		w.node(t, n.Pipe)
	case *parse.IfNode:
		w.branch(t, &n.BranchNode)
	case *parse.RangeNode:
		w.branch(t, &n.BranchNode)
	case *parse.WithNode:
		w.branch(t, &n.BranchNode)
	case *parse.TemplateNode:
		w.node(t, n.Pipe)
		if w.seen[n.Name] {
			return
		}
		w.seen[n.Name] = true
		if w.call != nil {
			w.tree(w.lookup(n.Name))
			return
		}
		w.call = &calledTemplate{tree: t, node: n}
		w.tree(w.lookup(n.Name))
		call := w.call
		w.call = nil
		var parts []string
		if len(call.missing) > 0 {
			parts = append(parts, fmt.Sprintf("uses %s, which %s messages do not have (they have %s)",
				strings.Join(call.missing, ", "), w.c.kind, strings.Join(w.c.keys, ", ")))
		}
		parts = append(parts, call.other...)
		if len(parts) > 0 {
			w.problem(call.tree, call.node, "%s %s", call.node, strings.Join(parts, "; "))
		}
	case *parse.PipeNode:
		if n != nil {
			for _, cmd := range n.Cmds {
				w.node(t, cmd)
			}
		}
	case *parse.CommandNode:
		w.index(t, n)
		for _, a := range n.Args {
			w.node(t, a)
		}
	case *parse.FieldNode:
		w.field(t, n, n.Ident)
	case *parse.VariableNode:
		if len(n.Ident) > 1 && n.Ident[0] == "$" {
			w.field(t, n, n.Ident[1:])
		}
	case *parse.ChainNode:
		w.node(t, n.Node)
		w.problem(t, n, "%s: a message's values are text and have no field %q", n, n.Field[0])
	}
}

func (w *keyWalker) branch(t *parse.Tree, b *parse.BranchNode) {
	w.node(t, b.Pipe)
	w.node(t, b.List)
	w.node(t, b.ElseList)
}

func (w *keyWalker) field(t *parse.Tree, n parse.Node, idents []string) {
	if w.call != nil && !slices.Contains(w.c.keys, idents[0]) {
		if !slices.Contains(w.call.missing, idents[0]) {
			w.call.missing = append(w.call.missing, idents[0])
		}
		return
	}
	if !slices.Contains(w.c.keys, idents[0]) {
		w.problem(t, n, "%s: %s messages have no key %q; they have %s", n, w.c.kind, idents[0], strings.Join(w.c.keys, ", "))
		return
	}
	if len(idents) > 1 {
		w.problem(t, n, "%s: %s is text and has no field %q", n, idents[0], idents[1])
	}
}

// index checks `index . "key"`, which would otherwise give "" for a key
// the kind does not carry instead of failing.
func (w *keyWalker) index(t *parse.Tree, cmd *parse.CommandNode) {
	if len(cmd.Args) < 3 {
		return
	}
	if id, ok := cmd.Args[0].(*parse.IdentifierNode); !ok || id.Ident != "index" {
		return
	}
	switch m := cmd.Args[1].(type) {
	case *parse.DotNode:
	case *parse.VariableNode:
		if len(m.Ident) != 1 || m.Ident[0] != "$" {
			return
		}
	default:
		return
	}
	if key, ok := cmd.Args[2].(*parse.StringNode); ok && !slices.Contains(w.c.keys, key.Text) {
		if w.call != nil {
			if !slices.Contains(w.call.missing, key.Text) {
				w.call.missing = append(w.call.missing, key.Text)
			}
			return
		}
		w.problem(t, cmd, "%s: %s messages have no key %q; they have %s", cmd, w.c.kind, key.Text, strings.Join(w.c.keys, ", "))
	}
}

// problem records a problem at a node, with its line when the node is in
// the template itself.
func (w *keyWalker) problem(t *parse.Tree, n parse.Node, format string, args ...any) {
	if w.call != nil {
		w.call.other = append(w.call.other, fmt.Sprintf(format, args...))
		return
	}
	loc, _ := t.ErrorContext(n)
	line := 0
	if name, rest, ok := strings.Cut(loc, ":"); ok && name == w.main {
		l, _, _ := strings.Cut(rest, ":")
		line, _ = strconv.Atoi(l)
	}
	reason := fmt.Sprintf(format, args...)
	if line == 0 && t.ParseName != w.main {
		reason = "in " + loc + ": " + reason
	}
	w.c.add(w.main, line, "%s", reason)
}
