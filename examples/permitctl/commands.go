package main

import (
	"cmp"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"github.com/carerpermit/carerpermit/adapters/httpapi"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/adapters/lognotify"
	"github.com/carerpermit/carerpermit/adapters/sqlstore"
	_ "github.com/carerpermit/carerpermit/adapters/sqlstore/postgres" // --db postgres://...
	_ "github.com/carerpermit/carerpermit/adapters/sqlstore/sqlite"   // --db FILE
	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/examples/leicestershire"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/scheme"
	"github.com/carerpermit/carerpermit/pricing"
)

// openStore opens permitd's database (migrating it, as permitd does).
func openStore(e *env, c *common) (*sqlstore.Store, error) {
	st, err := sqlstore.Open(e.ctx, c.db, nil)
	if err != nil {
		return nil, fmt.Errorf("opening the database %s: %w", c.db, err)
	}
	return st, nil
}

// service wires a permit.Service on the store as permitd does, with the
// imported gazetteer as its Locator (no command here looks properties
// up), permitd's simulated gateway (see backOfficePayments) and
// notifications logged to stderr.
func service(e *env, c *common, st *sqlstore.Store) (*permit.Service, error) {
	scheme, err := loadScheme(e, c)
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	gateway, err := fakepay.NewSQL(e.ctx, st.DB(), fakepay.Dialect(st.Dialect()))
	if err != nil {
		return nil, fmt.Errorf("opening the simulated gateway's tables: %w", err)
	}
	return permit.NewService(scheme, st, st.Locator(), backOfficePayments{gateway}, &permit.Options{Notifier: lognotify.New(log),
		Now: c.now,
		// The due jobs apply retention: evidence files in the API's
		// layout, and what the store keeps beside its tables.
		Documents: httpapi.DocumentFiles(st.Blobs()), Forgetters: []permit.Forgetter{st},
		NotifyFailed: func(m permit.Message, err error) {
			log.Warn("notification failed", "kind", m.Kind, "account_id", m.AccountID, "permit_id", m.PermitID, "err", err)
		}})
}

// loadScheme reads the scheme file of c (the Leicestershire scheme when
// none is given), writing its warnings on c's date to stderr.
func loadScheme(e *env, c *common) (*permit.Scheme, error) {
	path := c.scheme
	if path == "" {
		return leicestershire.Scheme()
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("scheme: %w", err)
	}
	defer f.Close()
	today := time.Now()
	if c.now != nil {
		today = c.now()
	}
	s, warnings, err := scheme.LoadWith(f, &scheme.Options{Today: today})
	if err != nil {
		return nil, fmt.Errorf("scheme %s: %w", path, err)
	}
	for _, w := range warnings {
		fmt.Fprintf(e.stderr, "warning: scheme %s: %s\n", path, w)
	}
	return s, nil
}

// withService opens the store and the service for a command body.
func withService(e *env, name string, c *common, body func(svc *permit.Service) int) int {
	st, err := openStore(e, c)
	if err != nil {
		return failed(e, name, err)
	}
	defer st.Close()
	svc, err := service(e, c, st)
	if err != nil {
		return failed(e, name, err)
	}
	return body(svc)
}

// describe words an error for the person at the terminal.
func describe(err error) string {
	var ve *permit.ValidationError
	if errors.As(err, &ve) {
		parts := make([]string, len(ve.Fields))
		for i, f := range ve.Fields {
			parts[i] = f.Field + ": " + f.Detail
		}
		return strings.Join(parts, "; ")
	}
	return err.Error()
}

// officerFlag registers --officer, defaulting to $USER.
func officerFlag(fs *flag.FlagSet, officer *string) {
	fs.StringVar(officer, "officer", "", "the officer deciding, as recorded on the permit's history (default $USER)")
}

func officerOf(e *env, flagValue string) string {
	return cmp.Or(strings.TrimSpace(flagValue), strings.TrimSpace(e.getenv("USER")))
}

const (
	dateLayout    = "2006-01-02"
	instantLayout = "2006-01-02 15:04"
)

