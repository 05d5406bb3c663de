package govukpaytest

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// The wire forms of Pay's answers (PaymentWithAllLinks, Refund, RequestError).

type apiPayment struct {
	Amount            int64          `json:"amount"`
	Description       string         `json:"description"`
	Reference         string         `json:"reference"`
	Language          string         `json:"language"`
	Email             string         `json:"email,omitempty"`
	Metadata          map[string]any `json:"metadata,omitempty"`
	State             apiState       `json:"state"`
	PaymentID         string         `json:"payment_id"`
	PaymentProvider   string         `json:"payment_provider"`
	CreatedDate       string         `json:"created_date"`
	RefundSummary     apiRefundSum   `json:"refund_summary"`
	SettlementSummary apiSettlement  `json:"settlement_summary"`
	CardDetails       *cardDetails   `json:"card_details,omitempty"`
	DelayedCapture    bool           `json:"delayed_capture"`
	Moto              bool           `json:"moto"`
	ReturnURL         string         `json:"return_url"`
	AuthorisationMode string         `json:"authorisation_mode"`
	Links             apiLinks       `json:"_links"`
}

type apiState struct {
	Status   string `json:"status"`
	Finished bool   `json:"finished"`
	Code     string `json:"code,omitempty"`
	Message  string `json:"message,omitempty"`
}

type apiRefundSum struct {
	Status          string `json:"status"`
	AmountAvailable int64  `json:"amount_available"`
	AmountSubmitted int64  `json:"amount_submitted"`
}

type apiSettlement struct {
	CaptureSubmitTime string `json:"capture_submit_time,omitempty"`
	CapturedDate      string `json:"captured_date,omitempty"`
}

type cardDetails struct {
	CardBrand     string `json:"card_brand"`
	CardType      string `json:"card_type"`
	Cardholder    string `json:"cardholder_name"`
	ExpiryDate    string `json:"expiry_date"`
	FirstDigits   string `json:"first_digits_card_number"`
	LastDigits    string `json:"last_digits_card_number"`
	BillingAddres *struct {
		Postcode string `json:"postcode"`
		Country  string `json:"country"`
	} `json:"billing_address,omitempty"`
}

type apiLink struct {
	Href   string `json:"href"`
	Method string `json:"method"`
}

type apiPostLink struct {
	Href   string `json:"href"`
	Method string `json:"method"`
	Type   string `json:"type,omitempty"`
}

type apiLinks struct {
	Self    apiLink      `json:"self"`
	NextURL *apiLink     `json:"next_url,omitempty"`
	Events  apiLink      `json:"events"`
	Refunds apiLink      `json:"refunds"`
	Cancel  *apiPostLink `json:"cancel,omitempty"`
	Capture *apiPostLink `json:"capture,omitempty"`
}

type apiRefund struct {
	RefundID          string         `json:"refund_id"`
	PaymentID         string         `json:"payment_id"`
	CreatedDate       string         `json:"created_date"`
	Amount            int64          `json:"amount"`
	Status            string         `json:"status"`
	SettlementSummary map[string]any `json:"settlement_summary"`
	Links             struct {
		Self    apiLink `json:"self"`
		Payment apiLink `json:"payment"`
	} `json:"_links"`
}

type apiError struct {
	Code        string `json:"code"`
	Description string `json:"description"`
	Field       string `json:"field,omitempty"`
	Header      string `json:"header,omitempty"`
}

