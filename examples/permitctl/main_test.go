package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/adapters/sqlstore"
	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/examples/leicestershire"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/permittest"
	"github.com/carerpermit/carerpermit/zones"
)

// gazetteer is a few Loughborough properties in the example scheme's zones.
const gazetteer = zones.GazetteerHeader + `
100000000001,,,12,Ashby Road,Loughborough,LE11 3AB,loughborough-3,Loughborough 3
100000000002,,,14,Ashby Road,Loughborough,LE11 3AB,loughborough-3,Loughborough 3
100000000003,,Rose Cottage,,Ashby Road,Loughborough,LE11 3AB,loughborough-3,Loughborough 3
100000000004,,,3,Forest Road,Loughborough,LE11 2AA,loughborough-2,Loughborough 2
`

// result is one permitctl run.
type result struct {
	code           int
	stdout, stderr string
}

// ctl runs permitctl with the database dbPath and $USER jo.bloggs.
func ctl(t *testing.T, dbPath string, args ...string) result {
	t.Helper()
	vars := map[string]string{"PERMITD_DB": dbPath, "USER": "jo.bloggs"}
	var out, errOut bytes.Buffer
	code := run(t.Context(), args, func(k string) string { return vars[k] }, &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

func newDB(t *testing.T) string {
	return filepath.Join(t.TempDir(), "permitd.db")
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

func TestUsageErrors(t *testing.T) {
	db := newDB(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "Usage: permitctl COMMAND"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"approve"}, "missing PERMIT_ID"},
		{[]string{"approve", "per_1", "per_2"}, `unexpected argument "per_2"`},
		{[]string{"approve", "--bogus", "per_1"}, "flag provided but not defined: -bogus"},
		{[]string{"reject", "per_1", "--reason", "why"}, "--code is required"},
		{[]string{"reject", "per_1", "--code", "c"}, "--reason is required"},
		{[]string{"history"}, "missing PERMIT_ID"},
		{[]string{"import-gazetteer"}, "missing FILE"},
		{[]string{"import-gazetteer", "f.csv", "--batch", "0"}, "--batch 0"},
		{[]string{"run-jobs", "--at", "tomorrow"}, `--at "tomorrow" is not an RFC 3339 instant`},
		{[]string{"run-jobs", "extra"}, `unexpected argument "extra"`},
		{[]string{"review-queue", "--limit", "0"}, "--limit 0"},
		{[]string{"review-queue", "--limit", "many"}, `invalid value "many" for flag -limit`},
		{[]string{"export-current", "--on", "01/03/2027"}, `--on "01/03/2027" is not a date`},
		{[]string{"audit"}, "--account is required"},
		{[]string{"audit", "acc_1"}, `unexpected argument "acc_1"`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := ctl(t, db, tc.args...)
			require.Equal(t, exitUsage, r.code, r.stderr)
			require.Contains(t, r.stderr, tc.want)
			require.Empty(t, r.stdout)
		})
	}
	_, err := os.Stat(db)
	require.ErrorIs(t, err, os.ErrNotExist, "a usage error opens no database")

	// No officer: neither --officer nor $USER.
	var errOut bytes.Buffer
	code := run(t.Context(), []string{"approve", "per_1", "--db", db}, func(string) string { return "" }, &bytes.Buffer{}, &errOut)
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut.String(), "no officer")
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		r := ctl(t, newDB(t), args...)
		require.Equal(t, exitOK, r.code)
		for _, c := range commands {
			require.Contains(t, r.stdout, c.name)
		}
		require.Contains(t, r.stdout, "Exit status")
	}
	for _, c := range commands {
		for _, args := range [][]string{{c.name, "--help"}, {"help", c.name}, {c.name, "-h"}} {
			r := ctl(t, newDB(t), args...)
			require.Equal(t, exitOK, r.code, "%v: %s", args, r.stderr)
			require.Contains(t, r.stdout, "Usage: permitctl "+c.name)
			require.Contains(t, r.stdout, "-db")
			require.Empty(t, r.stderr)
		}
	}
	r := ctl(t, newDB(t), "reject", "--help")
	require.Contains(t, r.stdout, "-code")
	require.Contains(t, r.stdout, "-reason")
	require.Contains(t, r.stdout, "-officer")
}

