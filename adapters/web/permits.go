package web

import (
	"net/http"

	"github.com/carerpermit/carerpermit/permit"
)

// statusText is the catalogue's words for a permit's status.
func (h *handler) statusText(s permit.Status) string {
	if t, ok := h.cat.Messages["status_"+string(s)]; ok {
		return t
	}
	return string(s)
}

// yourPermits lists the signed-in account's permits, newest first.
func (h *handler) yourPermits(w http.ResponseWriter, r *http.Request) {
	acc, err := h.signedIn(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if acc == "" {
		seeOther(w, r, "/")
		return
	}
	ps, err := h.svc.PermitsOfAccount(r.Context(), permit.AccountActor(acc), acc)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	today := h.svc.Today()
	var lists []SummaryList
	for _, p := range ps {
		pt, _ := h.svc.Scheme().PermitType(p.Type)
		rows := []SummaryRow{
			{Key: SummaryCell{Text: h.t("check_type")}, Value: SummaryCell{Text: pt.Name}},
			{Key: SummaryCell{Text: h.t("permit_reference")}, Value: SummaryCell{Text: p.ID},
				Actions: &SummaryActions{Items: []SummaryAction{{Href: "/permits/" + p.ID, Text: h.t("permit_view"), VisuallyHiddenText: h.t("permit_view_hidden", "id", p.ID)}}}},
			{Key: SummaryCell{Text: h.t("permit_status")}, Value: SummaryCell{Text: h.statusText(p.StatusOn(today))}},
			{Key: SummaryCell{Text: h.t("check_vehicle")}, Value: SummaryCell{Text: string(p.VRM)}},
			{Key: SummaryCell{Text: h.t("check_address")}, Value: SummaryCell{Text: p.Address}},
		}
		if !p.StartsOn.IsZero() {
			rows = append(rows, SummaryRow{Key: SummaryCell{Text: h.t("check_dates")},
				Value: SummaryCell{Text: h.t("check_dates_value", "from", longDate(p.StartsOn), "to", longDate(p.ExpiresOn))}})
		}
		lists = append(lists, SummaryList{Rows: rows})
	}
	h.render(w, r, http.StatusOK, "page-permits", &page{Title: h.t("permits_title"), Form: map[string]any{
		"Lists": lists, "Apply": Button{Text: h.t("apply_another"), Href: "/apply/type", Classes: "govuk-button--secondary"},
		"SignOut": Button{Text: h.t("sign_out"), Classes: "govuk-button--secondary"},
	}})
}
