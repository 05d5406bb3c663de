// Package govuknotify is a permit.Notifier that sends account holders
// email, text messages and letters through GOV.UK Notify's v2 REST API
// (https://docs.notifications.service.gov.uk/rest-api.html). It decides how
// a message travels, not what it says: the words are in the council's
// Notify templates, chosen by message kind and channel from configuration,
// and the message's Data fills their placeholders.
//
//   - Each request carries a fresh HS256 JWT (iss = the service id, iat =
//     now) signed with the secret half of the API key: Notify refuses a
//     token more than 30 seconds old, so none is reused, not even by a retry.
//   - The reference Notify keeps is the message's ID (or its kind and
//     permit): never personal data.
//   - Free text people typed (names, officers' reasons) goes in
//     sanitise_content_for, so Notify escapes Markdown and drops links in it.
//   - 429 and 5xx answers are retried with backoff (Retry-After honoured).
//     Notify has no idempotency key, so a send that got no answer at all
//     (a lost connection, a timeout) is not simply sent again: when the
//     message has an ID (its reference), Notify is asked whether it holds
//     a message with that reference, and the message is sent again only if
//     it does not.
//   - A refusal (400, 403) is permanent: the *Error says so (errors.Is
//     ErrPermanent) and the Service reports it through its notification
//     failure hook.
//
// The official Go client is unsupported and keeps one token for its whole
// life; this package is written against the documented API instead.
// govuknotifytest is a fake Notify for tests.
package govuknotify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/carerpermit/carerpermit/adapters/internal/httpclient"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/message"
)

// DefaultBaseURL is Notify's API, for test and live keys alike (the key
// decides).
const DefaultBaseURL = "https://api.notifications.service.gov.uk"

// APIKey is a Notify API key, "{key name}-{service id}-{secret}". Its
// String form hides the secret.
type APIKey struct {
	Name      string
	ServiceID string // the JWT's iss
	Secret    string // the JWT's signing key
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// ParseAPIKey reads a key as Notify issues it. The service id and the
// secret are the last two UUIDs; what comes before them (names may hold
// dashes) is the key's name. The error never repeats the key.
func ParseAPIKey(s string) (APIKey, error) {
	s = strings.TrimSpace(s)
	const uuidLen = 36
	if len(s) < 2*uuidLen+1 {
		return APIKey{}, errors.New("govuknotify: API key: too short for {key name}-{service id}-{secret}")
	}
	secret, rest := s[len(s)-uuidLen:], s[:len(s)-uuidLen]
	if !strings.HasSuffix(rest, "-") {
		return APIKey{}, errors.New("govuknotify: API key: no dash before the secret")
	}
	rest = rest[:len(rest)-1]
	service, name := rest[len(rest)-uuidLen:], rest[:len(rest)-uuidLen]
	if name != "" {
		if !strings.HasSuffix(name, "-") || len(name) == 1 {
			return APIKey{}, errors.New("govuknotify: API key: no dash between the key name and the service id")
		}
		name = name[:len(name)-1]
	}
	if !uuidRE.MatchString(service) {
		return APIKey{}, errors.New("govuknotify: API key: the service id is not a UUID")
	}
	if !uuidRE.MatchString(secret) {
		return APIKey{}, errors.New("govuknotify: API key: the secret is not a UUID")
	}
	return APIKey{Name: name, ServiceID: service, Secret: secret}, nil
}

// String is the key with its secret hidden, for logs.
func (k APIKey) String() string {
	return k.Name + "-" + k.ServiceID + "-<secret>"
}

// Token is a JWT for one request: HS256, iss = the service id, iat = now.
func (k APIKey) Token(now time.Time) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": k.ServiceID, "iat": now.Unix()})
	s, err := t.SignedString([]byte(k.Secret))
	if err != nil {
		return "", fmt.Errorf("govuknotify: signing the token: %w", err)
	}
	return s, nil
}

// Templates are the Notify template ids for each channel and message
// kind. As a file (ParseTemplates) it is JSON:
//
//	{"email": {"approved": "f33517ff-…", "rejected": "…"}, "sms": {"approved": "…"}, "letter": {}}
type Templates map[message.Channel]map[message.Kind]string

