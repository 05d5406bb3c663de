package web

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/evidence"
)

// The evidence step: one page per document the service asks for (its
// RequiredEvidence), each with the file and what the council needs to
// read on it (the kind, the date, the name and address, a tenancy's term
// or a V5C's reference). A file is stored as it arrives (Files, under the
// account) and named in the journey by its ID ("doc" in the query), so
// that nothing waits in the server's memory; the service judges the
// documents when the request is sent, and its refusal is shown in its
// own words.

// docStep is one use of the evidence step.
type docStep struct {
	Path  string // GET shows the next document asked for; POST receives it
	Back  string
	State url.Values // the journey's answers so far, carried in hidden fields
	Reqs  []evidence.Requirement
	// VRM is the vehicle a V5C must be for; Name and Address are offered
	// as the name and address on the document.
	VRM, Name, Address string
	// Next is where the browser goes when every document has a file
	// (with the "doc" IDs added).
	Next string
}

// withDocs adds the documents' IDs to a URL's query.
func withDocs(u string, ids []string) string {
	if len(ids) == 0 {
		return u
	}
	v := url.Values{"doc": ids}
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + v.Encode()
}

func docIDs(docs []staged) []string {
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d.ID
	}
	return out
}

// unmet returns the index of the first requirement no document meets,
// or -1.
func unmet(reqs []evidence.Requirement, docs []staged) int {
	for i, q := range reqs {
		if !slices.ContainsFunc(docs, func(s staged) bool { return slices.Contains(q.OneOf, s.Doc.Kind) }) {
			return i
		}
	}
	return -1
}

// parseUpload reads a multipart form within the file cap; false means it
// has answered already.
func (h *handler) parseUpload(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, h.maxDoc+64<<10)
	if err := r.ParseMultipartForm(64 << 10); err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			h.render(w, r, http.StatusRequestEntityTooLarge, "page-message", &page{Title: h.t("evidence_too_large_title"),
				Message: h.t("evidence_file_too_large", "size", megabytes(h.maxDoc))})
			return false
		}
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return false
		}
	}
	return true
}

func megabytes(n int64) string { return strconv.FormatInt(n>>20, 10) + " MB" }

// kindRules are the scheme's rules of each kind a requirement accepts.
func (h *handler) kindRules(q evidence.Requirement) []evidence.KindRule {
	var out []evidence.KindRule
	for _, k := range q.OneOf {
		if kr, ok := h.svc.Scheme().Evidence.Kind(k); ok {
			out = append(out, kr)
		}
	}
	return out
}

func hasCheck(kr evidence.KindRule, c evidence.Check) bool { return slices.Contains(kr.Checks, c) }

// docForm is what the resident typed about a document.
type docForm struct {
	Kind, Name, Address, Reference, Signed string
	Issued, TermStart, TermEnd             dateValue
	Other                                  map[string]string
}

// dateValue is a date input's three boxes as typed.
type dateValue struct{ Day, Month, Year string }

func dateOf(v url.Values, prefix string) dateValue {
	return dateValue{Day: v.Get(prefix + "-day"), Month: v.Get(prefix + "-month"), Year: v.Get(prefix + "-year")}
}

func (d dateValue) blank() bool {
	return strings.TrimSpace(d.Day+d.Month+d.Year) == ""
}

// date reads the boxes as a real calendar date (at midnight UTC, as the
// API reads YYYY-MM-DD).
func (d dateValue) date() (time.Time, bool) {
	day, e1 := strconv.Atoi(strings.TrimSpace(d.Day))
	month, e2 := strconv.Atoi(strings.TrimSpace(d.Month))
	year, e3 := strconv.Atoi(strings.TrimSpace(d.Year))
	if e1 != nil || e2 != nil || e3 != nil || year < 1900 || year > 2199 || month < 1 || month > 12 || day < 1 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if t.Day() != day {
		return time.Time{}, false
	}
	return t, true
}

func (h *handler) dateInput(id, legend, hint string, v dateValue, p *page) DateInput {
	return DateInput{ID: id, NamePrefix: id, Fieldset: &Fieldset{Legend: &Legend{Text: legend, Classes: "govuk-fieldset__legend--s"}},
		// An error in a date input is filed under its first box, where
		// the error summary's link lands.
		Hint: &Hint{Text: hint}, ErrorMessage: p.errorFor(id + "-day"),
		Items: []DateItem{{Name: "day", Value: v.Day}, {Name: "month", Value: v.Month}, {Name: "year", Value: v.Year}}}
}

