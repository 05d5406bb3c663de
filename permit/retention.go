package permit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/carerpermit/carerpermit/zones/civil"
)

// Retention is how long the scheme keeps personal data (UK GDPR's storage
// limitation), as scheme data (the scheme file's retention section). A
// zero period keeps that data without limit.
type Retention struct {
	// EvidenceMonths is how long after the decision on an application the
	// files of its evidence, and the details typed about its documents,
	// are kept; then the due jobs delete them (document.deleted) and
	// keep only the documents' kinds and dates.
	EvidenceMonths int
	// AccountMonths is how long after its last permit ended (or anything
	// else last happened to it) an account is kept; then the due jobs
	// anonymise it (account.anonymised).
	AccountMonths int
	// FinancialMonths is how long the record of payments and refunds
	// (amounts, dates, the provider's references: never the person) is
	// kept: at least MinFinancialMonths. Anonymisation keeps it.
	FinancialMonths int
}

// MinFinancialMonths is the shortest keeping of financial records a
// scheme may set: six years, as HMRC asks of accounting records and the
// Limitation Act 1980 allows for claims.
const MinFinancialMonths = 72

// DocumentFile is one file of a permit's evidence (a scan or photo the
// resident uploaded).
type DocumentFile struct {
	ID   string
	Kind string // the evidence kind it shows, when the uploader said
}

// DocumentFiles is where the files of permits' evidence are kept
// (adapters/httpapi's BlobStore, through httpapi.DocumentFiles): what
// retention and anonymisation delete.
type DocumentFiles interface {
	// Files lists the files of a permit's evidence, by ID; none is an
	// empty slice, not an error.
	Files(ctx context.Context, permitID string) ([]DocumentFile, error)
	// Delete removes one file; a file already gone is not an error.
	Delete(ctx context.Context, permitID, fileID string) error
}

// Bounds of one RunDue's retention work, so that a run over a large
// backlog ends in reasonable time; the next run carries on.
const (
	retentionAccountsPerRun = 2000
	retentionPermitsPerRun  = 5000
	retentionPage           = 200
)

// evidenceFiles lists the evidence files of the households' permits, by
// account then permit.
func (s *Service) evidenceFiles(ctx context.Context, hs []household) (map[string]map[string][]DocumentFile, error) {
	out := map[string]map[string][]DocumentFile{}
	if s.documents == nil {
		return out, nil
	}
	for _, h := range hs {
		byPermit := map[string][]DocumentFile{}
		for _, p := range h.permits {
			fs, err := s.documents.Files(ctx, p.ID)
			if err != nil {
				return nil, fmt.Errorf("permit: listing the evidence files of %s: %w", p.ID, err)
			}
			if len(fs) > 0 {
				byPermit[p.ID] = fs
			}
		}
		out[h.acc.ID] = byPermit
	}
	return out, nil
}

// deleteFiles deletes the files listed; every failure is in the error.
func (s *Service) deleteFiles(ctx context.Context, files map[string]map[string][]DocumentFile) error {
	var errs []error
	for _, byPermit := range files {
		for permitID, fs := range byPermit {
			for _, f := range fs {
				if err := s.documents.Delete(ctx, permitID, f.ID); err != nil {
					errs = append(errs, fmt.Errorf("permit: deleting evidence file %s of %s: %w", f.ID, permitID, err))
				}
			}
		}
	}
	return errors.Join(errs...)
}

func addMonths(t time.Time, n int) time.Time { return civil.Of(t).AddMonths(n).Time() }

// decidedOn is the date the application was decided: the evidence's
// acceptance, or for one refused or closed without it, its last change.
func (s *Service) decidedOn(p Permit) time.Time {
	if !p.EvidenceAcceptedOn.IsZero() {
		return p.EvidenceAcceptedOn
	}
	return s.today(p.UpdatedAt)
}

// evidenceDue says whether the permit's evidence has been kept its time
// on the date.
func (s *Service) evidenceDue(p Permit, today time.Time) bool {
	m := s.scheme.Retention.EvidenceMonths
	if m <= 0 || !p.EvidenceDeletedOn.IsZero() || p.Status == AwaitingPayment || p.Status == PendingReview {
		return false
	}
	return today.After(addMonths(s.decidedOn(p), m))
}

