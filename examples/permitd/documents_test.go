package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// scanReader yields a PDF-looking file of n bytes, made as it is read, so
// the client side of a test never holds it either.
func scanReader(n int64, seed byte) io.Reader {
	head := "%PDF-1.4\n"
	return io.MultiReader(strings.NewReader(head), io.LimitReader(&patternReader{b: seed}, n-int64(len(head))))
}

type patternReader struct{ b byte }

func (p *patternReader) Read(buf []byte) (int, error) {
	for i := range buf {
		buf[i] = 'a' + p.b%26
		p.b++
	}
	return len(buf), nil
}

// streamUpload sends a file as multipart/form-data without buffering it,
// and returns the status and body of the answer.
func (s *server) streamUpload(permitID, token string, file io.Reader) (int, []byte) {
	s.t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		fw, err := mw.CreateFormFile("file", "scan.pdf")
		if err == nil {
			_, err = io.Copy(fw, file)
		}
		if err == nil {
			err = mw.Close()
		}
		_ = pw.CloseWithError(err)
	}()
	req, err := http.NewRequest("POST", s.base+"/v1/permits/"+permitID+"/documents", pr)
	require.NoError(s.t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	// Not s.client: its OpenAPI check reads whole bodies.
	resp, err := http.DefaultClient.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	return resp.StatusCode, body
}

// paperApplication opens an account and applies for a permit (free,
// pending review), returning the permit's ID and the account's token.
func (s *server) paperApplication(name, house, vrm string) (string, string) {
	s.t.Helper()
	acc := s.must(201, "POST", "/v1/accounts", "", map[string]any{"name": name, "uprn": s.find("LE11 3AB", house)["uprn"]})
	body := map[string]any{"type": "essential-carer", "vrm": vrm, "evidence": []map[string]any{{"kind": "proof_of_care",
		"issued_on": time.Now().AddDate(0, 0, -3).Format(time.DateOnly), "name": name}}}
	p := s.must(201, "POST", "/v1/accounts/"+acc["id"].(string)+"/permits", acc["token"].(string), body)
	return p["id"].(string), acc["token"].(string)
}

func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestUploadsDoNotGrowTheHeap (issue 11): 20 uploads of 10 MiB to one
// permit are stored in the database as they arrive, not kept in memory:
// the server's heap grows by less than two files' worth, and every file
// comes back byte for byte. On SQLite, and on PostgreSQL when
// CARERPERMIT_POSTGRES_DSN is set.
//
//	go test ./examples/permitd -run TestUploadsDoNotGrowTheHeap -v
func TestUploadsDoNotGrowTheHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 400 MiB through the server")
	}
	for name, db := range databases(t) {
		t.Run(name, func(t *testing.T) { uploadsHeap(t, db(t)) })
	}
}

func uploadsHeap(t *testing.T, db string) {
	const size, n = 10 << 20, 20
	s := startServer(t, db, "--max-documents-per-permit", "21")
	pid, token := s.paperApplication("Ann Lee", "9", "AL12EEE")

	// One upload first, so buffers and connections that stay are counted
	// in the baseline.
	status, body := s.streamUpload(pid, token, scanReader(size, 255))
	require.Equal(t, 201, status, "%s", body)
	before := heapInUse()
	// The highest the heap reaches meanwhile, garbage not yet collected
	// included: logged, not asserted (the collector decides it).
	var peak uint64
	sampled, stopSampling := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-stopSampling:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	sums := map[string]string{}
	for i := range n {
		h := sha256.New()
		status, body := s.streamUpload(pid, token, io.TeeReader(scanReader(size, byte(i)), h))
		require.Equal(t, 201, status, "%s", body)
		var doc map[string]any
		require.NoError(t, json.Unmarshal(body, &doc))
		require.Equal(t, hex.EncodeToString(h.Sum(nil)), doc["sha256"])
		require.EqualValues(t, size, doc["size"])
		sums[doc["id"].(string)] = doc["sha256"].(string)
	}
	close(stopSampling)
	<-sampled
	after := heapInUse()
	growth := int64(after) - int64(before)
	t.Logf("heap in use before %d MiB, after %d uploads of %d MiB %d MiB: grew %.1f MiB (limit %d MiB); highest meanwhile %d MiB",
		before>>20, n, size>>20, after>>20, float64(growth)/(1<<20), 2*size>>20, peak>>20)
	require.Less(t, growth, int64(2*size), "the heap grew by more than two files")

	for id, sum := range sums {
		req, err := http.NewRequest("GET", s.base+"/v1/permits/"+pid+"/documents/"+id, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+testOfficerToken)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		h := sha256.New()
		got, err := io.Copy(h, resp.Body)
		require.NoError(t, err)
		_ = resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode)
		require.Equal(t, "application/pdf", resp.Header.Get("Content-Type"))
		require.EqualValues(t, size, got)
		require.Equal(t, sum, hex.EncodeToString(h.Sum(nil)), "document %s comes back byte for byte", id)
	}
	require.Len(t, s.must(200, "GET", "/v1/permits/"+pid+"/documents", token, nil)["documents"], n+1)
}

