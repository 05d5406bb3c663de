package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/carerpermit/carerpermit/zones"
)

// The apply journey keeps its answers in the pages themselves (hidden
// fields and the query string), not in the server's memory: one thing
// per page, each answer checked where it is given, and a form in error
// shown again with an error summary and the field's own message.

func (h *handler) routes() {
	h.mux.HandleFunc("GET /{$}", h.start)
	h.mux.HandleFunc("GET /apply/type", h.typeForm)
	h.mux.HandleFunc("POST /apply/type", h.typePost)
	h.mux.HandleFunc("GET /apply/address", h.addressForm)
	h.mux.HandleFunc("POST /apply/address", h.addressPost)
	h.mux.HandleFunc("GET /apply/property", h.propertyForm)
	h.mux.HandleFunc("POST /apply/property", h.propertyPost)
	h.journeyRoutes()
	h.residentRoutes()
	h.mux.HandleFunc("/", h.notFound)
}

// answers are the apply journey's answers so far.
type answers struct {
	Type, Postcode, House, UPRN string
}

func answersOf(v url.Values) answers {
	return answers{Type: v.Get("type"), Postcode: v.Get("postcode"), House: v.Get("house"), UPRN: v.Get("uprn")}
}

func (a answers) query() string {
	v := url.Values{}
	for k, s := range map[string]string{"type": a.Type, "postcode": a.Postcode, "house": a.House, "uprn": a.UPRN} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v.Encode()
}

func (h *handler) start(w http.ResponseWriter, r *http.Request) {
	var types []string
	for _, pt := range h.svc.Scheme().Rules.PermitTypes {
		types = append(types, pt.Name)
	}
	h.render(w, r, http.StatusOK, "page-start", &page{Title: h.t("start_title"), Form: map[string]any{
		"Types":  types,
		"Button": Button{Text: h.t("start_button"), Href: "/apply/type", IsStartButton: true},
	}})
}

// knownType reports whether id is one of the scheme's permit types.
func (h *handler) knownType(id string) bool {
	_, ok := h.svc.Scheme().PermitType(id)
	return ok
}

func (h *handler) typeRadios(a answers, errs []fieldError) Radios {
	p := &page{Errors: errs}
	rd := Radios{Name: "type", IDPrefix: "type", Value: a.Type, ErrorMessage: p.errorFor("type"),
		Fieldset: &Fieldset{Legend: &Legend{Text: h.t("type_title"), IsPageHeading: true, Classes: "govuk-fieldset__legend--l"}}}
	for _, pt := range h.svc.Scheme().Rules.PermitTypes {
		rd.Items = append(rd.Items, RadioItem{Value: pt.ID, Text: pt.Name})
	}
	return rd
}

func (h *handler) typeForm(w http.ResponseWriter, r *http.Request) {
	a := answersOf(r.URL.Query())
	h.render(w, r, http.StatusOK, "page-type", &page{Title: h.t("type_title"), Back: "/",
		Form: map[string]any{"Radios": h.typeRadios(a, nil), "Button": Button{Text: h.t("continue")}}})
}

func (h *handler) typePost(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	a := answersOf(r.PostForm)
	if !h.knownType(a.Type) {
		errs := []fieldError{{"type", h.t("type_required")}}
		a.Type = ""
		h.render(w, r, http.StatusUnprocessableEntity, "page-type", &page{Title: h.t("type_title"), Back: "/", Errors: errs,
			Form: map[string]any{"Radios": h.typeRadios(a, errs), "Button": Button{Text: h.t("continue")}}})
		return
	}
	seeOther(w, r, "/apply/address?"+a.query())
}

func (h *handler) addressPage(a answers, errs []fieldError) *page {
	p := &page{Title: h.t("address_title"), Back: "/apply/type?" + a.query(), Errors: errs}
	p.Form = map[string]any{
		"Answers": a,
		"Postcode": Input{ID: "postcode", Name: "postcode", Value: a.Postcode, Classes: "govuk-input--width-10", Autocomplete: "postal-code",
			Label: Label{Text: h.t("address_postcode")}, Hint: &Hint{Text: h.t("address_postcode_hint")}, ErrorMessage: p.errorFor("postcode")},
		"House": Input{ID: "house", Name: "house", Value: a.House, Classes: "govuk-input--width-20",
			Label: Label{Text: h.t("address_house")}, Hint: &Hint{Text: h.t("address_house_hint")}, ErrorMessage: p.errorFor("house")},
		"Button": Button{Text: h.t("continue")},
	}
	return p
}

func (h *handler) addressForm(w http.ResponseWriter, r *http.Request) {
	a := answersOf(r.URL.Query())
	if !h.knownType(a.Type) {
		seeOther(w, r, "/apply/type")
		return
	}
	h.render(w, r, http.StatusOK, "page-address", h.addressPage(a, nil))
}

