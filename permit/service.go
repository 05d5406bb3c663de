package permit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/zones"
)

// Service is what residents and permit officers act through. Each method is
// atomic against the Store: it either happens completely (with its events)
// or leaves nothing behind. Methods are safe for concurrent use.
type Service struct {
	scheme   *Scheme
	store    Store
	locator  zones.Locator
	payments Payments
	hosted   HostedPayments
	returnTo func(permitID string, attempt int) string
	notifier Notifier
	sends    []Channel

	recordMessages   bool
	messagesRecorded func(n int)
	vehicles         VehicleRegister
	dueRan           func(DueReport, error)

	clock               func() time.Time
	newIDFn             func(prefix string) string
	onNotifyFailed      func(m Message, err error)
	paymentRecordFailed func(err error)
	vehicleTimeout      time.Duration
	vehicleCheckFailed  func(vrm VRM, err error)
	messages            MessageLog
	documents           DocumentFiles
	forgetters          []Forgetter
	forgetFailed        func(err error)
}

// Options are the optional parts of a Service, fixed when it is built.
type Options struct {
	Notifier Notifier // nil sends nothing
	// Channels are the channels Notifier sends (see Reach.Choose); nil
	// is email only. GOV.UK Notify sends all three: a resident with only
	// a UK mobile number then gets text messages, and the kinds the
	// scheme sends by letter go by post.
	Channels []Channel
	// RecordMessages makes the Service record each message in the store,
	// in the transaction of the change it reports (Tx.CreateMessage),
	// instead of handing it to Notifier after the commit: a crash between
	// the two cannot lose it. A sender (adapters/notifyoutbox) then sends
	// the recorded messages through the Notifier, and the provider's
	// receipts come back through RecordDelivery. Notifier is not called
	// by the Service then.
	RecordMessages bool
	// MessagesRecorded is told, after a commit, how many messages it
	// recorded (with RecordMessages): a sender waiting for work wakes on
	// it. Nil tells nothing.
	MessagesRecorded func(n int)
	// Now is the clock; nil means time.Now. Tests, and an evaluation
	// server's test clock (adapters/httpapi.TestClock.Now), set it.
	Now func() time.Time
	// NewID returns a new identifier with the given prefix ("per", "acc",
	// ...); nil means 16 random hex digits. Tests pin it for golden output.
	NewID func(prefix string) string
	// NotifyFailed is called when a notification could not be sent; the
	// operation that caused it has already succeeded. Nil ignores failures.
	NotifyFailed func(m Message, err error)
	// PaymentRecordFailed is called when the outcome of a capture, void
	// or refund asked for after a decision could not be recorded (the
	// store failed); the decision stands and the owed call stays due, so
	// RunDue asks for it again. Nil ignores it.
	PaymentRecordFailed func(err error)
	// DueRan is told what each RunDue call did (its report and error),
	// after the run; metrics count due jobs with it. Nil tells nothing.
	DueRan func(r DueReport, err error)
	// Vehicles is the register of vehicles asked at application and
	// vehicle change when the scheme's VehicleCheck is warn or require;
	// nil asks nothing, whatever the scheme says.
	Vehicles VehicleRegister
	// VehicleCheckTimeout bounds one look-up in the request path; 0 is
	// DefaultVehicleCheckTimeout. A look-up that runs out is an
	// unanswered one: the permit is flagged vehicle_unchecked.
	VehicleCheckTimeout time.Duration
	// VehicleCheckFailed is told of each look-up the register did not
	// answer (for logs and metrics); nil tells nothing.
	VehicleCheckFailed func(vrm VRM, err error)
	// HostedPayments, when set, takes paid applications and renewals
	// through the provider's hosted page instead of Payments: the
	// application waits in awaiting_payment until the provider confirms
	// the hold (ConfirmPayment), and decisions capture, cancel and refund
	// through it. NewService's payments may then be nil. The scheme's
	// abandon_unpaid_after must then be at least the provider's 90-minute
	// session (HostedSessionLifetime).
	HostedPayments HostedPayments
	// Messages is the record of the messages sent to account holders
	// (usually the Notifier itself, when it keeps them): a subject access
	// export (ExportAccount) lists them. Nil lists none.
	Messages MessageLog
	// PaymentReturnURL gives the absolute URL the provider sends the
	// payer's browser back to after attempt of permit permitID's payment.
	// Required with HostedPayments.
	PaymentReturnURL func(permitID string, attempt int) string
	// Documents is where the files of permits' evidence are kept: the
	// scheme's evidence retention and anonymisation delete them there
	// (with a document.deleted event each). Nil deletes no files.
	Documents DocumentFiles
	// Forgetters are told of every account anonymised, to remove what
	// they keep of it outside the Store (see Forgetter).
	Forgetters []Forgetter
	// ForgetFailed is told when a Forgetter failed after an account was
	// anonymised (the second pass, for anything written meanwhile); nil
	// tells nothing.
	ForgetFailed func(err error)
}

