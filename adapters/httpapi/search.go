package httpapi

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/carerpermit/carerpermit/permit"
)

// searchOf reads an officer's search from the query: the parameters
// GET /v1/accounts and GET /v1/permits read.
func searchOf(r *http.Request) (permit.Search, error) {
	q := r.URL.Query()
	limit, err := queryInt(r, "limit", 100, 1, permit.MaxPageSize)
	if err != nil {
		return permit.Search{}, err
	}
	return permit.Search{Name: q.Get("name"), Email: q.Get("email"), Postcode: q.Get("postcode"), VRM: q.Get("vrm"),
		Status: q.Get("status"), Zone: q.Get("zone"), After: q.Get("after"), Limit: limit}, nil
}

// queryProblem answers a *permit.ValidationError about query parameters
// as 400 (a request the server cannot read), naming every field; other
// errors go on as they are.
func queryProblem(err error) error {
	var ve *permit.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) == 0 {
		return err
	}
	fs := make([]fieldProblem, 0, len(ve.Fields))
	for _, f := range ve.Fields {
		fs = append(fs, fieldProblem{Field: f.Field, Code: f.Code, Detail: f.Detail})
	}
	e := newError(http.StatusBadRequest, CodeValidationFailed, fs[0].Detail)
	if len(fs) > 1 {
		e.detail = strconv.Itoa(len(fs)) + " query parameters are invalid; see errors."
	}
	e.extra = func(p *problemJSON) { p.Errors = fs }
	return e
}

// searchAccounts is an officer's (or an integration's) search of accounts.
func (h *api) searchAccounts(w http.ResponseWriter, r *http.Request, c *call) error {
	q, err := searchOf(r)
	if err != nil {
		return err
	}
	as, next, err := h.svc.SearchAccounts(r.Context(), c.p.actor(), q)
	if err != nil {
		return queryProblem(err)
	}
	out := make([]accountJSON, 0, len(as))
	for _, a := range as {
		out = append(out, accountOf(a))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"accounts": out, "next": next})
}

// searchPermits is an officer's (or an integration's) search of permits.
func (h *api) searchPermits(w http.ResponseWriter, r *http.Request, c *call) error {
	q, err := searchOf(r)
	if err != nil {
		return err
	}
	ps, next, err := h.svc.SearchPermits(r.Context(), c.p.actor(), q)
	if err != nil {
		return queryProblem(err)
	}
	today := h.svc.Today()
	out := make([]permitJSON, 0, len(ps))
	for _, p := range ps {
		out = append(out, permitOf(p, today))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"permits": out, "next": next})
}

// contactRequest is PATCH /v1/accounts/{id}: the fields given change,
// "" clears one; null or absent leaves it.
type contactRequest struct {
	Email *string `json:"email"`
	Phone *string `json:"phone"`
}

// changeContact lets a holder (or an officer) change the account's email
// and phone.
func (h *api) changeContact(w http.ResponseWriter, r *http.Request, c *call) error {
	id := r.PathValue("id")
	if err := ownAccount(c, id); err != nil {
		return err
	}
	var in contactRequest
	if err := decodeJSON(c.body, &in); err != nil {
		return err
	}
	acc, err := h.svc.ChangeContact(r.Context(), c.p.actor(), id, permit.ContactChange{Email: in.Email, Phone: in.Phone})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, accountOf(acc))
}
