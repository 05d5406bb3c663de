package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/httpapi"
	"github.com/carerpermit/carerpermit/adapters/httpapi/httpapitest"
)

const testOfficerToken = "e2e-officer-token-0123456789abcdef"

// server is a permitd started by run on a loopback port.
type server struct {
	t      testing.TB
	base   string
	client *http.Client
	oas    *httpapitest.Validator
	out    *lockedBuffer
	cancel context.CancelFunc
	done   chan error
}

// lockedBuffer keeps what the server printed and sends the address of
// its "listening on" line, without a goroutine between the server and
// the buffer (a pipe would make every log line wait for a reader).
type lockedBuffer struct {
	mu        sync.Mutex
	b         bytes.Buffer
	listening chan<- string
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.listening != nil {
		for _, line := range strings.Split(string(p), "\n") {
			if addr, ok := strings.CutPrefix(line, "listening on "); ok {
				l.listening <- addr
				l.listening = nil
				break
			}
		}
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// databases are the stores the end-to-end tests run against: a SQLite
// file always, PostgreSQL when CARERPERMIT_POSTGRES_DSN is set (each run
// in a schema of its own, dropped afterwards).
func databases(t testing.TB) map[string]func(t testing.TB) string {
	dbs := map[string]func(t testing.TB) string{
		"sqlite": func(t testing.TB) string { return filepath.Join(t.TempDir(), "permitd.db") },
	}
	if dsn := os.Getenv("CARERPERMIT_POSTGRES_DSN"); dsn != "" {
		dbs["postgres"] = func(t testing.TB) string { return postgresSchema(t, dsn) }
	}
	return dbs
}

// postgresSchema makes an empty schema and returns a DSN that uses it.
func postgresSchema(t testing.TB, dsn string) string {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	schema := fmt.Sprintf("permitd_e2e_%d", time.Now().UnixNano())
	_, err = db.Exec("CREATE SCHEMA " + schema)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE")
		_ = db.Close()
	})
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// startServer runs permitd as main does, on 127.0.0.1:0, and waits for
// its "listening on" line.
func startServer(t testing.TB, db string, args ...string) *server {
	t.Helper()
	return startServerEnv(t, db, nil, args...)
}

// startServerEnv is startServer with more environment variables.
func startServerEnv(t testing.TB, db string, vars map[string]string, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	listening := make(chan string, 1)
	s := &server{t: t, out: &lockedBuffer{listening: listening}, cancel: cancel, done: make(chan error, 1)}
	env := map[string]string{"PERMITD_OFFICER_TOKEN": testOfficerToken}
	for k, v := range vars {
		env[k] = v
	}
	argv := append([]string{"--addr", "127.0.0.1:0", "--db", db}, args...)
	go func() { s.done <- run(ctx, argv, func(k string) string { return env[k] }, s.out) }()
	select {
	case s.base = <-listening:
	case err := <-s.done:
		t.Fatalf("permitd stopped before listening: %v\n%s", err, s.out.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("permitd did not start\n%s", s.out.String())
	}
	var err error
	s.oas, err = httpapitest.NewValidator(httpapi.OpenAPI())
	require.NoError(t, err)
	s.client = &http.Client{Transport: s.oas.Transport(nil), Timeout: 30 * time.Second}
	t.Cleanup(func() { s.stop() })
	return s
}

// stop shuts the server down as SIGTERM would and checks it went cleanly.
func (s *server) stop() {
	s.t.Helper()
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	select {
	case err := <-s.done:
		require.NoError(s.t, err, "%s", s.out.String())
	case <-time.After(40 * time.Second):
		s.t.Fatalf("permitd did not stop")
	}
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) obj(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), "%s", r.body)
	return m
}

// do sends a JSON request (body nil for none) with optional header pairs.
func (s *server) do(method, path, token string, body any, headers ...string) reply {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(s.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	require.NoError(s.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := s.client.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// must sends and requires status, returning the JSON object answered.
func (s *server) must(status int, method, path, token string, body any, headers ...string) map[string]any {
	s.t.Helper()
	r := s.do(method, path, token, body, headers...)
	require.Equal(s.t, status, r.status, "%s %s: %s", method, path, r.body)
	if len(r.body) == 0 {
		return nil
	}
	return r.obj(s.t)
}

// problem sends and requires a problem document with status and code.
func (s *server) problem(status int, code, method, path, token string, body any) map[string]any {
	s.t.Helper()
	r := s.do(method, path, token, body)
	require.Equal(s.t, status, r.status, "%s %s: %s", method, path, r.body)
	require.Equal(s.t, "application/problem+json", r.header.Get("Content-Type"))
	m := r.obj(s.t)
	require.Equal(s.t, code, m["code"], "%s %s: %s", method, path, r.body)
	return m
}

// setClock moves the test clock and returns what the due jobs did.
func (s *server) setClock(at string) map[string]any {
	s.t.Helper()
	return s.must(http.StatusOK, "POST", "/v1/test-clock", testOfficerToken, map[string]any{"now": at})
}

func jsonDecode(b []byte, v any) error { return json.Unmarshal(b, v) }