// view is the payment as GET /v1/payments/{id} shows it. While the payer
// can go on it carries a fresh single-use next_url.
func (s *Server) view(p *payment, withNext bool) apiPayment {
	base := s.URL + "/v1/payments/" + p.id
	v := apiPayment{
		Amount: p.amount, Description: p.description, Reference: p.reference, Language: p.language,
		Email: p.email, Metadata: p.metadata, PaymentID: p.id, PaymentProvider: s.opts.Provider,
		CreatedDate: payTime(p.created), CardDetails: p.card, DelayedCapture: p.delayed,
		ReturnURL: p.returnURL, AuthorisationMode: "web",
		State: apiState{Status: p.status, Finished: p.finished(), Code: p.code, Message: p.message},
		Links: apiLinks{
			Self:    apiLink{Href: base, Method: "GET"},
			Events:  apiLink{Href: base + "/events", Method: "GET"},
			Refunds: apiLink{Href: base + "/refunds", Method: "GET"},
		},
	}
	submitted := p.refunded()
	v.RefundSummary = apiRefundSum{AmountSubmitted: submitted}
	switch {
	case p.status == "success" && submitted >= p.amount:
		v.RefundSummary.Status = "full"
	case p.status == "success":
		v.RefundSummary.Status, v.RefundSummary.AmountAvailable = "available", p.amount-submitted
	case p.finished():
		v.RefundSummary.Status = "unavailable"
	default:
		v.RefundSummary.Status, v.RefundSummary.AmountAvailable = "pending", p.amount
	}
	if !p.captured.IsZero() {
		v.SettlementSummary = apiSettlement{CaptureSubmitTime: payTime(p.captured), CapturedDate: p.captured.UTC().Format(time.DateOnly)}
	}
	if withNext && p.payerCanGoOn() {
		v.Links.NextURL = &apiLink{Href: s.URL + "/secure/" + s.newToken(p), Method: "GET"}
	}
	if p.payerCanGoOn() || p.status == "capturable" {
		v.Links.Cancel = &apiPostLink{Href: base + "/cancel", Method: "POST"}
	}
	if p.status == "capturable" {
		v.Links.Capture = &apiPostLink{Href: base + "/capture", Method: "POST"}
	}
	return v
}

func (s *Server) refundView(p *payment, r *refund) apiRefund {
	v := apiRefund{RefundID: r.id, PaymentID: p.id, CreatedDate: payTime(r.created), Amount: r.amount,
		Status: r.status, SettlementSummary: map[string]any{}}
	v.Links.Self = apiLink{Href: s.URL + "/v1/payments/" + p.id + "/refunds/" + r.id, Method: "GET"}
	v.Links.Payment = apiLink{Href: s.URL + "/v1/payments/" + p.id, Method: "GET"}
	return v
}

// answer is what a handler decides: a status and a body (nil: none).
type answer struct {
	status int
	body   any
	code   string
}

func errAnswer(status int, code, description string) answer {
	return answer{status: status, body: apiError{Code: code, Description: description}, code: code}
}

func fieldError(status int, code, field, description string) answer {
	return answer{status: status, body: apiError{Code: code, Field: field, Description: description}, code: code}
}

// apiOp is one operation: its rate-limit kind, its 500 code and handler.
type apiOp struct {
	kind     string // "create", "capture", "post" or "" (GETs: not limited)
	downCode string // Pay's code for a downstream error on this operation
	handle   func(s *Server, r *http.Request, body []byte) answer
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	api := func(pattern string, op apiOp) { mux.Handle(pattern, s.apiHandler(op)) }
	api("POST /v1/payments", apiOp{"create", "P0198", (*Server).create})
	api("GET /v1/payments/{id}", apiOp{"", "P0298", (*Server).get})
	api("POST /v1/payments/{id}/capture", apiOp{"capture", "P1098", (*Server).capture})
	api("POST /v1/payments/{id}/cancel", apiOp{"post", "P0598", (*Server).cancel})
	api("POST /v1/payments/{id}/refunds", apiOp{"post", "P0698", (*Server).refund})
	api("GET /v1/payments/{id}/refunds", apiOp{"", "P0798", (*Server).refunds})
	api("GET /v1/payments/{id}/refunds/{refund}", apiOp{"", "P0798", (*Server).oneRefund})
	mux.HandleFunc("GET /secure/{token}", s.page)
	mux.HandleFunc("POST /secure/{token}", s.pageAction)
	return mux
}

// apiHandler checks the request against Pay's document, the key, the
// injected faults and the rate limit, runs the operation, and checks the
// answer against the document before sending it.
func (s *Server) apiHandler(op apiOp) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(r)
		if err != nil {
			http.Error(w, "reading the request", http.StatusBadRequest)
			return
		}
		in, _ := s.spec.checkRequest(r, body) // remembered; the fake still answers as Pay would
		rec := httptest.NewRecorder()
		a := s.decide(op, r, body)
		if a.body != nil {
			writeJSON(rec, a.status, a.body)
		} else {
			rec.WriteHeader(a.status)
		}
		_ = s.spec.checkAnswer(in, rec.Code, rec.Header(), rec.Body.Bytes())
		s.mu.Lock()
		s.log = append(s.log, Request{Method: r.Method, Path: r.URL.Path, IdempotencyKey: r.Header.Get("Idempotency-Key"), Status: a.status, Code: a.code})
		s.mu.Unlock()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		s.kick()
	})
}

