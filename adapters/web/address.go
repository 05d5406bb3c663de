package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// Change of address (R7): the new address found by postcode and house,
// then the service decides. Within the same permit zone it asks for proof
// of residency and an officer's review, and the permits follow; in
// another zone it refuses the move and asks for a new application there
// (with the V5C), whose approval ends the permits in the old zone.

func (h *handler) addressRoutes() {
	h.mux.HandleFunc("GET /address", h.moveAddressForm)
	h.mux.HandleFunc("POST /address", h.moveAddressPost)
	h.mux.HandleFunc("GET /address/property", h.movePropertyForm)
	h.mux.HandleFunc("POST /address/property", h.movePropertyPost)
	h.mux.HandleFunc("GET /address/evidence", h.moveEvidence)
	h.mux.HandleFunc("POST /address/evidence", h.moveEvidence)
	h.mux.HandleFunc("GET /address/check", h.moveCheck)
	h.mux.HandleFunc("POST /address/check", h.moveSubmit)
	h.mux.HandleFunc("GET /address/new-zone", h.newZoneForm)
	h.mux.HandleFunc("POST /address/new-zone", h.newZonePost)
	h.mux.HandleFunc("GET /address/new-zone/evidence", h.newZoneEvidence)
	h.mux.HandleFunc("POST /address/new-zone/evidence", h.newZoneEvidence)
	h.mux.HandleFunc("GET /address/new-zone/check", h.newZoneCheck)
	h.mux.HandleFunc("POST /address/new-zone/check", h.newZoneSubmit)
}

// signedInOr returns the signed-in account or sends the browser to the
// start.
func (h *handler) signedInOr(w http.ResponseWriter, r *http.Request) (string, bool) {
	acc, err := h.signedIn(r)
	if err != nil {
		h.fail(w, r, err)
		return "", false
	}
	if acc == "" {
		seeOther(w, r, "/")
		return "", false
	}
	return acc, true
}

func (h *handler) moveAddressPage(a answers, errs []fieldError) *page {
	p := h.addressPage(a, errs)
	p.Title, p.Back = h.t("address_change_title"), "/permits"
	p.Form.(map[string]any)["Lede"] = h.t("address_change_lede", "council", h.council())
	p.Form.(map[string]any)["Action"] = "/address"
	return p
}

func (h *handler) moveAddressForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.signedInOr(w, r); !ok {
		return
	}
	h.render(w, r, http.StatusOK, "page-move-address", h.moveAddressPage(answersOf(r.URL.Query()), nil))
}

func (h *handler) moveAddressPost(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if _, ok := h.signedInOr(w, r); !ok {
		return
	}
	a := answersOf(r.PostForm)
	pc, errs := h.checkAddress(a)
	if len(errs) > 0 {
		h.render(w, r, http.StatusUnprocessableEntity, "page-move-address", h.moveAddressPage(a, errs))
		return
	}
	a.Postcode = pc.String()
	seeOther(w, r, "/address/property?"+a.query())
}

func (h *handler) movePropertyPage(r *http.Request, a answers, errs []fieldError) (*page, error) {
	p, err := h.propertyPage(r, a, errs)
	if err != nil {
		return nil, err
	}
	p.Back = "/address?" + a.query()
	p.Form.(map[string]any)["Again"] = "/address?" + a.query()
	p.Form.(map[string]any)["Action"] = "/address/property"
	return p, nil
}

func (h *handler) movePropertyForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.signedInOr(w, r); !ok {
		return
	}
	a := answersOf(r.URL.Query())
	if _, errs := h.checkAddress(a); len(errs) > 0 {
		seeOther(w, r, "/address")
		return
	}
	p, err := h.movePropertyPage(r, a, nil)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "page-move-property", p)
}

