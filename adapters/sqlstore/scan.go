package sqlstore

import (
	"database/sql"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/carerpermit/carerpermit/adapters/internal/sqldb"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// rowScanner is *sql.Row or *sql.Rows.
type rowScanner interface {
	Scan(dest ...any) error
}

func scanAccount(row rowScanner) (permit.Account, error) {
	var a permit.Account
	var uprn int64
	var failure string
	err := row.Scan(&a.ID, &a.Name, &a.Email, &a.Phone, &uprn, &a.Address, &a.Zone.ID, &a.Zone.Name, &a.Credential, &failure,
		&a.Protected, sqldb.ScanInstant(&a.AnonymisedAt), sqldb.ScanInstant(&a.CreatedAt), sqldb.ScanInstant(&a.UpdatedAt), &a.Version)
	a.UPRN = zones.UPRN(uprn)
	if err == nil && failure != "" {
		a.MessageFailure, err = decodeMessageFailure(failure)
	}
	return a, err
}

func scanPermit(row rowScanner) (permit.Permit, error) {
	var (
		p                      permit.Permit
		status                 string
		payID, payStatus       sql.NullString
		payAmount, payRefunded decimal.Decimal
		payAttempt             int
		payNext, failProv      string
		failDetail             string
		failCode               sql.NullString
		payExpires             time.Time
		vcID, vcVRM, vcBy      sql.NullString
		vc                     permit.VehicleChange
		uprn                   int64
		evidence, reminders    string
		rejCode, rejReason     sql.NullString
		cBy, cReason           sql.NullString
		cancel                 permit.Cancellation
		vrm                    string
		chkOutcome, chk        sql.NullString
	)
	err := row.Scan(&p.ID, &p.AccountID, &p.Type, &status, &p.Free, &p.Pool, &p.FreeSlot, moneyCol{d: &p.Price},
		&payID, &payStatus, moneyCol{d: &payAmount}, moneyCol{d: &payRefunded},
		&payAttempt, &payNext, sqldb.ScanInstant(&payExpires), &failCode, &failProv, &failDetail,
		&vrm, &vcID, &vcVRM, dateCol{&vc.EffectiveOn}, sqldb.ScanInstant(&vc.RequestedAt), &vcBy,
		&uprn, &p.Address, &p.Zone.ID, &p.Zone.Name, dateCol{&p.StartsOn}, dateCol{&p.ExpiresOn},
		&p.ChainID, &p.RenewalOf, &p.RenewedBy,
		&evidence, dateCol{&p.EvidenceAcceptedOn}, &rejCode, &rejReason,
		&cBy, sqldb.ScanInstant(&cancel.At), &cReason, moneyCol{d: &cancel.Refund},
		&reminders, dateCol{&p.ReviewOverdueOn}, &chkOutcome, &chk, dateCol{&p.EvidenceDeletedOn}, &p.AddressProtected, sqldb.ScanInstant(&p.CreatedAt), sqldb.ScanInstant(&p.UpdatedAt), &p.Version)
	if err != nil {
		return permit.Permit{}, err
	}
	p.Status, p.VRM, p.UPRN = permit.Status(status), permit.VRM(vrm), zones.UPRN(uprn)
	if payID.Valid {
		p.Payment = &permit.Payment{ID: payID.String, Status: permit.PaymentStatus(payStatus.String), Amount: payAmount, Refunded: payRefunded,
			Attempt: payAttempt, NextURL: payNext, ExpiresAt: payExpires}
		if failCode.Valid {
			p.Payment.Failure = &permit.PaymentFailure{Code: failCode.String, ProviderCode: failProv, Detail: failDetail}
		}
	}
	if vcID.Valid {
		vc.ID, vc.VRM, vc.RequestedBy = vcID.String, permit.VRM(vcVRM.String), vcBy.String
		p.PendingVehicleChange = &vc
	}
	if rejCode.Valid {
		p.Rejection = &permit.Rejection{Code: rejCode.String, Reason: rejReason.String}
	}
	if cBy.Valid {
		cancel.By, cancel.Reason = cBy.String, cReason.String
		p.Cancellation = &cancel
	}
	if p.Evidence, err = decodeEvidence(evidence); err != nil {
		return permit.Permit{}, fmt.Errorf("permit %s: %w", quote(p.ID), err)
	}
	if p.RemindersSent, err = decodeInts(reminders); err != nil {
		return permit.Permit{}, fmt.Errorf("permit %s: %w", quote(p.ID), err)
	}
	if p.RegisterCheck, err = decodeRegisterCheck(chkOutcome, chk); err != nil {
		return permit.Permit{}, fmt.Errorf("permit %s: %w", quote(p.ID), err)
	}
	return p, nil
}

func scanAddressChange(row rowScanner) (permit.AddressChange, error) {
	var (
		c                  permit.AddressChange
		from, to           int64
		evidence, status   string
		rejCode, rejReason sql.NullString
	)
	err := row.Scan(&c.ID, &c.AccountID, &from, &to, &c.ToAddress, &c.Zone.ID, &c.Zone.Name, &evidence, &status,
		&rejCode, &rejReason, dateCol{&c.SubmittedOn}, dateCol{&c.DueOn}, dateCol{&c.ReviewOverdueOn}, sqldb.ScanInstant(&c.CreatedAt), sqldb.ScanInstant(&c.DecidedAt), &c.Version)
	if err != nil {
		return permit.AddressChange{}, err
	}
	c.FromUPRN, c.ToUPRN, c.Status = zones.UPRN(from), zones.UPRN(to), permit.AddressChangeStatus(status)
	if rejCode.Valid {
		c.Rejection = &permit.Rejection{Code: rejCode.String, Reason: rejReason.String}
	}
	if c.Evidence, err = decodeEvidence(evidence); err != nil {
		return permit.AddressChange{}, fmt.Errorf("address change %s: %w", quote(c.ID), err)
	}
	return c, nil
}

func scanClaim(row rowScanner) (permit.Claim, error) {
	var c permit.Claim
	err := row.Scan(&c.Pool, &c.ScopeKey, &c.Slot, &c.ChainID, &c.PermitID)
	return c, err
}

// scanEvent reads an event row (id, type, at, actor, permit_id,
// account_id, data).
func (s *Store) scanEvent(row rowScanner) (permit.Event, error) {
	var (
		e         permit.Event
		id        int64
		typ, data string
		res       string
	)
	if err := row.Scan(&id, &typ, sqldb.ScanInstant(&e.At), &e.Actor, &e.PermitID, &e.AccountID, &data, &res); err != nil {
		return permit.Event{}, s.describe("reading events", err)
	}
	e.ID, e.Type = eventID(id), permit.EventType(typ)
	var err error
	if e.Data, err = decodeData(data); err != nil {
		return permit.Event{}, err
	}
	if err = decodeResources(res, &e); err != nil {
		return permit.Event{}, fmt.Errorf("sqlstore: event %s: %w", e.ID, err)
	}
	return e, nil
}