// maxAttempts bounds the retries of an operation that lost a race
// (ErrConflict): the rules are re-run on the fresh state each time.
const maxAttempts = 5

// NewService wires a Service. scheme, store, locator and payments are
// required; opts may be nil.
func NewService(scheme *Scheme, store Store, locator zones.Locator, payments Payments, opts *Options) (*Service, error) {
	var missing []string
	if scheme == nil {
		missing = append(missing, "scheme")
	}
	if store == nil {
		missing = append(missing, "store")
	}
	if locator == nil {
		missing = append(missing, "locator")
	}
	if payments == nil && (opts == nil || opts.HostedPayments == nil) {
		missing = append(missing, "payments")
	}
	if opts != nil && opts.HostedPayments != nil {
		if opts.PaymentReturnURL == nil {
			missing = append(missing, "Options.PaymentReturnURL (with HostedPayments)")
		}
		if scheme != nil && scheme.AbandonUnpaidAfter > 0 && scheme.AbandonUnpaidAfter < HostedSessionLifetime {
			return nil, fmt.Errorf("permit: NewService: the scheme abandons unpaid applications after %s, less than the payment provider's %s session", scheme.AbandonUnpaidAfter, HostedSessionLifetime)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("permit: NewService: missing %s", strings.Join(missing, ", "))
	}
	s := &Service{scheme: scheme, store: store, locator: locator, payments: payments}
	if opts != nil {
		s.notifier, s.dueRan = opts.Notifier, opts.DueRan
		s.sends = opts.Channels
		s.recordMessages, s.messagesRecorded = opts.RecordMessages, opts.MessagesRecorded
		s.clock = opts.Now
		s.newIDFn = opts.NewID
		s.onNotifyFailed = opts.NotifyFailed
		s.paymentRecordFailed = opts.PaymentRecordFailed
		s.hosted, s.returnTo = opts.HostedPayments, opts.PaymentReturnURL
		s.vehicles, s.vehicleTimeout, s.vehicleCheckFailed = opts.Vehicles, opts.VehicleCheckTimeout, opts.VehicleCheckFailed
		s.messages = opts.Messages
		s.documents, s.forgetters, s.forgetFailed = opts.Documents, slices.Clone(opts.Forgetters), opts.ForgetFailed
	}
	if s.vehicleTimeout <= 0 {
		s.vehicleTimeout = DefaultVehicleCheckTimeout
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	return s, nil
}

// Scheme returns the council scheme the service applies.
func (s *Service) Scheme() *Scheme { return s.scheme }

// Now is the service's clock (Options.Now), in UTC: the instant the
// service would record for something done now. Adapters read it for
// instants recorded beside the service's own.
func (s *Service) Now() time.Time { return s.clock().UTC() }

// Today is the service clock's date in the scheme's time zone (Europe/London
// for the bundled schemes), as a midnight UTC time.Time: the date by which
// permits show upcoming, current or expired.
func (s *Service) Today() time.Time { return s.today(s.Now()) }

func (s *Service) now() time.Time { return s.Now() }

// today is the civil date of an instant in the scheme's time zone.
func (s *Service) today(at time.Time) time.Time {
	return eligibility.Today(at, s.scheme.Location)
}

func (s *Service) newID(prefix string) string {
	if s.newIDFn != nil {
		return s.newIDFn(prefix)
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("permit: crypto/rand failed: " + err.Error()) // never happens on supported platforms
	}
	return prefix + "_" + hex.EncodeToString(b[:])
}

// Actor says who does something; it is recorded on every event, and the
// Service checks it (see RoleAccount and the errors each method lists).
type Actor struct {
	Role string // RoleAccount, RoleOfficer, RoleSystem or RolePublic; other roles only read
	ID   string
}

// System is the actor of scheduled jobs; it speaks for the council.
var System = Actor{Role: RoleSystem}

// AccountActor is a resident's account: it acts on its own account and
// permits only.
func AccountActor(id string) Actor { return Actor{Role: RoleAccount, ID: id} }

// OfficerActor is a council officer: it decides, and acts for any account.
func OfficerActor(id string) Actor { return Actor{Role: RoleOfficer, ID: id} }

// PublicActor is someone not signed in; they may open an account.
var PublicActor = Actor{Role: RolePublic}

func (a Actor) String() string {
	if a.ID == "" {
		return a.Role
	}
	return a.Role + ":" + a.ID
}

// NewAccount is what a resident gives to open an account (R2).
type NewAccount struct {
	Name  string
	Email string
	// Phone is a UK mobile number in any usual form (UKMobile), stored
	// in E.164; "" for none. With no Email, messages go to it by text
	// message when the notifier sends them (Options.Channels).
	Phone string
	UPRN  zones.UPRN
	// Credential is stored on the account for the adapter that
	// authenticates residents (for example a token hash); the domain never
	// reads it.
	Credential string
}

// CreateAccount opens an account at a property found through the Locator.
// Errors: *ValidationError (ErrValidation) naming each bad field;
// ErrNotFound when the UPRN is not a known property; a *LimitError
// (CodeTooManyNewAccounts, wrapping ErrNotEligible) when the property has
// had the scheme's number of accounts opened today; ErrForbidden for an
// actor that may not open accounts (a read-only integration).
func (s *Service) CreateAccount(ctx context.Context, by Actor, in NewAccount) (Account, error) {
	if err := by.mayOpenAccount(); err != nil {
		return Account{}, err
	}
	var v ValidationError
	in.Name = strings.TrimSpace(in.Name)
	in.Email = strings.TrimSpace(in.Email)
	in.Phone = strings.TrimSpace(in.Phone)
	switch {
	case in.Name == "":
		v.add("name", "required", "Enter the account holder's name.")
	case len(in.Name) > 200:
		v.add("name", "too_long", "The name must be at most 200 characters.")
	}
	if in.Email != "" {
		if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
			v.add("email", "invalid_email", "Enter an email address like name@example.com.")
		}
	}
	if e164, ok := UKMobile(in.Phone); ok {
		in.Phone = e164
	} else {
		v.add("phone", "invalid_phone", "Enter a UK mobile number, such as 07700 900123 or +44 7700 900123.")
	}
	if in.UPRN.IsZero() {
		v.add("uprn", "required", "Choose the property (UPRN) found by postcode and house.")
	}
	if err := v.err(); err != nil {
		return Account{}, err
	}
	prop, err := s.locator.Property(ctx, in.UPRN)
	if err != nil {
		if errors.Is(err, zones.ErrPropertyNotFound) {
			return Account{}, fmt.Errorf("%w: property %s: %w", ErrNotFound, in.UPRN, err)
		}
		return Account{}, fmt.Errorf("permit: looking up property %s: %w", in.UPRN, err)
	}
	a := Account{
		ID: s.newID("acc"), Name: in.Name, Email: in.Email, Phone: in.Phone,
		UPRN: prop.UPRN, Address: prop.Address(), Zone: prop.Zone, Credential: in.Credential, Version: 1,
	}
	err = s.update(ctx, by, func(o *op) error {
		a.CreatedAt, a.UpdatedAt = o.at, o.at
		if err := s.capNewAccounts(o, a.UPRN, o.at); err != nil {
			return err
		}
		if err := o.CreateAccount(a); err != nil {
			return err
		}
		return o.event(EventAccountCreated, "", a.ID, map[string]string{"uprn": a.UPRN.String(), "zone": a.Zone.ID})
	})
	if err != nil {
		return Account{}, err
	}
	return a, nil
}

// view returns what get reads in one read-only transaction.
func view[T any](ctx context.Context, st Store, get func(ReadTx) (T, error)) (T, error) {
	var v T
	err := st.View(ctx, func(tx ReadTx) (err error) {
		v, err = get(tx)
		return err
	})
	return v, err
}

// Account returns an account to its holder, the council or a read-only
// integration. ErrNotFound when there is none, or when by is another
// account; ErrForbidden for any other actor.
func (s *Service) Account(ctx context.Context, by Actor, id string) (Account, error) {
	if err := by.mayRead(id, "account", id, true); err != nil {
		return Account{}, err
	}
	return s.account(ctx, id)
}

// account reads an account for the Service itself.
func (s *Service) account(ctx context.Context, id string) (Account, error) {
	return view(ctx, s.store, func(tx ReadTx) (Account, error) { return tx.Account(id) })
}

// Permit returns a permit to its holder, the council or a read-only
// integration. ErrNotFound when there is none, or when by is another
// account; ErrForbidden for any other actor.
func (s *Service) Permit(ctx context.Context, by Actor, id string) (Permit, error) {
	p, err := s.permit(ctx, id)
	if err != nil {
		return Permit{}, err
	}
	if err := by.mayRead(p.AccountID, "permit", id, true); err != nil {
		return Permit{}, err
	}
	return p, nil
}

// permit reads a permit for the Service itself.
func (s *Service) permit(ctx context.Context, id string) (Permit, error) {
	return view(ctx, s.store, func(tx ReadTx) (Permit, error) { return tx.Permit(id) })
}

// PermitsOfAccount returns the account's permits, newest first, to its
// holder, the council or a read-only integration. ErrNotFound when the
// account does not exist, or when by is another account; ErrForbidden for
// any other actor.
func (s *Service) PermitsOfAccount(ctx context.Context, by Actor, accountID string) ([]Permit, error) {
	if err := by.mayRead(accountID, "account", accountID, true); err != nil {
		return nil, err
	}
	var ps []Permit
	err := s.store.View(ctx, func(tx ReadTx) error {
		if _, err := tx.Account(accountID); err != nil {
			return err
		}
		var err error
		ps, err = tx.PermitsOfAccount(accountID)
		return err
	})
	return ps, err
}

// Events pages through the audit and outbox feed (see Store.Events) for
// the council or a read-only integration; ErrForbidden for anyone else.
func (s *Service) Events(ctx context.Context, by Actor, after string, limit int) ([]Event, string, error) {
	if err := by.mayReadAll("the event feed", true); err != nil {
		return nil, "", err
	}
	if limit <= 0 || limit > 1000 {
		return nil, "", &ValidationError{Fields: []FieldError{{Field: "limit", Code: "out_of_range", Detail: "limit must be a whole number from 1 to 1000."}}}
	}
	return s.store.Events(ctx, after, limit)
}

// NotEligibleError carries the decision that refused an application or a
// renewal; every blocking reason is in Decision.Reasons.
type NotEligibleError struct {
	Decision eligibility.Decision
}

func (e *NotEligibleError) Error() string {
	var parts []string
	for _, r := range e.Decision.Reasons {
		if r.Blocking {
			parts = append(parts, string(r.Code))
		}
	}
	return "permit: not eligible: " + strings.Join(parts, ", ")
}

func (e *NotEligibleError) Unwrap() error { return ErrNotEligible }

// Code is the first blocking reason's code (the API's error code).
func (e *NotEligibleError) Code() string {
	for _, r := range e.Decision.Reasons {
		if r.Blocking {
			return string(r.Code)
		}
	}
	return "not_eligible"
}

// EvidenceError carries every problem found with the documents given.
type EvidenceError struct {
	Result evidence.Result
	// Requirements is everything the action needs (the API's
	// required_evidence), so the applicant can send it all again at once.
	Requirements []evidence.Requirement
}

func (e *EvidenceError) Error() string { return "permit: " + e.Result.Err().Error() }

// Unwrap exposes both ErrEvidence and the evidence package's own error, so
// errors.Is works with evidence.ErrEvidenceMissing and friends too.
func (e *EvidenceError) Unwrap() []error { return []error{ErrEvidence, e.Result.Err()} }

// DifferentZoneError refuses a move to a property in another permit zone
// (R7) and says what a new application there needs.
type DifferentZoneError struct {
	From, To zones.Zone
	Property zones.Property
	// RequiredEvidence is everything the new application needs (issue 12
	// finding 8): proof of residency at the new address, the V5C and the
	// permit type's own apply evidence (proof of care), for the types of
	// the account's live permits; with none live, what every type needs
	// in common is not known, so only the move's own requirements.
	RequiredEvidence []evidence.Requirement
	// ByType is what a new application of each of the scheme's permit
	// types needs there, for an applicant choosing another type.
	ByType map[string][]evidence.Requirement
}

func (e *DifferentZoneError) Error() string {
	return fmt.Sprintf("permit: %s is in %s, not %s: apply for a new permit there", e.Property.Address(), zoneName(e.To), zoneName(e.From))
}

func (e *DifferentZoneError) Unwrap() error { return ErrDifferentZone }

func zoneName(z zones.Zone) string {
	if z.IsZero() {
		return "no permit zone"
	}
	return z.Name
}

func scopeKey(pool eligibility.AllowancePool, accountID string, uprn zones.UPRN) string {
	if pool.Scope == eligibility.ScopeAccount {
		return "account:" + accountID
	}
	return "uprn:" + uprn.String()
}

// poolOf finds an allowance pool of the scheme by ID.
func poolOf(s *Scheme, id string) (eligibility.AllowancePool, bool) {
	for _, p := range s.Rules.Pools {
		if p.ID == id {
			return p, true
		}
	}
	return eligibility.AllowancePool{}, false
}
