package smtpmail_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/smtpmail"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/scheme"
)

func loadScheme(t testing.TB) *permit.Scheme {
	t.Helper()
	f, err := os.Open("../../examples/leicestershire/scheme.yaml")
	require.NoError(t, err)
	defer f.Close()
	s, err := scheme.Load(f)
	require.NoError(t, err)
	return s
}

func newSink(t *testing.T, configure func(*sink)) *sink {
	t.Helper()
	s, err := startSink(configure)
	require.NoError(t, err)
	t.Cleanup(s.close)
	return s
}

// rejection is the message the Service sends when an officer rejects an
// application; the reason is typed by the officer.
func rejection(t testing.TB, s *permit.Scheme, reason string) permit.Message {
	t.Helper()
	m, ok := s.SampleMessage(permit.MessageRejected)
	require.True(t, ok)
	m.To = "jane.smith@example.com"
	m.Data["reason"] = reason
	return m
}

// sleeps records the waits between attempts and returns at once.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// failures records OnFailure calls.
type failures struct {
	mu   sync.Mutex
	msgs []permit.Message
	errs []error
}

func (f *failures) record(m permit.Message, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs = append(f.msgs, m)
	f.errs = append(f.errs, err)
}

func (f *failures) all() ([]permit.Message, []error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]permit.Message(nil), f.msgs...), append([]error(nil), f.errs...)
}

// lockedBuffer is a log destination workers may write to at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type harness struct {
	n      *smtpmail.Notifier
	sleeps *sleeps
	fails  *failures
	log    *lockedBuffer
}

var testDate = time.Date(2026, time.November, 24, 10, 30, 0, 0, time.UTC)

func newHarness(t *testing.T, r smtpmail.Renderer, cfg smtpmail.Config, opts smtpmail.Options) *harness {
	t.Helper()
	h := &harness{sleeps: &sleeps{}, fails: &failures{}, log: &lockedBuffer{}}
	if cfg.From == "" {
		cfg.From = "Leicestershire Parking Permits <permits@leics.example>"
	}
	if opts.Sleep == nil {
		opts.Sleep = h.sleeps.sleep
	}
	if opts.OnFailure == nil {
		opts.OnFailure = h.fails.record
	}
	if opts.AttemptTimeout == 0 {
		opts.AttemptTimeout = 5 * time.Second
	}
	opts.Logger = slog.New(slog.NewTextHandler(h.log, nil))
	opts.Now = func() time.Time { return testDate }
	n, err := smtpmail.New(r, cfg, &opts)
	require.NoError(t, err)
	h.n = n
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = n.Close(ctx)
	})
	return h
}

func (h *harness) close(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, h.n.Close(ctx))
}

// part is one decoded part of a received multipart email.
type part struct {
	header textproto.MIMEHeader
	body   string
}

func parseEmail(t *testing.T, data []byte) (*mail.Message, []part) {
	t.Helper()
	require.True(t, bytes.HasSuffix(data, []byte("\r\n")))
	for i, line := range strings.Split(string(data), "\r\n") {
		require.NotContains(t, line, "\n", "line %d has a bare LF", i)
		require.LessOrEqual(t, len(line), 998, "line %d", i)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	require.NoError(t, err)
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	require.NoError(t, err)
	require.Equal(t, "multipart/alternative", mt)
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var parts []part
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		require.Equal(t, "quoted-printable", p.Header.Get("Content-Transfer-Encoding"))
		body, err := io.ReadAll(quotedprintable.NewReader(p))
		require.NoError(t, err)
		parts = append(parts, part{header: p.Header, body: string(body)})
	}
	return msg, parts
}

func decodeHeader(t *testing.T, v string) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(v)
	require.NoError(t, err)
	return s
}