func runJobsFlags(fs *flag.FlagSet, c *common) func(*env, []string) int {
	at := fs.String("at", "", "run the jobs due at this instant, RFC 3339 (e.g. 2027-03-01T09:00:00Z); default now")
	return func(e *env, _ []string) int {
		when := time.Now()
		if *at != "" {
			t, err := time.Parse(time.RFC3339, *at)
			if err != nil {
				return usageError(e, "run-jobs", "--at %q is not an RFC 3339 instant such as 2027-03-01T09:00:00Z", *at)
			}
			when = t
		}
		if *at != "" {
			// Everything the jobs record happens at --at, as under
			// permitd's test clock.
			c.now = func() time.Time { return when }
		}
		return withService(e, "run-jobs", c, func(svc *permit.Service) int {
			rep, err := svc.RunDue(e.ctx, when)
			w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintf(w, "due jobs at\t%s\n", when.UTC().Format(time.RFC3339))
			fmt.Fprintf(w, "vehicle_changes_applied\t%d\n", rep.VehicleChangesApplied)
			fmt.Fprintf(w, "reminders_sent\t%d\n", rep.RemindersSent)
			fmt.Fprintf(w, "unpaid_withdrawn\t%d\n", rep.UnpaidWithdrawn)
			fmt.Fprintf(w, "reviews_overdue\t%d\n", rep.ReviewsOverdue)
			fmt.Fprintf(w, "address_changes_overdue\t%d\n", rep.AddressChangesOverdue)
			fmt.Fprintf(w, "payments_retried\t%d\n", rep.PaymentsRetried)
			fmt.Fprintf(w, "payment_retries_failed\t%d\n", rep.PaymentRetriesFailed)
			fmt.Fprintf(w, "vehicles_checked\t%d\n", rep.VehiclesChecked)
			fmt.Fprintf(w, "evidence_deleted\t%d\n", rep.EvidenceDeleted)
			fmt.Fprintf(w, "documents_deleted\t%d\n", rep.DocumentsDeleted)
			fmt.Fprintf(w, "accounts_anonymised\t%d\n", rep.AccountsAnonymised)
			_ = w.Flush()
			if err != nil {
				// The report counts what was done; the rest is retried on
				// the next run.
				return failed(e, "run-jobs", err)
			}
			return exitOK
		})
	}
}

func reviewQueueFlags(fs *flag.FlagSet, c *common) func(*env, []string) int {
	limit := fs.Int("limit", 50, "show at most this many items, oldest first")
	return func(e *env, _ []string) int {
		if *limit < 1 {
			return usageError(e, "review-queue", "--limit %d: give 1 or more", *limit)
		}
		return withService(e, "review-queue", c, func(svc *permit.Service) int {
			items, err := svc.ReviewQueue(e.ctx, reader, *limit)
			if err != nil {
				return failed(e, "review-queue", err)
			}
			loc := svc.Scheme().Location
			w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, "KIND\tID\tACCOUNT\tTYPE\tSUBMITTED\tDUE\tOVERDUE")
			for _, it := range items {
				var id, account, typ string
				switch {
				case it.Permit != nil:
					id, account, typ = it.Permit.ID, it.Permit.AccountID, it.Permit.Type
				case it.AddressChange != nil:
					id, account, typ = it.AddressChange.ID, it.AddressChange.AccountID, "move to "+it.AddressChange.Zone.ID
				}
				overdue := "no"
				if it.Overdue {
					overdue = "yes"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", it.Kind, id, account, typ,
					it.SubmittedAt.In(loc).Format(instantLayout), it.DueOn.Format(dateLayout), overdue)
			}
			_ = w.Flush()
			return exitOK
		})
	}
}

func approveFlags(fs *flag.FlagSet, c *common) func(*env, []string) int {
	var officer string
	officerFlag(fs, &officer)
	return func(e *env, args []string) int {
		who := officerOf(e, officer)
		if who == "" {
			return usageError(e, "approve", "no officer: give --officer NAME (or set $USER)")
		}
		return withService(e, "approve", c, func(svc *permit.Service) int {
			id := args[0]
			if code := knownPermit(e, "approve", svc, id); code != exitOK {
				return code
			}
			p, err := svc.Approve(e.ctx, permit.OfficerActor(who), id)
			if err != nil {
				return failed(e, "approve", err)
			}
			fmt.Fprintf(e.stdout, "approved %s: %s for %s at %s, valid %s to %s\n", p.ID, typeName(svc, p.Type), p.VRM, p.Address,
				p.StartsOn.Format(dateLayout), p.ExpiresOn.Format(dateLayout))
			if p.Payment != nil {
				fmt.Fprintf(e.stdout, "payment %s %s: %s\n", p.Payment.ID, p.Payment.Status, pricing.FormatMoney(p.Payment.Amount))
			}
			return exitOK
		})
	}
}

