// Package smtpmail is a permit.Notifier that emails account holders
// through an SMTP server: the council's mail relay or a provider's
// submission port. It decides how a message travels, not what it says (the
// scheme's templates do, through a Renderer):
//
//   - Notify renders and checks the message at once, queues it in memory
//     and returns; it never waits for the network, so a slow or broken mail
//     server never slows or undoes the permit operation that caused it.
//   - Background workers deliver each message as a multipart/alternative
//     email (plain text and HTML), one SMTP session per message, upgrading
//     to TLS with STARTTLS when the server offers it.
//   - A temporary failure (a 4xx reply, a dropped or refused connection, a
//     timeout) is retried with exponential backoff and jitter, up to a
//     bounded number of attempts; a permanent one (a 5xx reply) is not.
//   - A message that cannot be delivered is reported once, through slog
//     and the OnFailure hook, with its kind, permit and account.
//
// The queue lives in memory: messages still queued when the process dies
// are lost, which is the trade for never holding up a permit operation.
// Close drains it on shutdown. Delivery is at least once: a connection
// lost after the server took the message but before it said so leads to a
// second copy with the same Message-ID.
package smtpmail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	randv2 "math/rand/v2"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strings"
	"sync"
	"time"

	"github.com/carerpermit/carerpermit/permit"
)

// Renderer turns a message into an email. *permit.Scheme is one.
type Renderer interface {
	Render(m permit.Message) (permit.Email, error)
}

var _ Renderer = (*permit.Scheme)(nil)

// StartTLS says when a session is upgraded to TLS.
type StartTLS string

// The STARTTLS policies.
const (
	// StartTLSWhenOffered upgrades when the server offers STARTTLS and
	// sends in the clear otherwise; the default.
	StartTLSWhenOffered StartTLS = "when-offered"
	// StartTLSRequired refuses to send to a server that does not offer it.
	StartTLSRequired StartTLS = "required"
	// StartTLSNever never upgrades: for a relay on the same host.
	StartTLSNever StartTLS = "never"
)

// ParseStartTLS reads a policy as a flag or setting spells it.
func ParseStartTLS(s string) (StartTLS, error) {
	switch p := StartTLS(s); p {
	case StartTLSWhenOffered, StartTLSRequired, StartTLSNever:
		return p, nil
	}
	return "", fmt.Errorf("smtpmail: STARTTLS policy %q: want when-offered, required or never", s)
}

// Config says where and as whom mail is sent.
type Config struct {
	// Addr is the SMTP server as host:port, e.g. "smtp.council.gov.uk:587".
	Addr string
	// From is the sender, with or without a display name:
	// "Leicestershire Parking Permits <permits@leics.gov.uk>".
	From string
	// ReplyTo, when set, is where replies go, e.g. the council's permit
	// enquiries address (the scheme's council email).
	ReplyTo string
	// Username and Password, when Username is set, log in with AUTH PLAIN.
	// net/smtp sends them only over TLS or to a server on localhost.
	Username string
	Password string
	// StartTLS is the TLS policy; "" means StartTLSWhenOffered.
	StartTLS StartTLS
	// TLSConfig configures the upgrade; nil verifies the server's
	// certificate for Addr's host against the system roots.
	TLSConfig *tls.Config
	// HelloName is the name given in EHLO; "" means "localhost".
	HelloName string
}

