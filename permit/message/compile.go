package message

import (
	"fmt"
	htmltemplate "html/template"
	"regexp"
	"slices"
	"strconv"
	"strings"
	texttemplate "text/template"
	"text/template/parse"
)

// Problem is a template that cannot be used, found by Compile.
type Problem struct {
	Kind Kind
	Part string // "subject", "text" or "html"; see Parts
	// Line is the line within the template text, 0 when unknown or when
	// the problem is in another template it calls.
	Line   int
	Reason string
}

// Compile builds each kind's templates — the override where the scheme
// gives one, the standard template otherwise — and proves them: each
// parses, names only keys its kind carries and functions that exist, and
// runs without error on sample messages with optional keys filled and
// empty. overrides maps a kind to its parts' template texts (see Parts).
// With problems, the Templates hold only the kinds without any and must
// not be used to send.
func Compile(s Sender, overrides map[Kind]map[string]string) (*Templates, []Problem) {
	out := make(map[Kind]*kindTemplates, len(messageSpecs))
	var problems []Problem
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
			return &Templates{sender: s}, []Problem{{Part: part, Reason: err.Error()}}
		}
	}
	for _, spec := range messageSpecs {
		c := templateCompiler{kind: spec.kind, keys: spec.kind.Keys()}
		ts := &kindTemplates{}
		for _, part := range messageParts {
			src, given := overrides[spec.kind][part]
			if !given {
				b, err := standardTemplates.ReadFile("templates/" + string(spec.kind) + "." + part + ".tmpl")
				if err != nil {
					problems = append(problems, Problem{Kind: spec.kind, Part: part, Reason: err.Error()})
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
		full, sparse, _ := samples(s, spec.kind)
		c.run(ts, full)
		c.run(ts, sparse)
		problems = append(problems, c.problems...)
		if len(c.problems) == 0 {
			out[spec.kind] = ts
		}
	}
	return &Templates{sender: s, kinds: out}, problems
}

// templateCompiler parses and checks one kind's templates, collecting
// problems; a part with a problem is left nil and not run.
type templateCompiler struct {
	kind     Kind
	keys     []string
	problems []Problem
	failed   map[string]bool // parts with a problem already
}

func (c *templateCompiler) add(name string, line int, format string, args ...any) {
	part := name[strings.LastIndexByte(name, '.')+1:]
	if c.failed == nil {
		c.failed = map[string]bool{}
	}
	c.failed[part] = true
	c.problems = append(c.problems, Problem{Kind: c.kind, Part: part, Line: line, Reason: fmt.Sprintf(format, args...)})
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
func (c *templateCompiler) run(ts *kindTemplates, m Message) {
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
