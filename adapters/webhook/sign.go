package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Headers of every delivery request. Names are a contract with receivers:
// add new ones, never rename.
const (
	// SignatureHeader carries "t=<unix seconds>,v1=<hex HMAC-SHA256>"
	// (see Sign).
	SignatureHeader = "Carerpermit-Signature"
	// EventIDHeader is the event's ID, the same for every attempt and
	// every endpoint: receivers drop a request whose event ID they have
	// already processed.
	EventIDHeader = "Carerpermit-Event-Id"
	// EventTypeHeader is the event's type, such as permit.approved.
	EventTypeHeader = "Carerpermit-Event-Type"
	// DeliveryIDHeader names the delivery (one event to one endpoint), as
	// GET /v1/webhooks/{id}/deliveries lists it.
	DeliveryIDHeader = "Carerpermit-Delivery-Id"
	// AttemptHeader is the attempt's number, from 1.
	AttemptHeader = "Carerpermit-Attempt"
)

// DefaultTolerance is how far a signature's timestamp may be from the
// receiver's clock when Verify is given no tolerance: long enough for
// clock skew and a slow network, short enough that a captured request
// cannot be replayed for long.
const DefaultTolerance = 5 * time.Minute

// secretPrefix marks an endpoint secret, so one found in a log or a
// repository is recognisable for what it is.
const secretPrefix = "whsec_"

// NewSecret returns a new endpoint secret: "whsec_" and 32 random bytes in
// base64url. The whole string, prefix included, is the HMAC key.
func NewSecret() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("webhook: making a secret: %w", err)
	}
	return secretPrefix + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// Sign returns the Carerpermit-Signature header value for body sent at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<unix seconds>.<body>")>".
// The timestamp is inside the signed text, so a receiver that checks it
// refuses an old request replayed with a fresh header.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

// SignAll is Sign with one v1 signature per secret, in order: while a
// rotated secret's overlap lasts a request carries "t=...,v1=<new>,v1=<old>",
// and a receiver holding either secret verifies it.
func SignAll(secrets []string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	var b strings.Builder
	b.WriteString("t=" + ts)
	for _, s := range secrets {
		b.WriteString(",v1=" + hex.EncodeToString(mac(s, ts, body)))
	}
	return b.String()
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// ErrInvalidSignature is wrapped by every error of Verify. Check with
// errors.Is; a *SignatureError says why.
var ErrInvalidSignature = errors.New("webhook: invalid signature")

// SignatureError is why Verify refused a request.
type SignatureError struct {
	Reason string
}

func (e *SignatureError) Error() string { return "webhook: invalid signature: " + e.Reason }

// Unwrap makes errors.Is(err, ErrInvalidSignature) true.
func (e *SignatureError) Unwrap() error { return ErrInvalidSignature }

// maxSignatureHeader bounds the header Verify reads: a few signatures
// (during a secret rotation) fit many times over.
const maxSignatureHeader = 4096

// Verify checks a request a receiver got: header is its
// Carerpermit-Signature, body its raw bytes (before any JSON decoding),
// now the receiver's clock. It succeeds when the timestamp is within
// tolerance of now (DefaultTolerance when tolerance is 0 or less) and
// one of the v1 signatures is the HMAC of "<t>.<body>" under secret.
// Parts other than t and v1 are ignored, so a later scheme can be added
// beside v1 without breaking receivers. The comparison takes the same
// time however much of a signature matches. Every error wraps
// ErrInvalidSignature.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if secret == "" {
		return &SignatureError{Reason: "no secret to verify with"}
	}
	if len(header) > maxSignatureHeader {
		return &SignatureError{Reason: "header is longer than " + strconv.Itoa(maxSignatureHeader) + " bytes"}
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	var (
		ts   string
		sigs [][]byte
	)
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return &SignatureError{Reason: fmt.Sprintf("part %q is not key=value", clip(part, 40))}
		}
		switch k {
		case "t":
			if ts != "" {
				return &SignatureError{Reason: "more than one timestamp"}
			}
			if ts = v; ts == "" {
				return &SignatureError{Reason: "empty timestamp"}
			}
		case "v1":
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != sha256.Size {
				return &SignatureError{Reason: "v1 is not 64 hexadecimal digits"}
			}
			sigs = append(sigs, b)
		}
	}
	if ts == "" {
		return &SignatureError{Reason: "no timestamp (t=)"}
	}
	if len(sigs) == 0 {
		return &SignatureError{Reason: "no v1 signature"}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || ts[0] == '+' || (len(ts) > 1 && ts[0] == '0') {
		return &SignatureError{Reason: "timestamp is not unix seconds"}
	}
	// Compared in seconds: converting an extreme timestamp to a time.Time
	// and subtracting would overflow.
	skew := now.Unix() - sec
	if skew < 0 {
		skew = -skew
	}
	if skew < 0 || skew > int64(tolerance/time.Second) {
		return &SignatureError{Reason: fmt.Sprintf("timestamp %s is more than %s from now", ts, tolerance)}
	}
	want := mac(secret, ts, body)
	ok := false
	for _, s := range sigs {
		// Every signature is compared, so the time taken says nothing
		// about which one matched.
		if hmac.Equal(s, want) {
			ok = true
		}
	}
	if !ok {
		return &SignatureError{Reason: "no v1 signature matches the body"}
	}
	return nil
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