// deleteDueEvidence deletes the evidence files and details of applications
// decided longer ago than the scheme's Retention.EvidenceMonths, at most
// retentionPermitsPerRun permits a run. It returns the permits done and
// the files deleted.
func (s *Service) deleteDueEvidence(ctx context.Context, at time.Time) (permits, files int, err error) {
	m := s.scheme.Retention.EvidenceMonths
	if m <= 0 {
		return 0, 0, nil
	}
	today := s.today(at)
	// Decided before this date (UTC midnight of it: never earlier than
	// the London one) can be due.
	before := addMonths(today, -m)
	var errs []error
	after := ""
	for permits < retentionPermitsPerRun {
		cands, err := view(ctx, s.store, func(tx ReadTx) ([]Permit, error) {
			return tx.PermitsEvidenceDue(before, after, retentionPage)
		})
		if err != nil {
			return permits, files, errors.Join(append(errs, err)...)
		}
		if len(cands) == 0 {
			break
		}
		after = cands[len(cands)-1].ID
		cands = slices.DeleteFunc(cands, func(p Permit) bool { return !s.evidenceDue(p, today) })
		listed := map[string][]DocumentFile{}
		if s.documents != nil {
			for _, p := range cands {
				fs, err := s.documents.Files(ctx, p.ID)
				if err != nil {
					errs = append(errs, fmt.Errorf("permit: listing the evidence files of %s: %w", p.ID, err))
					continue
				}
				listed[p.ID] = fs
			}
			cands = slices.DeleteFunc(cands, func(p Permit) bool { _, ok := listed[p.ID]; return !ok })
			// The files go first: a crash before the commit below leaves
			// them deleted and the permit due, and the next run records it
			// (without the files' events); never files kept that the
			// history says are gone.
			if err := s.deleteFiles(ctx, map[string]map[string][]DocumentFile{"": listed}); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		done, err := runDue(ctx, s, at, dueJob[Permit, int]{what: "deleting the evidence of", id: permitID, reload: reloadPermit,
			do: func(o *op, cur Permit) (int, bool, error) {
				if !s.evidenceDue(cur, o.today) {
					return 0, false, nil
				}
				n, err := s.deleteEvidenceIn(o, cur, listed[cur.ID], "retention")
				return n, true, err
			},
		}, cands)
		if err != nil {
			errs = append(errs, err)
		}
		for _, n := range done {
			permits++
			files += n
		}
	}
	return permits, files, errors.Join(errs...)
}

// deleteEvidenceIn records in o that p's evidence files (already deleted)
// and its documents' details are gone, and takes the details out of the
// permit's history too. It returns the number of files.
func (s *Service) deleteEvidenceIn(o *op, p Permit, files []DocumentFile, reason string) (int, error) {
	p.Evidence = redactDocs(p.Evidence)
	p.EvidenceDeletedOn = o.today
	// UpdatedAt is kept: retention's own work is no activity of the
	// household's, and must not put off the account's anonymisation.
	if err := o.UpdatePermit(p); err != nil {
		return 0, err
	}
	p.Version++
	if err := o.about(EventPermitUpdated, &p, map[string]string{"reason": "evidence_deleted"}); err != nil {
		return 0, err
	}
	for _, f := range files {
		if err := o.event(EventDocumentDeleted, p.ID, p.AccountID, map[string]string{"document_id": f.ID, "reason": reason}); err != nil {
			return 0, err
		}
	}
	history, err := o.EventsOfPermit(p.ID)
	if err != nil {
		return 0, err
	}
	for _, e := range history {
		if e.Permit == nil && e.Data["document_reference"] == "" {
			continue
		}
		if e.Permit != nil {
			snap := *e.Permit
			snap.Evidence = redactDocs(snap.Evidence)
			e.Permit = &snap
		}
		delete(e.Data, "document_reference")
		if err := o.RewriteEvent(e); err != nil {
			return 0, err
		}
	}
	return len(files), nil
}

// anonymiseDue anonymises the accounts whose retention has run out (the
// scheme's Retention.AccountMonths after their last activity), at most
// retentionAccountsPerRun a run, a page at a time.
func (s *Service) anonymiseDue(ctx context.Context, at time.Time) (int, error) {
	m := s.scheme.Retention.AccountMonths
	if m <= 0 {
		return 0, nil
	}
	today := s.today(at)
	before := addMonths(today, -m)
	n := 0
	var errs []error
	after := ""
	for n < retentionAccountsPerRun {
		cands, err := view(ctx, s.store, func(tx ReadTx) ([]household, error) {
			accs, err := tx.AccountsToAnonymise(before, after, retentionPage)
			if err != nil {
				return nil, err
			}
			out := make([]household, 0, len(accs))
			for _, a := range accs {
				h, err := readHousehold(tx, a.ID)
				if err != nil {
					return nil, err
				}
				out = append(out, h)
			}
			return out, nil
		})
		if err != nil {
			return n, errors.Join(append(errs, err)...)
		}
		if len(cands) == 0 {
			break
		}
		after = cands[len(cands)-1].acc.ID
		var ids []string
		for _, h := range cands {
			if u := s.retainUntil(h, today); !u.IsZero() && !today.Before(u) {
				ids = append(ids, h.acc.ID)
			}
		}
		if len(ids) == 0 {
			continue
		}
		done, err := s.anonymiseAccounts(ctx, System, at, "retention", ids)
		if err != nil {
			// One account's failure must not hold up the page: one at a time.
			for _, id := range ids {
				if _, err := s.anonymiseAccounts(ctx, System, at, "retention", []string{id}); err != nil {
					if !errors.Is(err, ErrConflict) {
						errs = append(errs, fmt.Errorf("permit: anonymising account %s: %w", id, err))
					}
					continue
				}
				n++
			}
			continue
		}
		n += len(done)
	}
	return n, errors.Join(errs...)
}