// The email that reaches the server: headers, both parts, the council's
// details, and a reason that tries to inject a script shown as text.
func TestDeliversMultipartAlternative(t *testing.T) {
	scheme := loadScheme(t)
	s := newSink(t, nil)
	h := newHarness(t, scheme, smtpmail.Config{Addr: s.addr(), ReplyTo: "help@mipermit.com"}, smtpmail.Options{})
	m := rejection(t, scheme, `Evidence unreadable <script>alert("x")</script> & more`)
	m.Data["name"] = "Siân O'Brien"
	require.NoError(t, h.n.Notify(context.Background(), m))
	h.close(t)

	got := s.messages()
	require.Len(t, got, 1)
	require.Equal(t, "permits@leics.example", got[0].from)
	require.Equal(t, []string{"jane.smith@example.com"}, got[0].to)

	msg, parts := parseEmail(t, got[0].data)
	from, err := mail.ParseAddress(msg.Header.Get("From"))
	require.NoError(t, err)
	require.Equal(t, &mail.Address{Name: "Leicestershire Parking Permits", Address: "permits@leics.example"}, from)
	to, err := mail.ParseAddress(msg.Header.Get("To"))
	require.NoError(t, err)
	require.Equal(t, &mail.Address{Name: "Siân O'Brien", Address: "jane.smith@example.com"}, to)
	require.Equal(t, "<help@mipermit.com>", msg.Header.Get("Reply-To"))
	want, err := scheme.Render(m)
	require.NoError(t, err)
	require.Equal(t, want.Subject, decodeHeader(t, msg.Header.Get("Subject")))
	date, err := msg.Header.Date()
	require.NoError(t, err)
	require.True(t, testDate.Equal(date))
	require.Regexp(t, `^<[0-9a-f]{32}@leics\.example>$`, msg.Header.Get("Message-ID"))
	require.Equal(t, "1.0", msg.Header.Get("MIME-Version"))
	require.Equal(t, "auto-generated", msg.Header.Get("Auto-Submitted"))
	require.Equal(t, "rejected", msg.Header.Get("X-Permit-Message"))
	require.Equal(t, m.PermitID, msg.Header.Get("X-Permit-ID"))

	require.Len(t, parts, 2)
	require.Equal(t, "text/plain; charset=utf-8", parts[0].header.Get("Content-Type"))
	require.Equal(t, "text/html; charset=utf-8", parts[1].header.Get("Content-Type"))
	require.Equal(t, strings.ReplaceAll(want.Text, "\n", "\r\n"), parts[0].body)
	require.Equal(t, strings.ReplaceAll(want.HTML, "\n", "\r\n"), parts[1].body)
	for _, p := range parts {
		require.Contains(t, p.body, "Leicestershire County Council")
		require.Contains(t, p.body, "https://www.leicestershire.gov.uk", "a rejection sends residents to the council")
		require.NotContains(t, p.body, "0345 520 7007", "not the operator's help desk")
	}
	require.Contains(t, parts[0].body, `Reason: The evidence you sent does not clearly show what the permit needs. Evidence unreadable <script>alert("x")</script> & more`)
	require.Contains(t, parts[1].body, `Evidence unreadable &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; more`)
	require.NotContains(t, parts[1].body, "<script>")
	require.Contains(t, parts[1].body, "Dear Siân O&#39;Brien,")

	require.Equal(t, smtpmail.Stats{Sent: 1}, h.n.Stats())
	require.Contains(t, h.log.String(), `msg="notification sent" kind=rejected permit_id=per_5f3a9c2e7b1d4086 account_id=acc_7c1e9a40d25b8f63 to_domain=example.com attempts=1`)
	require.NotContains(t, h.log.String(), "jane.smith", "addresses stay out of the log")
}