// docPage builds the form for requirement q.
func (h *handler) docPage(st docStep, q evidence.Requirement, docs []staged, f docForm, errs []fieldError) *page {
	p := &page{Title: h.t("evidence_title", "document", q.Title), Back: st.Back, Errors: errs}
	kinds := h.kindRules(q)
	var name, address, tenancy, v5c bool
	var other []string
	for _, kr := range kinds {
		name = name || kr.RequireName || hasCheck(kr, evidence.CheckTenancy)
		address = address || kr.RequireAddress || hasCheck(kr, evidence.CheckTenancy)
		tenancy = tenancy || hasCheck(kr, evidence.CheckTenancy)
		v5c = v5c || hasCheck(kr, evidence.CheckV5C)
		for _, fl := range kr.RequiredFields {
			switch fl {
			case evidence.FieldTermStart, evidence.FieldTermEnd, evidence.FieldSigned, evidence.FieldDocumentReference, evidence.FieldVRM:
			default:
				if !slices.Contains(other, fl) {
					other = append(other, fl)
				}
			}
		}
	}
	form := map[string]any{
		"Action": st.Path, "State": st.State, "Docs": docIDs(docs), "VRM": st.VRM,
		"Describe": h.svc.Scheme().Evidence.Describe(q),
		"Issued":   h.dateInput("issued", h.t("evidence_issued"), h.t("evidence_date_hint"), f.Issued, p),
		"File": FileUpload{ID: "file", Name: "file", Label: Label{Text: h.t("evidence_file"), Classes: "govuk-label--s"},
			Hint: &Hint{Text: h.t("evidence_file_hint", "size", megabytes(h.maxDoc))}, ErrorMessage: p.errorFor("file")},
		"Button": Button{Text: h.t("continue")},
	}
	if len(kinds) > 1 {
		rd := Radios{Name: "kind", IDPrefix: "kind", Value: f.Kind, ErrorMessage: p.errorFor("kind"),
			Fieldset: &Fieldset{Legend: &Legend{Text: h.t("evidence_kind"), Classes: "govuk-fieldset__legend--s"}}}
		for _, kr := range kinds {
			rd.Items = append(rd.Items, RadioItem{Value: string(kr.Kind), Text: capitalise1(kr.Title)})
		}
		form["Kinds"] = rd
	} else if len(kinds) == 1 {
		form["Kind"] = string(kinds[0].Kind)
	}
	if name {
		form["Name"] = Input{ID: "name", Name: "name", Value: f.Name, Spellcheck: new(bool), Label: Label{Text: h.t("evidence_name"), Classes: "govuk-label--s"},
			Hint: &Hint{Text: h.t("evidence_name_hint")}, ErrorMessage: p.errorFor("name")}
	}
	if address {
		form["Address"] = Input{ID: "address", Name: "address", Value: f.Address, Label: Label{Text: h.t("evidence_address"), Classes: "govuk-label--s"},
			ErrorMessage: p.errorFor("address")}
	}
	if tenancy {
		only := ""
		if len(kinds) > 1 {
			only = h.t("evidence_tenancy_only") + " "
		}
		form["TermStart"] = h.dateInput("term-start", h.t("evidence_term_start"), only+h.t("evidence_date_hint"), f.TermStart, p)
		form["TermEnd"] = h.dateInput("term-end", h.t("evidence_term_end"), only+h.t("evidence_date_hint"), f.TermEnd, p)
		yes, no := true, false
		form["Signed"] = Radios{Name: "signed", IDPrefix: "signed", Value: f.Signed, Classes: "govuk-radios--inline", ErrorMessage: p.errorFor("signed"),
			Fieldset: &Fieldset{Legend: &Legend{Text: h.t("evidence_signed"), Classes: "govuk-fieldset__legend--s"}},
			Items:    []RadioItem{{Value: "yes", Text: h.t("yes"), Checked: boolIf(f.Signed == "yes", &yes, &no)}, {Value: "no", Text: h.t("no")}}}
	}
	if v5c {
		hint := h.t("evidence_reference_hint")
		if len(kinds) > 1 {
			hint = h.t("evidence_v5c_only") + " " + hint
		}
		form["Reference"] = Input{ID: "document_reference", Name: "document_reference", Value: f.Reference, Inputmode: "numeric", Classes: "govuk-input--width-20",
			Spellcheck: new(bool), Label: Label{Text: h.t("evidence_reference"), Classes: "govuk-label--s"}, Hint: &Hint{Text: hint},
			ErrorMessage: p.errorFor("document_reference")}
	}
	var others []Input
	for _, fl := range other {
		others = append(others, Input{ID: "field-" + fl, Name: "field-" + fl, Value: f.Other[fl], Label: Label{Text: capitalise1(strings.ReplaceAll(fl, "_", " ")), Classes: "govuk-label--s"},
			ErrorMessage: p.errorFor("field-" + fl)})
	}
	form["Other"] = others
	if len(docs) > 0 {
		var rows []SummaryRow
		for _, s := range docs {
			rows = append(rows, h.docRow(s, ""))
		}
		form["Sent"] = SummaryList{Rows: rows}
	}
	p.Form = form
	return p
}