// TestDocumentCaps (issue 11): the caps on one file, on the number of a
// permit's files and on their bytes come from the configuration.
func TestDocumentCaps(t *testing.T) {
	s := startServer(t, databases(t)["sqlite"](t),
		"--max-document-bytes", "1000", "--max-documents-per-permit", "3", "--max-permit-document-bytes", "1500")
	pid, token := s.paperApplication("Ann Lee", "9", "AL12EEE")
	for i, c := range []struct {
		size   int64
		status int
		code   string
	}{
		{600, 201, ""},
		{1001, 413, "payload_too_large"}, // one file
		{600, 201, ""},
		{400, 413, "payload_too_large"}, // 1600 bytes for the permit
		{200, 201, ""},
		{10, 422, "too_many_documents"},
	} {
		t.Run(strconv.Itoa(i)+"_"+strconv.FormatInt(c.size, 10), func(t *testing.T) {
			status, body := s.streamUpload(pid, token, scanReader(c.size, byte(i)))
			require.Equal(t, c.status, status, "%s", body)
			if c.code != "" {
				var p map[string]any
				require.NoError(t, json.Unmarshal(body, &p))
				require.Equal(t, c.code, p["code"], "%s", body)
			}
		})
	}
	docs := s.must(200, "GET", "/v1/permits/"+pid+"/documents", token, nil)["documents"].([]any)
	require.Len(t, docs, 3, "nothing stored by refused uploads")
	_, err := parseConfig([]string{"--max-documents-per-permit", "0"}, func(string) string { return "" }, io.Discard)
	require.ErrorContains(t, err, "--max-documents-per-permit 0")
	_, err = parseConfig(nil, func(k string) string { return map[string]string{"PERMITD_MAX_DOCUMENT_BYTES": "ten"}[k] }, io.Discard)
	require.ErrorContains(t, err, fmt.Sprintf("PERMITD_MAX_DOCUMENT_BYTES=%q", "ten"))
}

// fakeExpired stands for the idempotency records in runJobs' test.
type fakeExpired struct {
	deleted int
	cancel  func()
	at      time.Time
}

func (f *fakeExpired) DeleteExpired(_ context.Context, now time.Time) (int, error) {
	f.at = now
	f.cancel() // one round is enough
	return f.deleted, nil
}

// TestJobsDeleteExpiredIdempotencyRecords (issue 11): the due jobs delete
// expired idempotency records, even under the test clock, and the due-jobs
// log line counts them.
func TestJobsDeleteExpiredIdempotencyRecords(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	recs := &fakeExpired{deleted: 3, cancel: cancel}
	var out strings.Builder
	runJobs(ctx, nil, recs, paymentWiring{}.forget, slog.New(slog.NewTextHandler(&out, nil)))
	require.WithinDuration(t, time.Now(), recs.at, time.Minute, "judged by the wall clock")
	require.Contains(t, out.String(), "idempotency_records_deleted=3")
}
