package smtpmail

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/permit"
)

// header is what compose writes above the body.
type header struct {
	from, replyTo, to *mail.Address
	date              time.Time
	messageID         string
	kind              permit.MessageKind
	permitID          string
}

// maxHeaderLine is RFC 5322's limit on a line, CRLF excluded.
const maxHeaderLine = 998

// compose builds the email: RFC 5322 headers and a multipart/alternative
// body, plain text first and HTML last (the part a client prefers when it
// can show it), each quoted-printable so that lines stay short and 8-bit
// text (£, names) passes any relay. Lines end in CRLF.
func compose(h header, e permit.Email) ([]byte, error) {
	if strings.ContainsAny(e.Subject, "\r\n") {
		return nil, errors.New("the subject contains a line break")
	}
	if strings.TrimSpace(e.Subject) == "" {
		return nil, errors.New("the subject is empty")
	}
	if strings.TrimSpace(e.Text) == "" {
		return nil, errors.New("the text body is empty")
	}
	for _, v := range []string{string(h.kind), h.permitID, h.messageID} {
		if strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return nil, fmt.Errorf("header value %q contains a control character", v)
		}
	}
	// The display name is the account holder's, typed by them: anything
	// but printable ASCII is encoded by mail.Address, line breaks included;
	// they are dropped first so that the name reads as one line.
	h.to.Name = strings.Join(strings.Fields(h.to.Name), " ")

	var b bytes.Buffer
	field := func(name, value string) {
		b.WriteString(fold(name+": "+value, 78))
		b.WriteString("\r\n")
	}
	field("Date", h.date.Format(time.RFC1123Z))
	field("From", h.from.String())
	field("To", h.to.String())
	if h.replyTo != nil {
		field("Reply-To", h.replyTo.String())
	}
	field("Subject", mime.QEncoding.Encode("utf-8", e.Subject))
	field("Message-ID", h.messageID)
	// RFC 3834: an automatic message, to which out-of-office replies and
	// other automatic responders should not answer.
	field("Auto-Submitted", "auto-generated")
	field("X-Auto-Response-Suppress", "All")
	if h.kind != "" {
		field("X-Permit-Message", string(h.kind))
	}
	if h.permitID != "" {
		field("X-Permit-ID", h.permitID)
	}
	field("MIME-Version", "1.0")

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	parts := []struct{ contentType, text string }{{"text/plain; charset=utf-8", e.Text}}
	if strings.TrimSpace(e.HTML) != "" {
		parts = append(parts, struct{ contentType, text string }{"text/html; charset=utf-8", e.HTML})
	}
	for _, p := range parts {
		pw, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {p.contentType},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		qw := quotedprintable.NewWriter(pw)
		if _, err := qw.Write([]byte(p.text)); err != nil {
			return nil, err
		}
		if err := qw.Close(); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	field("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()}))
	b.WriteString("\r\n")
	b.Write(body.Bytes())

	for line := range strings.SplitSeq(b.String(), "\r\n") {
		if len(line) > maxHeaderLine {
			return nil, fmt.Errorf("a line of the email is %d bytes long, more than %d", len(line), maxHeaderLine)
		}
	}
	return b.Bytes(), nil
}

// fold breaks a header field at spaces so that lines stay near width
// (RFC 5322 folding: the break is CRLF followed by the space).
func fold(s string, width int) string {
	if len(s) <= width {
		return s
	}
	var b strings.Builder
	line := 0
	for i, word := range strings.Split(s, " ") {
		if i > 0 {
			if line+1+len(word) > width && line > 0 {
				b.WriteString("\r\n")
				line = 0
			}
			b.WriteByte(' ')
			line++
		}
		b.WriteString(word)
		line += len(word)
	}
	return b.String()
}
