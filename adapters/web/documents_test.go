package web_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/adapters/httpapi"
	"github.com/carerpermit/carerpermit/adapters/memstore"
	"github.com/carerpermit/carerpermit/adapters/web"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/scheme"
	"github.com/carerpermit/carerpermit/zones"
)

// The API's document store is the pages' too.
var _ web.Files = (*httpapi.MemoryBlobs)(nil)

// A tiny PDF: the first bytes are what the type is judged by.
var pdf = []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")

// filesHarness is the Leicestershire scheme (proof of care to apply)
// with the API's in-memory document store.
func filesHarness(t *testing.T, opts *permit.Options) (*browser, *httpapi.MemoryBlobs) {
	t.Helper()
	f, err := os.Open("../../examples/leicestershire/scheme.yaml")
	require.NoError(t, err)
	defer f.Close()
	s, err := scheme.Load(f)
	require.NoError(t, err)
	g, err := zones.LoadGazetteer(strings.NewReader(testGazetteer))
	require.NoError(t, err)
	if opts == nil {
		opts = &permit.Options{}
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return start }
	}
	svc, err := permit.NewService(s, memstore.New(), g, fakepay.New(), opts)
	require.NoError(t, err)
	blobs := httpapi.NewMemoryBlobs()
	h, err := web.New(svc, g, &web.Options{Files: blobs})
	require.NoError(t, err)
	return newBrowser(&harness{t: t, h: h, svc: svc}), blobs
}

// upload posts a multipart form with a file, as a browser does.
func (b *browser) upload(path string, form url.Values, filename string, data []byte) page {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			require.NoError(b.t, mw.WriteField(k, v))
		}
	}
	if filename != "" {
		fw, err := mw.CreateFormFile("file", filename)
		require.NoError(b.t, err)
		_, _ = fw.Write(data)
	}
	require.NoError(b.t, mw.Close())
	r := httptest.NewRequest("POST", path, &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.send(r)
}

// follow GETs Location until an answer is not a redirect.
func (b *browser) follow(p page) page {
	b.t.Helper()
	for i := 0; i < 10 && p.status == http.StatusSeeOther; i++ {
		p = b.getB(p.header.Get("Location"))
	}
	return p
}

func dated(v url.Values, prefix string, d time.Time) url.Values {
	return with(v, prefix+"-day", d.Format("2"), prefix+"-month", d.Format("1"), prefix+"-year", d.Format("2006"))
}

func TestEvidenceIsUploadedAndFiledUnderThePermit(t *testing.T) {
	b, blobs := filesHarness(t, nil)
	require.Equal(t, http.StatusSeeOther, b.postB("/apply/account", with(journey, "name", "Ada Lovelace", "email", "ada@example.com")).status)
	state := with(journey, "vrm", "AB12CDE")

	// Check your answers without the document sends the browser to the
	// evidence step.
	p := b.getB("/apply/check?" + state.Encode())
	require.Equal(t, http.StatusSeeOther, p.status)
	require.Contains(t, p.header.Get("Location"), "/apply/evidence?")
	p = b.getB(p.header.Get("Location"))
	require.Equal(t, http.StatusOK, p.status)
	require.Contains(t, p.body, "Send your proof of care")
	require.Contains(t, p.body, `enctype="multipart/form-data"`)
	require.Contains(t, p.body, `type="file"`)
	require.Contains(t, p.body, `value="Ada Lovelace"`, "the holder's name is offered")

	// The page's own problems: no file, no date.
	p = b.upload("/apply/evidence", with(state, "name", "Ada Lovelace"), "", nil)
	require.Equal(t, http.StatusUnprocessableEntity, p.status)
	require.Contains(t, p.body, "Select the file of the document")
	require.Contains(t, p.body, "Enter the date on the document")
	require.Contains(t, p.body, `href="#issued-day"`, "the summary links to the date's first box")
	require.Contains(t, p.body, `href="#file"`)

	// A file that is not a PDF, JPEG or PNG, and a date that is not one.
	p = b.upload("/apply/evidence", with(state, "name", "Ada Lovelace", "issued-day", "31", "issued-month", "2", "issued-year", "2026"), "letter.html", []byte("<html>hello</html>"))
	require.Equal(t, http.StatusUnprocessableEntity, p.status)
	require.Contains(t, p.body, "The file must be a PDF, JPG or PNG")
	require.Contains(t, p.body, "must be a real date")

	// A good one: stored under the account, named in the journey.
	p = b.upload("/apply/evidence", dated(with(state, "name", "Ada Lovelace"), "issued", start.AddDate(0, -1, 0)), "care-letter.pdf", pdf)
	require.Equal(t, http.StatusSeeOther, p.status)
	require.Contains(t, p.header.Get("Location"), "doc=doc_")
	p = b.follow(p)
	require.Equal(t, http.StatusOK, p.status)
	require.Contains(t, p.body, "Check your answers")
	require.Contains(t, p.body, "care-letter.pdf, dated 2 October 2026")
	require.Contains(t, p.body, `name="doc"`)

	// Another account cannot use the file: its ID is not found under it.
	other := newBrowser(b.harness)
	require.Equal(t, http.StatusSeeOther, other.postB("/apply/account", with(journey, "name", "Eve", "email", "eve@example.com")).status)
	docID := between(p.body, `name="doc" value="`, `"`)
	p2 := other.getB("/apply/check?" + with(state, "doc", docID).Encode())
	require.Equal(t, http.StatusSeeOther, p2.status, "Eve's check page asks for her own document")

	// Sent: the service accepts it and the file is the permit's document,
	// as the API stores documents.
	p = b.postB("/apply/check", with(state, "doc", docID))
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	permitID := strings.TrimPrefix(p.header.Get("Location"), "/apply/done/")
	keys, attrs, err := blobs.Attrs(context.Background(), "permits/"+permitID+"/documents/")
	require.NoError(t, err)
	require.Equal(t, []string{"permits/" + permitID + "/documents/" + docID}, keys)
	require.Equal(t, "proof_of_care", attrs[0]["kind"])
	require.Equal(t, "application/pdf", attrs[0]["content_type"])
	require.Equal(t, permitID, attrs[0]["permit_id"])
	rc, _, err := blobs.Get(context.Background(), keys[0])
	require.NoError(t, err)
	got, _ := io.ReadAll(rc)
	rc.Close()
	require.Equal(t, pdf, got)
	left, _, err := blobs.Attrs(context.Background(), "uploads/")
	require.NoError(t, err)
	require.Empty(t, left, "nothing is left waiting")
	pm, err := b.svc.Permit(context.Background(), permit.System, permitID)
	require.NoError(t, err)
	require.Len(t, pm.Evidence, 1)
	require.Equal(t, "Ada Lovelace", pm.Evidence[0].Name)
}

