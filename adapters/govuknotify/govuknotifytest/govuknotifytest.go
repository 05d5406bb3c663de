// Package govuknotifytest is a fake GOV.UK Notify for tests: an httptest
// server that answers POST /v2/notifications/{email,sms,letter} and
// GET /v2/notifications as Notify documents them, so an adapter's tests
// exercise the same checks and the same answers.
//
// It checks what Notify checks: the bearer JWT (HS256 signature with the
// key's secret, iss = the service id, iat within 30 seconds of its clock),
// that the template exists and suits the channel, that every placeholder
// of the template has personalisation, the recipient (an email address, a
// UK mobile number, a postal address of 3 to 7 lines ending in a
// postcode). It answers 201 with the rendered content, or Notify's error
// envelope {"errors":[{"error","message"}],"status_code"}. Tests can make
// the next answers 429 or 5xx (FailNext), read what was sent (Sent), and
// have it post delivery receipts to a callback URL (SendReceipt).
//
// Its answers are checked against Notify's published OpenAPI document in
// this package's tests (testdata/spec).
package govuknotifytest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Template is a template set up in the fake Notify service. Subject and
// Body hold ((placeholders)); a letter's address lines are placeholders
// too (address_line_1 to _7), added by the fake.
type Template struct {
	ID      string
	Type    string // "email", "sms" or "letter"
	Version int    // 0 means 1
	Subject string // email and letter
	Body    string
}

// Config sets up a fake service. ServiceID and Secret default to fixed
// UUIDs; Now to time.Now.
type Config struct {
	KeyName   string
	ServiceID string
	Secret    string
	Templates []Template
	Now       func() time.Time
	// CallbackURL and CallbackToken are where SendReceipt posts and the
	// bearer token it sends, as a service sets them in Notify's admin.
	CallbackURL   string
	CallbackToken string
}

// Notification is a message the fake took.
type Notification struct {
	ID                 string
	Type               string // email, sms, letter
	TemplateID         string
	TemplateVersion    int
	To                 string // email address or phone number; a letter's first address line
	Personalisation    map[string]any
	SanitiseContentFor []string
	Reference          string
	Subject, Body      string // rendered
	CreatedAt          time.Time
	Status             string
}

// Server is a running fake Notify. Safe for concurrent use.
type Server struct {
	*httptest.Server
	cfg Config

	mu       sync.Mutex
	sent     []Notification
	fail     []int  // statuses the next sends answer with
	cutOff   []bool // the next sends get no answer: true after taking the message
	requests int
}

// NewServer starts a fake Notify; Close it when done.
func NewServer(cfg Config) *Server {
	if cfg.KeyName == "" {
		cfg.KeyName = "test_key"
	}
	if cfg.ServiceID == "" {
		cfg.ServiceID = "26785a09-ab16-4eb0-8407-a37497a57506"
	}
	if cfg.Secret == "" {
		cfg.Secret = "3d844edf-8d35-48ac-975b-e847b4f122b0"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{cfg: cfg}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v2/notifications/{type}", s.send)
	mux.HandleFunc("GET /v2/notifications", s.list)
	s.Server = httptest.NewServer(mux)
	return s
}

// SetCallback sets where SendReceipt posts and the bearer token it sends
// (Config.CallbackURL and CallbackToken), for a receiver that starts after
// the fake.
func (s *Server) SetCallback(url, token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.CallbackURL, s.cfg.CallbackToken = url, token
}

// APIKey is a key for this service, as Notify issues keys.
func (s *Server) APIKey() string {
	return s.cfg.KeyName + "-" + s.cfg.ServiceID + "-" + s.cfg.Secret
}

// Sent returns the notifications taken so far, oldest first.
func (s *Server) Sent() []Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sent)
}

// Requests is how many requests reached the fake.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// FailNext makes the next len(statuses) send requests that pass
// authentication answer those statuses in turn with Notify's bodies
// (429 RateLimitError, 500 Exception; others a generic error), taking
// nothing.
func (s *Server) FailNext(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = append(s.fail, statuses...)
}