// Options tune delivery; the zero value of each field means its default.
type Options struct {
	// QueueSize bounds the messages waiting, being sent or waiting to be
	// retried. Notify refuses more with ErrQueueFull. Default 1000.
	QueueSize int
	// Workers is how many messages are sent at once. Default 2.
	Workers int
	// MaxAttempts bounds the sends of one message, the first included.
	// Default 8.
	MaxAttempts int
	// InitialBackoff is the wait before the first retry; each retry waits
	// twice as long as the one before, up to MaxBackoff, and a random
	// part of it (half to all of it) is taken so that retries after an
	// outage do not arrive together. Defaults 10s and 10m: eight attempts
	// span about twenty minutes.
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
	// AttemptTimeout bounds one delivery: connecting and the whole SMTP
	// conversation. Default 30s.
	AttemptTimeout time.Duration
	// Logger receives a record per message sent, retried or given up.
	// Nil means slog.Default().
	Logger *slog.Logger
	// OnFailure is called once for each message that is not delivered,
	// from a worker goroutine: it must not block for long. err wraps a
	// *DeliveryError.
	OnFailure func(m permit.Message, err error)
	// Now is the clock for the Date header; nil means time.Now.
	Now func() time.Time
	// Sleep waits between attempts and returns early with ctx's error
	// when ctx ends; nil means a timer. Tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// Dial connects to the server; nil means a net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Sentinel errors, checked with errors.Is.
var (
	// ErrQueueFull: Notify found QueueSize messages in hand already.
	ErrQueueFull = errors.New("smtpmail: queue full")
	// ErrClosed: Notify after Close, or a message Close gave up on.
	ErrClosed = errors.New("smtpmail: notifier closed")
	// ErrInvalidMessage: the recipient or the rendered email cannot be
	// sent as it is (no address, a line break in a header, no body).
	ErrInvalidMessage = errors.New("smtpmail: invalid message")
)

// DeliveryError is a message given up on: after its last attempt, at its
// first permanent refusal, or when Close stopped waiting.
type DeliveryError struct {
	Kind     permit.MessageKind
	PermitID string
	Attempts int
	Err      error // the last attempt's error
}

func (e *DeliveryError) Error() string {
	attempts := fmt.Sprintf("%d attempts", e.Attempts)
	if e.Attempts == 1 {
		attempts = "1 attempt"
	}
	return fmt.Sprintf("smtpmail: %s message for permit %q not delivered after %s: %v", e.Kind, e.PermitID, attempts, e.Err)
}

func (e *DeliveryError) Unwrap() error { return e.Err }

// Stats counts what a Notifier has done since New.
type Stats struct {
	Pending int // queued, being sent or waiting for a retry
	Sent    int
	Retried int // attempts that failed and were tried again
	Failed  int
}

// Notifier sends messages by SMTP in the background. Safe for concurrent
// use. Call Close before the process exits.
type Notifier struct {
	r        Renderer
	cfg      Config
	opts     Options
	host     string
	from     *mail.Address
	replyTo  *mail.Address
	auth     smtp.Auth
	log      *slog.Logger
	queue    chan *delivery
	life     context.Context // ends when Close stops waiting
	stop     context.CancelFunc
	workers  sync.WaitGroup // workers and retry timers
	drained  chan struct{}  // closed when closing and nothing is pending
	finished chan struct{}  // closed when Close has completed
	closeErr error

	mu      sync.Mutex
	closing bool
	stats   Stats
}

var _ permit.Notifier = (*Notifier)(nil)

// delivery is one message on its way.
type delivery struct {
	msg      permit.Message
	rcpt     string // envelope recipient
	data     []byte // the whole email, built once so every attempt sends the same Message-ID
	attempts int
}

// New checks the configuration and starts the workers. r renders each
// message (a *permit.Scheme); opts may be nil.
func New(r Renderer, cfg Config, opts *Options) (*Notifier, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	var problems []string
	if r == nil {
		problems = append(problems, "a Renderer is required")
	}
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host == "" {
		problems = append(problems, fmt.Sprintf("Addr %q is not host:port", cfg.Addr))
	}
	from, err := parseAddress(cfg.From)
	if err != nil {
		problems = append(problems, fmt.Sprintf("From %q is not an email address", cfg.From))
	}
	var replyTo *mail.Address
	if cfg.ReplyTo != "" {
		if replyTo, err = parseAddress(cfg.ReplyTo); err != nil {
			problems = append(problems, fmt.Sprintf("ReplyTo %q is not an email address", cfg.ReplyTo))
		}
	}
	if cfg.StartTLS == "" {
		cfg.StartTLS = StartTLSWhenOffered
	}
	if _, err := ParseStartTLS(string(cfg.StartTLS)); err != nil {
		problems = append(problems, err.Error())
	}
	if strings.ContainsAny(cfg.HelloName, "\r\n ") {
		problems = append(problems, fmt.Sprintf("HelloName %q is not a host name", cfg.HelloName))
	}
	for _, f := range []struct {
		name string
		v    int64
	}{{"QueueSize", int64(o.QueueSize)}, {"Workers", int64(o.Workers)}, {"MaxAttempts", int64(o.MaxAttempts)},
		{"InitialBackoff", int64(o.InitialBackoff)}, {"MaxBackoff", int64(o.MaxBackoff)}, {"AttemptTimeout", int64(o.AttemptTimeout)}} {
		if f.v < 0 {
			problems = append(problems, f.name+" is negative")
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("smtpmail: New: %s", strings.Join(problems, "; "))
	}
	defaults(&o)
	if cfg.HelloName == "" {
		cfg.HelloName = "localhost"
	}
	n := &Notifier{
		r: r, cfg: cfg, opts: o, host: host, from: from, replyTo: replyTo, log: o.Logger,
		queue: make(chan *delivery, o.QueueSize), drained: make(chan struct{}), finished: make(chan struct{}),
	}
	if cfg.Username != "" {
		n.auth = smtp.PlainAuth("", cfg.Username, cfg.Password, host)
	}
	n.life, n.stop = context.WithCancel(context.Background())
	for range o.Workers {
		n.workers.Add(1)
		go n.work()
	}
	return n, nil
}

func defaults(o *Options) {
	if o.QueueSize == 0 {
		o.QueueSize = 1000
	}
	if o.Workers == 0 {
		o.Workers = 2
	}
	if o.MaxAttempts == 0 {
		o.MaxAttempts = 8
	}
	if o.InitialBackoff == 0 {
		o.InitialBackoff = 10 * time.Second
	}
	if o.MaxBackoff == 0 {
		o.MaxBackoff = 10 * time.Minute
	}
	o.MaxBackoff = max(o.MaxBackoff, o.InitialBackoff)
	if o.AttemptTimeout == 0 {
		o.AttemptTimeout = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.Dial == nil {
		var d net.Dialer
		o.Dial = d.DialContext
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// parseAddress reads an address with or without a display name, refusing
// line breaks before net/mail can be lenient about them.
func parseAddress(s string) (*mail.Address, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, errors.New("contains a line break")
	}
	return mail.ParseAddress(s)
}

// Notify renders m and queues it for delivery, returning at once. The
// error says why the message was not queued: ErrInvalidMessage (no usable
// address, a line break in a header, an empty body), the Renderer's error,
// ErrQueueFull or ErrClosed. Whether a queued message is delivered is
// reported later, through Options.OnFailure and the log. ctx is not kept.
func (n *Notifier) Notify(_ context.Context, m permit.Message) error {
	to, err := parseAddress(m.To)
	if err != nil {
		return fmt.Errorf("%w: %s message for account %q: recipient %q: %v", ErrInvalidMessage, m.Kind, m.AccountID, m.To, err)
	}
	e, err := n.r.Render(m)
	if err != nil {
		return fmt.Errorf("smtpmail: rendering %s message for account %q: %w", m.Kind, m.AccountID, err)
	}
	id, err := messageID(n.from.Address)
	if err != nil {
		return err
	}
	data, err := compose(header{
		from: n.from, replyTo: n.replyTo, to: &mail.Address{Name: m.Data["name"], Address: to.Address},
		date: n.opts.Now(), messageID: id, kind: m.Kind, permitID: m.PermitID,
	}, e)
	if err != nil {
		return fmt.Errorf("%w: %s message for account %q: %v", ErrInvalidMessage, m.Kind, m.AccountID, err)
	}
	d := &delivery{msg: m, rcpt: to.Address, data: data}

	n.mu.Lock()
	defer n.mu.Unlock()
	switch {
	case n.closing:
		return ErrClosed
	case n.stats.Pending >= n.opts.QueueSize:
		n.log.Warn("notification not queued: queue full", attrs(m, "queue_size", n.opts.QueueSize)...)
		return ErrQueueFull
	}
	n.stats.Pending++
	// Never blocks: the channel holds QueueSize and at most Pending are in it.
	n.queue <- d
	return nil
}

// messageID makes a Message-ID in the sender's domain, so that a message
// sent twice (delivery is at least once) can be recognised as one.
func messageID(from string) (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("smtpmail: Message-ID: %w", err)
	}
	domain := "localhost"
	if i := strings.LastIndexByte(from, '@'); i >= 0 {
		domain = from[i+1:]
	}
	return "<" + hex.EncodeToString(b[:]) + "@" + domain + ">", nil
}

func (n *Notifier) work() {
	defer n.workers.Done()
	for {
		select {
		case <-n.life.Done():
			return
		case d := <-n.queue:
			n.attempt(d)
		}
	}
}

// attempt sends d once and decides what follows: done, a retry after a
// backoff, or giving up.
func (n *Notifier) attempt(d *delivery) {
	d.attempts++
	err := n.send(d)
	switch {
	case err == nil:
		n.log.Info("notification sent", attrs(d.msg, "attempts", d.attempts)...)
		n.finish(d, nil)
		return
	case n.life.Err() != nil:
		n.finish(d, fmt.Errorf("%w: %w", ErrClosed, err))
		return
	case permanent(err) || d.attempts >= n.opts.MaxAttempts:
		n.finish(d, err)
		return
	}
	wait := n.backoff(d.attempts)
	n.log.Warn("notification not sent; will retry", attrs(d.msg, "attempts", d.attempts, "retry_in", wait, "error", redact(d.msg, err))...)
	n.mu.Lock()
	n.stats.Retried++
	n.mu.Unlock()
	n.workers.Add(1)
	go func() {
		defer n.workers.Done()
		if err := n.opts.Sleep(n.life, wait); err != nil {
			n.finish(d, fmt.Errorf("%w: waiting to retry: %w", ErrClosed, err))
			return
		}
		n.queue <- d
	}()
}

// backoff is the wait after the given failed attempt: doubling from
// InitialBackoff, capped at MaxBackoff, of which a random half to all.
func (n *Notifier) backoff(attempt int) time.Duration {
	d := n.opts.InitialBackoff
	for i := 1; i < attempt && d < n.opts.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, n.opts.MaxBackoff)
	return d/2 + randv2.N(d/2+1)
}

// permanent reports a refusal that the same message will meet again: an
// SMTP 5xx reply (unknown mailbox, refused sender, failed login).
func permanent(err error) bool {
	var tp *textproto.Error
	return errors.As(err, &tp) && tp.Code >= 500 && tp.Code < 600
}

// finish records the end of a delivery; err nil means sent.
func (n *Notifier) finish(d *delivery, err error) {
	if err != nil {
		// The hook's caller logs the error too: its text leaves the
		// recipient's address out.
		err = &DeliveryError{Kind: d.msg.Kind, PermitID: d.msg.PermitID, Attempts: d.attempts, Err: withoutAddress{err: err, to: d.msg.To}}
		n.log.Error("notification not delivered", attrs(d.msg, "attempts", d.attempts, "error", redact(d.msg, err))...)
		if n.opts.OnFailure != nil {
			n.opts.OnFailure(d.msg, err)
		}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if err != nil {
		n.stats.Failed++
	} else {
		n.stats.Sent++
	}
	n.stats.Pending--
	if n.closing && n.stats.Pending == 0 {
		select {
		case <-n.drained:
		default:
			close(n.drained)
		}
	}
}

// redact is err's text without the recipient's address, which SMTP
// servers repeat in their replies ("550 <jane@example.com>: no such user").
func redact(m permit.Message, err error) string {
	s := err.Error()
	if m.To == "" {
		return s
	}
	for _, a := range []string{m.To, strings.ToLower(m.To)} {
		s = strings.ReplaceAll(s, a, "<recipient>")
	}
	return s
}

// withoutAddress is an error whose text leaves out the recipient's
// address; errors.Is and errors.As still see the error it wraps.
type withoutAddress struct {
	err error
	to  string
}

func (e withoutAddress) Error() string { return redact(permit.Message{To: e.to}, e.err) }

func (e withoutAddress) Unwrap() error { return e.err }

// attrs are a message's log fields. The address is logged by its domain
// only: enough to see a provider refusing mail, without residents'
// addresses in the log.
func attrs(m permit.Message, extra ...any) []any {
	domain := ""
	if i := strings.LastIndexByte(m.To, '@'); i >= 0 {
		domain = m.To[i+1:]
	}
	return append([]any{"kind", string(m.Kind), "permit_id", m.PermitID, "account_id", m.AccountID, "to_domain", domain}, extra...)
}

// send delivers d in one SMTP session.
func (n *Notifier) send(d *delivery) (err error) {
	ctx, cancel := context.WithTimeout(n.life, n.opts.AttemptTimeout)
	defer cancel()
	conn, err := n.opts.Dial(ctx, "tcp", n.cfg.Addr)
	if err != nil {
		return err
	}
	// A server that stops answering, or Close giving up, ends the session.
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	c, err := smtp.NewClient(conn, n.host)
	if err != nil {
		_ = conn.Close()
		return err
	}
	defer c.Close()
	if err := c.Hello(n.cfg.HelloName); err != nil {
		return err
	}
	if ok, _ := c.Extension("STARTTLS"); ok && n.cfg.StartTLS != StartTLSNever {
		tc := &tls.Config{MinVersion: tls.VersionTLS12}
		if n.cfg.TLSConfig != nil {
			tc = n.cfg.TLSConfig.Clone()
		}
		if tc.ServerName == "" {
			tc.ServerName = n.host
		}
		if err := c.StartTLS(tc); err != nil {
			return fmt.Errorf("STARTTLS: %w", err)
		}
	} else if n.cfg.StartTLS == StartTLSRequired {
		return errors.New("the server does not offer STARTTLS, which the configuration requires")
	}
	if n.auth != nil {
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("the server does not offer AUTH, and a username is configured")
		}
		if err := c.Auth(n.auth); err != nil {
			return err
		}
	}
	if err := c.Mail(n.from.Address); err != nil {
		return err
	}
	if err := c.Rcpt(d.rcpt); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(d.data); err != nil {
		return err
	}
	// The reply to the end of DATA is the server taking the message.
	if err := w.Close(); err != nil {
		return err
	}
	// Delivered: a failed QUIT must not send it again.
	_ = c.Quit()
	return nil
}

// Close stops accepting messages and waits until every queued message is
// delivered or given up, or until ctx ends. Messages still in hand then are
// given up (reported with ErrClosed) and Close returns an error wrapping
// ctx's. Later calls wait for the first to finish and return its result.
func (n *Notifier) Close(ctx context.Context) error {
	n.mu.Lock()
	first := !n.closing
	n.closing = true
	if first && n.stats.Pending == 0 {
		close(n.drained)
	}
	n.mu.Unlock()
	if !first {
		select {
		case <-n.finished:
			return n.closeErr
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	var gaveUp error
	select {
	case <-n.drained:
	case <-ctx.Done():
		gaveUp = ctx.Err()
	}
	n.stop()
	n.workers.Wait()
	// Workers and retry timers have stopped: what is left in the queue
	// will never be sent.
	for {
		select {
		case d := <-n.queue:
			err := ErrClosed
			if gaveUp != nil {
				err = fmt.Errorf("%w: %w", ErrClosed, gaveUp)
			}
			n.finish(d, err)
			continue
		default:
		}
		break
	}
	if gaveUp != nil {
		n.closeErr = fmt.Errorf("smtpmail: Close gave up on undelivered messages: %w", gaveUp)
	}
	close(n.finished)
	return n.closeErr
}

// Stats returns what the Notifier has done so far.
func (n *Notifier) Stats() Stats {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.stats
}