func boolIf(c bool, t, f *bool) *bool {
	if c {
		return t
	}
	return f
}

// capitalise1 puts the first letter in upper case and leaves the rest.
func capitalise1(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// docRow is a summary row for a document sent: its title, date and file.
func (h *handler) docRow(s staged, change string) SummaryRow {
	title := string(s.Doc.Kind)
	if kr, ok := h.svc.Scheme().Evidence.Kind(s.Doc.Kind); ok {
		title = kr.Title
	}
	row := SummaryRow{Key: SummaryCell{Text: capitalise1(title)},
		Value: SummaryCell{Text: h.t("evidence_sent_value", "file", s.Filename, "date", longDate(s.Doc.IssuedOn))}}
	if change != "" {
		row.Actions = &SummaryActions{Items: []SummaryAction{{Href: change, Text: h.t("change"), VisuallyHiddenText: title}}}
	}
	return row
}

// evidenceStep shows or receives the step's next document. acc is the
// signed-in account.
func (h *handler) evidenceStep(w http.ResponseWriter, r *http.Request, acc string, st docStep) {
	docs, err := h.stagedDocs(r.Context(), acc, r.Form["doc"])
	if err != nil {
		h.fail(w, r, err)
		return
	}
	i := unmet(st.Reqs, docs)
	if i < 0 {
		seeOther(w, r, withDocs(st.Next, docIDs(docs)))
		return
	}
	q := st.Reqs[i]
	if r.Method != http.MethodPost {
		h.render(w, r, http.StatusOK, "page-evidence", h.docPage(st, q, docs, docForm{Name: st.Name, Address: st.Address}, nil))
		return
	}
	f, doc, errs := h.readDocForm(r, q, st)
	var file multipart.File
	var hdr *multipart.FileHeader
	if r.MultipartForm != nil && len(r.MultipartForm.File["file"]) > 0 {
		hdr = r.MultipartForm.File["file"][0]
	}
	var ctype, sum string
	if hdr == nil || hdr.Size == 0 {
		errs = append(errs, fieldError{"file", h.t("evidence_file_required")})
	} else if hdr.Size > h.maxDoc {
		errs = append(errs, fieldError{"file", h.t("evidence_file_too_large", "size", megabytes(h.maxDoc))})
	} else if file, err = hdr.Open(); err != nil {
		h.fail(w, r, err)
		return
	} else {
		defer file.Close()
		ctype, sum, err = sniffFile(file)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if ctype != "application/pdf" && ctype != "image/jpeg" && ctype != "image/png" {
			errs = append(errs, fieldError{"file", h.t("evidence_file_type")})
		}
	}
	if len(errs) > 0 {
		h.render(w, r, http.StatusUnprocessableEntity, "page-evidence", h.docPage(st, q, docs, f, errs))
		return
	}
	id := newDocumentID()
	filename := hdr.Filename
	if len(filename) > 200 {
		filename = filename[:200]
	}
	attrs := documentAttrs(id, acc, filename, ctype, sum, hdr.Size, h.svc.Now(), doc)
	if err := h.files.Put(r.Context(), stagedPrefix(acc)+id, file, attrs); err != nil {
		h.fail(w, r, err)
		return
	}
	seeOther(w, r, withDocs(st.Path+"?"+st.State.Encode(), append(docIDs(docs), id)))
}

// sniffFile judges a file's type by its first bytes (never by what the
// browser said), hashes it and rewinds it.
func sniffFile(f multipart.File) (string, string, error) {
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", "", err
	}
	ct := http.DetectContentType(head[:n])
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", "", err
	}
	hash := sha256.New()
	if _, err := io.Copy(hash, f); err != nil {
		return "", "", err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", "", err
	}
	return ct, hex.EncodeToString(hash.Sum(nil)), nil
}