// A server that answers 451 twice, then accepts: the message arrives once,
// after waits that double, each a random half to all of its step.
func TestRetriesTemporaryFailure(t *testing.T) {
	scheme := loadScheme(t)
	s := newSink(t, func(s *sink) { s.failData = 3 })
	h := newHarness(t, scheme, smtpmail.Config{Addr: s.addr()}, smtpmail.Options{MaxAttempts: 5, InitialBackoff: time.Second, MaxBackoff: 3 * time.Second})
	require.NoError(t, h.n.Notify(context.Background(), rejection(t, scheme, "No proof.")))
	h.close(t)

	require.Len(t, s.messages(), 1)
	sessions, seen := s.counts()
	require.Equal(t, 4, sessions)
	require.Equal(t, 4, seen)
	waits := h.sleeps.waits()
	require.Len(t, waits, 3)
	for i, step := range []time.Duration{time.Second, 2 * time.Second, 3 * time.Second} {
		require.GreaterOrEqual(t, waits[i], step/2, "wait %d", i)
		require.LessOrEqual(t, waits[i], step, "wait %d", i)
	}
	_, errs := h.fails.all()
	require.Empty(t, errs)
	require.Equal(t, smtpmail.Stats{Sent: 1, Retried: 3}, h.n.Stats())
	require.Equal(t, 3, strings.Count(h.log.String(), `msg="notification not sent; will retry"`))
	require.Contains(t, h.log.String(), "4.3.0 try again later")
}

// Connections that drop — before the greeting, or after the message but
// before the answer — are retried. The second is why delivery is "at
// least once": the server may have kept the first copy.
func TestRetriesDroppedConnections(t *testing.T) {
	scheme := loadScheme(t)
	s := newSink(t, func(s *sink) { s.dropHello = 1; s.dropData = 1 })
	h := newHarness(t, scheme, smtpmail.Config{Addr: s.addr()}, smtpmail.Options{MaxAttempts: 3})
	require.NoError(t, h.n.Notify(context.Background(), rejection(t, scheme, "No proof.")))
	h.close(t)

	got := s.messages()
	require.Len(t, got, 1)
	sessions, seen := s.counts()
	require.Equal(t, 3, sessions)
	require.Equal(t, 2, seen, "the dropped message was sent in full once before")
	require.Len(t, h.sleeps.waits(), 2)
	_, errs := h.fails.all()
	require.Empty(t, errs)
}

// A message is given up after MaxAttempts, reported once through
// OnFailure and the log, and never blocks anything.
func TestGivesUpAfterMaxAttempts(t *testing.T) {
	scheme := loadScheme(t)
	s := newSink(t, func(s *sink) { s.failData = 1000 })
	h := newHarness(t, scheme, smtpmail.Config{Addr: s.addr()}, smtpmail.Options{MaxAttempts: 3})
	m := rejection(t, scheme, "No proof.")
	require.NoError(t, h.n.Notify(context.Background(), m))
	h.close(t)

	require.Empty(t, s.messages())
	_, seen := s.counts()
	require.Equal(t, 3, seen)
	msgs, errs := h.fails.all()
	require.Len(t, errs, 1)
	require.Equal(t, m.PermitID, msgs[0].PermitID)
	var de *smtpmail.DeliveryError
	require.ErrorAs(t, errs[0], &de)
	require.Equal(t, 3, de.Attempts)
	require.Equal(t, permit.MessageRejected, de.Kind)
	var tp *textproto.Error
	require.ErrorAs(t, errs[0], &tp)
	require.Equal(t, 451, tp.Code)
	require.Equal(t, smtpmail.Stats{Retried: 2, Failed: 1}, h.n.Stats())
	require.Contains(t, h.log.String(), `level=ERROR msg="notification not delivered" kind=rejected`)
}

// A permanent refusal (5xx) is not retried.
func TestPermanentFailureNotRetried(t *testing.T) {
	scheme := loadScheme(t)
	s := newSink(t, func(s *sink) { s.rcptCode = 550 })
	h := newHarness(t, scheme, smtpmail.Config{Addr: s.addr()}, smtpmail.Options{})
	require.NoError(t, h.n.Notify(context.Background(), rejection(t, scheme, "No proof.")))
	h.close(t)

	sessions, _ := s.counts()
	require.Equal(t, 1, sessions)
	require.Empty(t, h.sleeps.waits())
	_, errs := h.fails.all()
	require.Len(t, errs, 1)
	var de *smtpmail.DeliveryError
	require.ErrorAs(t, errs[0], &de)
	require.Equal(t, 1, de.Attempts)
	require.ErrorContains(t, errs[0], "550")
	require.ErrorContains(t, errs[0], "5.1.1 no such mailbox")
}