func (s *Server) decide(op apiOp, r *http.Request, body []byte) answer {
	auth := r.Header.Get("Authorization")
	want := "Bearer " + s.opts.APIKey
	if subtle.ConstantTimeCompare([]byte(auth), []byte(want)) != 1 {
		return answer{status: http.StatusUnauthorized}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.throttle > 0 {
		s.throttle--
		return errAnswer(http.StatusTooManyRequests, "P0900", "Too many requests")
	}
	if op.kind != "" && s.opts.RateLimit > 0 {
		now := s.opts.Wall()
		recent := s.posts[op.kind][:0]
		for _, t := range s.posts[op.kind] {
			if now.Sub(t) < time.Second {
				recent = append(recent, t)
			}
		}
		if len(recent) >= s.opts.RateLimit {
			s.posts[op.kind] = recent
			return errAnswer(http.StatusTooManyRequests, "P0900", "Too many requests")
		}
		s.posts[op.kind] = append(recent, now)
	}
	if s.failing > 0 {
		s.failing--
		return errAnswer(http.StatusInternalServerError, op.downCode, "Downstream system error")
	}
	if r.Method == http.MethodPost && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		// Pay's firewall (P0920) wants every POST to say it is JSON.
		return errAnswer(http.StatusBadRequest, "P0920", "Request blocked by security rules. Please consult API documentation for more information.")
	}
	s.sweepLocked()
	return op.handle(s, r, body)
}

var idempotencyKey = regexp.MustCompile(`^[a-zA-Z0-9-]{1,255}$`)

// create is POST /v1/payments.
func (s *Server) create(r *http.Request, body []byte) answer {
	key, hasKey := r.Header.Get("Idempotency-Key"), r.Header.Values("Idempotency-Key") != nil
	if hasKey && !idempotencyKey.MatchString(key) {
		return answer{status: http.StatusUnprocessableEntity, code: "P0102", body: apiError{Code: "P0102", Header: "Idempotency-Key",
			Description: "Invalid header value: Idempotency-Key. Must be between 1 and 255 characters of a-z, A-Z, 0-9 and -"}}
	}
	var req map[string]json.RawMessage
	if err := json.Unmarshal(body, &req); err != nil || req == nil {
		return errAnswer(http.StatusBadRequest, "P0197", "Unable to parse JSON")
	}
	p, bad := s.parseCreate(req)
	if bad != nil {
		return *bad
	}
	if hasKey {
		if rec, ok := s.idem[key]; ok && s.clock().Sub(rec.at) < 24*time.Hour {
			if !sameJSON(rec.body, body) {
				return answer{status: http.StatusConflict, code: "P0191", body: apiError{Code: "P0191", Header: "Idempotency-Key",
					Description: "The Idempotency-Key has already been used to create a payment"}}
			}
			return answer{status: http.StatusOK, body: s.view(s.payments[rec.paymentID], true)}
		}
	}
	p.id = s.newID()
	p.created = s.clock()
	p.status = "created"
	s.payments[p.id] = p
	if hasKey {
		s.idem[key] = idemRecord{body: bytes.Clone(body), paymentID: p.id, at: p.created}
	}
	return answer{status: http.StatusCreated, body: s.view(p, true)}
}

// sameJSON compares two request bodies as JSON values.
func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return sha256.Sum256(ja) == sha256.Sum256(jb)
}