// ID is the template for kind on channel.
func (t Templates) ID(c message.Channel, k message.Kind) (string, bool) {
	id, ok := t[c][k]
	return id, ok
}

// Validate lists every unknown channel or kind and every id that is not
// a UUID.
func (t Templates) Validate() error {
	var problems []string
	for c, kinds := range t {
		if _, err := message.ParseChannel(string(c)); err != nil {
			problems = append(problems, err.Error())
			continue
		}
		for k, id := range kinds {
			if !k.Valid() {
				problems = append(problems, fmt.Sprintf("%s.%s: not a message kind", c, k))
			}
			if !uuidRE.MatchString(id) {
				problems = append(problems, fmt.Sprintf("%s.%s: template id %q is not a UUID", c, k, id))
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	slices.Sort(problems)
	return fmt.Errorf("govuknotify: templates: %s", strings.Join(problems, "; "))
}

// ParseTemplates reads templates from JSON (see Templates), refusing
// unknown channels and kinds and ids that are not UUIDs.
func ParseTemplates(r io.Reader) (Templates, error) {
	var raw map[string]map[string]string
	dec := json.NewDecoder(r)
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("govuknotify: templates: %w", err)
	}
	if dec.More() {
		return nil, errors.New("govuknotify: templates: more than one JSON value")
	}
	t := Templates{}
	for c, kinds := range raw {
		m := map[message.Kind]string{}
		for k, id := range kinds {
			m[message.Kind(k)] = id
		}
		t[message.Channel(c)] = m
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	return t, nil
}

// Config says which Notify service sends and with which templates.
type Config struct {
	// APIKey is the key as Notify issues it (ParseAPIKey).
	APIKey string
	// BaseURL is Notify's API (DefaultBaseURL); tests give a fake's.
	BaseURL string
	// Templates are the template ids per channel and kind; a message
	// whose kind has none on its channel is refused with ErrNoTemplate.
	Templates Templates
	// EmailReplyToID and SMSSenderID, when set, pick a reply-to address
	// and a text message sender the service has set up in Notify.
	EmailReplyToID string
	SMSSenderID    string
}

// Options tune the HTTP client; zero fields mean httpclient's defaults.
type Options struct {
	HTTP         *http.Client
	Timeout      time.Duration // per attempt
	MaxAttempts  int
	MaxRetryTime time.Duration
	// Now is the clock for the tokens (time.Now); Sleep and Jitter stand
	// in for waiting between retries in tests (see httpclient.Options).
	Now    func() time.Time
	Sleep  func(ctx context.Context, d time.Duration) error
	Jitter func() float64
}

// Sentinel errors, checked with errors.Is.
var (
	// ErrPermanent: Notify refused the message (400 or 403); sending it
	// again will not help. An *Error matches it.
	ErrPermanent = errors.New("govuknotify: refused permanently")
	// ErrNoTemplate: no template is configured for the message's kind on
	// its channel.
	ErrNoTemplate = errors.New("govuknotify: no template")
	// ErrInvalidMessage: the message cannot be sent as it is (no
	// recipient, a phone number not in E.164, a postal address of the
	// wrong length).
	ErrInvalidMessage = errors.New("govuknotify: invalid message")
)

// Error is a message Notify did not take: its answer (Status and Notify's
// error name and words), or the transport failure (Status 0) after the
// attempts made. It says nothing about the recipient.
type Error struct {
	Kind     message.Kind
	Channel  message.Channel
	PermitID string
	Status   int
	Code     string // Notify's error: "BadRequestError", "ValidationError", "AuthError", "RateLimitError", ...
	Message  string
	Attempts int
	Err      error
}

func (e *Error) Error() string {
	what := fmt.Sprintf("govuknotify: %s %s for permit %q", e.Kind, e.Channel, e.PermitID)
	if e.Status == 0 {
		return fmt.Sprintf("%s not sent: %v", what, e.Err)
	}
	return fmt.Sprintf("%s refused: %d %s: %s (%d attempts)", what, e.Status, e.Code, e.Message, e.Attempts)
}

func (e *Error) Unwrap() error { return e.Err }

// Permanent reports whether Notify refused the message for good: a 400
// (bad request, validation) or a 403 (authentication). A 429 or 5xx that
// outlasted the retries is not permanent.
func (e *Error) Permanent() bool {
	return e.Status == http.StatusBadRequest || e.Status == http.StatusForbidden || e.Status == http.StatusUnauthorized
}

// Is makes a permanent *Error match ErrPermanent.
func (e *Error) Is(target error) bool { return target == ErrPermanent && e.Permanent() }

// Notifier sends messages through Notify. Safe for concurrent use.
type Notifier struct {
	key    APIKey
	cfg    Config
	base   string
	client *httpclient.Client
}

var _ permit.Notifier = (*Notifier)(nil)

// New checks the configuration and returns a Notifier; opts may be nil.
func New(cfg Config, opts *Options) (*Notifier, error) {
	key, err := ParseAPIKey(cfg.APIKey)
	if err != nil {
		return nil, err
	}
	if err := cfg.Templates.Validate(); err != nil {
		return nil, err
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	client := httpclient.New(&httpclient.Options{
		HTTP: o.HTTP, Timeout: o.Timeout, MaxAttempts: o.MaxAttempts, MaxRetryTime: o.MaxRetryTime,
		Now: now, Sleep: o.Sleep, Jitter: o.Jitter,
		Prepare: func(r *http.Request) error {
			tok, err := key.Token(now())
			if err != nil {
				return err
			}
			r.Header.Set("Authorization", "Bearer "+tok)
			return nil
		},
	})
	return &Notifier{key: key, cfg: cfg, base: base, client: client}, nil
}

// Sent is Notify's receipt for a message it took.
type Sent struct {
	ID              string // Notify's notification id
	Reference       string
	Channel         message.Channel
	TemplateID      string
	TemplateVersion int
}

// Notify sends m (see Send).
func (n *Notifier) Notify(ctx context.Context, m permit.Message) error {
	_, err := n.Send(ctx, m)
	return err
}

// sanitised are the Data keys holding text people typed: a resident's
// name, an officer's reason.
var sanitised = []string{"name", "reason"}

// Send sends m on its channel (message.ChannelOf) with the template for
// its kind. Errors: ErrNoTemplate, ErrInvalidMessage, or an *Error
// (errors.Is ErrPermanent when Notify refused it for good); ctx's error
// when ctx ends first.
func (n *Notifier) Send(ctx context.Context, m permit.Message) (Sent, error) {
	ch, ok := message.ChannelOf(m)
	if !ok {
		return Sent{}, fmt.Errorf("%w: %s message for permit %q has no email address, phone number or postal address", ErrInvalidMessage, m.Kind, m.PermitID)
	}
	tmpl, ok := n.cfg.Templates.ID(ch, m.Kind)
	if !ok {
		return Sent{}, fmt.Errorf("%w for %s messages by %s", ErrNoTemplate, m.Kind, ch)
	}
	ref := reference(m)
	personalisation := map[string]any{}
	for k, v := range m.Data {
		personalisation[k] = v
	}
	body := map[string]any{"template_id": tmpl, "reference": ref, "personalisation": personalisation}
	var path string
	switch ch {
	case message.ChannelEmail:
		path = "/v2/notifications/email"
		body["email_address"] = m.To
		if n.cfg.EmailReplyToID != "" {
			body["email_reply_to_id"] = n.cfg.EmailReplyToID
		}
		var sanitise []string
		for _, k := range sanitised {
			if _, ok := m.Data[k]; ok {
				sanitise = append(sanitise, k)
			}
		}
		if len(sanitise) > 0 {
			body["sanitise_content_for"] = sanitise
		}
	case message.ChannelSMS:
		if !e164UKMobile.MatchString(m.Phone) {
			return Sent{}, fmt.Errorf("%w: %s message for permit %q: the phone number is not a UK mobile number in E.164 form (+447…)", ErrInvalidMessage, m.Kind, m.PermitID)
		}
		path = "/v2/notifications/sms"
		body["phone_number"] = m.Phone
		if n.cfg.SMSSenderID != "" {
			body["sms_sender_id"] = n.cfg.SMSSenderID
		}
	case message.ChannelLetter:
		if len(m.Postal) < 3 || len(m.Postal) > 7 {
			return Sent{}, fmt.Errorf("%w: %s letter for permit %q: a postal address needs 3 to 7 lines, not %d", ErrInvalidMessage, m.Kind, m.PermitID, len(m.Postal))
		}
		path = "/v2/notifications/letter"
		for i, line := range m.Postal {
			personalisation["address_line_"+strconv.Itoa(i+1)] = line
		}
	default:
		return Sent{}, fmt.Errorf("%w: channel %q", ErrInvalidMessage, ch)
	}
	req, err := httpclient.NewJSONRequest(ctx, http.MethodPost, n.base+path, body)
	if err != nil {
		return Sent{}, err
	}
	var out struct {
		ID        string `json:"id"`
		Reference string `json:"reference"`
		Template  struct {
			ID      string  `json:"id"`
			Version float64 `json:"version"`
		} `json:"template"`
	}
	resp, err := n.client.DoJSON(req, &out)
	var herr *httpclient.Error
	if err != nil && ctx.Err() == nil && !errors.As(err, &herr) && m.ID != "" {
		// No answer: Notify may have taken the message or not, and has no
		// idempotency key. Ask it by the message's own reference; send
		// again only if it has none.
		if sent, ok := n.lookUp(ctx, ref, ch); ok {
			return sent, nil
		}
		if req, err = httpclient.NewJSONRequest(ctx, http.MethodPost, n.base+path, body); err != nil {
			return Sent{}, err
		}
		resp, err = n.client.DoJSON(req, &out)
	}
	if err != nil {
		if ctx.Err() != nil {
			return Sent{}, ctx.Err()
		}
		e := &Error{Kind: m.Kind, Channel: ch, PermitID: m.PermitID, Err: err}
		if errors.As(err, &herr) {
			e.Status, e.Code, e.Message, e.Attempts = herr.Status, herr.Code, herr.Description, herr.Attempts
		}
		return Sent{}, e
	}
	if out.ID == "" {
		return Sent{}, &Error{Kind: m.Kind, Channel: ch, PermitID: m.PermitID, Status: resp.Status, Attempts: resp.Attempts,
			Err: errors.New("the answer has no notification id")}
	}
	return Sent{ID: out.ID, Reference: out.Reference, Channel: ch, TemplateID: out.Template.ID, TemplateVersion: int(out.Template.Version)}, nil
}

// lookUp asks Notify for a message of channel ch with reference ref,
// the newest first; ok is false when it has none or cannot say.
func (n *Notifier) lookUp(ctx context.Context, ref string, ch message.Channel) (Sent, bool) {
	q := url.Values{"reference": {ref}, "template_type": {string(ch)}}
	req, err := httpclient.NewJSONRequest(ctx, http.MethodGet, n.base+"/v2/notifications?"+q.Encode(), nil)
	if err != nil {
		return Sent{}, false
	}
	var out struct {
		Notifications []struct {
			ID        string `json:"id"`
			Reference string `json:"reference"`
			Template  struct {
				ID      string  `json:"id"`
				Version float64 `json:"version"`
			} `json:"template"`
		} `json:"notifications"`
	}
	if _, err := n.client.DoJSON(req, &out); err != nil || len(out.Notifications) == 0 {
		return Sent{}, false
	}
	got := out.Notifications[0]
	if got.ID == "" || got.Reference != ref {
		return Sent{}, false
	}
	return Sent{ID: got.ID, Reference: ref, Channel: ch, TemplateID: got.Template.ID, TemplateVersion: int(got.Template.Version)}, true
}

var e164UKMobile = regexp.MustCompile(`^\+447[0-9]{9}$`)

// reference is what Notify keeps to name the message: its ID, or its
// kind after the permit (or account) it is about. Never personal data.
func reference(m permit.Message) string {
	if m.ID != "" {
		return m.ID
	}
	subject := m.PermitID
	if subject == "" {
		subject = m.AccountID
	}
	return subject + ":" + string(m.Kind)
}
