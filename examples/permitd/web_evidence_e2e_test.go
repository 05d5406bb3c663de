package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestWebEvidenceIsAnAPIDocument: a file a resident uploads in the pages'
// apply journey is filed as the permit's document, as POST
// /v1/permits/{id}/documents files one: the API lists it and an officer
// downloads the same bytes.
func TestWebEvidenceIsAnAPIDocument(t *testing.T) {
	s := startServer(t, filepath.Join(t.TempDir(), "permitd.db"))
	var props []map[string]any
	require.NoError(t, json.Unmarshal(s.do("GET", "/v1/addresses?postcode=LE11+3AB", "", nil).body, &props))
	uprn := props[0]["uprn"].(string)

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	state := url.Values{"type": {"essential-carer"}, "postcode": {"LE11 3AB"}, "uprn": {uprn}, "vrm": {"AB12CDE"}}
	form := url.Values{"name": {"Ada Lovelace"}, "email": {"ada@example.com"}}
	for k, v := range state {
		form[k] = v
	}
	resp, err := browser.PostForm(s.base+"/apply/account", form)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	pdf := []byte("%PDF-1.4\n% a letter from the GP\n%%EOF\n")
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range state {
		_ = mw.WriteField(k, v[0])
	}
	issued := time.Now().AddDate(0, 0, -7) // the server runs on the wall clock
	for k, v := range map[string]string{"name": "Ada Lovelace", "issued-day": issued.Format("2"), "issued-month": issued.Format("1"), "issued-year": issued.Format("2006")} {
		_ = mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", "letter.pdf")
	_, _ = fw.Write(pdf)
	require.NoError(t, mw.Close())
	resp, err = browser.Post(s.base+"/apply/evidence", mw.FormDataContentType(), &body)
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(page), "Check your answers", "the browser followed the evidence step to the check page")
	doc := between(string(page), `name="doc" value="`, `"`)
	require.NotEmpty(t, doc)

	noRedirect := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	state.Set("doc", doc)
	resp, err = noRedirect.PostForm(s.base+"/apply/check", state)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	permitID := strings.TrimPrefix(resp.Header.Get("Location"), "/apply/done/")

	list := s.must(200, "GET", "/v1/permits/"+permitID+"/documents", testOfficerToken, nil)
	docs := list["documents"].([]any)
	require.Len(t, docs, 1)
	d := docs[0].(map[string]any)
	require.Equal(t, doc, d["id"])
	require.Equal(t, "proof_of_care", d["kind"])
	require.Equal(t, "application/pdf", d["content_type"])
	got := s.do("GET", "/v1/permits/"+permitID+"/documents/"+doc, testOfficerToken, nil)
	require.Equal(t, http.StatusOK, got.status)
	require.Equal(t, pdf, got.body)
}

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