func TestImportGazetteer(t *testing.T) {
	db := newDB(t)
	good := writeFile(t, "gazetteer.csv", gazetteer)
	r := ctl(t, db, "import-gazetteer", good)
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Contains(t, r.stdout, "4 rows read")
	require.Contains(t, r.stdout, "4 properties imported (4 new or changed); 0 rejected")
	require.NotContains(t, r.stderr, "rows/s", "no progress bar unless stderr is a terminal")

	// The same file compressed, with a progress bar asked for: nothing
	// changes.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, err := zw.Write([]byte(gazetteer))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	r = ctl(t, db, "import-gazetteer", "--progress", writeFile(t, "gazetteer.csv.gz", gz.String()))
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Contains(t, r.stdout, "4 properties imported (0 new or changed)")
	require.Contains(t, r.stderr, "100%")
	require.Contains(t, r.stderr, "4 rows")

	// Bad rows: the good ones go in, the bad ones are listed by line, and
	// the exit status says so.
	bad := zones.GazetteerHeader + `
200000000001,,,1,High Street,Anstey,LE7 7AA,anstey-1,Anstey 1
200000000002,,,2,High Street,Anstey,LE7 7A,,
200000000003,,,,High Street,Anstey,LE7 7AA,,
200000000001,,,4,High Street,Anstey,LE7 7AA,,
x,,,5,High Street,Anstey,LE7 7AA,,
200000000006,,,6,High Street,,LE7 7AA,,
200000000007,,,7,High Street,Anstey,LE7 7AB,,
`
	badFile := writeFile(t, "bad.csv", bad)
	r = ctl(t, db, "import-gazetteer", badFile, "--show-problems", "3")
	require.Equal(t, exitRejected, r.code, r.stderr)
	require.Contains(t, r.stdout, "7 rows read")
	require.Contains(t, r.stdout, "2 properties imported (2 new or changed); 5 rejected (1 repeats a UPRN of an earlier line)")
	require.Contains(t, r.stdout, "  line 3: postcode: \"LE7 7A\"")
	require.Contains(t, r.stdout, "  line 4: building_number: empty")
	require.Contains(t, r.stdout, "  line 5: uprn: 200000000001 is also on line 2")
	require.NotContains(t, r.stdout, "line 6:")
	require.Contains(t, r.stdout, "... and 2 more problems")

	st, err := sqlstore.Open(t.Context(), db, nil)
	require.NoError(t, err)
	defer st.Close()
	n, err := st.Locator().Len(t.Context())
	require.NoError(t, err)
	require.Equal(t, 6, n)

	// A dry run says the same and writes nothing.
	dry := ctl(t, newDB(t), "import-gazetteer", "--dry-run", badFile)
	require.Equal(t, exitRejected, dry.code)
	require.Contains(t, dry.stdout, "2 properties checked (dry run, nothing written); 5 rejected")

	// Failures: a missing file, a file that is not a gazetteer.
	r = ctl(t, db, "import-gazetteer", filepath.Join(t.TempDir(), "missing.csv"))
	require.Equal(t, exitFailed, r.code)
	require.Contains(t, r.stderr, "no such file")
	r = ctl(t, db, "import-gazetteer", writeFile(t, "wrong.csv", "name,address\nJo,12 Ashby Road\n"))
	require.Equal(t, exitFailed, r.code)
	require.Contains(t, r.stderr, "nothing imported")
	require.Contains(t, r.stderr, `unknown column "name"`)
	r = ctl(t, db, "import-gazetteer", writeFile(t, "broken.csv.gz", "not gzip"))
	require.Equal(t, exitFailed, r.code)
}

// world is a database permitd has been using: the gazetteer imported,
// accounts, and applications made through the library (as permitd makes
// them), with a clock of the test's choosing.
type world struct {
	t   *testing.T
	db  string
	st  *sqlstore.Store
	svc *permit.Service
	pay *fakepay.SQLGateway // permitd's simulated gateway
	now time.Time
}