// moveTo asks the service for the move with the documents given and
// answers the browser: done, the evidence step, the new zone's
// application, or the property page with the refusal.
func (h *handler) moveTo(w http.ResponseWriter, r *http.Request, acc string, a answers, docs []staged, refused func(errs []fieldError)) {
	uprn, err := zones.ParseUPRN(a.UPRN)
	if err != nil || a.UPRN == "" {
		refused([]fieldError{{"uprn", h.t("property_required")}})
		return
	}
	c, err := h.svc.RequestAddressChange(r.Context(), permit.AccountActor(acc), acc, uprn, documentsOf(docs))
	var ee *permit.EvidenceError
	var dz *permit.DifferentZoneError
	var ve *permit.ValidationError
	var le *permit.LimitError
	var pe *permit.PendingAddressChangeError
	switch {
	case err == nil:
		if err := h.attachTo(r, "address-changes/"+c.ID+"/documents/", docs); err != nil {
			h.log.ErrorContext(r.Context(), "web: filing evidence files under the address change", "address_change_id", c.ID, "err", err)
		}
		h.render(w, r, http.StatusOK, "page-done", &page{Title: h.t("address_change_done_title"), Form: map[string]any{
			"Panel": Panel{TitleText: h.t("address_change_done_title"), HTML: h.panelBody(c.ID)},
			"Next":  h.t("address_change_done", "council", h.council(), "due", longDate(c.DueOn)),
		}})
	case errors.As(err, &ee) && len(docs) == 0:
		seeOther(w, r, "/address/evidence?"+a.query())
	case errors.As(err, &ee):
		refused(h.evidenceRefusal(ee))
	case errors.As(err, &dz):
		seeOther(w, r, "/address/new-zone?"+a.query())
	case errors.As(err, &pe):
		refused([]fieldError{{"uprn", err.Error()}})
	case errors.As(err, &ve):
		var out []fieldError
		for _, f := range ve.Fields {
			out = append(out, fieldError{"uprn", h.fieldText(f)})
		}
		refused(out)
	case errors.As(err, &le):
		refused([]fieldError{{"uprn", le.Detail}})
	case errors.Is(err, zones.ErrPropertyNotFound), errors.Is(err, permit.ErrNotFound):
		refused([]fieldError{{"uprn", h.t("property_unknown")}})
	default:
		h.fail(w, r, err)
	}
}

