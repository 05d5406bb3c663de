package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/carerpermit/carerpermit/adapters/internal/httpx"
)

// cleanBasePath checks Options.BasePath (httpx.CleanBasePath).
func cleanBasePath(p string) (string, error) {
	base, err := httpx.CleanBasePath(p)
	if err != nil {
		return "", fmt.Errorf("httpapi: %w", err)
	}
	return base, nil
}

// link is the public path of an API path p ("/v1/permits/…"): under the
// base path when there is one.
func (h *api) link(p string) string { return h.base + p }

// withinBase returns r with the base path taken off its URL
// (httpx.WithinBase): a request without it is served as it is, since a
// proxy in front may already have taken the prefix off.
func (h *api) withinBase(r *http.Request) *http.Request { return httpx.WithinBase(r, h.base) }

// linked rewrites the API paths a sentence names ("find it with GET
// /v1/addresses") to their public paths under the base path.
func (h *api) linked(s string) string {
	if h.base == "" || !strings.Contains(s, " /v1/") {
		return s
	}
	return strings.ReplaceAll(s, " /v1/", " "+h.base+"/v1/")
}

// serversEntry writes base as the url of the document's first servers
// entry (the embedded document says "/").
func serversEntry(doc []byte, base string) []byte {
	if base == "" {
		return doc
	}
	at := bytes.Index(doc, []byte(`"servers": [`))
	if at < 0 {
		return doc
	}
	const was = `"url": "/"`
	i := bytes.Index(doc[at:], []byte(was))
	if i < 0 {
		return doc
	}
	i += at
	u, err := json.Marshal(base)
	if err != nil {
		return doc
	}
	out := make([]byte, 0, len(doc)+len(base))
	out = append(out, doc[:i]...)
	out = append(out, `"url": `...)
	out = append(out, u...)
	return append(out, doc[i+len(was):]...)
}