func newWorld(t *testing.T, db string) *world {
	t.Helper()
	w := &world{t: t, db: db, now: time.Now().UTC()}
	r := ctl(t, w.db, "import-gazetteer", writeFile(t, "g.csv", gazetteer))
	require.Equal(t, exitOK, r.code, r.stderr)
	st, err := sqlstore.Open(t.Context(), w.db, nil)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, st.Close()) })
	scheme, err := leicestershire.Scheme()
	require.NoError(t, err)
	// permitd's own gateway, as permitd wires it: its payments are in the
	// database, where permitctl's decisions find them.
	gateway, err := fakepay.NewSQL(t.Context(), st.DB(), fakepay.Dialect(st.Dialect()))
	require.NoError(t, err)
	w.pay = gateway
	w.svc, err = permit.NewService(scheme, st, st.Locator(), gateway, &permit.Options{Now: func() time.Time { return w.now }})
	require.NoError(t, err)
	w.st = st
	return w
}

func (w *world) today() time.Time { return eligibility.Today(w.now, w.svc.Scheme().Location) }

func (w *world) apply(uprn zones.UPRN, vrm string, pay bool) permit.Permit {
	w.t.Helper()
	ctx := context.Background()
	a, err := w.svc.CreateAccount(ctx, permit.System, permit.NewAccount{Name: "Jane Smith", Email: "jane@example.org", UPRN: uprn})
	require.NoError(w.t, err)
	docs := []evidence.Document{{Kind: "proof_of_care", IssuedOn: w.today().AddDate(0, 0, -7), Name: "Jane Smith", Address: "12 Ashby Road"}}
	p, err := w.svc.Apply(ctx, permit.AccountActor(a.ID), permit.Application{AccountID: a.ID, Type: "essential-carer", VRM: vrm, Pay: pay, Evidence: docs})
	require.NoError(w.t, err)
	return p
}

// databases runs a test on a fresh SQLite file and, when
// CARERPERMIT_POSTGRES_DSN names a server, on a fresh PostgreSQL schema.
func databases(t *testing.T, test func(t *testing.T, db string)) {
	t.Run("SQLite", func(t *testing.T) { test(t, newDB(t)) })
	t.Run("Postgres", func(t *testing.T) {
		dsn := os.Getenv("CARERPERMIT_POSTGRES_DSN")
		if dsn == "" {
			t.Skip("set CARERPERMIT_POSTGRES_DSN (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run on PostgreSQL")
		}
		test(t, postgresSchema(t, dsn))
	})
}

// postgresSchema makes a schema of the test's own and returns a DSN whose
// connections use it; the schema is dropped when the test ends.
func postgresSchema(t *testing.T, dsn string) string {
	t.Helper()
	schema := fmt.Sprintf("permitctl_test_%d", time.Now().UnixNano())
	admin, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	_, err = admin.ExecContext(t.Context(), `CREATE SCHEMA `+schema)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
		require.NoError(t, err)
		require.NoError(t, admin.Close())
	})
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func TestReviewQueueAndDecisions(t *testing.T) { databases(t, testReviewQueueAndDecisions) }

