package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/carerpermit/carerpermit/adapters/internal/views"
	"github.com/carerpermit/carerpermit/permit"
)

// ExportFormat names the shape of a subject access export (GET
// /v1/accounts/{id}/export). Fields are added, never removed or renamed;
// a change that breaks a reader gets a new name.
const ExportFormat = "carerpermit.subject-access.v1"

// accountExportJSON is a subject access export: everything held about an
// account, as one document (docs/API.md "Data protection", docs/PRIVACY.md).
// Each list is present, empty when there is nothing.
type accountExportJSON struct {
	Format         string               `json:"format"`
	ExportedAt     string               `json:"exported_at"`
	ExportedBy     string               `json:"exported_by"`
	Account        accountJSON          `json:"account"`
	Permits        []permitJSON         `json:"permits"`
	AddressChanges []addressChangeJSON  `json:"address_changes"`
	Payments       []exportPaymentJSON  `json:"payments"`
	Documents      []exportDocumentJSON `json:"documents"`
	Messages       []exportMessageJSON  `json:"messages"`
	Events         []eventJSON          `json:"events"`
}

// exportMessageJSON is a message to the holder as the server recorded it
// (when it keeps messages: permit.Options.Messages): what it said and
// where it went, and whether the provider has taken it.
type exportMessageJSON struct {
	ID         string            `json:"id"`
	Kind       string            `json:"kind"`
	Channel    string            `json:"channel,omitempty"`
	To         string            `json:"to,omitempty"`
	Phone      string            `json:"phone,omitempty"`
	Postal     []string          `json:"postal,omitempty"`
	PermitID   string            `json:"permit_id,omitempty"`
	Data       map[string]string `json:"data"`
	Status     string            `json:"status"`
	RecordedAt string            `json:"recorded_at"`
	SentAt     string            `json:"sent_at,omitempty"`
}

func exportMessageOf(m permit.SentMessage) exportMessageJSON {
	data := m.Message.Data
	if data == nil {
		data = map[string]string{}
	}
	return exportMessageJSON{ID: m.Message.ID, Kind: string(m.Message.Kind), Channel: string(m.Message.Channel),
		To: m.Message.To, Phone: m.Message.Phone, Postal: m.Message.Postal, PermitID: m.Message.PermitID, Data: data,
		Status: m.Status, RecordedAt: instant(m.RecordedAt), SentAt: instant(m.SentAt)}
}

// exportPaymentJSON is a permit's payment, as the permit shows it, with
// the permit it pays for. Card details are never held here: the provider
// keeps them.
type exportPaymentJSON struct {
	PermitID string `json:"permit_id"`
	views.Payment
}

// exportDocumentJSON is a file attached to a permit (its metadata, not
// its bytes) and the link that downloads it.
type exportDocumentJSON struct {
	uploadedDocumentJSON
	Href string `json:"href"`
}

// exportAccount answers a subject access request: the service gathers the
// account, permits, address changes and events and records the export
// (account.exported); the files attached to the permits are listed from
// the blob store with their links.
func (h *api) exportAccount(w http.ResponseWriter, r *http.Request, c *call) error {
	id := r.PathValue("id")
	if err := ownAccount(c, id); err != nil {
		return err
	}
	x, err := h.svc.ExportAccount(r.Context(), c.p.actor(), id)
	if err != nil {
		return err
	}
	today := h.svc.Today()
	out := accountExportJSON{Format: ExportFormat, ExportedAt: instant(x.ExportedAt), ExportedBy: x.ExportedBy,
		Account: accountOf(x.Account), Permits: make([]permitJSON, 0, len(x.Permits)),
		AddressChanges: make([]addressChangeJSON, 0, len(x.AddressChanges)), Payments: []exportPaymentJSON{},
		Documents: []exportDocumentJSON{}, Messages: make([]exportMessageJSON, 0, len(x.Messages)),
		Events: make([]eventJSON, 0, len(x.Events))}
	for _, m := range x.Messages {
		out.Messages = append(out.Messages, exportMessageOf(m))
	}
	for _, p := range x.Permits {
		pj := permitOf(p, today)
		out.Permits = append(out.Permits, pj)
		if pj.Payment != nil {
			out.Payments = append(out.Payments, exportPaymentJSON{PermitID: p.ID, Payment: *pj.Payment})
		}
		_, attrs, err := h.blobs.Attrs(r.Context(), documentPrefix(p.ID))
		if err != nil {
			return fmt.Errorf("httpapi: listing the documents of permit %s for an export: %w", p.ID, err)
		}
		for _, a := range attrs {
			d := uploadedOf(a)
			out.Documents = append(out.Documents, exportDocumentJSON{uploadedDocumentJSON: d,
				Href: h.link("/v1/permits/" + p.ID + "/documents/" + d.ID)})
		}
	}
	for _, ac := range x.AddressChanges {
		out.AddressChanges = append(out.AddressChanges, addressChangeOf(ac))
	}
	for _, e := range x.Events {
		out.Events = append(out.Events, eventOf(e))
	}
	return writeJSON(w, http.StatusOK, out)
}