// The server is down: Notify still returns at once, the queue is bounded,
// and Close gives up at its deadline, reporting every message it drops.
func TestNotifyNeverBlocks(t *testing.T) {
	scheme := loadScheme(t)
	s := newSink(t, func(s *sink) { s.hang = true })
	h := newHarness(t, scheme, smtpmail.Config{Addr: s.addr()}, smtpmail.Options{QueueSize: 3, Workers: 1, AttemptTimeout: time.Minute})
	start := time.Now()
	for range 3 {
		require.NoError(t, h.n.Notify(context.Background(), rejection(t, scheme, "No proof.")))
	}
	err := h.n.Notify(context.Background(), rejection(t, scheme, "No proof."))
	require.ErrorIs(t, err, smtpmail.ErrQueueFull)
	require.Less(t, time.Since(start), time.Second, "Notify does not wait for the server")

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err = h.n.Close(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, time.Since(start), 5*time.Second)
	_, errs := h.fails.all()
	require.Len(t, errs, 3, "every message Close drops is reported")
	for _, err := range errs {
		require.ErrorIs(t, err, smtpmail.ErrClosed)
	}
	require.Equal(t, smtpmail.Stats{Failed: 3}, h.n.Stats())

	require.ErrorIs(t, h.n.Notify(context.Background(), rejection(t, scheme, "No proof.")), smtpmail.ErrClosed)
	require.ErrorIs(t, h.n.Close(context.Background()), context.DeadlineExceeded, "a second Close returns the first's result")
}

// Close waits for every queued message, retries included.
func TestCloseDrains(t *testing.T) {
	scheme := loadScheme(t)
	s := newSink(t, func(s *sink) { s.failData = 5 })
	h := newHarness(t, scheme, smtpmail.Config{Addr: s.addr()}, smtpmail.Options{Workers: 4})
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := rejection(t, scheme, "No proof.")
			m.PermitID = fmt.Sprintf("per_%d", i)
			m.Data = maps.Clone(m.Data)
			m.Data["permit_id"] = m.PermitID
			require.NoError(t, h.n.Notify(context.Background(), m))
		}()
	}
	wg.Wait()
	h.close(t)
	require.Len(t, s.messages(), 40)
	require.Equal(t, smtpmail.Stats{Sent: 40, Retried: 5}, h.n.Stats())
	seen := map[string]bool{}
	for _, d := range s.messages() {
		msg, _ := parseEmail(t, d.data)
		seen[msg.Header.Get("X-Permit-ID")] = true
	}
	require.Len(t, seen, 40)
}

// A message carries the same Message-ID on every attempt, so a copy sent
// twice is recognisable; two messages never share one.
func TestMessageIDStableAcrossAttempts(t *testing.T) {
	scheme := loadScheme(t)
	s := newSink(t, func(s *sink) { s.dropData = 1; s.failData = 1 })
	h := newHarness(t, scheme, smtpmail.Config{Addr: s.addr()}, smtpmail.Options{Workers: 1})
	require.NoError(t, h.n.Notify(context.Background(), rejection(t, scheme, "No proof.")))
	h.close(t)
	require.NoError(t, h.n.Close(context.Background()), "Close is idempotent")
	var ids []string
	for _, data := range s.received() {
		msg, _ := parseEmail(t, data)
		ids = append(ids, msg.Header.Get("Message-ID"))
	}
	require.Len(t, ids, 3)
	require.Equal(t, ids[0], ids[1])
	require.Equal(t, ids[0], ids[2])

	other := newHarness(t, scheme, smtpmail.Config{Addr: s.addr()}, smtpmail.Options{})
	require.NoError(t, other.n.Notify(context.Background(), rejection(t, scheme, "No proof.")))
	other.close(t)
	msg, _ := parseEmail(t, s.messages()[1].data)
	require.NotEqual(t, ids[0], msg.Header.Get("Message-ID"))
}

