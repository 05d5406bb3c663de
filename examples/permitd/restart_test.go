package main

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/httpapi"
	"github.com/carerpermit/carerpermit/adapters/httpapi/httpapitest"
)

// buildPermitd builds the real binary into the test's temporary directory.
func buildPermitd(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "permitd")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// process is a permitd binary running on a loopback port, driven through
// the same helpers as the in-process server.
type process struct {
	*server
	cmd    *exec.Cmd
	exited chan error
}

// startProcess runs the binary on db and waits for its "listening on" line.
func startProcess(t *testing.T, bin, db string) *process {
	t.Helper()
	listening := make(chan string, 1)
	out := &lockedBuffer{listening: listening}
	cmd := exec.Command(bin, "--addr", "127.0.0.1:0", "--db", db, "--payments", "instant")
	cmd.Env = append(os.Environ(), "PERMITD_OFFICER_TOKEN="+testOfficerToken)
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start())
	p := &process{server: &server{t: t, out: out}, cmd: cmd, exited: make(chan error, 1)}
	go func() { p.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-p.exited
		}
	})
	select {
	case p.base = <-listening:
	case err := <-p.exited:
		t.Fatalf("permitd exited before listening: %v\n%s", err, out.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("permitd did not start\n%s", out.String())
	}
	var err error
	p.oas, err = httpapitest.NewValidator(httpapi.OpenAPI())
	require.NoError(t, err)
	p.client = &http.Client{Transport: p.oas.Transport(nil), Timeout: 30 * time.Second}
	return p
}

// terminate sends SIGTERM and requires a clean exit.
func (p *process) terminate() {
	p.t.Helper()
	require.NoError(p.t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-p.exited:
		require.NoError(p.t, err, "%s", p.out.String())
	case <-time.After(40 * time.Second):
		p.t.Fatalf("permitd did not stop on SIGTERM\n%s", p.out.String())
	}
	require.Contains(p.t, p.out.String(), "stopped")
	require.NoError(p.t, p.oas.Err(), "traffic that does not match openapi.json")
}

// download fetches a document's bytes.
func (s *server) download(permitID, docID, token string) ([]byte, string) {
	s.t.Helper()
	r := s.do("GET", "/v1/permits/"+permitID+"/documents/"+docID, token, nil)
	require.Equal(s.t, 200, r.status, "%s", r.body)
	return r.body, r.header.Get("Content-Type")
}

// firstRequests are what a resident sends before the restart: an account,
// a paid application and a scan, the first two with Idempotency-Keys.
type firstRequests struct {
	account, apply map[string]any
	accountID      string
	token          string
	permitID       string
	paymentID      string
	docID          string
	scan           []byte
}

func (f *firstRequests) send(t *testing.T, s *server, house string) {
	f.account = map[string]any{"name": "Ann Lee", "email": "ann@example.com", "uprn": s.find("LE11 3AB", house)["uprn"]}
	acc := s.must(201, "POST", "/v1/accounts", "", f.account, "Idempotency-Key", "open-ann-"+house)
	f.accountID, f.token = acc["id"].(string), acc["token"].(string)
	f.apply = map[string]any{"type": "essential-carer", "vrm": "AL12EEE", "pay": true, "evidence": []map[string]any{{"kind": "proof_of_care",
		"issued_on": time.Now().AddDate(0, 0, -3).Format(time.DateOnly), "name": "Ann Lee"}}}
	p := s.must(201, "POST", "/v1/accounts/"+f.accountID+"/permits", f.token, f.apply, "Idempotency-Key", "apply-ann-"+house)
	require.Equal(t, "pending_review", p["status"])
	require.Equal(t, false, p["free"], "%v", p)
	pay := p["payment"].(map[string]any)
	require.Equal(t, "authorised", pay["status"])
	f.permitID, f.paymentID = p["id"].(string), pay["id"].(string)
	f.scan = []byte("%PDF-1.7\n% Ann's letter from the care agency\n%%EOF\n")
	f.docID = s.upload(f.permitID, f.token, "proof_of_care", f.scan)["id"].(string)
}

