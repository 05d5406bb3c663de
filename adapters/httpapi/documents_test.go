package httpapi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/httpapi"
	"github.com/carerpermit/carerpermit/zones"
)

// slowBlobs widens the moment between checking a permit's caps and
// storing its file, as a slow database would.
type slowBlobs struct{ *httpapi.MemoryBlobs }

func (s slowBlobs) Put(ctx context.Context, key string, r io.Reader, attrs map[string]string) error {
	time.Sleep(20 * time.Millisecond)
	return s.MemoryBlobs.Put(ctx, key, r, attrs)
}

// withOptions replaces the harness's handler with one built with opts.
func (hs *harness) withOptions(opts httpapi.Options) {
	hs.t.Helper()
	g, err := zones.LoadGazetteer(strings.NewReader(testGazetteer))
	require.NoError(hs.t, err)
	auth, err := httpapi.NewTokenAuth(hs.svc, []string{officerToken})
	require.NoError(hs.t, err)
	opts.TestClock = hs.clock
	hs.h, err = httpapi.New(hs.svc, g, auth, &opts)
	require.NoError(hs.t, err)
}

// Issue 11: uploads at the same moment cannot take a permit past its cap
// on documents: those that find it exceeded once stored take their file
// back.
func TestConcurrentUploadsKeepTheCaps(t *testing.T) {
	hs := newHarness(t)
	hs.withOptions(httpapi.Options{Blobs: slowBlobs{httpapi.NewMemoryBlobs()}, MaxDocumentsPerPermit: 2})
	acc, tok := hs.account(home)
	pid := hs.apply(acc, tok, "AB12CDE")["id"].(string)
	path := "/v1/permits/" + pid + "/documents"
	const n = 8
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ct, body := multipartBody(t, nil, pdfBytes)
			statuses[i] = hs.send("POST", path, tok, ct, body).status
		})
	}
	wg.Wait()
	created := 0
	for _, s := range statuses {
		require.Contains(t, []int{http.StatusCreated, http.StatusUnprocessableEntity}, s)
		if s == http.StatusCreated {
			created++
		}
	}
	docs := hs.must(http.StatusOK, "GET", path, tok, nil)["documents"].([]any)
	require.LessOrEqual(t, len(docs), 2, "the cap holds")
	require.Equal(t, created, len(docs), "every 201 is a stored file")
}

// lostSaves is an idempotency store whose answers are never saved, as
// when a server stops between running a request and keeping its answer.
type lostSaves struct{ *httpapi.MemoryIdempotency }

func (lostSaves) Save(context.Context, string, []byte, time.Time) error {
	return errors.New("the server stopped")
}

// Issue 11: with idempotency records in the database, a claim left by a
// request whose server stopped must not block its key for a day: it is
// let go after a few minutes.
func TestAbandonedIdempotencyClaimIsLetGo(t *testing.T) {
	hs := newHarness(t)
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	hs.withOptions(httpapi.Options{Idempotency: lostSaves{httpapi.NewMemoryIdempotency(clock)}, Now: clock})
	body := map[string]any{"name": "Jane Smith", "email": "jane@example.com", "uprn": home}
	require.Equal(t, http.StatusCreated, hs.do("POST", "/v1/accounts", "", body, "Idempotency-Key", "k").status)
	r := hs.do("POST", "/v1/accounts", "", body, "Idempotency-Key", "k")
	requireProblem(t, r, http.StatusConflict, "conflict")
	require.NotEmpty(t, r.header.Get("Retry-After"))
	now = now.Add(6 * time.Minute)
	r = hs.do("POST", "/v1/accounts", "", body, "Idempotency-Key", "k")
	require.Equal(t, http.StatusCreated, r.status, "the abandoned claim was let go: %s", r.body)
}