// renderer is a Renderer returning a fixed email, for headers a scheme
// would never produce.
type renderer permit.Email

func (r renderer) Render(permit.Message) (permit.Email, error) { return permit.Email(r), nil }

// Nothing a resident, an officer or a template supplies can add a header.
func TestHeaderInjection(t *testing.T) {
	scheme := loadScheme(t)
	s := newSink(t, nil)
	h := newHarness(t, scheme, smtpmail.Config{Addr: s.addr()}, smtpmail.Options{})
	ctx := context.Background()

	for _, to := range []string{"jane@example.com\r\nBcc: all@example.com", "jane@example.com\nBcc: all@example.com", "", "not an address", "a@b.example, c@d.example"} {
		m := rejection(t, scheme, "x")
		m.To = to
		require.ErrorIs(t, h.n.Notify(ctx, m), smtpmail.ErrInvalidMessage, "%q", to)
	}

	for _, e := range []permit.Email{
		{Subject: "Hello\r\nBcc: all@example.com", Text: "x"},
		{Subject: "Hello\nBcc: all@example.com", Text: "x"},
		{Subject: "", Text: "x"},
		{Subject: "Hello", Text: " \n"},
	} {
		bad := newHarness(t, renderer(e), smtpmail.Config{Addr: s.addr()}, smtpmail.Options{})
		require.ErrorIs(t, bad.n.Notify(ctx, rejection(t, scheme, "x")), smtpmail.ErrInvalidMessage, "%q", e.Subject)
	}

	// A name with line breaks is the account holder's own words: it is
	// kept, on one line, encoded.
	m := rejection(t, scheme, "x")
	m.Data["name"] = "Jane\r\nBcc: all@example.com"
	require.NoError(t, h.n.Notify(ctx, m))
	h.close(t)
	got := s.messages()
	require.Len(t, got, 1)
	msg, _ := parseEmail(t, got[0].data)
	require.Empty(t, msg.Header.Get("Bcc"))
	to, err := mail.ParseAddress(msg.Header.Get("To"))
	require.NoError(t, err)
	require.Equal(t, "Jane Bcc: all@example.com", to.Name)
	require.Equal(t, []string{"jane.smith@example.com"}, got[0].to)
	require.Equal(t, smtpmail.Stats{Sent: 1}, h.n.Stats())
}

func TestNewChecksConfig(t *testing.T) {
	scheme := loadScheme(t)
	for _, tc := range []struct {
		name string
		r    smtpmail.Renderer
		cfg  smtpmail.Config
		opts smtpmail.Options
		want string
	}{
		{"no renderer", nil, smtpmail.Config{Addr: "localhost:25", From: "a@b.example"}, smtpmail.Options{}, "a Renderer is required"},
		{"no port", scheme, smtpmail.Config{Addr: "localhost", From: "a@b.example"}, smtpmail.Options{}, `Addr "localhost" is not host:port`},
		{"bad from", scheme, smtpmail.Config{Addr: "localhost:25", From: "permits"}, smtpmail.Options{}, `From "permits" is not an email address`},
		{"from with a line break", scheme, smtpmail.Config{Addr: "localhost:25", From: "a@b.example\r\nBcc: c@d.example"}, smtpmail.Options{}, `is not an email address`},
		{"bad reply-to", scheme, smtpmail.Config{Addr: "localhost:25", From: "a@b.example", ReplyTo: "x"}, smtpmail.Options{}, `ReplyTo "x" is not an email address`},
		{"bad tls policy", scheme, smtpmail.Config{Addr: "localhost:25", From: "a@b.example", StartTLS: "sometimes"}, smtpmail.Options{}, `STARTTLS policy "sometimes"`},
		{"negative", scheme, smtpmail.Config{Addr: "localhost:25", From: "a@b.example"}, smtpmail.Options{MaxAttempts: -1}, "MaxAttempts is negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := smtpmail.New(tc.r, tc.cfg, &tc.opts)
			require.ErrorContains(t, err, tc.want)
		})
	}
	p, err := smtpmail.ParseStartTLS("required")
	require.NoError(t, err)
	require.Equal(t, smtpmail.StartTLSRequired, p)
}

