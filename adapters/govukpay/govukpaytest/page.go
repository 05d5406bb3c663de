package govukpaytest

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// Test card numbers (Pay's Stripe test cards).
const (
	CardOK       = "4000058260000005" // a UK debit card that is authorised
	CardDeclined = "4000000000000002" // declined: failed, P0010
	CardError    = "4000000000000119" // the card provider fails: error, P0050
)

var pageTmpl = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head><meta charset="utf-8"><title>{{.Title}} – GOV.UK Pay (fake)</title></head>
<body>
<main>
<h1>{{.Title}}</h1>
<p id="description">{{.Description}}</p>
<p id="amount">Total amount: £{{.Amount}}</p>
{{if .Message}}<p id="message">{{.Message}}</p>{{end}}
{{if .Confirm}}
<form method="post" action="{{.Action}}">
<p>Card ending {{.Last4}}</p>
<button type="submit" name="action" value="confirm">Confirm payment</button>
<button type="submit" name="action" value="cancel">Cancel payment</button>
</form>
{{else if .Card}}
<form method="post" action="{{.Action}}">
<label for="card-no">Card number</label>
<input id="card-no" name="card_number" value="{{.CardOK}}" autocomplete="cc-number">
<button type="submit" name="action" value="pay">Pay</button>
<button type="submit" name="action" value="decline">Decline</button>
<button type="submit" name="action" value="cancel">Cancel payment</button>
</form>
{{end}}
</main>
</body>
</html>
`))

type pageData struct {
	Lang, Title, Description, Amount, Message, Action, Last4, CardOK string
	Card, Confirm                                                    bool
}

func pence(n int64) string { return fmt.Sprintf("%d.%02d", n/100, n%100) }

func (s *Server) showPage(w http.ResponseWriter, status int, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = pageTmpl.Execute(w, d)
}

// page is GET next_url: the first visit starts the payment and shows the
// card form; the link works once.
func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.sweepLocked()
	tok, ok := s.tokens[r.PathValue("token")]
	if !ok {
		s.mu.Unlock()
		s.showPage(w, http.StatusNotFound, pageData{Lang: "en", Title: "This page cannot be found"})
		return
	}
	p := s.payments[tok.paymentID]
	if tok.used {
		s.mu.Unlock()
		s.showPage(w, http.StatusBadRequest, pageData{Lang: p.language, Title: "Your payment session has expired",
			Message: "This link has already been used. Go back to the service to try again."})
		return
	}
	tok.used = true
	if p.status == "created" {
		p.status = "started"
		s.notifyLocked(p, "card_payment_started")
	}
	d := pageData{Lang: p.language, Title: "Enter card details", Description: p.description, Amount: pence(p.amount),
		Action: "/secure/" + r.PathValue("token"), Card: p.status == "started", CardOK: CardOK}
	if p.status == "submitted" {
		d.Title, d.Confirm, d.Card, d.Last4 = "Confirm your payment", true, false, p.card.LastDigits
	}
	s.mu.Unlock()
	s.kick()
	s.showPage(w, http.StatusOK, d)
}

// pageAction is the hosted page's form: pay or decline (card details),
// confirm, or cancel. A finished journey goes back to the return URL (303).
func (s *Server) pageAction(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.sweepLocked()
	tokID := r.PathValue("token")
	tok, ok := s.tokens[tokID]
	if !ok || !tok.used {
		s.mu.Unlock()
		s.showPage(w, http.StatusNotFound, pageData{Lang: "en", Title: "This page cannot be found"})
		return
	}
	p := s.payments[tok.paymentID]
	action, card := r.PostForm.Get("action"), strings.ReplaceAll(r.PostForm.Get("card_number"), " ", "")
	if action == "decline" {
		action, card = "pay", CardDeclined
	}
	switch {
	case action == "cancel" && (p.status == "started" || p.status == "submitted"):
		s.fail(p, "failed", "P0030", "Payment was cancelled by the user", "card_payment_failed")
	case action == "pay" && p.status == "started":
		switch card {
		case CardDeclined:
			s.fail(p, "failed", "P0010", "Payment method rejected", "card_payment_failed")
		case CardError:
			s.fail(p, "error", "P0050", "Payment provider returned an error", "card_payment_failed")
		default:
			if len(card) < 12 {
				s.mu.Unlock()
				s.showPage(w, http.StatusOK, pageData{Lang: p.language, Title: "Enter card details", Description: p.description,
					Amount: pence(p.amount), Action: "/secure/" + tokID, Card: true, CardOK: CardOK, Message: "Enter a valid card number"})
				return
			}
			p.status = "submitted"
			p.card = &cardDetails{CardBrand: "Visa", CardType: "debit", Cardholder: "Test Payer", ExpiryDate: "12/30",
				FirstDigits: card[:6], LastDigits: card[len(card)-4:]}
			d := pageData{Lang: p.language, Title: "Confirm your payment", Description: p.description, Amount: pence(p.amount),
				Action: "/secure/" + tokID, Confirm: true, Last4: p.card.LastDigits}
			s.mu.Unlock()
			s.showPage(w, http.StatusOK, d)
			return
		}
	case action == "confirm" && p.status == "submitted":
		if p.delayed {
			p.status = "capturable" // Pay sends no notification for this
		} else {
			p.status = "success"
			p.captured = s.clock()
			s.notifyLocked(p, "card_payment_succeeded")
			s.notifyLocked(p, "card_payment_captured")
		}
	default:
		s.mu.Unlock()
		s.showPage(w, http.StatusBadRequest, pageData{Lang: p.language, Title: "Your payment session has expired",
			Message: "This payment cannot be changed any more. Go back to the service."})
		return
	}
	delete(s.tokens, tokID)
	ret := p.returnURL
	s.mu.Unlock()
	s.kick()
	http.Redirect(w, r, ret, http.StatusSeeOther)
}

// Outcome is what a payer does on the hosted page.
type Outcome string

// Outcomes.
const (
	Pay     Outcome = "pay"     // card authorised and confirmed
	Decline Outcome = "decline" // the card is declined (failed, P0010)
	Cancel  Outcome = "cancel"  // the payer cancels (failed, P0030)
	Fail    Outcome = "error"   // the card provider fails (error, P0050)
	Abandon Outcome = "abandon" // the payer enters the card and leaves before confirming (submitted)
)

// ErrPage is wrapped by Complete when the hosted page refuses (a used
// link, a finished payment).
var ErrPage = errors.New("govukpaytest: the hosted page refused")

// Complete plays the payer's browser on next_url, as a person would:
// open the page, enter a card (or cancel), confirm. It returns where the
// browser is sent back to (the payment's return_url), or "" for Abandon.
func (s *Server) Complete(nextURL string, o Outcome) (string, error) {
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(nextURL)
	if err != nil {
		return "", err
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%w: GET %s: %d %s", ErrPage, nextURL, resp.StatusCode, pageMessage(body))
	}
	post := func(form url.Values) (*http.Response, []byte, error) {
		resp, err := client.PostForm(nextURL, form)
		if err != nil {
			return nil, nil, err
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		return resp, b, nil
	}
	var form url.Values
	switch o {
	case Pay, Abandon:
		form = url.Values{"action": {"pay"}, "card_number": {CardOK}}
	case Decline:
		form = url.Values{"action": {"decline"}}
	case Cancel:
		form = url.Values{"action": {"cancel"}}
	case Fail:
		form = url.Values{"action": {"pay"}, "card_number": {CardError}}
	default:
		return "", fmt.Errorf("govukpaytest: unknown outcome %q", o)
	}
	resp, body, err = post(form)
	if err != nil {
		return "", err
	}
	if o == Pay || o == Abandon {
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("%w: card details: %d %s", ErrPage, resp.StatusCode, pageMessage(body))
		}
		if o == Abandon {
			return "", nil
		}
		if resp, body, err = post(url.Values{"action": {"confirm"}}); err != nil {
			return "", err
		}
	}
	if resp.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("%w: %d %s", ErrPage, resp.StatusCode, pageMessage(body))
	}
	return resp.Header.Get("Location"), nil
}

var titleRE = regexp.MustCompile(`<h1>([^<]*)</h1>`)

func pageMessage(body []byte) string {
	if m := titleRE.FindSubmatch(body); m != nil {
		return string(m[1])
	}
	return ""
}
