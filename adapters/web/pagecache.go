package web

import "html/template"

// pageTemplate is the layout with the named page as its content. Each is
// made once and kept: cloning the templates and escaping a clone on its
// first execution cost more than rendering the page (three quarters of
// the time of Your permits when it was made per request).
func (h *handler) pageTemplate(name string) (*template.Template, error) {
	if t, ok := h.pages.Load(name); ok {
		return t.(*template.Template), nil
	}
	t, err := h.tmpl.Clone()
	if err != nil {
		return nil, err
	}
	if _, err := t.New("content").Parse(`{{template "` + name + `" .}}`); err != nil {
		return nil, err
	}
	got, _ := h.pages.LoadOrStore(name, t)
	return got.(*template.Template), nil
}