func testReviewQueueAndDecisions(t *testing.T, db string) {
	w := newWorld(t, db)
	// An application a month old (its review deadline has passed), a paid
	// one and another from today.
	w.now = w.now.AddDate(0, -1, 0)
	old := w.apply(100000000001, "AB12CDE", false)
	w.now = time.Now().UTC().Add(-time.Minute)
	paid := w.apply(100000000002, "CD34EFG", true)
	w.now = w.now.Add(time.Second)
	refuse := w.apply(100000000004, "EF56GHI", true)
	require.Equal(t, permit.PaymentAuthorised, paid.Payment.Status)

	r := ctl(t, w.db, "review-queue")
	require.Equal(t, exitOK, r.code, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, lines, 4)
	require.Equal(t, []string{"KIND", "ID", "ACCOUNT", "TYPE", "SUBMITTED", "DUE", "OVERDUE"}, strings.Fields(lines[0]))
	first := strings.Fields(lines[1])
	require.Equal(t, []string{"permit", old.ID, old.AccountID, "essential-carer"}, first[:4])
	require.Equal(t, "yes", first[len(first)-1], "a month-old application is overdue")
	loc := w.svc.Scheme().Location
	require.Equal(t, w.svc.Scheme().ReviewDueOn(eligibility.Today(old.CreatedAt, loc)).Format(dateLayout), first[len(first)-2])
	require.Equal(t, old.CreatedAt.In(loc).Format(instantLayout), strings.Join(first[4:6], " "))
	require.Equal(t, paid.ID, strings.Fields(lines[2])[1])
	require.Equal(t, "no", strings.Fields(lines[2])[len(first)-1])

	r = ctl(t, w.db, "review-queue", "--limit", "1")
	require.Equal(t, exitOK, r.code)
	require.Len(t, strings.Split(strings.TrimSpace(r.stdout), "\n"), 2)

	// Approve the free one, as $USER.
	r = ctl(t, w.db, "approve", old.ID)
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Contains(t, r.stdout, "approved "+old.ID+": Essential Carer Permit for AB12CDE at 12 Ashby Road")
	require.Contains(t, r.stderr, "notification", "the applicant is told (through the log notifier)")

	// Approve the paid one as a named officer, the flag after the ID: its
	// authorisation (made by another process) is captured.
	r = ctl(t, w.db, "approve", paid.ID, "--officer", "sam.officer")
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Contains(t, r.stdout, "payment "+paid.Payment.ID+" captured: 55.00")
	got, err := w.svc.Permit(t.Context(), permit.System, paid.ID)
	require.NoError(t, err)
	require.Equal(t, permit.Approved, got.Status)
	require.Equal(t, permit.PaymentCaptured, got.Payment.Status)
	require.Equal(t, "55.00", got.Payment.Amount.StringFixed(2))
	// The capture is the gateway's too (issue 11: permitd's simulated
	// payments live in the database), so permitd can refund it later.
	held, found, err := w.pay.Payment(t.Context(), paid.Payment.ID)
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, permit.PaymentCaptured, held.Status)

	// Reject the other: its authorisation is voided.
	r = ctl(t, w.db, "reject", refuse.ID, "--code", "proof_unclear", "--reason", "The letter does not name the carer.")
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Contains(t, r.stdout, "rejected "+refuse.ID+" (proof_unclear): The letter does not name the carer.")
	require.Contains(t, r.stdout, "voided")
	held, _, err = w.pay.Payment(t.Context(), refuse.Payment.ID)
	require.NoError(t, err)
	require.Equal(t, permit.PaymentVoided, held.Status, "the gateway released the hold")

	// Failures: unknown permits, decisions the state does not allow.
	for _, args := range [][]string{
		{"approve", "per_missing"},
		{"reject", "per_missing", "--code", "proof_unclear", "--reason", "r"},
		{"history", "per_missing"},
	} {
		r = ctl(t, w.db, args...)
		require.Equal(t, exitFailed, r.code, "%v", args)
		require.Contains(t, r.stderr, `no permit "per_missing"`)
		require.Empty(t, r.stdout)
	}
	r = ctl(t, w.db, "approve", old.ID)
	require.Equal(t, exitFailed, r.code)
	require.Contains(t, r.stderr, "cannot approve a permit that is current")
	r = ctl(t, w.db, "reject", refuse.ID, "--code", "proof_unclear", "--reason", "r")
	require.Equal(t, exitFailed, r.code)
	require.Contains(t, r.stderr, "cannot reject a permit that is rejected")

	r = ctl(t, w.db, "review-queue")
	require.Equal(t, exitOK, r.code)
	require.Len(t, strings.Split(strings.TrimSpace(r.stdout), "\n"), 1, "only the header is left")

	// The history: who did what, in order.
	r = ctl(t, w.db, "history", paid.ID)
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Contains(t, r.stdout, "Permit   "+paid.ID+": Essential Carer Permit, approved (current today)")
	require.Contains(t, r.stdout, "Payment  "+paid.Payment.ID+" captured 55.00")
	events := r.stdout[strings.Index(r.stdout, "WHEN"):]
	applied := strings.Index(events, "permit.applied")
	approved := strings.Index(events, "permit.approved")
	require.Positive(t, applied)
	require.Greater(t, approved, applied)
	require.Contains(t, events, "officer:sam.officer")
	require.Contains(t, events, "captured=55.00")

	r = ctl(t, w.db, "history", refuse.ID)
	require.Equal(t, exitOK, r.code)
	require.Contains(t, r.stdout, "Rejected  proof_unclear: The letter does not name the carer.")
	require.Contains(t, r.stdout, "officer:jo.bloggs")
}

