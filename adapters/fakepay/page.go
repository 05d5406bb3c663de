package fakepay

import (
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/carerpermit/carerpermit/permit"
)

var hostedPage = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{{.Title}} – simulated payment</title></head>
<body>
<main>
<h1>{{.Title}}</h1>
<p>This is the evaluation server's simulated card payment page: no money moves.</p>
{{if .Description}}<p id="description">{{.Description}}</p>{{end}}
{{if .Amount}}<p id="amount">Amount: £{{.Amount}}</p>{{end}}
{{if .Open}}
<form method="post">
<button type="submit" name="outcome" value="pay">Pay</button>
<button type="submit" name="outcome" value="decline">Decline</button>
<button type="submit" name="outcome" value="cancel">Cancel</button>
</form>
{{else if .Message}}<p id="message">{{.Message}}</p>{{end}}
</main>
</body>
</html>
`))

type pageData struct {
	Title, Description, Amount, Message string
	Open                                bool
}

// Page serves the hosted page at next_url: GET shows the payment with
// Pay, Decline and Cancel buttons; POST takes the choice, as a form field
// outcome or, for scripts, a JSON body {"outcome": "pay"|"decline"|"cancel"},
// and answers 303 to the payment's return URL. Mount it under the
// PageURL's path with http.StripPrefix, so that it sees "/<token>".
func (g *Hosted) Page() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{token}", g.showPage)
	mux.HandleFunc("POST /{token}", g.postPage)
	return mux
}

func (g *Hosted) showPage(w http.ResponseWriter, r *http.Request) {
	p, description, err := g.pageView(r.Context(), r.PathValue("token"))
	switch {
	case errors.Is(err, permit.ErrNotFound):
		writePage(w, http.StatusNotFound, pageData{Title: "There is no such payment"})
		return
	case err != nil:
		writePage(w, http.StatusServiceUnavailable, pageData{Title: "Try again later"})
		return
	}
	d := pageData{Title: "Pay for your permit", Description: description, Amount: p.Amount.StringFixed(2), Open: p.Status == permit.PaymentCreated}
	if !d.Open {
		d.Title, d.Message = "This payment is finished", "It is "+string(p.Status)+". Go back to the service."
	}
	writePage(w, http.StatusOK, d)
}

func writePage(w http.ResponseWriter, status int, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = hostedPage.Execute(w, d)
}

func (g *Hosted) postPage(w http.ResponseWriter, r *http.Request) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	asJSON := mt == "application/json"
	var choice string
	if asJSON {
		var body struct {
			Outcome string `json:"outcome"`
		}
		dec := json.NewDecoder(io.LimitReader(r.Body, 1<<16))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&body); err != nil {
			pageProblem(w, http.StatusBadRequest, "invalid_json", "The body must be {\"outcome\": \"pay\", \"decline\" or \"cancel\"}.")
			return
		}
		choice = body.Outcome
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
		if err := r.ParseForm(); err != nil {
			writePage(w, http.StatusBadRequest, pageData{Title: "Something went wrong", Message: "The form could not be read."})
			return
		}
		choice = r.PostForm.Get("outcome")
	}
	o, err := ParseOutcome(strings.TrimSpace(choice))
	if err != nil {
		if asJSON {
			pageProblem(w, http.StatusUnprocessableEntity, "validation_failed", "The outcome must be pay, decline or cancel.")
		} else {
			writePage(w, http.StatusBadRequest, pageData{Title: "Choose Pay, Decline or Cancel"})
		}
		return
	}
	_, back, err := g.Complete(r.Context(), r.PathValue("token"), o)
	switch {
	case errors.Is(err, permit.ErrNotFound):
		if asJSON {
			pageProblem(w, http.StatusNotFound, "not_found", "There is no such payment.")
		} else {
			writePage(w, http.StatusNotFound, pageData{Title: "There is no such payment"})
		}
	case errors.Is(err, permit.ErrInvalidTransition):
		if asJSON {
			pageProblem(w, http.StatusConflict, "invalid_transition", "This payment is finished; its link works once.")
		} else {
			writePage(w, http.StatusConflict, pageData{Title: "This payment is finished", Message: "Its link works once. Go back to the service."})
		}
	case err != nil:
		if asJSON {
			w.Header().Set("Retry-After", "1")
			pageProblem(w, http.StatusServiceUnavailable, "unavailable", "Try again later.")
		} else {
			writePage(w, http.StatusServiceUnavailable, pageData{Title: "Try again later"})
		}
	default:
		http.Redirect(w, r, back, http.StatusSeeOther)
	}
}

func pageProblem(w http.ResponseWriter, status int, code, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"type": "about:blank", "title": http.StatusText(status), "status": status, "code": code, "detail": detail})
}