// check replays the requests on s (restarted, or another instance), reads
// the scan back and approves the permit, capturing its payment.
func (f *firstRequests) check(t *testing.T, s *server, house string) {
	r := s.do("POST", "/v1/accounts", "", f.account, "Idempotency-Key", "open-ann-"+house)
	require.Equal(t, 201, r.status, "%s", r.body)
	require.Equal(t, "true", r.header.Get("Idempotent-Replayed"))
	acc := r.obj(t)
	require.Equal(t, f.accountID, acc["id"], "the same account, not a second one")
	require.NotContains(t, acc, "token", "an anonymous replay hands out no credential")

	r = s.do("POST", "/v1/accounts/"+f.accountID+"/permits", f.token, f.apply, "Idempotency-Key", "apply-ann-"+house)
	require.Equal(t, 201, r.status, "%s", r.body)
	require.Equal(t, "true", r.header.Get("Idempotent-Replayed"))
	require.Equal(t, f.permitID, r.obj(t)["id"], "the same permit, not a second one")

	body, ct := s.download(f.permitID, f.docID, f.token)
	require.Equal(t, f.scan, body)
	require.Equal(t, "application/pdf", ct)
	docs := s.must(200, "GET", "/v1/permits/"+f.permitID+"/documents", testOfficerToken, nil)["documents"].([]any)
	require.Len(t, docs, 1)

	s.must(200, "POST", "/v1/permits/"+f.permitID+"/approve", testOfficerToken, nil)
	require.Eventually(t, func() bool {
		p := s.must(200, "GET", "/v1/permits/"+f.permitID, f.token, nil)
		pay := p["payment"].(map[string]any)
		return p["status"] == "current" && pay["status"] == "captured" && pay["id"] == f.paymentID
	}, 10*time.Second, 50*time.Millisecond, "the payment authorised before is captured")
}

// TestRestartLosesNothing (issue 11) runs the real binary, stops it with
// SIGTERM and starts it again on the same SQLite file: accounts, permits,
// documents, idempotency records and the simulated gateway's payments are
// all still there.
func TestRestartLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildPermitd(t)
	db := filepath.Join(t.TempDir(), "permitd.db")
	first := startProcess(t, bin, db)
	var f firstRequests
	f.send(t, first.server, "9")
	first.terminate()

	second := startProcess(t, bin, db)
	f.check(t, second.server, "9")
	// A payment made after the restart has an id of its own.
	var g firstRequests
	g.send(t, second.server, "12")
	require.NotEqual(t, f.paymentID, g.paymentID, "payment ids are never reissued")
	second.terminate()
	require.Contains(t, second.out.String(), "listening on http://")
	require.NotContains(t, first.out.String()+second.out.String(), testOfficerToken)
}

// TestTwoInstancesShareEverything (issue 11): two permitd processes on one
// PostgreSQL database; what one stored, the other replays, serves and
// approves.
func TestTwoInstancesShareEverything(t *testing.T) {
	dsn := os.Getenv("CARERPERMIT_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("set CARERPERMIT_POSTGRES_DSN to run the PostgreSQL test")
	}
	bin := buildPermitd(t)
	db := postgresSchema(t, dsn)
	a, b := startProcess(t, bin, db), startProcess(t, bin, db)
	var f firstRequests
	f.send(t, a.server, "9")
	f.check(t, b.server, "9")
	p := a.must(200, "GET", "/v1/permits/"+f.permitID, testOfficerToken, nil)
	require.Equal(t, "captured", p["payment"].(map[string]any)["status"], "the first instance sees the capture")

	// And after both restart, still nothing is lost.
	a.terminate()
	b.terminate()
	c := startProcess(t, bin, db)
	body, _ := c.download(f.permitID, f.docID, f.token)
	require.Equal(t, f.scan, body)
	r := c.do("POST", "/v1/accounts", "", f.account, "Idempotency-Key", "open-ann-9")
	require.Equal(t, f.accountID, r.obj(t)["id"])
	require.Equal(t, "true", r.header.Get("Idempotent-Replayed"))
	c.terminate()
}
