package main

import (
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// tcpProxy forwards connections to target until stopped, then refuses
// them, as a PostgreSQL server that went down would; start opens it again
// on the same port.
type tcpProxy struct {
	t      testing.TB
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newTCPProxy(t testing.TB, target string) *tcpProxy {
	p := &tcpProxy{t: t, target: target}
	p.start()
	t.Cleanup(p.stop)
	return p
}

func (p *tcpProxy) start() {
	p.t.Helper()
	addr := p.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	require.NoError(p.t, err)
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				_ = c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); _ = up.Close() }()
			go func() { _, _ = io.Copy(c, up); _ = c.Close() }()
		}
	}()
}

// stop closes the listener and cuts every connection through it.
func (p *tcpProxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

// Issue 11, defect 3: with the database unreachable (433 responses of 500
// were seen during two PostgreSQL restarts) every request that needs it
// answers 503 unavailable with Retry-After, and the server recovers by
// itself when the database is back.
func TestDatabaseUnavailable(t *testing.T) {
	dsn := os.Getenv("CARERPERMIT_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("CARERPERMIT_POSTGRES_DSN is not set")
	}
	u, err := url.Parse(postgresSchema(t, dsn))
	require.NoError(t, err)
	proxy := newTCPProxy(t, u.Host)
	u.Host = proxy.addr
	s := startServer(t, u.String(), "--test-clock")
	jane := s.open("Jane Smith", s.find("LE11 3AB", "12")["uprn"].(string))
	p := s.must(201, "POST", "/v1/accounts/"+jane.id+"/permits", jane.token,
		map[string]any{"type": "essential-carer", "vrm": "AB12CDE", "evidence": careLetter("Jane Smith", time.Now().AddDate(0, 0, -7).Format(time.DateOnly))})

	proxy.stop() // PostgreSQL goes away, open connections and all
	for _, c := range []struct {
		method, path, token string
		body                any
		headers             []string
	}{
		{"GET", "/v1/accounts/" + jane.id, jane.token, nil, nil}, // the token is checked against the database first
		{"GET", "/v1/permits/" + p["id"].(string), testOfficerToken, nil, nil},
		{"GET", "/v1/review-queue", testOfficerToken, nil, nil},
		{"GET", "/v1/events", testOfficerToken, nil, nil},
		{"POST", "/v1/accounts", "", map[string]any{"name": "Sam Jones", "uprn": jane.uprn}, nil},
		{"POST", "/v1/permits/" + p["id"].(string) + "/approve", testOfficerToken, nil, nil},
		{"GET", "/healthz", "", nil, nil},
		{"POST", "/v1/accounts", "", map[string]any{"name": "Sam Jones", "uprn": jane.uprn}, []string{"Idempotency-Key", "k-1"}},
		{"GET", "/v1/permits/" + p["id"].(string) + "/documents", jane.token, nil, nil},
		{"GET", "/v1/webhooks", testOfficerToken, nil, nil},
	} {
		r := s.do(c.method, c.path, c.token, c.body, c.headers...)
		require.Equal(t, 503, r.status, "%s %s: %s", c.method, c.path, r.body)
		require.Equal(t, "unavailable", r.obj(t)["code"], "%s %s", c.method, c.path)
		require.NotEmpty(t, r.header.Get("Retry-After"), "%s %s", c.method, c.path)
	}
	require.NotContains(t, s.out.String(), "status=500")
	require.Equal(t, 200, s.do("GET", "/v1/addresses?postcode=LE11+3AB", "", nil).status, "the gazetteer is in memory: no database needed")

	proxy.start() // back again: the pool reconnects on its own
	require.Eventually(t, func() bool { return s.do("GET", "/healthz", "", nil).status == 200 }, 20*time.Second, 100*time.Millisecond)
	s.must(200, "POST", "/v1/permits/"+p["id"].(string)+"/approve", testOfficerToken, nil)
	require.False(t, strings.Contains(s.out.String(), "status=500"), "no 500 at any point")
}