func rejectFlags(fs *flag.FlagSet, c *common) func(*env, []string) int {
	var officer string
	officerFlag(fs, &officer)
	code := fs.String("code", "", "the council's reason code, one the scheme lists under rejection_reasons, e.g. proof_unclear (required)")
	reason := fs.String("reason", "", "why, in words the applicant reads (required)")
	return func(e *env, args []string) int {
		who := officerOf(e, officer)
		switch {
		case strings.TrimSpace(*code) == "":
			return usageError(e, "reject", "--code is required: the council's reason code")
		case strings.TrimSpace(*reason) == "":
			return usageError(e, "reject", "--reason is required: the words the applicant reads")
		case who == "":
			return usageError(e, "reject", "no officer: give --officer NAME (or set $USER)")
		}
		return withService(e, "reject", c, func(svc *permit.Service) int {
			id := args[0]
			if st := knownPermit(e, "reject", svc, id); st != exitOK {
				return st
			}
			p, err := svc.Reject(e.ctx, permit.OfficerActor(who), id, permit.Rejection{Code: *code, Reason: *reason})
			if err != nil {
				return failed(e, "reject", err)
			}
			fmt.Fprintf(e.stdout, "rejected %s (%s): %s\n", p.ID, p.Rejection.Code, p.Rejection.Reason)
			if p.Payment != nil {
				fmt.Fprintf(e.stdout, "payment %s %s\n", p.Payment.ID, p.Payment.Status)
			}
			return exitOK
		})
	}
}

// reader is who permitctl's reads are: the system, since the command
// line holds the database itself (decisions name the officer).
var reader = permit.Actor{Role: permit.RoleSystem, ID: "permitctl"}

// knownPermit reports a permit that is not in the database.
func knownPermit(e *env, name string, svc *permit.Service, id string) int {
	_, err := svc.Permit(e.ctx, reader, id)
	if errors.Is(err, permit.ErrNotFound) {
		fmt.Fprintf(e.stderr, "permitctl %s: no permit %q in the database\n", name, id)
		return exitFailed
	}
	if err != nil {
		return failed(e, name, err)
	}
	return exitOK
}

func typeName(svc *permit.Service, id string) string {
	if t, ok := svc.Scheme().PermitType(id); ok {
		return t.Name
	}
	return id
}

func historyFlags(_ *flag.FlagSet, c *common) func(*env, []string) int {
	return func(e *env, args []string) int {
		return withService(e, "history", c, func(svc *permit.Service) int {
			id := args[0]
			p, err := svc.Permit(e.ctx, reader, id)
			if err == nil {
				var evs []permit.Event
				evs, err = svc.PermitHistory(e.ctx, reader, id)
				if err == nil {
					printHistory(e, svc, p, evs)
					return exitOK
				}
			}
			if errors.Is(err, permit.ErrNotFound) {
				fmt.Fprintf(e.stderr, "permitctl history: no permit %q in the database\n", id)
				return exitFailed
			}
			return failed(e, "history", err)
		})
	}
}

func printHistory(e *env, svc *permit.Service, p permit.Permit, evs []permit.Event) {
	loc := svc.Scheme().Location
	today := eligibility.Today(time.Now(), loc)
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	status := string(p.StatusOn(today))
	if status != string(p.Status) {
		status = string(p.Status) + " (" + status + " today)"
	}
	fmt.Fprintf(w, "Permit\t%s: %s, %s\n", p.ID, typeName(svc, p.Type), status)
	fmt.Fprintf(w, "Account\t%s\n", p.AccountID)
	fmt.Fprintf(w, "Vehicle\t%s\n", p.VRM)
	if vc := p.PendingVehicleChange; vc != nil {
		fmt.Fprintf(w, "Scheduled\t%s from %s\n", vc.VRM, vc.EffectiveOn.Format(dateLayout))
	}
	fmt.Fprintf(w, "Address\t%s (%s)\n", p.Address, p.Zone)
	if !p.StartsOn.IsZero() {
		fmt.Fprintf(w, "Valid\t%s to %s\n", p.StartsOn.Format(dateLayout), p.ExpiresOn.Format(dateLayout))
	}
	price := pricing.FormatMoney(p.Price)
	if p.Free {
		price += " (free)"
	}
	fmt.Fprintf(w, "Price\t%s\n", price)
	if p.Payment != nil {
		fmt.Fprintf(w, "Payment\t%s %s %s\n", p.Payment.ID, p.Payment.Status, pricing.FormatMoney(p.Payment.Amount))
	}
	if p.Rejection != nil {
		fmt.Fprintf(w, "Rejected\t%s: %s\n", p.Rejection.Code, p.Rejection.Reason)
	}
	_ = w.Flush()
	fmt.Fprintln(e.stdout)

	w = tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "WHEN\tEVENT\tBY\tDETAILS")
	for _, ev := range evs {
		keys := slices.Sorted(maps.Keys(ev.Data))
		details := make([]string, len(keys))
		for i, k := range keys {
			details[i] = k + "=" + ev.Data[k]
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", ev.At.In(loc).Format("2006-01-02 15:04:05"), ev.Type, ev.Actor, strings.Join(details, " "))
	}
	_ = w.Flush()
}

