package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// cleanBasePath checks Options.BasePath: "" or "/" is none; otherwise a
// path that starts with "/", does not end with one, and holds no query,
// fragment, dot segment or escaped character.
func cleanBasePath(p string) (string, error) {
	if p == "" || p == "/" {
		return "", nil
	}
	bad := !strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || strings.ContainsAny(p, "?#%\\ \t\r\n") ||
		strings.Contains(p, "//") || badText(p)
	for _, seg := range strings.Split(p, "/")[1:] {
		if seg == "." || seg == ".." {
			bad = true
		}
	}
	if bad {
		return "", fmt.Errorf("httpapi: BasePath %q must be a path such as /permits: starting with /, not ending with one, with no query, dot segments or escapes", p)
	}
	return p, nil
}

// link is the public path of an API path p ("/v1/permits/…"): under the
// base path when there is one.
func (h *api) link(p string) string { return h.base + p }

// withinBase returns r with the base path taken off its URL. A request
// whose path does not start with the base path is served as it is: a
// proxy in front may already have taken the prefix off.
func (h *api) withinBase(r *http.Request) *http.Request {
	if h.base == "" {
		return r
	}
	rest, ok := strings.CutPrefix(r.URL.Path, h.base)
	if !ok || (rest != "" && rest[0] != '/') {
		return r
	}
	if rest == "" {
		rest = "/"
	}
	r2 := new(http.Request)
	*r2 = *r
	r2.URL = new(url.URL)
	*r2.URL = *r.URL
	r2.URL.Path = rest
	if r.URL.RawPath != "" {
		if raw, ok := strings.CutPrefix(r.URL.RawPath, h.base); ok {
			r2.URL.RawPath = raw
		} else {
			r2.URL.RawPath = ""
		}
	}
	return r2
}

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