// checkAddress returns the form's problems with a postcode and house.
func (h *handler) checkAddress(a answers) (zones.Postcode, []fieldError) {
	var errs []fieldError
	var pc zones.Postcode
	if strings.TrimSpace(a.Postcode) == "" {
		errs = append(errs, fieldError{"postcode", h.t("address_postcode_missing")})
	} else if p, err := zones.ParsePostcode(a.Postcode); err != nil {
		errs = append(errs, fieldError{"postcode", h.t("address_postcode_invalid")})
	} else {
		pc = p
	}
	if len(a.House) > 100 {
		errs = append(errs, fieldError{"house", h.t("address_house_too_long")})
	}
	return pc, errs
}

func (h *handler) addressPost(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	a := answersOf(r.PostForm)
	if !h.knownType(a.Type) {
		seeOther(w, r, "/apply/type")
		return
	}
	pc, errs := h.checkAddress(a)
	if len(errs) > 0 {
		h.render(w, r, http.StatusUnprocessableEntity, "page-address", h.addressPage(a, errs))
		return
	}
	a.Postcode = pc.String()
	seeOther(w, r, "/apply/property?"+a.query())
}

func (h *handler) propertyPage(r *http.Request, a answers, errs []fieldError) (*page, error) {
	pc, _ := zones.ParsePostcode(a.Postcode)
	props, err := h.locator.FindProperties(r.Context(), pc, a.House)
	if err != nil {
		return nil, err
	}
	p := &page{Title: h.t("property_title"), Back: "/apply/address?" + a.query(), Errors: errs}
	rd := Radios{Name: "uprn", IDPrefix: "uprn", Value: a.UPRN, ErrorMessage: p.errorFor("uprn"),
		Fieldset: &Fieldset{Legend: &Legend{Text: h.t("property_title"), IsPageHeading: true, Classes: "govuk-fieldset__legend--l"}}}
	for _, pr := range props {
		rd.Items = append(rd.Items, RadioItem{Value: pr.UPRN.String(), Text: pr.Address()})
	}
	p.Form = map[string]any{
		"Answers": a, "Radios": rd, "Found": len(props) > 0,
		"None":   h.t("property_none", "postcode", pc.String(), "house", a.House),
		"Again":  "/apply/address?" + a.query(),
		"Button": Button{Text: h.t("continue")},
	}
	return p, nil
}

func (h *handler) propertyForm(w http.ResponseWriter, r *http.Request) {
	a := answersOf(r.URL.Query())
	if !h.knownType(a.Type) {
		seeOther(w, r, "/apply/type")
		return
	}
	if _, errs := h.checkAddress(a); len(errs) > 0 {
		seeOther(w, r, "/apply/address?"+a.query())
		return
	}
	p, err := h.propertyPage(r, a, nil)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "page-property", p)
}

func (h *handler) propertyPost(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	a := answersOf(r.PostForm)
	if !h.knownType(a.Type) {
		seeOther(w, r, "/apply/type")
		return
	}
	if _, errs := h.checkAddress(a); len(errs) > 0 {
		seeOther(w, r, "/apply/address?"+a.query())
		return
	}
	again := func(msg string) {
		a.UPRN = ""
		p, err := h.propertyPage(r, a, []fieldError{{"uprn", msg}})
		if err != nil {
			h.fail(w, r, err)
			return
		}
		h.render(w, r, http.StatusUnprocessableEntity, "page-property", p)
	}
	uprn, err := zones.ParseUPRN(a.UPRN)
	if err != nil || a.UPRN == "" {
		again(h.t("property_required"))
		return
	}
	prop, err := h.locator.Property(r.Context(), uprn)
	if errors.Is(err, zones.ErrPropertyNotFound) {
		again(h.t("property_unknown"))
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !h.covered(prop.Zone) {
		h.render(w, r, http.StatusOK, "page-outside-zone", h.outsideZonePage(a, prop))
		return
	}
	seeOther(w, r, "/apply/account?"+a.query())
}

// covered reports whether the scheme issues permits in zone z.
func (h *handler) covered(z zones.Zone) bool {
	return !z.IsZero() && slices.ContainsFunc(h.svc.Scheme().Rules.Zones, func(c zones.Zone) bool { return c.ID == z.ID })
}

func (h *handler) outsideZonePage(a answers, prop zones.Property) *page {
	var names []string
	for _, z := range h.svc.Scheme().Rules.Zones {
		names = append(names, z.Name)
	}
	council := h.council()
	return &page{Title: h.t("outside_zone_title"), Back: "/apply/property?" + a.query(), Form: map[string]any{
		"Inset":   InsetText{Text: h.t("outside_zone", "address", prop.Address(), "council", council)},
		"Covered": h.t("outside_zone_covered", "council", council, "zones", strings.Join(names, ", ")),
		"Contact": h.t("outside_zone_contact", "council", council),
		"Again":   "/apply/address?" + answers{Type: a.Type}.query(),
	}}
}