// parseCreate checks a create request as Pay does: a missing field is 400
// P0101, a bad value 422 P0102, characters its firewall refuses 400 P0920.
func (s *Server) parseCreate(req map[string]json.RawMessage) (*payment, *answer) {
	missing := func(f string) *answer {
		a := fieldError(http.StatusBadRequest, "P0101", f, "Missing mandatory attribute: "+f)
		return &a
	}
	invalid := func(f, why string) *answer {
		a := fieldError(http.StatusUnprocessableEntity, "P0102", f, "Invalid attribute value: "+f+". "+why)
		return &a
	}
	for _, f := range []string{"amount", "description", "reference", "return_url"} {
		if v, ok := req[f]; !ok || string(v) == "null" {
			return nil, missing(f)
		}
	}
	p := &payment{language: "en"}
	var amount json.Number
	if err := json.Unmarshal(req["amount"], &amount); err != nil {
		return nil, invalid("amount", "Must be a valid numeric format")
	}
	n, err := amount.Int64()
	switch {
	case err != nil:
		return nil, invalid("amount", "Must be a valid numeric format")
	case n < 1:
		return nil, invalid("amount", "Must be greater than or equal to 1")
	case n > 10000000:
		return nil, invalid("amount", "Must be less than or equal to 10000000")
	}
	p.amount = n
	str := func(f string, max int, dst *string) *answer {
		raw, ok := req[f]
		if !ok {
			return nil
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			return invalid(f, "Must be a string")
		}
		if utf8.RuneCountInString(*dst) > max {
			return invalid(f, fmt.Sprintf("Must be less than or equal to %d characters length", max))
		}
		if strings.ContainsAny(*dst, `<>"\|`) {
			a := errAnswer(http.StatusBadRequest, "P0920", "Request blocked by security rules. Please consult API documentation for more information.")
			return &a
		}
		return nil
	}
	for _, f := range []struct {
		name string
		max  int
		dst  *string
	}{{"description", 255, &p.description}, {"reference", 255, &p.reference}, {"return_url", 2000, &p.returnURL},
		{"email", 254, &p.email}, {"language", 2, &p.language}} {
		if a := str(f.name, f.max, f.dst); a != nil {
			return nil, a
		}
	}
	if strings.Contains(p.reference, "://") {
		return nil, invalid("reference", "Must not contain URLs")
	}
	if u, err := url.Parse(p.returnURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, invalid("return_url", "Must be a valid URL format")
	}
	if p.language != "en" && p.language != "cy" {
		return nil, invalid("language", "Must be \"en\" or \"cy\"")
	}
	for _, f := range []struct {
		name string
		dst  *bool
	}{{"delayed_capture", &p.delayed}, {"moto", new(bool)}} {
		if raw, ok := req[f.name]; ok {
			if err := json.Unmarshal(raw, f.dst); err != nil {
				return nil, invalid(f.name, "Must be true or false")
			}
		}
	}
	if raw, ok := req["metadata"]; ok {
		md, why := parseMetadata(raw)
		if why != "" {
			return nil, invalid("metadata", why)
		}
		p.metadata = md
	}
	return p, nil
}

// parseMetadata checks Pay's metadata rules: 1 to 15 keys of at most 30
// characters, unique ignoring case; values strings of at most 100
// characters, numbers or booleans.
func parseMetadata(raw json.RawMessage) (map[string]any, string) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var md map[string]any
	if err := dec.Decode(&md); err != nil || md == nil {
		return nil, "Must be an object of JSON key-value pairs"
	}
	if len(md) < 1 || len(md) > 15 {
		return nil, "Cannot have more than 15 key-value pairs, or none"
	}
	seen := map[string]bool{}
	for k, v := range md {
		if k == "" || utf8.RuneCountInString(k) > 30 {
			return nil, "Keys must be between 1 and 30 characters long"
		}
		if seen[strings.ToLower(k)] {
			return nil, "Keys must be unique, ignoring case"
		}
		seen[strings.ToLower(k)] = true
		switch v := v.(type) {
		case string:
			if utf8.RuneCountInString(v) > 100 {
				return nil, "Values must be no greater than 100 characters long"
			}
		case json.Number, bool:
		default:
			return nil, "Values must be of type String, Boolean or Number"
		}
	}
	return md, ""
}

func (s *Server) lookup(r *http.Request, notFound string) (*payment, *answer) {
	p, ok := s.payments[r.PathValue("id")]
	if !ok {
		a := errAnswer(http.StatusNotFound, notFound, "Not found")
		return nil, &a
	}
	return p, nil
}

// get is GET /v1/payments/{id}.
func (s *Server) get(r *http.Request, _ []byte) answer {
	p, bad := s.lookup(r, "P0200")
	if bad != nil {
		return *bad
	}
	return answer{status: http.StatusOK, body: s.view(p, true)}
}