func auditFlags(fs *flag.FlagSet, c *common) func(*env, []string) int {
	account := fs.String("account", "", "the account whose record of access to list (required)")
	return func(e *env, _ []string) int {
		id := strings.TrimSpace(*account)
		if id == "" {
			return usageError(e, "audit", "--account is required: the account whose record of access to list")
		}
		return withService(e, "audit", c, func(svc *permit.Service) int {
			evs, err := svc.AccessRecord(e.ctx, id)
			if errors.Is(err, permit.ErrNotFound) {
				fmt.Fprintf(e.stderr, "permitctl audit: no account %q in the database\n", id)
				return exitFailed
			}
			if err != nil {
				return failed(e, "audit", err)
			}
			printAudit(e, svc, evs)
			fmt.Fprintf(e.stderr, "%s of account %s\n", count(len(evs), "record of access", "records of access"), id)
			return exitOK
		})
	}
}

// printAudit lists the record of who looked, one line each: when (the
// council's time), what, who, and the permit and document looked at.
func printAudit(e *env, svc *permit.Service, evs []permit.Event) {
	loc := svc.Scheme().Location
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "WHEN\tWHAT\tBY\tPERMIT\tDOCUMENT")
	for _, ev := range evs {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", ev.At.In(loc).Format("2006-01-02 15:04:05"), ev.Type, ev.Actor,
			cmp.Or(ev.PermitID, "-"), cmp.Or(ev.Data["document_id"], "-"))
	}
	_ = w.Flush()
}

// exportPage is how many permits one read of the export fetches.
const exportPage = permit.MaxPageSize

func exportFlags(fs *flag.FlagSet, c *common) func(*env, []string) int {
	on := fs.String("on", "", "the day, YYYY-MM-DD (default today in the council's time zone)")
	out := fs.String("out", "-", "the CSV file to write; - for stdout")
	return func(e *env, _ []string) int {
		var day time.Time
		if *on != "" {
			d, err := time.Parse(dateLayout, *on)
			if err != nil {
				return usageError(e, "export-current", "--on %q is not a date such as 2027-03-01", *on)
			}
			day = d
		}
		return withService(e, "export-current", c, func(svc *permit.Service) int {
			if day.IsZero() {
				day = eligibility.Today(time.Now(), svc.Scheme().Location)
			}
			n, err := exportCurrent(e, svc, day, *out)
			if err != nil {
				return failed(e, "export-current", err)
			}
			where := *out
			if where == "-" {
				where = "stdout"
			}
			fmt.Fprintf(e.stderr, "exported %s current on %s to %s\n", count(n, "permit", "permits"), day.Format(dateLayout), where)
			return exitOK
		})
	}
}

// exportHeader is the export's first line; handheld software reads the
// columns by these names.
var exportHeader = []string{"vrm", "permit_id", "type", "zone_id", "zone_name", "starts_on", "expires_on"}

// exportCurrent writes the permits current on day as CSV, a page at a
// time. A file is written beside its final name and renamed into place
// when complete, so a handheld's sync never reads half an export.
func exportCurrent(e *env, svc *permit.Service, day time.Time, out string) (int, error) {
	w := e.stdout
	var tmp *os.File
	if out != "-" {
		var err error
		tmp, err = os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*")
		if err != nil {
			return 0, err
		}
		defer func() {
			if tmp != nil {
				_ = tmp.Close()
				_ = os.Remove(tmp.Name())
			}
		}()
		w = tmp
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(exportHeader); err != nil {
		return 0, err
	}
	n, after := 0, ""
	for {
		ps, err := svc.CurrentPermits(e.ctx, reader, day, after, exportPage)
		if err != nil {
			return n, err
		}
		for _, p := range ps {
			rec := []string{string(p.VRMOn(day)), p.ID, p.Type, p.Zone.ID, p.Zone.Name, p.StartsOn.Format(dateLayout), p.ExpiresOn.Format(dateLayout)}
			if err := cw.Write(rec); err != nil {
				return n, err
			}
		}
		n += len(ps)
		if len(ps) < exportPage {
			break
		}
		after = ps[len(ps)-1].ID
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return n, err
	}
	if tmp == nil {
		return n, nil
	}
	if err := tmp.Sync(); err != nil {
		return n, err
	}
	if err := tmp.Close(); err != nil {
		return n, err
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return n, err
	}
	tmp = nil
	return n, nil
}