// Issue 19 item 5: permitctl audit lists who looked at an account, from
// the events permitd (here the Service) recorded in the database.
func TestAudit(t *testing.T) { databases(t, testAudit) }

func testAudit(t *testing.T, db string) {
	w := newWorld(t, db)
	p := w.apply(100000000001, "AB12CDE", false)
	ctx := t.Context()
	require.NoError(t, w.svc.RecordAccountViewed(ctx, permit.OfficerActor("jo.bloggs"), p.AccountID))
	require.NoError(t, w.svc.RecordDocumentViewed(ctx, permit.OfficerActor("sam.officer"), p.ID, "doc_0123456789abcdef"))
	_, err := w.svc.ExportAccount(ctx, permit.AccountActor(p.AccountID), p.AccountID)
	require.NoError(t, err)

	r := ctl(t, w.db, "audit", "--account", p.AccountID)
	require.Equal(t, exitOK, r.code, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, lines, 4, r.stdout)
	require.Equal(t, []string{"WHEN", "WHAT", "BY", "PERMIT", "DOCUMENT"}, strings.Fields(lines[0]))
	require.Equal(t, []string{"account.viewed", "officer:jo.bloggs", "-", "-"}, strings.Fields(lines[1])[2:])
	require.Equal(t, []string{"document.viewed", "officer:sam.officer", p.ID, "doc_0123456789abcdef"}, strings.Fields(lines[2])[2:])
	require.Equal(t, []string{"account.exported", "account:" + p.AccountID, "-", "-"}, strings.Fields(lines[3])[2:])
	require.Contains(t, r.stderr, "3 records of access of account "+p.AccountID)

	r = ctl(t, w.db, "audit", "--account", "acc_missing")
	require.Equal(t, exitFailed, r.code)
	require.Contains(t, r.stderr, `no account "acc_missing"`)
	require.Empty(t, r.stdout)
}

func TestRunJobs(t *testing.T) { databases(t, testRunJobs) }

func testRunJobs(t *testing.T, db string) {
	w := newWorld(t, db)
	p := w.apply(100000000001, "AB12CDE", false)
	_, err := w.svc.Approve(t.Context(), permit.OfficerActor("jo"), p.ID)
	require.NoError(t, err)
	tomorrow := w.today().AddDate(0, 0, 1)
	_, change, err := w.svc.ChangeVehicle(t.Context(), permit.AccountActor(p.AccountID), p.ID, "XY99 ZZZ", tomorrow)
	require.NoError(t, err)
	require.NotNil(t, change)

	// Not due yet.
	r := ctl(t, w.db, "run-jobs")
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Regexp(t, `vehicle_changes_applied\s+0\n`, r.stdout)

	// At 09:00 the day the change takes effect.
	at := time.Date(tomorrow.Year(), tomorrow.Month(), tomorrow.Day(), 9, 0, 0, 0, w.svc.Scheme().Location)
	r = ctl(t, w.db, "run-jobs", "--at", at.Format(time.RFC3339))
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Contains(t, r.stdout, "due jobs at              "+at.UTC().Format(time.RFC3339))
	require.Regexp(t, `vehicle_changes_applied\s+1\n`, r.stdout)
	for _, k := range []string{"reminders_sent", "unpaid_withdrawn", "reviews_overdue", "address_changes_overdue", "payments_retried", "payment_retries_failed"} {
		require.Regexp(t, k+`\s+0\n`, r.stdout)
	}
	got, err := w.svc.Permit(t.Context(), permit.System, p.ID)
	require.NoError(t, err)
	require.Equal(t, permit.VRM("XY99ZZZ"), got.VRM)

	// Again: nothing is done twice.
	r = ctl(t, w.db, "run-jobs", "--at", at.Format(time.RFC3339))
	require.Equal(t, exitOK, r.code)
	require.Regexp(t, `vehicle_changes_applied\s+0\n`, r.stdout)

	// A database that cannot be opened.
	r = ctl(t, filepath.Join(t.TempDir(), "no", "such", "dir", "x.db"), "run-jobs")
	require.Equal(t, exitFailed, r.code)
	require.Contains(t, r.stderr, "opening the database")
}