// capture is POST /v1/payments/{id}/capture: capturable → success; a
// payment already captured answers 204 again, as Pay's connector does.
func (s *Server) capture(r *http.Request, _ []byte) answer {
	p, bad := s.lookup(r, "P1000")
	if bad != nil {
		return *bad
	}
	switch {
	case p.status == "capturable":
		p.status = "success"
		p.captured = s.clock()
		s.notifyLocked(p, "card_payment_succeeded")
		s.notifyLocked(p, "card_payment_captured")
	case p.status == "success" && p.delayed:
	default:
		return errAnswer(http.StatusConflict, "P1003", "Payment cannot be captured: status must be capturable")
	}
	return answer{status: http.StatusNoContent}
}

// cancel is POST /v1/payments/{id}/cancel: allowed while the payment is
// not finished (for a capturable one it releases the hold).
func (s *Server) cancel(r *http.Request, _ []byte) answer {
	p, bad := s.lookup(r, "P0500")
	if bad != nil {
		return *bad
	}
	if !p.payerCanGoOn() && p.status != "capturable" {
		return errAnswer(http.StatusConflict, "P0502", "Cancellation of payment failed: payment is "+p.status)
	}
	s.fail(p, "cancelled", "P0040", "Payment was cancelled by the service", "card_payment_failed")
	return answer{status: http.StatusNoContent}
}

// refund is POST /v1/payments/{id}/refunds.
func (s *Server) refund(r *http.Request, body []byte) answer {
	p, bad := s.lookup(r, "P0600")
	if bad != nil {
		return *bad
	}
	var req struct {
		Amount    *int64 `json:"amount"`
		Available *int64 `json:"refund_amount_available"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return errAnswer(http.StatusBadRequest, "P0697", "Unable to parse JSON")
	}
	if req.Amount == nil {
		return fieldError(http.StatusBadRequest, "P0601", "amount", "Missing mandatory attribute: amount")
	}
	if *req.Amount < 1 || *req.Amount > 10000000 {
		return fieldError(http.StatusUnprocessableEntity, "P0602", "amount", "Invalid attribute value: amount. Must be between 1 and 10000000")
	}
	available := p.amount - p.refunded()
	if p.status != "success" || available <= 0 || *req.Amount > available {
		return errAnswer(http.StatusPreconditionFailed, "P0603", fmt.Sprintf("The payment is not available for refund. Payment refund status: %s", s.view(p, false).RefundSummary.Status))
	}
	if req.Available != nil && *req.Available != available {
		return errAnswer(http.StatusPreconditionFailed, "P0604", "Refund amount available mismatch.")
	}
	ref := &refund{id: s.newID(), amount: *req.Amount, created: s.clock(), status: "submitted"}
	p.refunds = append(p.refunds, ref)
	return answer{status: http.StatusAccepted, body: s.refundView(p, ref)}
}

// refunds is GET /v1/payments/{id}/refunds.
func (s *Server) refunds(r *http.Request, _ []byte) answer {
	p, bad := s.lookup(r, "P0700")
	if bad != nil {
		return *bad
	}
	list := []apiRefund{}
	for _, ref := range p.refunds {
		list = append(list, s.refundView(p, ref))
	}
	type embedded struct {
		Refunds []apiRefund `json:"refunds"`
	}
	return answer{status: http.StatusOK, body: struct {
		PaymentID string   `json:"payment_id"`
		Embedded  embedded `json:"_embedded"`
		Links     struct {
			Self    apiLink `json:"self"`
			Payment apiLink `json:"payment"`
		} `json:"_links"`
	}{PaymentID: p.id, Embedded: embedded{Refunds: list}, Links: struct {
		Self    apiLink `json:"self"`
		Payment apiLink `json:"payment"`
	}{Self: apiLink{Href: s.URL + "/v1/payments/" + p.id + "/refunds", Method: "GET"}, Payment: apiLink{Href: s.URL + "/v1/payments/" + p.id, Method: "GET"}}}}
}

// oneRefund is GET /v1/payments/{id}/refunds/{refund}.
func (s *Server) oneRefund(r *http.Request, _ []byte) answer {
	p, bad := s.lookup(r, "P0700")
	if bad != nil {
		return *bad
	}
	for _, ref := range p.refunds {
		if ref.id == r.PathValue("refund") {
			return answer{status: http.StatusOK, body: s.refundView(p, ref)}
		}
	}
	return errAnswer(http.StatusNotFound, "P0700", "Not found")
}
