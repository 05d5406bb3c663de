package permit

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Data protection (issue 19; docs/PRIVACY.md): a subject access export of
// everything held about an account, and the record of who looked at it.
// Reading personal data is an event when an officer does it, written in
// the store like every change, so the council can say which officer saw
// whose evidence and when (AccessRecord).

// AccessEventTypes are the events of the record of who looked: officers'
// views of documents and accounts, and subject access exports.
func AccessEventTypes() []EventType {
	return []EventType{EventDocumentViewed, EventAccountViewed, EventAccountExported}
}

// RecordDocumentViewed records that an officer opened the file documentID
// attached to permit permitID (document.viewed), before the file is sent:
// a view that cannot be recorded should not be served. A resident opening
// a file of their own permit, or the system, is not recorded (nil, nothing
// written). Errors: ErrNotFound when there is no such permit, or it is
// another account's; ErrForbidden for an actor who may not see it (an
// integration); *ValidationError when documentID is empty.
func (s *Service) RecordDocumentViewed(ctx context.Context, by Actor, permitID, documentID string) error {
	if documentID == "" {
		return &ValidationError{Fields: []FieldError{{Field: "document_id", Code: "required", Detail: "Name the document viewed."}}}
	}
	return s.recordView(ctx, by, func(o *op) error {
		p, err := o.Permit(permitID)
		if err != nil {
			return err
		}
		if err := by.mayRead(p.AccountID, "permit", p.ID, false); err != nil {
			return err
		}
		if by.Role != RoleOfficer {
			return nil
		}
		return o.event(EventDocumentViewed, p.ID, p.AccountID, map[string]string{"document_id": documentID})
	})
}

// RecordAccountViewed records that an officer opened an account's page
// (account.viewed). A resident looking at their own account, or the
// system, is not recorded. Errors as RecordDocumentViewed.
func (s *Service) RecordAccountViewed(ctx context.Context, by Actor, accountID string) error {
	return s.recordView(ctx, by, func(o *op) error {
		if err := by.mayRead(accountID, "account", accountID, false); err != nil {
			return err
		}
		if _, err := o.Account(accountID); err != nil {
			return err
		}
		if by.Role != RoleOfficer {
			return nil
		}
		return o.event(EventAccountViewed, "", accountID, nil)
	})
}

// recordView refuses an actor with no role before touching the store, and
// otherwise runs fn in a transaction only for an officer: the others'
// views are checked in a read-only one.
func (s *Service) recordView(ctx context.Context, by Actor, fn func(o *op) error) error {
	if by.Role == RoleOfficer {
		return s.update(ctx, by, fn)
	}
	return s.store.View(ctx, func(tx ReadTx) error {
		// A read-only transaction cannot append: fn appends nothing for
		// actors other than officers, so a write is never reached.
		return fn(&op{Tx: readOnly{tx}, s: s, by: by})
	})
}

// readOnly lets the checks of recordView run over a read-only transaction;
// a write through it is a programming error.
type readOnly struct{ ReadTx }

func (readOnly) CreateAccount(Account) error             { return errReadOnly }
func (readOnly) UpdateAccount(Account) error             { return errReadOnly }
func (readOnly) CreatePermit(Permit) error               { return errReadOnly }
func (readOnly) UpdatePermit(Permit) error               { return errReadOnly }
func (readOnly) CreateAddressChange(AddressChange) error { return errReadOnly }
func (readOnly) UpdateAddressChange(AddressChange) error { return errReadOnly }
func (readOnly) Claim(Claim) error                       { return errReadOnly }
func (readOnly) MoveClaim(Claim, Claim) error            { return errReadOnly }
func (readOnly) Release(Claim) error                     { return errReadOnly }
func (readOnly) CreatePaymentRetry(PaymentRetry) error   { return errReadOnly }
func (readOnly) UpdatePaymentRetry(PaymentRetry) error   { return errReadOnly }
func (readOnly) CreateMessage(RecordedMessage) error     { return errReadOnly }
func (readOnly) UpdateMessage(RecordedMessage) error     { return errReadOnly }
func (readOnly) AppendEvent(Event) error                 { return errReadOnly }
func (readOnly) RewriteEvent(Event) error                { return errReadOnly }