// readDocForm reads what the resident typed about the document, and the
// page's own problems with it (the council's rules are the service's).
func (h *handler) readDocForm(r *http.Request, q evidence.Requirement, st docStep) (docForm, evidence.Document, []fieldError) {
	v := r.Form
	f := docForm{Kind: v.Get("kind"), Name: v.Get("name"), Address: v.Get("address"), Reference: v.Get("document_reference"), Signed: v.Get("signed"),
		Issued: dateOf(v, "issued"), TermStart: dateOf(v, "term-start"), TermEnd: dateOf(v, "term-end"), Other: map[string]string{}}
	var errs []fieldError
	kinds := h.kindRules(q)
	var kr evidence.KindRule
	switch {
	case len(kinds) == 1:
		kr = kinds[0]
		f.Kind = string(kr.Kind)
	default:
		i := slices.IndexFunc(kinds, func(k evidence.KindRule) bool { return string(k.Kind) == f.Kind })
		if i < 0 {
			errs = append(errs, fieldError{"kind", h.t("evidence_kind_required")})
			f.Kind = ""
		} else {
			kr = kinds[i]
		}
	}
	doc := evidence.Document{Kind: kr.Kind, Fields: map[string]string{}}
	if f.Issued.blank() {
		errs = append(errs, fieldError{"issued-day", h.t("evidence_issued_required")})
	} else if t, ok := f.Issued.date(); !ok {
		errs = append(errs, fieldError{"issued-day", h.t("evidence_date_invalid")})
	} else {
		doc.IssuedOn = t
	}
	tenancy := hasCheck(kr, evidence.CheckTenancy)
	if kr.RequireName || tenancy {
		doc.Name = strings.TrimSpace(f.Name)
		if doc.Name == "" {
			errs = append(errs, fieldError{"name", h.t("evidence_name_required")})
		}
	}
	if kr.RequireAddress || tenancy {
		doc.Address = strings.TrimSpace(f.Address)
		if doc.Address == "" {
			errs = append(errs, fieldError{"address", h.t("evidence_address_required")})
		}
	}
	if tenancy {
		for _, d := range []struct {
			id, field string
			v         dateValue
		}{{"term-start", evidence.FieldTermStart, f.TermStart}, {"term-end", evidence.FieldTermEnd, f.TermEnd}} {
			if t, ok := d.v.date(); ok {
				doc.Fields[d.field] = t.Format(time.DateOnly)
			} else {
				errs = append(errs, fieldError{d.id + "-day", h.t("evidence_term_invalid")})
			}
		}
		switch f.Signed {
		case "yes", "no":
			doc.Fields[evidence.FieldSigned] = f.Signed
		default:
			errs = append(errs, fieldError{"signed", h.t("evidence_signed_required")})
		}
	}
	if hasCheck(kr, evidence.CheckV5C) {
		ref := strings.ReplaceAll(strings.TrimSpace(f.Reference), " ", "")
		if ref == "" {
			errs = append(errs, fieldError{"document_reference", h.t("evidence_reference_required")})
		}
		doc.Fields[evidence.FieldDocumentReference] = ref
		doc.Fields[evidence.FieldVRM] = st.VRM
	}
	for _, fl := range kr.RequiredFields {
		switch fl {
		case evidence.FieldTermStart, evidence.FieldTermEnd, evidence.FieldSigned, evidence.FieldDocumentReference, evidence.FieldVRM:
			continue
		}
		val := strings.TrimSpace(v.Get("field-" + fl))
		f.Other[fl] = val
		if val == "" {
			errs = append(errs, fieldError{"field-" + fl, h.t("evidence_field_required", "field", strings.ReplaceAll(fl, "_", " "))})
		}
		doc.Fields[fl] = val
	}
	if len(doc.Fields) == 0 {
		doc.Fields = nil
	}
	return f, doc, errs
}
