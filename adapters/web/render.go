package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"strconv"
	"strings"
)

//go:embed templates
var templateFS embed.FS

// parseTemplates compiles the layout, the pages and one partial per
// GOV.UK Frontend component, with the catalogue's text behind "t".
func parseTemplates(c Catalogue) (*template.Template, error) {
	funcs := template.FuncMap{
		"t": func(id string, args ...string) string { return c.text(id, args...) },
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, fmt.Errorf("dict: odd number of arguments")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
		"deref": func(p any) any {
			switch v := p.(type) {
			case *string:
				return *v
			case *bool:
				return strconv.FormatBool(*v)
			}
			return p
		},
		"withID": func(e *ErrorMessage, id string) ErrorMessage {
			out := *e
			if out.ID == "" {
				out.ID = id
			}
			return out
		},
		"describedBy": func(id string, h *Hint, e *ErrorMessage) string {
			var ids []string
			if h != nil {
				ids = append(ids, id+"-hint")
			}
			if e != nil {
				ids = append(ids, id+"-error")
			}
			return strings.Join(ids, " ")
		},
		"itemID": func(prefix string, i int) string {
			if i == 0 {
				return prefix
			}
			return prefix + "-" + strconv.Itoa(i+1)
		},
		"radioHint": func(h *Hint) *Hint {
			out := *h
			out.Classes = strings.TrimSpace("govuk-radios__hint " + out.Classes)
			return &out
		},
		"contains":  strings.Contains,
		"dateItems": dateItems,
		"inset":     func(text string) InsetText { return InsetText{Text: text} },
		"checked": func(item *bool, group, value string) bool {
			if item != nil {
				return *item
			}
			return group != "" && group == value
		},
		"hasActions": func(a *SummaryActions) bool { return a != nil && len(a.Items) > 0 },
		"anyActions": func(rows []SummaryRow) bool {
			for _, r := range rows {
				if r.Actions != nil && len(r.Actions.Items) > 0 {
					return true
				}
			}
			return false
		},
		"headingOpen": func(level int) template.HTML {
			return template.HTML(fmt.Sprintf(`<h%d class="govuk-panel__title">`, headingLevel(level)))
		},
		"headingClose": func(level int) template.HTML {
			return template.HTML(fmt.Sprintf(`</h%d>`, headingLevel(level)))
		},
	}
	return template.New("web").Funcs(funcs).ParseFS(templateFS, "templates/components/*.tmpl", "templates/*.tmpl", "templates/pages/*.tmpl", "templates/officer/*.tmpl")
}

func headingLevel(l int) int {
	if l < 1 || l > 6 {
		return 1
	}
	return l
}

// renderPartial renders one named template to a string (tests, and pages
// that embed a component's markup in another's HTML option).
func renderPartial(t *template.Template, name string, data any) (template.HTML, error) {
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, name, data); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil
}