// AUTH PLAIN with the configured account; a wrong password is a permanent
// refusal, reported at once.
func TestAuth(t *testing.T) {
	scheme := loadScheme(t)
	s := newSink(t, func(s *sink) { s.auth = "permits:s3cret" })
	h := newHarness(t, scheme, smtpmail.Config{Addr: s.addr(), Username: "permits", Password: "s3cret"}, smtpmail.Options{})
	require.NoError(t, h.n.Notify(context.Background(), rejection(t, scheme, "x")))
	h.close(t)
	require.Len(t, s.messages(), 1)

	wrong := newHarness(t, scheme, smtpmail.Config{Addr: s.addr(), Username: "permits", Password: "guess"}, smtpmail.Options{})
	require.NoError(t, wrong.n.Notify(context.Background(), rejection(t, scheme, "x")))
	wrong.close(t)
	_, errs := wrong.fails.all()
	require.Len(t, errs, 1)
	require.ErrorContains(t, errs[0], "535")
	require.Len(t, s.messages(), 1)
}

// selfSigned returns a server certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sink.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// STARTTLS is used when offered, with the server's certificate verified;
// "required" refuses a server that does not offer it.
func TestStartTLS(t *testing.T) {
	scheme := loadScheme(t)
	cert, pool := selfSigned(t)
	s := newSink(t, func(s *sink) {
		s.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		s.auth = "permits:s3cret"
	})
	h := newHarness(t, scheme, smtpmail.Config{Addr: s.addr(), Username: "permits", Password: "s3cret",
		StartTLS: smtpmail.StartTLSRequired, TLSConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}, smtpmail.Options{})
	require.NoError(t, h.n.Notify(context.Background(), rejection(t, scheme, "x")))
	h.close(t)
	got := s.messages()
	require.Len(t, got, 1)
	require.True(t, got[0].tls)

	// An unknown certificate is refused, and retried (it may be a
	// certificate being replaced), then given up.
	untrusted := newHarness(t, scheme, smtpmail.Config{Addr: s.addr()}, smtpmail.Options{MaxAttempts: 2})
	require.NoError(t, untrusted.n.Notify(context.Background(), rejection(t, scheme, "x")))
	untrusted.close(t)
	_, errs := untrusted.fails.all()
	require.Len(t, errs, 1)
	require.ErrorContains(t, errs[0], "STARTTLS")

	plain := newSink(t, nil)
	required := newHarness(t, scheme, smtpmail.Config{Addr: plain.addr(), StartTLS: smtpmail.StartTLSRequired}, smtpmail.Options{MaxAttempts: 1})
	require.NoError(t, required.n.Notify(context.Background(), rejection(t, scheme, "x")))
	required.close(t)
	_, errs = required.fails.all()
	require.Len(t, errs, 1)
	require.ErrorContains(t, errs[0], "does not offer STARTTLS")
	require.Empty(t, plain.messages())
}

// Every kind of message the Service sends goes out with both parts.
func TestEveryKind(t *testing.T) {
	scheme := loadScheme(t)
	s := newSink(t, nil)
	h := newHarness(t, scheme, smtpmail.Config{Addr: s.addr()}, smtpmail.Options{})
	for _, k := range permit.MessageKinds() {
		m, _ := scheme.SampleMessage(k)
		require.NoError(t, h.n.Notify(context.Background(), m))
	}
	h.close(t)
	kinds := map[string]bool{}
	for _, d := range s.messages() {
		msg, parts := parseEmail(t, d.data)
		kinds[msg.Header.Get("X-Permit-Message")] = true
		require.Len(t, parts, 2)
		require.NotEmpty(t, decodeHeader(t, msg.Header.Get("Subject")))
	}
	require.Len(t, kinds, len(permit.MessageKinds()))
}

