package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

//go:embed assets
var assetFS embed.FS

// Options are the optional parts of the pages.
type Options struct {
	// Catalogue is the pages' text; the zero value means English().
	Catalogue Catalogue
	// Secure marks cookies Secure even on plain http requests: set it
	// when a proxy in front ends https.
	Secure bool
	// Logger receives the detail of server errors; nil logs nothing.
	Logger *slog.Logger
	// Sessions keeps sign-in sessions; nil keeps them in memory (tests
	// only: a server keeps them in its database, sqlstore's WebSessions).
	Sessions Sessions
	// SessionTTL is how long a sign-in lasts; 0 means DefaultSessionTTL.
	SessionTTL time.Duration
	// Files keeps the evidence files residents upload: the store the
	// JSON API keeps documents in (adapters/sqlstore's Blobs). nil keeps
	// them in memory (tests only).
	Files Files
	// MaxDocumentBytes caps one uploaded file; 0 means
	// DefaultMaxDocumentBytes.
	MaxDocumentBytes int64
}

type handler struct {
	svc     *permit.Service
	locator zones.Locator
	cat     Catalogue
	tmpl    *template.Template
	secure  bool
	log     *slog.Logger
	mux     *http.ServeMux

	sessions   Sessions
	sessionTTL time.Duration

	files  Files
	maxDoc int64

	// pages holds each page's template, made once (pageTemplate).
	pages sync.Map
}

// New returns the resident pages as an http.Handler, to be served at the
// site's root (it leaves /v1/ to the JSON API). Every action goes through
// svc; locator finds the properties at a postcode, as for GET
// /v1/addresses. Cross-site form posts are refused (Sec-Fetch-Site and
// Origin, net/http.CrossOriginProtection), every answer carries a Content
// Security Policy without inline script, and the pages work without
// JavaScript.
func New(svc *permit.Service, locator zones.Locator, opts *Options) (http.Handler, error) {
	if svc == nil || locator == nil {
		return nil, errors.New("web: New needs a Service and a Locator")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Catalogue.Messages == nil {
		o.Catalogue = English()
	}
	if o.Catalogue.Lang == "" {
		return nil, errors.New("web: the catalogue has no Lang")
	}
	if miss := o.Catalogue.missing(); len(miss) > 0 {
		return nil, fmt.Errorf("web: the catalogue has no text for %s", strings.Join(miss, ", "))
	}
	t, err := parseTemplates(o.Catalogue)
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	h := &handler{svc: svc, locator: locator, cat: o.Catalogue, tmpl: t, secure: o.Secure, log: o.Logger, mux: http.NewServeMux()}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.sessions, h.sessionTTL = o.Sessions, o.SessionTTL
	if h.sessions == nil {
		h.sessions = NewMemorySessions()
	}
	if h.sessionTTL <= 0 {
		h.sessionTTL = DefaultSessionTTL
	}
	h.files, h.maxDoc = o.Files, o.MaxDocumentBytes
	if h.files == nil {
		h.files = newMemoryFiles()
	}
	if h.maxDoc <= 0 {
		h.maxDoc = DefaultMaxDocumentBytes
	}
	assets, err := fs.Sub(assetFS, "assets")
	if err != nil {
		return nil, err
	}
	files := http.StripPrefix("/assets/", http.FileServerFS(assets))
	h.mux.Handle("GET /assets/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	}))
	h.routes()
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.render(w, r, http.StatusForbidden, "page-message", &page{Title: h.t("refused_title"), Message: h.t("refused")})
	}))
	return secureHeaders(cop.Handler(h.mux)), nil
}

func (h *handler) t(id string, args ...string) string { return h.cat.text(id, args...) }

// council is the council's name from the scheme.
func (h *handler) council() string { return h.svc.Scheme().Council.Name }

// page is what the layout and every page template read.
type page struct {
	Lang, Title, Council string
	Back                 string
	Header               GenericHeader
	Footer               Footer
	Errors               []fieldError
	ErrorSummary         ErrorSummary
	Message              string
	// Form holds the page's own values.
	Form any
}

// fieldError is one problem with a form field, in the council's words.
type fieldError struct{ Field, Message string }

// errorFor returns the inline error for a field, or nil.
func (p *page) errorFor(field string) *ErrorMessage {
	for _, e := range p.Errors {
		if e.Field == field {
			return &ErrorMessage{Text: e.Message}
		}
	}
	return nil
}

func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	p.Lang, p.Council = h.cat.Lang, h.council()
	p.Header = GenericHeader{LogoText: h.council(), URL: "/"}
	p.Footer = Footer{Copyright: &Content{Text: h.t("footer_copyright", "council", h.council())}}
	if site := h.svc.Scheme().Council.Website; site != "" {
		p.Footer.CopyrightHref = site
	}
	if len(p.Errors) > 0 {
		p.ErrorSummary = ErrorSummary{TitleText: h.t("error_summary_title")}
		for _, e := range p.Errors {
			p.ErrorSummary.ErrorList = append(p.ErrorSummary.ErrorList, ErrorLink{Text: e.Message, Href: "#" + e.Field})
		}
	}
	t, err := h.pageTemplate(name)
	var b bytes.Buffer
	if err == nil {
		err = t.ExecuteTemplate(&b, "layout", p)
	}
	if err != nil {
		h.log.ErrorContext(r.Context(), "web: rendering a page", "page", name, "err", err)
		http.Error(w, h.t("problem_title"), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// fail shows the service's problem page for an error no page explains.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, permit.ErrNotFound) {
		h.notFound(w, r)
		return
	}
	h.log.ErrorContext(r.Context(), "web: request failed", "path", r.URL.Path, "err", err)
	h.render(w, r, http.StatusInternalServerError, "page-message", &page{Title: h.t("problem_title"), Message: h.t("problem")})
}

func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusNotFound, "page-message", &page{Title: h.t("not_found_title"), Message: h.t("not_found")})
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// seeOther sends the browser on after a form post (post/redirect/get).
func seeOther(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}