// attachTo files waiting files under a prefix (an address change's
// documents: the API has no route for them yet; officers' pages read
// them there).
func (h *handler) attachTo(r *http.Request, prefix string, docs []staged) error {
	var errs []error
	for _, s := range docs {
		rc, attrs, err := h.files.Get(r.Context(), s.Key)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		err = h.files.Put(r.Context(), prefix+s.ID, rc, attrs)
		_ = rc.Close()
		if err == nil {
			err = h.files.Delete(r.Context(), s.Key)
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (h *handler) movePropertyPost(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	acc, ok := h.signedInOr(w, r)
	if !ok {
		return
	}
	a := answersOf(r.PostForm)
	if _, errs := h.checkAddress(a); len(errs) > 0 {
		seeOther(w, r, "/address")
		return
	}
	h.moveTo(w, r, acc, a, nil, func(errs []fieldError) {
		a.UPRN = ""
		p, err := h.movePropertyPage(r, a, errs)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		h.render(w, r, http.StatusUnprocessableEntity, "page-move-property", p)
	})
}

// moveState is a move's answers, and the new property.
func (h *handler) moveState(w http.ResponseWriter, r *http.Request) (string, answers, zones.Property, bool) {
	acc, ok := h.signedInOr(w, r)
	if !ok {
		return "", answers{}, zones.Property{}, false
	}
	a := answersOf(r.Form)
	uprn, err := zones.ParseUPRN(a.UPRN)
	if err != nil || a.UPRN == "" {
		seeOther(w, r, "/address")
		return "", answers{}, zones.Property{}, false
	}
	prop, err := h.locator.Property(r.Context(), uprn)
	if errors.Is(err, zones.ErrPropertyNotFound) {
		seeOther(w, r, "/address")
		return "", answers{}, zones.Property{}, false
	}
	if err != nil {
		h.fail(w, r, err)
		return "", answers{}, zones.Property{}, false
	}
	return acc, a, prop, true
}

func (h *handler) parseStepForm(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodPost {
		return h.parseUpload(w, r)
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}

func (h *handler) moveDocStep(r *http.Request, acc string, a answers, prop zones.Property) (docStep, error) {
	account, err := h.svc.Account(r.Context(), permit.AccountActor(acc), acc)
	if err != nil {
		return docStep{}, err
	}
	state, _ := url.ParseQuery(a.query())
	return docStep{Path: "/address/evidence", Back: "/address/property?" + a.query(), State: state,
		Reqs: h.svc.Scheme().AddressChangeSameZone, Name: account.Name, Address: prop.Address(), Next: "/address/check?" + a.query()}, nil
}

func (h *handler) moveEvidence(w http.ResponseWriter, r *http.Request) {
	if !h.parseStepForm(w, r) {
		return
	}
	acc, a, prop, ok := h.moveState(w, r)
	if !ok {
		return
	}
	st, err := h.moveDocStep(r, acc, a, prop)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.evidenceStep(w, r, acc, st)
}

func (h *handler) moveCheckPage(a answers, prop zones.Property, docs []staged, errs []fieldError) *page {
	list := SummaryList{Rows: []SummaryRow{
		{Key: SummaryCell{Text: h.t("address_change_new_address")}, Value: SummaryCell{Text: prop.Address()},
			Actions: &SummaryActions{Items: []SummaryAction{{Href: "/address?" + a.query(), Text: h.t("change"), VisuallyHiddenText: h.t("address_change_new_address")}}}},
	}}
	list.Rows = append(list.Rows, h.docRows(docs, func(id string) string {
		return withDocs("/address/evidence?"+a.query(), without(docIDs(docs), id))
	})...)
	return &page{Title: h.t("address_change_check_title"), Back: withDocs("/address/evidence?"+a.query(), docIDs(docs)), Errors: errs, Form: map[string]any{
		"List": list, "Lede": h.t("address_change_same_zone", "address", prop.Address(), "zone", prop.Zone.Name),
		"Action": "/address/check", "State": mustQuery(a.query()), "Docs": docIDs(docs), "Button": Button{Text: h.t("address_change_send"), ID: "submit"},
	}}
}

func mustQuery(q string) url.Values { v, _ := url.ParseQuery(q); return v }

func (h *handler) moveCheck(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	acc, a, prop, ok := h.moveState(w, r)
	if !ok {
		return
	}
	docs, err := h.stagedDocs(r.Context(), acc, r.Form["doc"])
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if unmet(h.svc.Scheme().AddressChangeSameZone, docs) >= 0 {
		seeOther(w, r, withDocs("/address/evidence?"+a.query(), docIDs(docs)))
		return
	}
	h.render(w, r, http.StatusOK, "page-move-check", h.moveCheckPage(a, prop, docs, nil))
}

func (h *handler) moveSubmit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	acc, a, prop, ok := h.moveState(w, r)
	if !ok {
		return
	}
	docs, err := h.stagedDocs(r.Context(), acc, r.PostForm["doc"])
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.moveTo(w, r, acc, a, docs, func(errs []fieldError) {
		for i := range errs {
			errs[i].Field = "submit"
		}
		h.render(w, r, http.StatusUnprocessableEntity, "page-move-check", h.moveCheckPage(a, prop, docs, errs))
	})
}

// newZoneState is the new zone's application: the move's answers, the
// permit type and the vehicle.
func newZoneState(a answers, typ, vrm string) url.Values {
	v := mustQuery(a.query())
	v.Set("type", typ)
	v.Set("vrm", vrm)
	return v
}

func (h *handler) newZonePage(r *http.Request, acc string, a answers, prop zones.Property, typ, vrm string, errs []fieldError) (*page, error) {
	account, err := h.svc.Account(r.Context(), permit.AccountActor(acc), acc)
	if err != nil {
		return nil, err
	}
	ps, err := h.svc.PermitsOfAccount(r.Context(), permit.AccountActor(acc), acc)
	if err != nil {
		return nil, err
	}
	today := h.svc.Today()
	for _, p := range ps {
		if p.Live(today) && typ == "" && vrm == "" {
			typ, vrm = p.Type, string(p.VRM)
		}
	}
	pg := &page{Title: h.t("address_change_title"), Back: "/address/property?" + a.query(), Errors: errs}
	rd := h.typeRadios(answers{Type: typ}, errs)
	rd.Fieldset.Legend = &Legend{Text: h.t("address_change_which"), Classes: "govuk-fieldset__legend--s"}
	pg.Form = map[string]any{
		"Inset": InsetText{Text: h.t("address_change_other_zone", "address", prop.Address(), "zone", prop.Zone.Name, "from", account.Zone.Name)},
		"State": mustQuery(a.query()), "Types": rd,
		"VRM": Input{ID: "vrm", Name: "vrm", Value: vrm, Classes: "govuk-input--width-10 govuk-input--extra-letter-spacing", Spellcheck: new(bool),
			Label: Label{Text: h.t("vehicle_title"), Classes: "govuk-label--s"}, Hint: &Hint{Text: h.t("vehicle_hint")}, ErrorMessage: pg.errorFor("vrm")},
		"Button": Button{Text: h.t("address_change_new_app")},
	}
	if prop.Zone.IsZero() || !h.covered(prop.Zone) {
		pg.Form = map[string]any{"Inset": h.outsideZonePage(a, prop).Form.(map[string]any)["Inset"], "Outside": true}
	}
	return pg, nil
}

func (h *handler) newZoneForm(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	acc, a, prop, ok := h.moveState(w, r)
	if !ok {
		return
	}
	pg, err := h.newZonePage(r, acc, a, prop, "", "", nil)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "page-new-zone", pg)
}

func (h *handler) newZonePost(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	acc, a, prop, ok := h.moveState(w, r)
	if !ok {
		return
	}
	typ, raw := r.PostForm.Get("type"), r.PostForm.Get("vrm")
	var errs []fieldError
	if !h.knownType(typ) {
		errs = append(errs, fieldError{"type", h.t("type_required")})
	}
	vrm, err := permit.ParseVRM(raw)
	if strings.TrimSpace(raw) == "" {
		errs = append(errs, fieldError{"vrm", h.t("vehicle_required")})
	} else if err != nil {
		errs = append(errs, fieldError{"vrm", h.t("vehicle_invalid")})
	}
	if len(errs) > 0 {
		pg, err := h.newZonePage(r, acc, a, prop, typ, raw, errs)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		h.render(w, r, http.StatusUnprocessableEntity, "page-new-zone", pg)
		return
	}
	seeOther(w, r, "/address/new-zone/evidence?"+newZoneState(a, typ, string(vrm)).Encode())
}

func (h *handler) newZoneDocStep(r *http.Request, acc string, a answers, prop zones.Property) (docStep, string, permit.VRM, bool, error) {
	typ := r.Form.Get("type")
	vrm, err := permit.ParseVRM(r.Form.Get("vrm"))
	if !h.knownType(typ) || err != nil {
		return docStep{}, "", "", false, nil
	}
	account, err := h.svc.Account(r.Context(), permit.AccountActor(acc), acc)
	if err != nil {
		return docStep{}, "", "", false, err
	}
	reqs, _ := h.svc.Scheme().Requirements(typ, evidence.ActionApplicationNewZone)
	state := newZoneState(a, typ, string(vrm))
	return docStep{Path: "/address/new-zone/evidence", Back: "/address/new-zone?" + a.query(), State: state, Reqs: reqs,
		VRM: string(vrm), Name: account.Name, Address: prop.Address(), Next: "/address/new-zone/check?" + state.Encode()}, typ, vrm, true, nil
}

func (h *handler) newZoneEvidence(w http.ResponseWriter, r *http.Request) {
	if !h.parseStepForm(w, r) {
		return
	}
	acc, a, prop, ok := h.moveState(w, r)
	if !ok {
		return
	}
	st, _, _, ok, err := h.newZoneDocStep(r, acc, a, prop)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !ok {
		seeOther(w, r, "/address/new-zone?"+a.query())
		return
	}
	h.evidenceStep(w, r, acc, st)
}

func (h *handler) newZoneCheckPage(st docStep, typ string, vrm permit.VRM, prop zones.Property, docs []staged, errs []fieldError) *page {
	pt, _ := h.svc.Scheme().PermitType(typ)
	list := SummaryList{Rows: []SummaryRow{
		{Key: SummaryCell{Text: h.t("check_type")}, Value: SummaryCell{Text: pt.Name}},
		{Key: SummaryCell{Text: h.t("check_moving_to")}, Value: SummaryCell{Text: prop.Address() + " (" + prop.Zone.Name + ")"}},
		{Key: SummaryCell{Text: h.t("check_vehicle")}, Value: SummaryCell{Text: string(vrm)}},
	}}
	list.Rows = append(list.Rows, h.docRows(docs, func(id string) string {
		return withDocs(st.Path+"?"+st.State.Encode(), without(docIDs(docs), id))
	})...)
	return &page{Title: h.t("check_title"), Back: withDocs(st.Path+"?"+st.State.Encode(), docIDs(docs)), Errors: errs, Form: map[string]any{
		"List": list, "Action": "/address/new-zone/check", "State": st.State, "Docs": docIDs(docs),
		"Button": Button{Text: h.t("check_submit"), ID: "submit"},
	}}
}

func (h *handler) newZoneCheck(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	acc, a, prop, ok := h.moveState(w, r)
	if !ok {
		return
	}
	st, typ, vrm, ok, err := h.newZoneDocStep(r, acc, a, prop)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !ok {
		seeOther(w, r, "/address/new-zone?"+a.query())
		return
	}
	docs, err := h.stagedDocs(r.Context(), acc, r.Form["doc"])
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if unmet(st.Reqs, docs) >= 0 {
		seeOther(w, r, withDocs(st.Path+"?"+st.State.Encode(), docIDs(docs)))
		return
	}
	h.render(w, r, http.StatusOK, "page-move-check", h.newZoneCheckPage(st, typ, vrm, prop, docs, nil))
}

func (h *handler) newZoneSubmit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	acc, a, prop, ok := h.moveState(w, r)
	if !ok {
		return
	}
	st, typ, vrm, ok, err := h.newZoneDocStep(r, acc, a, prop)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !ok {
		seeOther(w, r, "/address/new-zone?"+a.query())
		return
	}
	docs, err := h.stagedDocs(r.Context(), acc, r.PostForm["doc"])
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p, err := h.svc.Apply(r.Context(), permit.AccountActor(acc), permit.Application{AccountID: acc, Type: typ, VRM: string(vrm),
		Evidence: documentsOf(docs), MoveTo: prop.UPRN})
	if err == nil {
		if err := h.attach(r.Context(), p.ID, docs); err != nil {
			h.log.ErrorContext(r.Context(), "web: filing evidence files under the permit", "permit_id", p.ID, "err", err)
		}
		payOrConfirm(w, r, p, "/apply/done/"+p.ID)
		return
	}
	errs, ok := h.refusal(err)
	if !ok {
		var le *permit.LimitError
		if !errors.As(err, &le) {
			h.fail(w, r, err)
			return
		}
		errs = []fieldError{{"submit", le.Detail}}
	}
	h.render(w, r, http.StatusUnprocessableEntity, "page-move-check", h.newZoneCheckPage(st, typ, vrm, prop, docs, errs))
}
