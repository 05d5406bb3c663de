package sqlstore_test

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/adapters/sqlstore"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/examples/leicestershire"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// blobDocuments gives the Service the evidence files kept in the store's
// blobs, under the keys httpapi uses (permits/<id>/documents/<doc>).
type blobDocuments struct{ b *sqlstore.Blobs }

func (d blobDocuments) Files(ctx context.Context, permitID string) ([]permit.DocumentFile, error) {
	prefix := "permits/" + permitID + "/documents/"
	keys, attrs, err := d.b.Attrs(ctx, prefix)
	if err != nil {
		return nil, err
	}
	out := []permit.DocumentFile{}
	for i, k := range keys {
		out = append(out, permit.DocumentFile{ID: strings.TrimPrefix(k, prefix), Kind: attrs[i]["kind"]})
	}
	return out, nil
}

func (d blobDocuments) Delete(ctx context.Context, permitID, id string) error {
	return d.b.Delete(ctx, "permits/"+permitID+"/documents/"+id)
}

// householdValues are the personal values of the household the test
// gives a whole history; none may remain after anonymisation.
var householdValues = []string{"Philippa", "Quennell", "QUENNELL", "philippa.quennell@example.org", "+447700900461", "07700 900461",
	"+447700900462", "QN61XKP", "QN61 XKP", "QZ19WVB", "Test Street", "LE11 1AA", "100090000000", "100090000001",
	"Larkfield", "care-letter-scan", "71234567890"}

// TestAnonymisationLeavesNoTrace gives one household a whole history —
// an account with contact details, an application with evidence (a file
// and typed details), approval, a V5C'd vehicle change, a contact change,
// a move within the zone, a sign-in session, a stored idempotent
// response, a cancellation with a reason in words — anonymises it, and
// then reads the database as an attacker with a copy would: every byte of
// the SQLite file and its write-ahead log, or a pg_dump of the schema.
// No personal value may be found.
func TestAnonymisationLeavesNoTrace(t *testing.T) {
	stores(t, func(t *testing.T, newDSN func(testing.TB) string) {
		ctx := context.Background()
		dsn := newDSN(t)
		st := openStore(t, dsn, nil)
		scheme, err := leicestershire.Scheme()
		require.NoError(t, err)
		g, err := zones.LoadGazetteer(strings.NewReader(gazetteerCSV(properties(2))))
		require.NoError(t, err)
		var mu sync.Mutex
		now := time.Date(2026, time.March, 2, 10, 0, 0, 0, time.UTC)
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		svc, err := permit.NewService(scheme, st, g, fakepay.New(), &permit.Options{Now: clock,
			Documents: blobDocuments{st.Blobs()}, Forgetters: []permit.Forgetter{st}, RecordMessages: true})
		require.NoError(t, err)
		officer := permit.OfficerActor("jo.bloggs")
		today := time.Date(2026, time.March, 2, 0, 0, 0, 0, time.UTC)

		acc, err := svc.CreateAccount(ctx, permit.System, permit.NewAccount{Name: "Philippa Quennell", Email: "philippa.quennell@example.org", Phone: "07700 900461", UPRN: firstUPRN})
		require.NoError(t, err)
		me := permit.AccountActor(acc.ID)
		p, err := svc.Apply(ctx, me, permit.Application{AccountID: acc.ID, Type: "essential-carer", VRM: "QN61 XKP",
			Evidence: []evidence.Document{{Kind: "proof_of_care", IssuedOn: today.AddDate(0, 0, -7), Name: "Philippa Quennell"}}})
		require.NoError(t, err)
		require.NoError(t, st.Blobs().Put(ctx, "permits/"+p.ID+"/documents/doc_1", strings.NewReader("%PDF care-letter-scan of Philippa Quennell"), map[string]string{"kind": "proof_of_care"}))
		_, err = svc.Approve(ctx, officer, p.ID)
		require.NoError(t, err)
		_, _, err = svc.ChangeVehicle(ctx, me, p.ID, "QZ19 WVB", time.Time{})
		require.NoError(t, err)
		phone := "07700 900462"
		_, err = svc.ChangeContact(ctx, me, acc.ID, permit.ContactChange{Phone: &phone})
		require.NoError(t, err)
		c, err := svc.RequestAddressChange(ctx, me, acc.ID, firstUPRN+1,
			[]evidence.Document{{Kind: "utility_bill", IssuedOn: today.AddDate(0, 0, -10), Name: "Philippa Quennell", Address: "2 Test Street 1, Loughborough, LE11 1AA"}})
		require.NoError(t, err)
		_, err = svc.ApproveAddressChange(ctx, officer, c.ID)
		require.NoError(t, err)
		require.NoError(t, st.WebSessions().Create(ctx, "session-hash-1", acc.ID, now, now.Add(time.Hour)))
		idem := st.Idempotency(clock)
		claimed, _, _, err := idem.Reserve(ctx, "officer:jo.bloggs:k1", "fp", now.Add(24*time.Hour))
		require.NoError(t, err)
		require.True(t, claimed)
		require.NoError(t, idem.Save(ctx, "officer:jo.bloggs:k1", []byte(`{"id":"`+acc.ID+`","name":"Philippa Quennell"}`), now.Add(24*time.Hour)))
		_, err = svc.Cancel(ctx, me, p.ID, "Mother moved into Larkfield care home")
		require.NoError(t, err)

		require.NotEmpty(t, dump(t, st, dsn), "the dump is read")
		require.True(t, strings.Contains(dump(t, st, dsn), "Quennell"), "the values are there before")

		mu.Lock()
		now = now.AddDate(0, 1, 0)
		mu.Unlock()
		done, err := svc.AnonymiseAccount(ctx, officer, acc.ID)
		require.NoError(t, err)
		require.Positive(t, done.Events)

		all := dump(t, st, dsn)
		for _, v := range householdValues {
			if i := strings.Index(all, v); i >= 0 {
				t.Errorf("%q remains at byte %d: %q", v, i, all[max(0, i-120):min(len(all), i+80)])
			}
		}
		require.True(t, strings.Contains(all, "loughborough-1"), "the zone remains, for statistics")
		var n int
		require.NoError(t, st.DB().QueryRowContext(ctx, `SELECT count(*) FROM permits WHERE uprn = 100090000000 OR uprn = 100090000001`).Scan(&n))
		require.Zero(t, n, "no permit links the property to the person")
		require.NoError(t, st.DB().QueryRowContext(ctx, `SELECT count(*) FROM blobs`).Scan(&n))
		require.Zero(t, n, "the evidence file is deleted")
	})
}