// CodeErasureRefused is the problem code (409) of a request to erase an
// account that may not be erased now; the problem's refused lists every
// reason (code and detail) and would_erase what it would reach.
const CodeErasureRefused = "erasure_refused"

type erasureRequest struct {
	DryRun bool `json:"dry_run"`
}

type refusalJSON struct {
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

type erasureCountsJSON struct {
	Permits        int `json:"permits"`
	AddressChanges int `json:"address_changes"`
	Events         int `json:"events"`
}

// erasureJSON answers POST /v1/accounts/{id}/erasure.
type erasureJSON struct {
	AccountID   string            `json:"account_id"`
	DryRun      bool              `json:"dry_run"`
	Erased      bool              `json:"erased"`
	Refused     []refusalJSON     `json:"refused"`
	WouldErase  erasureCountsJSON `json:"would_erase"`
	RetainUntil string            `json:"retain_until,omitempty"`
	ErasedAt    string            `json:"erased_at,omitempty"`
}

func erasureOf(e permit.Erasure) erasureJSON {
	out := erasureJSON{AccountID: e.AccountID, DryRun: e.DryRun, Erased: e.Erased, Refused: refusalsOf(e.Refused),
		WouldErase:  erasureCountsJSON{Permits: e.Permits, AddressChanges: e.AddressChanges, Events: e.Events},
		RetainUntil: date(e.RetainUntil), ErasedAt: instant(e.At)}
	return out
}

func refusalsOf(rs []permit.Refusal) []refusalJSON {
	out := make([]refusalJSON, 0, len(rs))
	for _, r := range rs {
		out = append(out, refusalJSON{Code: r.Code, Detail: r.Detail})
	}
	return out
}

// requestErasure answers an officer's request to erase an account (UK
// GDPR Article 17): a dry run says what would happen (200); a refused
// request is 409 erasure_refused with every reason; an allowed one
// anonymises the account at once (200, erased).
func (h *api) requestErasure(w http.ResponseWriter, r *http.Request, c *call) error {
	var in erasureRequest
	if err := decodeJSON(c.body, &in); err != nil {
		return err
	}
	e, err := h.svc.RequestErasure(r.Context(), c.p.actor(), r.PathValue("id"), in.DryRun)
	var refused *permit.NotAnonymisableError
	if errors.As(err, &refused) {
		out := erasureOf(e)
		ae := newError(http.StatusConflict, CodeErasureRefused, fmt.Sprintf(
			"Account %s may not be erased now: %s. Nothing was changed.", e.AccountID, refusalWords(e.Refused)))
		ae.extra = func(p *problemJSON) { p.Refused, p.WouldErase = out.Refused, &out.WouldErase }
		return ae
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, erasureOf(e))
}

// refusalWords joins the refusals' codes for a problem's detail.
func refusalWords(rs []permit.Refusal) string {
	codes := make([]string, 0, len(rs))
	for _, r := range rs {
		codes = append(codes, r.Code)
	}
	return strings.Join(codes, ", ")
}