func TestEvidenceRefusedInTheServicesWords(t *testing.T) {
	b, _ := filesHarness(t, nil)
	require.Equal(t, http.StatusSeeOther, b.postB("/apply/account", with(journey, "name", "Ada Lovelace", "email", "ada@example.com")).status)
	state := with(journey, "vrm", "AB12CDE")
	// A letter from a year ago, in someone else's name.
	p := b.upload("/apply/evidence", dated(with(state, "name", "Charles Babbage"), "issued", start.AddDate(-1, 0, 0)), "old.pdf", pdf)
	p = b.follow(p)
	require.Equal(t, http.StatusOK, p.status)
	docID := between(p.body, `name="doc" value="`, `"`)
	p = b.postB("/apply/check", with(state, "doc", docID))
	require.Equal(t, http.StatusUnprocessableEntity, p.status)
	require.Contains(t, p.body, "There is a problem")
	require.Contains(t, p.body, "Your proof of care is dated 2 November 2025; it must be dated on or after 2 May 2026")
	require.Contains(t, p.body, "is in the name of Charles Babbage, not Ada Lovelace")
	require.Contains(t, p.body, "/apply/evidence?", "a Change link leads back to the evidence step")
}

func TestEvidenceFileTooLarge(t *testing.T) {
	hs, _ := filesHarness(t, nil)
	require.Equal(t, http.StatusSeeOther, hs.postB("/apply/account", with(journey, "name", "Ada Lovelace", "email", "ada@example.com")).status)
	big := append(append([]byte{}, pdf...), bytes.Repeat([]byte("x"), web.DefaultMaxDocumentBytes+1)...)
	p := hs.upload("/apply/evidence", dated(with(journey, "vrm", "AB12CDE", "name", "Ada"), "issued", start), "big.pdf", big)
	require.Equal(t, http.StatusUnprocessableEntity, p.status, "just over: said beside the field")
	require.Contains(t, p.body, "The file must be smaller than 10 MB")
	require.Contains(t, p.body, `href="#file"`)
	huge := append(big, bytes.Repeat([]byte("x"), 1<<20)...)
	p = hs.upload("/apply/evidence", dated(with(journey, "vrm", "AB12CDE", "name", "Ada"), "issued", start), "huge.pdf", huge)
	require.Equal(t, http.StatusRequestEntityTooLarge, p.status, "far over: the body is not read to its end")
	require.Contains(t, p.body, "The file must be smaller than 10 MB")
}

// between returns the text of s between the first from and the next to.
func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i+len(from):]
	j := strings.Index(s, to)
	if j < 0 {
		return ""
	}
	return s[:j]
}
