package httpapi_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/httpapi"
	"github.com/carerpermit/carerpermit/permit"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/*.golden.json from what the API answers now")

// pinnedIDs numbers the service's identifiers per prefix, so that an
// answer can be compared with a golden file.
func pinnedIDs() func(o *permit.Options) {
	n := map[string]int{}
	return func(o *permit.Options) {
		o.NewID = func(prefix string) string {
			n[prefix]++
			return fmt.Sprintf("%s_%d", prefix, n[prefix])
		}
	}
}

// accessRecord is the record of who looked at an account, as
// permitctl audit lists it: type and actor of each event.
func accessRecord(t *testing.T, hs *harness, accountID string) []string {
	t.Helper()
	evs, err := hs.svc.AccessRecord(context.Background(), accountID)
	require.NoError(t, err)
	out := []string{}
	for _, e := range evs {
		out = append(out, string(e.Type)+" by "+e.Actor)
	}
	return out
}

// Issue 19 item 5: an officer's look at an account or a file is an event
// written before the answer; the holder's own looks are not.
func TestOfficersLooksAreRecorded(t *testing.T) {
	hs := newHarnessConfigured(t, loadScheme(t), &harnessConfig{integrations: []httpapi.Integration{{Name: "crm", Token: integrationToken}}})
	acc, tok := hs.account(home)
	pid := hs.apply(acc, tok, "AB12CDE")["id"].(string)
	ct, body := multipartBody(t, map[string]string{"kind": "proof_of_care"}, pdfBytes)
	r := hs.send("POST", "/v1/permits/"+pid+"/documents", tok, ct, body)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	doc := r.json(t)["id"].(string)
	officer := "officer:" + httpapi.OfficerName(officerToken)

	hs.must(http.StatusOK, "GET", "/v1/accounts/"+acc, tok, nil)
	hs.must(http.StatusOK, "GET", "/v1/accounts/"+acc, integrationToken, nil)
	require.Equal(t, http.StatusOK, hs.do("GET", "/v1/permits/"+pid+"/documents/"+doc, tok, nil).status)
	require.Empty(t, accessRecord(t, hs, acc), "the holder's and an integration's reads are not recorded")

	hs.must(http.StatusOK, "GET", "/v1/accounts/"+acc, officerToken, nil)
	got := hs.do("GET", "/v1/permits/"+pid+"/documents/"+doc, officerToken, nil)
	require.Equal(t, http.StatusOK, got.status)
	require.Equal(t, pdfBytes, got.body)
	requireProblem(t, hs.do("GET", "/v1/permits/"+pid+"/documents/doc_nothing", officerToken, nil), http.StatusNotFound, "not_found")
	require.Equal(t, []string{"account.viewed by " + officer, "document.viewed by " + officer}, accessRecord(t, hs, acc),
		"a file that does not exist was not looked at")

	evs, err := hs.svc.AccessRecord(context.Background(), acc)
	require.NoError(t, err)
	require.Equal(t, map[string]string{"document_id": doc}, evs[1].Data)
	require.Equal(t, pid, evs[1].PermitID)
}

// Issue 19 item 3: the export answers the holder and officers, is
// recorded, and has the shape testdata/export.golden.json pins (run with
// -update to rewrite it after a deliberate change, and say so in
// CHANGELOG.md: fields are added, never removed).
func TestExportAccount(t *testing.T) {
	pin := pinnedIDs()
	hs := newHarnessConfigured(t, loadScheme(t), &harnessConfig{service: func(o *permit.Options) { pin(o); o.Messages = sentLog{} },
		integrations: []httpapi.Integration{{Name: "crm", Token: integrationToken}}})
	acc, tok := hs.account(home)
	_, otherTok := hs.account(neighbour)
	free := hs.apply(acc, tok, "AB12CDE")["id"].(string)
	ct, body := multipartBody(t, map[string]string{"kind": "proof_of_care"}, pdfBytes)
	require.Equal(t, http.StatusCreated, hs.send("POST", "/v1/permits/"+free+"/documents", tok, ct, body).status)
	hs.must(http.StatusOK, "POST", "/v1/permits/"+free+"/approve", officerToken, nil)
	paid := hs.apply(acc, tok, "CD34EFG")["id"].(string)
	hs.must(http.StatusOK, "POST", "/v1/permits/"+paid+"/cancel", tok, map[string]any{"reason": "changed my mind"})
	hs.must(http.StatusAccepted, "POST", "/v1/accounts/"+acc+"/address-changes", tok, map[string]any{"uprn": sameZone,
		"evidence": []map[string]any{{"kind": "utility_bill", "issued_on": hs.daysAgo(10), "name": "Jane Smith", "address": "Rose Cottage, Ashby Road, LE11 3AB"}}})

	requireProblem(t, hs.do("GET", "/v1/accounts/"+acc+"/export", otherTok, nil), http.StatusNotFound, "not_found")
	requireProblem(t, hs.do("GET", "/v1/accounts/"+acc+"/export", integrationToken, nil), http.StatusForbidden, "forbidden")
	requireProblem(t, hs.do("GET", "/v1/accounts/"+acc+"/export", "", nil), http.StatusUnauthorized, "unauthorized")
	requireProblem(t, hs.do("GET", "/v1/accounts/acc_missing/export", officerToken, nil), http.StatusNotFound, "not_found")
	requireProblem(t, hs.do("GET", "/v1/accounts/"+acc+"/export?format=zip", officerToken, nil), http.StatusBadRequest, "validation_failed")
	before := hs.eventCount()

	r := hs.do("GET", "/v1/accounts/"+acc+"/export", officerToken, nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.Equal(t, before+1, hs.eventCount(), "the export is recorded")
	x := r.json(t)
	require.Equal(t, httpapi.ExportFormat, x["format"])
	require.Len(t, x["permits"], 2)
	require.Len(t, x["payments"], 1, "the paid application's payment")
	require.Len(t, x["documents"], 1)
	require.Len(t, x["address_changes"], 1)
	require.Len(t, x["messages"], 2)
	d := x["documents"].([]any)[0].(map[string]any)
	got := hs.do("GET", d["href"].(string), officerToken, nil)
	require.Equal(t, http.StatusOK, got.status, "the link downloads the file")
	require.Equal(t, pdfBytes, got.body)
	officer := "officer:" + httpapi.OfficerName(officerToken)
	require.Equal(t, []string{"account.exported by " + officer, "document.viewed by " + officer}, accessRecord(t, hs, acc))

	// The holder's own export is recorded too, and lists the officer's.
	mine := hs.must(http.StatusOK, "GET", "/v1/accounts/"+acc+"/export", tok, nil)
	evs := mine["events"].([]any)
	require.Equal(t, "document.viewed", evs[len(evs)-1].(map[string]any)["type"])

	golden := filepath.Join("testdata", "export.golden.json")
	pretty := exportGolden(t, r.body)
	if *updateGolden {
		require.NoError(t, os.WriteFile(golden, pretty, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run go test -run TestExportAccount -update to write it")
	require.Equal(t, string(want), string(pretty), "the export's shape changed: if meant, run with -update and record it in CHANGELOG.md")
}

// sentLog is a MessageLog that recorded one message to acc_1 (sent) and
// one to it still waiting.
type sentLog struct{}

func (sentLog) MessagesTo(_ context.Context, accountID string) ([]permit.SentMessage, error) {
	if accountID != "acc_1" {
		return nil, nil
	}
	return []permit.SentMessage{
		{Message: permit.Message{ID: "msg_1", Kind: permit.MessageApplicationReceived, Channel: "email", AccountID: "acc_1", To: "jane@example.com",
			PermitID: "per_1", Data: map[string]string{"vrm": "AB12CDE"}}, Status: "sent", RecordedAt: start, SentAt: start.Add(time.Second)},
		{Message: permit.Message{ID: "msg_2", Kind: permit.MessageApproved, Channel: "letter", AccountID: "acc_1",
			Postal: []string{"Jane Smith", "12 Ashby Road", "Loughborough", "LE11 3AB"}, PermitID: "per_1"}, Status: "pending", RecordedAt: start},
	}, nil
}

// exportGolden is an export made comparable: indented, the random file
// IDs numbered in order of appearance.
func exportGolden(t *testing.T, body []byte) []byte {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(body, &v))
	out, err := json.MarshalIndent(v, "", "  ")
	require.NoError(t, err)
	seen := map[string]string{}
	s := regexp.MustCompile(`doc_[0-9a-f]{16}`).ReplaceAllStringFunc(string(out), func(id string) string {
		if _, ok := seen[id]; !ok {
			seen[id] = fmt.Sprintf("doc_%d", len(seen)+1)
		}
		return seen[id]
	})
	return []byte(strings.TrimSpace(s) + "\n")
}

// Issue 19 item 4: officers ask for erasure; a live account is 409 with
// every reason, a dry run changes nothing, an account with nothing live
// is anonymised at once.
func TestErasure(t *testing.T) {
	hs := newHarness(t)
	acc, tok := hs.account(home)
	quiet, _ := hs.account(neighbour)
	hs.apply(acc, tok, "AB12CDE")
	path := "/v1/accounts/" + acc + "/erasure"

	requireProblem(t, hs.do("POST", path, tok, map[string]any{"dry_run": true}), http.StatusForbidden, "forbidden")
	requireProblem(t, hs.do("POST", path, "", nil), http.StatusUnauthorized, "unauthorized")
	requireProblem(t, hs.do("POST", "/v1/accounts/acc_missing/erasure", officerToken, nil), http.StatusNotFound, "not_found")
	requireProblem(t, hs.do("POST", path, officerToken, map[string]any{"dry_run": "yes"}), http.StatusBadRequest, "invalid_json")
	requireProblem(t, hs.do("POST", path, officerToken, map[string]any{"dry": true}), http.StatusBadRequest, "invalid_json")
	before := hs.eventCount()

	dry := hs.must(http.StatusOK, "POST", path, officerToken, map[string]any{"dry_run": true})
	require.Equal(t, true, dry["dry_run"])
	require.Equal(t, false, dry["erased"])
	refused := dry["refused"].([]any)
	require.Equal(t, "permit_live", refused[0].(map[string]any)["code"])
	require.EqualValues(t, 1, dry["would_erase"].(map[string]any)["permits"])

	p := requireProblem(t, hs.do("POST", path, officerToken, nil), http.StatusConflict, "erasure_refused")
	require.Equal(t, refused, p["refused"])
	require.Equal(t, dry["would_erase"], p["would_erase"])
	require.Equal(t, before, hs.eventCount(), "a dry run and a refusal change nothing")
	hs.must(http.StatusOK, "GET", "/v1/accounts/"+acc, tok, nil)

	quietPath := "/v1/accounts/" + quiet + "/erasure"
	ok := hs.must(http.StatusOK, "POST", quietPath, officerToken, map[string]any{"dry_run": true})
	require.Empty(t, ok["refused"])
	done := hs.must(http.StatusOK, "POST", quietPath, officerToken, map[string]any{})
	require.Equal(t, true, done["erased"])
	require.NotEmpty(t, done["erased_at"])
	gone := hs.must(http.StatusOK, "GET", "/v1/accounts/"+quiet, officerToken, nil)
	require.NotEqual(t, "Jane Smith", gone["name"])
	again := requireProblem(t, hs.do("POST", quietPath, officerToken, nil), http.StatusConflict, "erasure_refused")
	require.Equal(t, "already_anonymised", again["refused"].([]any)[0].(map[string]any)["code"])
}