// dump is every byte the database holds: the SQLite file and its
// write-ahead log, or PostgreSQL's pg_dump of the test's schema (a full
// SELECT of every table when pg_dump is not installed).
func dump(t *testing.T, st *sqlstore.Store, dsn string) string {
	t.Helper()
	if st.Dialect() == sqlstore.SQLite {
		var all bytes.Buffer
		for _, suffix := range []string{"", "-wal", "-journal"} {
			b, err := os.ReadFile(dsn + suffix)
			if err == nil {
				all.Write(b)
			} else {
				require.ErrorIs(t, err, os.ErrNotExist)
			}
		}
		return all.String()
	}
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	schema := u.Query().Get("search_path")
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	if path, err := exec.LookPath("pg_dump"); err == nil {
		out, err := exec.Command(path, "--dbname="+u.String(), "--schema="+schema, "--no-owner").Output()
		if err == nil {
			return string(out)
		}
		t.Logf("pg_dump failed (%v): reading every table instead", err)
	}
	var all strings.Builder
	rows, err := st.DB().Query(`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`)
	require.NoError(t, err)
	var tables []string
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		tables = append(tables, name)
	}
	require.NoError(t, rows.Err())
	for _, tb := range tables {
		var text string
		require.NoError(t, st.DB().QueryRow(`SELECT coalesce(string_agg(t::text, E'\n'), '') FROM `+tb+` t`).Scan(&text))
		all.WriteString(text)
	}
	return all.String()
}

// TestRetentionOnTheDatabase runs the due jobs' retention queries on each
// database: an application decided and expired long ago has its evidence
// file deleted and its account anonymised, one run each, and a second run
// finds nothing more.
func TestRetentionOnTheDatabase(t *testing.T) {
	stores(t, func(t *testing.T, newDSN func(testing.TB) string) {
		ctx := context.Background()
		st := openStore(t, newDSN(t), nil)
		scheme, err := leicestershire.Scheme()
		require.NoError(t, err)
		g, err := zones.LoadGazetteer(strings.NewReader(gazetteerCSV(properties(2))))
		require.NoError(t, err)
		var mu sync.Mutex
		now := serviceNow
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		svc, err := permit.NewService(scheme, st, g, fakepay.New(), &permit.Options{Now: clock,
			Documents: blobDocuments{st.Blobs()}, Forgetters: []permit.Forgetter{st}})
		require.NoError(t, err)
		acc, err := svc.CreateAccount(ctx, permit.System, permit.NewAccount{Name: "Philippa Quennell", UPRN: firstUPRN})
		require.NoError(t, err)
		p, err := svc.Apply(ctx, permit.AccountActor(acc.ID), application(acc, "QN61 XKP", false))
		require.NoError(t, err)
		require.NoError(t, st.Blobs().Put(ctx, "permits/"+p.ID+"/documents/doc_1", strings.NewReader("scan"), nil))
		_, err = svc.Approve(ctx, permit.OfficerActor("jo.bloggs"), p.ID)
		require.NoError(t, err)

		run := func(at time.Time) permit.DueReport {
			mu.Lock()
			now = at
			mu.Unlock()
			r, err := svc.RunDue(ctx, at)
			require.NoError(t, err)
			return r
		}
		r := run(time.Date(2028, time.November, 28, 9, 0, 0, 0, time.UTC))
		require.Equal(t, 1, r.EvidenceDeleted)
		require.Equal(t, 1, r.DocumentsDeleted)
		require.Zero(t, r.AccountsAnonymised)
		r = run(time.Date(2030, time.October, 28, 9, 0, 0, 0, time.UTC))
		require.Zero(t, r.EvidenceDeleted)
		require.Equal(t, 1, r.AccountsAnonymised)
		r = run(time.Date(2030, time.October, 29, 9, 0, 0, 0, time.UTC))
		require.Zero(t, r.AccountsAnonymised, "done once")
		got, err := svc.Account(ctx, permit.System, acc.ID)
		require.NoError(t, err)
		require.Empty(t, got.Name)
	})
}
