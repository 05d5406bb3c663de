package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
)

// residentRoutes are the pages after the apply journey's first steps:
// its evidence step and payment, and the signed-in resident's permits
// and change of address.
func (h *handler) residentRoutes() {
	h.mux.HandleFunc("GET /apply/evidence", h.applyEvidence)
	h.mux.HandleFunc("POST /apply/evidence", h.applyEvidence)
	h.mux.HandleFunc("GET /apply/paid/{id}", h.paid)
	h.mux.HandleFunc("POST /apply/pay/{id}", h.pay)
	h.permitRoutes()
	h.addressRoutes()
}

// applyState is the apply journey's answers up to the vehicle, as the
// evidence step carries them.
func applyState(a answers, vrm string) url.Values {
	v, _ := url.ParseQuery(a.query())
	v.Set("vrm", vrm)
	return v
}

// applyEvidence is the apply journey's evidence step: the documents the
// service's decision asks for (RequiredEvidence), one page each.
func (h *handler) applyEvidence(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		if !h.parseUpload(w, r) {
			return
		}
	} else if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	a := answersOf(r.Form)
	if !h.journeyStart(w, r, a) {
		return
	}
	acc, ok := h.account(w, r, a)
	if !ok {
		return
	}
	vrm, err := permit.ParseVRM(r.Form.Get("vrm"))
	if err != nil {
		seeOther(w, r, "/apply/vehicle?"+a.query())
		return
	}
	st, err := h.applyDocStep(r, a, string(vrm), acc)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.evidenceStep(w, r, acc, st)
}

// applyDocStep is the evidence step of an application.
func (h *handler) applyDocStep(r *http.Request, a answers, vrm, accountID string) (docStep, error) {
	account, err := h.svc.Account(r.Context(), permit.AccountActor(accountID), accountID)
	if err != nil {
		return docStep{}, err
	}
	d, err := h.svc.Eligibility(r.Context(), permit.AccountActor(accountID), permit.EligibilityQuery{AccountID: accountID, Type: a.Type})
	if err != nil {
		return docStep{}, err
	}
	state := applyState(a, vrm)
	return docStep{Path: "/apply/evidence", Back: "/apply/vehicle?" + state.Encode(), State: state, Reqs: d.RequiredEvidence,
		VRM: vrm, Name: account.Name, Address: account.Address, Next: "/apply/check?" + state.Encode()}, nil
}

// documentsOf are the evidence.Documents of files sent.
func documentsOf(docs []staged) []evidence.Document {
	out := make([]evidence.Document, len(docs))
	for i, s := range docs {
		out[i] = s.Doc
	}
	return out
}

// evidenceRefusal is the service's refusal of documents in its own words
// (each problem's sentence), or the list of what is needed when it gave
// no problem.
func (h *handler) evidenceRefusal(ee *permit.EvidenceError) []fieldError {
	var out []fieldError
	for _, p := range ee.Result.Problems {
		out = append(out, fieldError{"submit", p.Detail})
	}
	if len(out) == 0 {
		var titles []string
		for _, req := range ee.Requirements {
			titles = append(titles, req.Title)
		}
		out = append(out, fieldError{"submit", h.t("check_evidence_needed", "evidence", strings.Join(titles, ", "))})
	}
	return out
}

// docRows are summary rows for the documents sent, each changed on the
// evidence step (which then asks for that one again).
func (h *handler) docRows(docs []staged, change func(without string) string) []SummaryRow {
	if len(docs) == 0 {
		return []SummaryRow{{Key: SummaryCell{Text: h.t("check_documents")}, Value: SummaryCell{Text: h.t("check_documents_none")}}}
	}
	rows := make([]SummaryRow, 0, len(docs))
	for _, s := range docs {
		rows = append(rows, h.docRow(s, change(s.ID)))
	}
	return rows
}

// without returns ids less one.
func without(ids []string, id string) []string {
	out := make([]string, 0, len(ids))
	for _, x := range ids {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}