func TestExportCurrent(t *testing.T) { databases(t, testExportCurrent) }

func testExportCurrent(t *testing.T, db string) {
	st, err := sqlstore.Open(t.Context(), db, nil)
	require.NoError(t, err)
	defer st.Close()
	// More than a page of current permits (1,000 a read), some not current.
	const current = 1003
	a := permittest.NewAccount("acc-1", 100000000001)
	require.NoError(t, st.Update(t.Context(), func(tx permit.Tx) error {
		if err := tx.CreateAccount(a); err != nil {
			return err
		}
		for i := range current + 3 {
			p := permittest.NewPermit(fmt.Sprintf("per-%05d", i), a)
			p.VRM = permit.VRM(fmt.Sprintf("AB%02dCDE", i%100))
			switch i {
			case 5:
				p.PendingVehicleChange = &permit.VehicleChange{ID: "vc-1", VRM: "XY99ZZZ", EffectiveOn: time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)}
			case current:
				p.Status = permit.PendingReview
			case current + 1:
				p.Status = permit.Cancelled
			case current + 2:
				p.StartsOn = time.Date(2028, 2, 1, 0, 0, 0, 0, time.UTC)
			}
			if err := tx.CreatePermit(p); err != nil {
				return err
			}
		}
		return nil
	}))

	out := filepath.Join(t.TempDir(), "current.csv")
	r := ctl(t, db, "export-current", "--on", "2028-01-01", "--out", out)
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Contains(t, r.stderr, "exported 1,003 permits current on 2028-01-01 to "+out)
	f, err := os.Open(out)
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, current+1)
	require.Equal(t, []string{"vrm", "permit_id", "type", "zone_id", "zone_name", "starts_on", "expires_on"}, rows[0])
	require.Equal(t, []string{"AB00CDE", "per-00000", "essential-carer", "loughborough-1", "Loughborough 1", "2027-11-01", "2028-10-31"}, rows[1])
	require.Equal(t, "XY99ZZZ", rows[6][0], "a vehicle change in force that day counts, applied or not")
	require.Equal(t, "per-01002", rows[current][1])
	entries, err := os.ReadDir(filepath.Dir(out))
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary file left behind")

	// The day before the change, to stdout.
	r = ctl(t, db, "export-current", "--on", "2027-12-31")
	require.Equal(t, exitOK, r.code, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, lines, current+1)
	require.True(t, strings.HasPrefix(lines[6], "AB05CDE,per-00005,"), lines[6])

	// Nothing current; an unwritable destination.
	r = ctl(t, db, "export-current", "--on", "2030-01-01")
	require.Equal(t, exitOK, r.code)
	require.Equal(t, "vrm,permit_id,type,zone_id,zone_name,starts_on,expires_on\n", r.stdout)
	r = ctl(t, db, "export-current", "--out", filepath.Join(t.TempDir(), "missing", "x.csv"))
	require.Equal(t, exitFailed, r.code)
}

// Issue 11, defect 15: "exported 1 permits", "and 1 more problems": the
// noun agrees with its number.
func TestCountAgrees(t *testing.T) {
	for _, c := range []struct {
		n         int
		one, many string
		want      string
	}{
		{0, "permit", "permits", "0 permits"},
		{1, "permit", "permits", "1 permit"},
		{2, "more problem", "more problems", "2 more problems"},
		{1, "more problem", "more problems", "1 more problem"},
		{1, "property was", "properties were", "1 property was"},
		{12345, "row", "rows", "12,345 rows"},
	} {
		require.Equal(t, c.want, count(c.n, c.one, c.many))
	}
}