// CutOffNext makes the next send that passes authentication get no
// answer at all (the connection closes): after the fake has taken the
// message when taken is true, before when it is false. It is what a
// client sees of a network fault or a timeout, when it cannot know
// whether Notify took the message.
func (s *Server) CutOffNext(taken bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cutOff = append(s.cutOff, taken)
}

func hangUp(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
	}
}

// notifyError is an error Notify answers with.
type notifyError struct {
	status  int
	name    string
	message string
}

func (s *Server) answerError(w http.ResponseWriter, e notifyError) {
	body := map[string]any{
		"errors":      []map[string]string{{"error": e.name, "message": e.message}},
		"status_code": e.status,
	}
	writeJSON(w, e.status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// authenticate checks the bearer JWT as Notify does.
func (s *Server) authenticate(r *http.Request) *notifyError {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tok == "" {
		return &notifyError{401, "AuthError", "Unauthorized: authentication token must be provided"}
	}
	var claims jwt.MapClaims
	_, err := jwt.ParseWithClaims(tok, &claims, func(t *jwt.Token) (any, error) {
		return []byte(s.cfg.Secret), nil
	}, jwt.WithValidMethods([]string{"HS256"}), jwt.WithoutClaimsValidation())
	if err != nil {
		return &notifyError{403, "AuthError", "Invalid token: signature, api token not found"}
	}
	iss, _ := claims["iss"].(string)
	if iss == "" {
		return &notifyError{403, "AuthError", "Invalid token: iss field not provided"}
	}
	if iss != s.cfg.ServiceID {
		return &notifyError{403, "AuthError", "Invalid token: service not found"}
	}
	iat, ok := claims["iat"].(float64)
	if !ok {
		return &notifyError{403, "AuthError", "Invalid token: API key not found"}
	}
	if skew := s.cfg.Now().Sub(time.Unix(int64(iat), 0)); skew > 30*time.Second || skew < -30*time.Second {
		return &notifyError{403, "AuthError", "Error: Your system clock must be accurate to within 30 seconds"}
	}
	return nil
}

// sendRequest is the union of the three send bodies.
type sendRequest struct {
	TemplateID         string         `json:"template_id"`
	Personalisation    map[string]any `json:"personalisation"`
	Reference          string         `json:"reference"`
	EmailAddress       *string        `json:"email_address"`
	PhoneNumber        *string        `json:"phone_number"`
	EmailReplyToID     string         `json:"email_reply_to_id"`
	SMSSenderID        string         `json:"sms_sender_id"`
	SanitiseContentFor []string       `json:"sanitise_content_for"`
}

var (
	uuidRE     = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	postcodeRE = regexp.MustCompile(`^[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2}$`)
)

func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	s.mu.Unlock()
	typ := r.PathValue("type")
	if typ != "email" && typ != "sms" && typ != "letter" {
		s.answerError(w, notifyError{404, "ResourceNotFound", "The requested URL was not found on the server."})
		return
	}
	if e := s.authenticate(r); e != nil {
		s.answerError(w, *e)
		return
	}
	s.mu.Lock()
	cut, taken := len(s.cutOff) > 0, false
	if cut {
		taken, s.cutOff = s.cutOff[0], s.cutOff[1:]
	}
	s.mu.Unlock()
	if cut && !taken {
		hangUp(w)
		return
	}
	if e := s.injected(); e != nil {
		s.answerError(w, *e)
		return
	}
	var req sendRequest
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(&req); err != nil {
		s.answerError(w, notifyError{400, "ValidationError", "Invalid JSON supplied in POST data"})
		return
	}
	if e := s.validate(typ, &req); e != nil {
		s.answerError(w, *e)
		return
	}
	tmpl, e := s.template(typ, req.TemplateID)
	if e != nil {
		s.answerError(w, *e)
		return
	}
	values := map[string]string{}
	for k, v := range req.Personalisation {
		values[normalise(k)] = fmt.Sprint(v)
	}
	sanitisedContent := map[string]any{}
	for _, k := range req.SanitiseContentFor {
		if v, ok := values[normalise(k)]; ok {
			clean := sanitise(v)
			values[normalise(k)] = clean
			sanitisedContent[k] = map[string]string{"unsanitised": v, "sanitised": clean}
		}
	}
	subject, body := tmpl.Subject, tmpl.Body
	if typ == "letter" {
		body = "((address_line_1))\n((address_line_2))\n((address_line_3))\n\n" + body
	}
	var missing []string
	for _, p := range append(placeholders(subject), placeholders(body)...) {
		if _, ok := values[normalise(p)]; !ok && !slices.Contains(missing, p) && !strings.HasPrefix(p, "address_line_") {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		s.answerError(w, notifyError{400, "BadRequestError", "Missing personalisation: " + strings.Join(missing, ", ")})
		return
	}
	n := Notification{
		ID: newUUID(), Type: typ, TemplateID: tmpl.ID, TemplateVersion: max(tmpl.Version, 1),
		Personalisation: req.Personalisation, SanitiseContentFor: req.SanitiseContentFor, Reference: req.Reference,
		Subject: render(subject, values), Body: render(body, values), CreatedAt: s.cfg.Now().UTC(), Status: "created",
	}
	switch typ {
	case "email":
		n.To = *req.EmailAddress
	case "sms":
		n.To = *req.PhoneNumber
	case "letter":
		n.To = values["address_line_1"]
		n.Status = "accepted"
	}
	s.mu.Lock()
	s.sent = append(s.sent, n)
	s.mu.Unlock()
	if cut {
		hangUp(w)
		return
	}

	base := s.URL
	answer := map[string]any{
		"id": n.ID, "uri": base + "/v2/notifications/" + n.ID,
		"template":      map[string]any{"id": n.TemplateID, "version": n.TemplateVersion, "uri": base + "/v2/template/" + n.TemplateID},
		"scheduled_for": nil,
	}
	if n.Reference != "" {
		answer["reference"] = n.Reference // the document has it a string, never null
	}
	switch typ {
	case "email":
		answer["content"] = map[string]any{"subject": n.Subject, "body": n.Body, "from_email": "permits@notifications.service.gov.uk", "one_click_unsubscribe_url": nil}
		answer["sanitised_content"] = sanitisedContent
	case "sms":
		answer["content"] = map[string]any{"body": n.Body, "from_number": "GOVUK"}
	case "letter":
		answer["content"] = map[string]any{"subject": n.Subject, "body": n.Body}
	}
	writeJSON(w, http.StatusCreated, answer)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// injected takes the next failure FailNext asked for.
func (s *Server) injected() *notifyError {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.fail) == 0 {
		return nil
	}
	status := s.fail[0]
	s.fail = s.fail[1:]
	switch status {
	case http.StatusTooManyRequests:
		return &notifyError{status, "RateLimitError", "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds"}
	case http.StatusInternalServerError:
		return &notifyError{status, "Exception", "Internal server error"}
	}
	return &notifyError{status, "Exception", http.StatusText(status)}
}

// validate checks the body's fields as Notify's JSON schema does.
func (s *Server) validate(typ string, req *sendRequest) *notifyError {
	bad := func(msg string) *notifyError { return &notifyError{400, "ValidationError", msg} }
	if req.TemplateID == "" {
		return bad("template_id is a required property")
	}
	if !uuidRE.MatchString(req.TemplateID) {
		return bad("template_id is not a valid UUID")
	}
	switch typ {
	case "email":
		if req.EmailAddress == nil {
			return bad("email_address is a required property")
		}
		if a, err := mail.ParseAddress(*req.EmailAddress); err != nil || a.Address != *req.EmailAddress || !strings.Contains(a.Address[strings.LastIndex(a.Address, "@"):], ".") {
			return bad("email_address Not a valid email address")
		}
	case "sms":
		if req.PhoneNumber == nil {
			return bad("phone_number is a required property")
		}
		if !ukMobile(*req.PhoneNumber) {
			return bad("phone_number Not a UK mobile number")
		}
	case "letter":
		if req.Personalisation == nil {
			return bad("personalisation is a required property")
		}
		var lines []string
		for i := 1; i <= 7; i++ {
			v, ok := req.Personalisation["address_line_"+strconv.Itoa(i)]
			if str, _ := v.(string); ok && strings.TrimSpace(str) != "" {
				lines = append(lines, strings.TrimSpace(str))
			}
		}
		if len(lines) < 3 {
			return bad("Address must be at least 3 lines")
		}
		if last := strings.ToUpper(lines[len(lines)-1]); !postcodeRE.MatchString(last) {
			return bad("Last line of address must be a real UK postcode or another country")
		}
	}
	return nil
}

// ukMobile accepts the forms Notify does: 07…, 447…, +447…, with spaces.
func ukMobile(s string) bool {
	s = strings.NewReplacer(" ", "", "-", "", "(", "", ")", "").Replace(s)
	s = strings.TrimPrefix(s, "+")
	switch {
	case strings.HasPrefix(s, "447"):
		s = s[2:]
	case strings.HasPrefix(s, "00447"):
		s = s[4:]
	case strings.HasPrefix(s, "07"):
		s = s[1:]
	default:
		return false
	}
	if len(s) != 10 || s[0] != '7' {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func (s *Server) template(typ, id string) (Template, *notifyError) {
	i := slices.IndexFunc(s.cfg.Templates, func(t Template) bool { return strings.EqualFold(t.ID, id) })
	if i < 0 {
		return Template{}, &notifyError{400, "BadRequestError", "Template not found"}
	}
	t := s.cfg.Templates[i]
	if t.Type != typ {
		return Template{}, &notifyError{400, "BadRequestError", fmt.Sprintf("%s template is not suitable for %s notification", t.Type, typ)}
	}
	return t, nil
}

var placeholderRE = regexp.MustCompile(`\(\(([^()]+)\)\)`)

// placeholders are the ((names)) in text, a conditional ((name??text))
// by its name.
func placeholders(text string) []string {
	var out []string
	for _, m := range placeholderRE.FindAllStringSubmatch(text, -1) {
		name, _, _ := strings.Cut(m[1], "??")
		out = append(out, strings.TrimSpace(name))
	}
	return out
}

// normalise is a placeholder name as Notify compares them: case and
// spaces do not count.
func normalise(name string) string {
	return strings.ToLower(strings.ReplaceAll(name, " ", ""))
}

func render(text string, values map[string]string) string {
	return placeholderRE.ReplaceAllStringFunc(text, func(p string) string {
		name, cond, isCond := strings.Cut(p[2:len(p)-2], "??")
		v := values[normalise(strings.TrimSpace(name))]
		if isCond {
			if v == "" || strings.EqualFold(v, "no") || strings.EqualFold(v, "false") {
				return ""
			}
			return cond
		}
		return v
	})
}

var linkRE = regexp.MustCompile(`(?i)\b(https?://|www\.)[^\s()<>]*`)

// sanitise does what sanitise_content_for asks: links dropped, Markdown
// escaped.
func sanitise(v string) string {
	v = linkRE.ReplaceAllString(v, "")
	return strings.NewReplacer(`\`, `\\`, `[`, `\[`, `]`, `\]`, `(`, `\(`, `)`, `\)`, `*`, `\*`, `_`, `\_`, `#`, `\#`).Replace(v)
}

// list answers GET /v2/notifications, filtered by reference, template_type
// and status, newest first.
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	s.mu.Unlock()
	if e := s.authenticate(r); e != nil {
		s.answerError(w, *e)
		return
	}
	q := r.URL.Query()
	out := []any{}
	sent := s.Sent()
	for i := len(sent) - 1; i >= 0; i-- {
		n := sent[i]
		if ref := q.Get("reference"); ref != "" && n.Reference != ref {
			continue
		}
		if typ := q.Get("template_type"); typ != "" && n.Type != typ {
			continue
		}
		if st := q.Get("status"); st != "" && n.Status != st {
			continue
		}
		out = append(out, s.view(n))
	}
	writeJSON(w, http.StatusOK, map[string]any{"notifications": out, "links": map[string]any{"current": s.URL + r.URL.RequestURI()}})
}

func (s *Server) view(n Notification) map[string]any {
	v := map[string]any{
		"id": n.ID, "reference": nullable(n.Reference), "type": n.Type, "status": n.Status,
		"template":   map[string]any{"id": n.TemplateID, "version": n.TemplateVersion, "uri": s.URL + "/v2/template/" + n.TemplateID},
		"body":       n.Body,
		"created_at": n.CreatedAt.Format("2006-01-02T15:04:05.000000Z"),
	}
	switch n.Type {
	case "email":
		v["email_address"], v["subject"] = n.To, n.Subject
	case "sms":
		v["phone_number"] = n.To
	case "letter":
		v["subject"] = n.Subject
		for i := 1; i <= 7; i++ {
			if l, ok := n.Personalisation["address_line_"+strconv.Itoa(i)]; ok {
				v["line_"+strconv.Itoa(i)] = l
			}
		}
	}
	return v
}

// Receipt is the delivery receipt Notify posts to a service's callback URL.
type Receipt struct {
	ID               string  `json:"id"`
	Reference        *string `json:"reference"`
	To               string  `json:"to"`
	Status           string  `json:"status"`
	CreatedAt        string  `json:"created_at"`
	CompletedAt      *string `json:"completed_at"`
	SentAt           *string `json:"sent_at"`
	NotificationType string  `json:"notification_type"`
	TemplateID       string  `json:"template_id"`
	TemplateVersion  int     `json:"template_version"`
}

// ReceiptStatuses are the statuses a delivery receipt may carry.
var ReceiptStatuses = []string{"delivered", "permanent-failure", "temporary-failure", "technical-failure"}

// SendReceipt sets the status of notification id and posts its delivery
// receipt to the configured callback URL with the callback bearer token,
// as Notify does. An answer other than 2xx is an error.
func (s *Server) SendReceipt(ctx context.Context, id, status string) (Receipt, error) {
	if !slices.Contains(ReceiptStatuses, status) {
		return Receipt{}, fmt.Errorf("govuknotifytest: receipt status %q: want one of %v", status, ReceiptStatuses)
	}
	s.mu.Lock()
	callback, token := s.cfg.CallbackURL, s.cfg.CallbackToken
	if callback == "" {
		s.mu.Unlock()
		return Receipt{}, errors.New("govuknotifytest: no CallbackURL configured")
	}
	i := slices.IndexFunc(s.sent, func(n Notification) bool { return n.ID == id })
	if i < 0 {
		s.mu.Unlock()
		return Receipt{}, fmt.Errorf("govuknotifytest: no notification %q", id)
	}
	s.sent[i].Status = status
	n := s.sent[i]
	s.mu.Unlock()

	const layout = "2006-01-02T15:04:05.000000Z"
	now := s.cfg.Now().UTC().Format(layout)
	rc := Receipt{
		ID: n.ID, To: n.To, Status: status, CreatedAt: n.CreatedAt.Format(layout), CompletedAt: &now, SentAt: &now,
		NotificationType: n.Type, TemplateID: n.TemplateID, TemplateVersion: n.TemplateVersion,
	}
	if n.Reference != "" {
		ref := n.Reference
		rc.Reference = &ref
	}
	b, err := json.Marshal(rc)
	if err != nil {
		return Receipt{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, callback, bytes.NewReader(b))
	if err != nil {
		return Receipt{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return rc, fmt.Errorf("govuknotifytest: posting the receipt: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return rc, fmt.Errorf("govuknotifytest: the callback answered %d", resp.StatusCode)
	}
	return rc, nil
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