var errReadOnly = fmt.Errorf("permit: a write in a read-only transaction")

// AccessRecord returns the record of who looked at an account: its
// document.viewed, account.viewed and account.exported events, in feed
// order (oldest first), each naming the actor. ErrNotFound when there is
// no such account. Reads take no actor: the back office that calls it is
// the council's own (permitctl audit).
func (s *Service) AccessRecord(ctx context.Context, accountID string) ([]Event, error) {
	return view(ctx, s.store, func(tx ReadTx) ([]Event, error) {
		if _, err := tx.Account(accountID); err != nil {
			return nil, err
		}
		evs, err := tx.EventsOfAccount(accountID)
		if err != nil {
			return nil, err
		}
		access := AccessEventTypes()
		return slices.DeleteFunc(evs, func(e Event) bool { return !slices.Contains(access, e.Type) }), nil
	})
}

// SentMessage is a message to an account holder as the notifier that
// keeps messages recorded it: what it said (Message, with its data), where
// it went, and whether it has gone yet.
type SentMessage struct {
	Message    Message
	Status     string    // "pending", "sent" or "failed" (the provider refused it for good)
	RecordedAt time.Time // when the service asked for it to be sent
	SentAt     time.Time // when the provider took it (or refused it for good); zero while pending
}

// MessageLog is the record of the messages sent to account holders, kept
// by a notifier that stores them (adapters/notifyoutbox's Outbox) and
// given as Options.Messages, so that a subject access export lists them.
type MessageLog interface {
	// MessagesTo returns the messages recorded for the account, oldest
	// first; none is an empty slice, not an error.
	MessagesTo(ctx context.Context, accountID string) ([]SentMessage, error)
}

// AccountExport is everything the library holds about an account (a
// subject access request, UK GDPR Article 15): the account, every permit
// of it in any state (with its payment, evidence metadata, vehicle check
// and history of vehicles in its events), its address changes and the
// events about them, as of ExportedAt. Files of evidence, held by the
// adapter that stores them, and messages, held by the notifier, are added
// by whoever serves the export (adapters/httpapi).
type AccountExport struct {
	Account        Account // Credential left out
	Permits        []Permit
	AddressChanges []AddressChange
	// Events are the events about the account and its permits in feed
	// order, up to the export (the account.exported event that records
	// this export is the next one).
	Events []Event
	// Messages are the messages recorded for the holder, oldest first,
	// from Options.Messages; nil when the service has no MessageLog.
	Messages   []SentMessage
	ExportedAt time.Time
	ExportedBy string // the actor, as events name it
}

// ExportAccount gathers a subject access export of an account and records
// it (account.exported) in the same transaction, so no export is ever
// taken without a record of who took it. The account's holder and the
// council may; another account gets ErrNotFound, as if the account did not
// exist; any other actor (an integration) ErrForbidden. ErrNotFound when
// there is no such account.
func (s *Service) ExportAccount(ctx context.Context, by Actor, accountID string) (AccountExport, error) {
	if err := by.mayRead(accountID, "account", accountID, false); err != nil {
		return AccountExport{}, err
	}
	var msgs []SentMessage
	if s.messages != nil {
		var err error
		if msgs, err = s.messages.MessagesTo(ctx, accountID); err != nil {
			return AccountExport{}, fmt.Errorf("permit: reading the messages of account %s: %w", accountID, err)
		}
		if msgs == nil {
			msgs = []SentMessage{}
		}
	}
	var out AccountExport
	err := s.update(ctx, by, func(o *op) error {
		out = AccountExport{ExportedAt: o.at, ExportedBy: by.String(), Messages: msgs}
		a, err := o.Account(accountID)
		if err != nil {
			return err
		}
		a.Credential = ""
		out.Account = a
		if out.Permits, err = o.PermitsOfAccount(accountID); err != nil {
			return err
		}
		if out.AddressChanges, err = o.AddressChangesOfAccount(accountID); err != nil {
			return err
		}
		if out.Events, err = o.EventsOfAccount(accountID); err != nil {
			return err
		}
		return o.event(EventAccountExported, "", accountID, nil)
	})
	if err != nil {
		return AccountExport{}, err
	}
	return out, nil
}