func ExampleNew() {
	// A small SMTP server on loopback stands in for the council's relay.
	server, err := startSink(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer server.close()

	f, err := os.Open("../../examples/leicestershire/scheme.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	sch, err := scheme.Load(f)
	if err != nil {
		fmt.Println(err)
		return
	}
	mailer, err := smtpmail.New(sch, smtpmail.Config{
		Addr:    server.addr(),
		From:    "Leicestershire Parking Permits <permits@leics.example>",
		ReplyTo: sch.Operator.Email,
	}, &smtpmail.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Println(err)
		return
	}
	// permit.NewService(sch, store, locator, payments, &permit.Options{Notifier: mailer})
	// sends through it; here one reminder is sent by hand.
	m, _ := sch.SampleMessage(permit.MessageExpiryReminder)
	if err := mailer.Notify(context.Background(), m); err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := mailer.Close(ctx); err != nil { // on shutdown: deliver what is queued
		fmt.Println(err)
		return
	}
	got := server.messages()[0]
	msg, _ := mail.ReadMessage(bytes.NewReader(got.data))
	fmt.Println("to:", got.to[0])
	fmt.Println("subject:", msg.Header.Get("Subject"))
	fmt.Println("reply-to:", msg.Header.Get("Reply-To"))
	fmt.Printf("%+v\n", mailer.Stats())
	// Output:
	// to: jane.smith@example.com
	// subject: Your Essential Carer Permit for AB12CDE expires on 31 March 2027
	// reply-to: <help@mipermit.com>
	// {Pending:0 Sent:1 Retried:0 Failed:0}
}

// BenchmarkNotify measures what a permit operation pays for its email:
// rendering, composing and queueing (delivery happens elsewhere; here the
// server refuses at once so that the queue keeps up).
func BenchmarkNotify(b *testing.B) {
	scheme := loadScheme(b)
	refuse := func(context.Context, string, string) (net.Conn, error) { return nil, errors.New("refused") }
	n, err := smtpmail.New(scheme, smtpmail.Config{Addr: "127.0.0.1:25", From: "permits@leics.example"}, &smtpmail.Options{
		QueueSize: 1 << 20, MaxAttempts: 1, Dial: refuse, Logger: slog.New(slog.DiscardHandler), OnFailure: func(permit.Message, error) {},
	})
	require.NoError(b, err)
	m := rejection(b, scheme, "The letter does not show the carer's name.")
	b.ReportAllocs()
	for b.Loop() {
		if err := n.Notify(context.Background(), m); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	require.NoError(b, n.Close(context.Background()))
}

// Issue 11, defect 14: logs carry IDs, not personal data. A server that
// repeats the recipient's address in its refusal does not put it in the
// log.
func TestRefusalLoggedWithoutTheAddress(t *testing.T) {
	scheme := loadScheme(t)
	s := newSink(t, func(s *sink) { s.rcptCode, s.rcptEcho = 550, true })
	h := newHarness(t, scheme, smtpmail.Config{Addr: s.addr()}, smtpmail.Options{})
	require.NoError(t, h.n.Notify(context.Background(), rejection(t, scheme, "No proof.")))
	h.close(t)
	require.Contains(t, h.log.String(), "notification not delivered")
	require.Contains(t, h.log.String(), "<recipient>")
	require.NotContains(t, h.log.String(), "jane.smith")
	_, errs := h.fails.all()
	require.Len(t, errs, 1)
	require.NotContains(t, errs[0].Error(), "jane.smith", "the failure hook's error is logged by its caller")
	var de *smtpmail.DeliveryError
	require.ErrorAs(t, errs[0], &de)
}
