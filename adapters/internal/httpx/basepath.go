package httpx

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// CleanBasePath checks the path an API is mounted under, such as
// "/permits": "" or "/" is none (""); otherwise a path that starts with
// "/", does not end with one, and holds no query, fragment, dot segment,
// escaped or control character. The error says what is wrong with it.
func CleanBasePath(p string) (string, error) {
	if p == "" || p == "/" {
		return "", nil
	}
	bad := !strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || strings.ContainsAny(p, "?#%\\ \t\r\n") ||
		strings.Contains(p, "//") || !utf8.ValidString(p) ||
		strings.IndexFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0
	for _, seg := range strings.Split(p, "/")[1:] {
		if seg == "." || seg == ".." {
			bad = true
		}
	}
	if bad {
		return "", fmt.Errorf("BasePath %q must be a path such as /permits: starting with /, not ending with one, with no query, dot segments or escapes", p)
	}
	return p, nil
}

// WithinBase returns r with base (as CleanBasePath gives it) taken off
// its URL's path. A request whose path does not start with base is
// returned as it is: a proxy in front may already have taken it off.
func WithinBase(r *http.Request, base string) *http.Request {
	if base == "" {
		return r
	}
	rest, ok := strings.CutPrefix(r.URL.Path, base)
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
		if raw, ok := strings.CutPrefix(r.URL.RawPath, base); ok {
			r2.URL.RawPath = raw
		} else {
			r2.URL.RawPath = ""
		}
	}
	return r2
}
