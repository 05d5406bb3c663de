// Command walkthrough is the project's main example: a year in the life of
// one Leicestershire household's Essential Carer Permits, run through
// permit.Service and told as a story a permit officer can follow.
//
//	go run ./examples/walkthrough
//
// It wires the Service as a council's own program would: the Leicestershire
// scheme and example gazetteer (examples/leicestershire), an in-memory store
// (adapters/memstore), a payment gateway that keeps a ledger instead of
// moving money (adapters/fakepay) and a notifier that keeps the emails it is
// asked to send (adapters/recorder). The clock is pinned and moved forward
// by the story, and identifiers are numbered, so every run prints the same
// text; testdata/walkthrough.golden is that text.
//
// The household's choices (the postcode, the registrations, the day a new
// car arrives, the documents) are written into the program; everything the
// council decides — prices, dates, reasons, refunds, reminders — is printed
// as the Service returned it. When an operation fails the story stops there
// and the program exits with status 1.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/carerpermit/carerpermit/adapters/fakepay"
	"github.com/carerpermit/carerpermit/adapters/memstore"
	"github.com/carerpermit/carerpermit/adapters/recorder"
	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/examples/leicestershire"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/pricing"
	"github.com/carerpermit/carerpermit/zones"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "walkthrough:", err)
		os.Exit(1)
	}
}

// run tells the story to w with the embedded Leicestershire example.
func run(w io.Writer) error {
	places, err := leicestershire.Gazetteer()
	if err != nil {
		return err
	}
	_, err = walk(w, places)
	return err
}

// The household. Only the resident's own choices are constants: what the
// council makes of them is always read back from the Service.
const (
	residentName  = "Jane Smith"
	residentEmail = "jane.smith@example.org"
	homePostcode  = "LE11 3AB"
	homeHouse     = "12"
	newPostcode   = "LE11 3BA"
	newHouse      = "Flat 1, Victoria Mansions"
	carerPermit   = "essential-carer"
	firstCarerCar = "AB12 CDE"
	secondCarCar  = "CD34 EFG"
	firstCarerNew = "EF56 GHI" // the first carer's new car, from 1 June 2027
	officerName   = "p.patel"
	wrapAt        = 92 // columns of the printed story
	indent        = "       "
)

// household is everything the story runs against; tests read the
// gateway's ledger and the store's events after the story ends.
type household struct {
	ctx     context.Context
	svc     *permit.Service
	store   *memstore.Store
	pay     *fakepay.Gateway
	mail    *recorder.Notifier
	places  *zones.Gazetteer
	loc     *time.Location
	officer permit.Actor

	now     time.Time      // the pinned clock, moved only by the story
	ids     map[string]int // per-prefix counters for NewID
	shown   time.Time      // the date of the last day heading printed
	out     io.Writer
	failed  error // the first write error or broken step; the story stops at the next chapter
	account permit.Account
}

// walk runs the whole story and returns the household it ran against.
func walk(w io.Writer, places *zones.Gazetteer) (*household, error) {
	scheme, err := leicestershire.Scheme()
	if err != nil {
		return nil, err
	}
	h := &household{
		ctx: context.Background(), store: memstore.New(), pay: fakepay.New(), mail: &recorder.Notifier{},
		places: places, loc: scheme.Location, officer: permit.OfficerActor(officerName),
		ids: map[string]int{}, out: w,
	}
	h.svc, err = permit.NewService(scheme, h.store, places, h.pay, &permit.Options{Notifier: h.mail,
		Now: func() time.Time { return h.now },
		NewID: func(prefix string) string {
			h.ids[prefix]++
			return fmt.Sprintf("%s_%d", prefix, h.ids[prefix])
		},
		NotifyFailed: func(m permit.Message, err error) {
			h.say("(the %s email to %s could not be sent: %v)", m.Kind, m.To, err)
		}})
	if err != nil {
		return nil, err
	}

	c, o := scheme.Council, scheme.Operator
	h.printf("A year of Essential Carer Permits at one household\n")
	h.printf("%s", wrap("", fmt.Sprintf("Scheme: %s (%s); dates judged in %s; a permit officer reviews within %d working days; rejections are discussed with the council (%s); cancellations and changes go to %s, %s, %s.",
		c.Name, scheme.ID, scheme.Location, scheme.ReviewWorkingDays, c.Website, o.Name, o.Email, o.Phone)))

	for _, chapter := range []func() error{
		h.firstApplication,
		h.rejectionAndReapplication,
		h.secondCarer,
		h.scheduledVehicleChange,
		h.renewal,
		h.sameZoneMove,
		h.cancellation,
		h.summary,
	} {
		if h.failed != nil {
			return h, h.failed
		}
		if err := chapter(); err != nil {
			return h, err
		}
	}
	return h, h.failed
}

// firstApplication is R2: find the property, open the account, ask what
// an Essential Carer Permit would cost, and apply with proof of care.
func (h *household) firstApplication() error {
	h.setClock(2027, time.March, 1, 9, 0)
	home, err := h.findProperty(homePostcode, homeHouse)
	if err != nil {
		return err
	}
	h.say("%s looks up her home by postcode %s and house %q: %s (UPRN %s), in permit zone %s.",
		residentName, homePostcode, homeHouse, home.Address(), home.UPRN, home.Zone.Name)

	h.account, err = h.svc.CreateAccount(h.ctx, permit.System, permit.NewAccount{Name: residentName, Email: residentEmail, UPRN: home.UPRN})
	if err != nil {
		return fmt.Errorf("opening the account: %w", err)
	}
	h.say("She opens account %s with email %s; the account is at %s, zone %s.",
		h.account.ID, h.account.Email, h.account.Address, h.account.Zone.Name)

	if err := h.eligibility("Before applying she asks whether she may have an Essential Carer Permit"); err != nil {
		return err
	}

	p, err := h.apply(firstCarerCar, h.proofOfCare(-5))
	if err != nil {
		return err
	}
	h.say("%s applies for an Essential Carer Permit for her carer's car %s, with a letter from the care agency as proof of care: %s. Permit %s is %s, %s.",
		residentName, p.VRM, h.cost(p), p.ID, words(p.Status), validity(p))
	return h.reviewQueue()
}

// rejectionAndReapplication is R3: the officer refuses, the free place is
// released, the resident is told whom to ask, and applies again.
func (h *household) rejectionAndReapplication() error {
	h.setClock(2027, time.March, 3, 10, 30)
	first, err := h.latestPermit()
	if err != nil {
		return err
	}
	r, err := h.svc.Reject(h.ctx, h.officer, first.ID, permit.Rejection{
		Code:   "proof_unclear",
		Reason: "The letter does not say who provides the care or how often they visit.",
	})
	if err != nil {
		return fmt.Errorf("rejecting %s: %w", first.ID, err)
	}
	h.say("Permit officer %s rejects %s (reason code %s): %q It is now %s; %s.",
		officerName, r.ID, r.Rejection.Code, r.Rejection.Reason, words(r.Status), paymentWords(r.Payment))
	if m, ok := h.lastEmail(permit.MessageRejected); ok {
		h.note("Email to %s: your application %s was rejected: %s To discuss it, contact %s directly (%s).",
			m.To, m.PermitID, m.Data["reason"], m.Data["council_name"], m.Data["council_website"])
	}
	d, err := h.svc.Eligibility(h.ctx, permit.AccountActor(h.account.ID), permit.EligibilityQuery{AccountID: h.account.ID, Type: carerPermit})
	if err != nil {
		return err
	}
	if d.Free {
		h.say("%s", endSentence("The rejection releases the household's free place. Asked again, the council answers: "+decisionWords(d)))
	} else {
		h.say("%s", endSentence("The free place is still held. Asked again, the council answers: "+decisionWords(d)))
	}

	h.setClock(2027, time.March, 4, 9, 15)
	p, err := h.apply(firstCarerCar, h.proofOfCare(-1))
	if err != nil {
		return err
	}
	h.say("A rejected application is not resubmitted: %s applies again the same way, with a new letter saying who cares for her and how often. Permit %s is %s, %s, %s.",
		residentName, p.ID, h.cost(p), words(p.Status), validity(p))

	h.setClock(2027, time.March, 5, 11, 0)
	a, err := h.svc.Approve(h.ctx, h.officer, p.ID)
	if err != nil {
		return fmt.Errorf("approving %s: %w", p.ID, err)
	}
	h.say("%s approves %s. It is %s today, %s, for %s at %s.",
		officerName, a.ID, words(a.StatusOn(h.today())), validity(a), a.VRM, a.Address)
	return nil
}

// secondCarer is R1's "further permits require payment", the card
// authorised at application and captured on approval, and the scheme's
// limit of live permits per property.
func (h *household) secondCarer() error {
	h.setClock(2027, time.March, 8, 10, 0)
	if err := h.eligibility("A second carer starts visiting. Asked about a permit for them"); err != nil {
		return err
	}
	p, err := h.apply(secondCarCar, h.proofOfCare(-3))
	if err != nil {
		return err
	}
	if p.Payment == nil {
		return fmt.Errorf("permit %s costs %s but has no payment", p.ID, money(p.Price))
	}
	h.say("She applies for the second carer's car %s: %s. The card payment %s of %s is %s; permit %s is %s, %s.",
		p.VRM, h.cost(p), p.Payment.ID, money(p.Payment.Amount), p.Payment.Status, p.ID, words(p.Status), validity(p))
	h.ledger()

	d, err := h.svc.Eligibility(h.ctx, permit.AccountActor(h.account.ID), permit.EligibilityQuery{AccountID: h.account.ID, Type: carerPermit})
	if err != nil {
		return err
	}
	h.say("%s", endSentence("Could a third carer have one? The council answers: "+decisionWords(d)))

	h.setClock(2027, time.March, 10, 14, 0)
	a, err := h.svc.Approve(h.ctx, h.officer, p.ID)
	if err != nil {
		return fmt.Errorf("approving %s: %w", p.ID, err)
	}
	h.say("%s approves %s; payment %s is %s (%s). The permit is %s, %s.",
		officerName, a.ID, a.Payment.ID, a.Payment.Status, money(a.Payment.Amount), words(a.StatusOn(h.today())), validity(a))
	h.ledger()
	return nil
}

// scheduledVehicleChange is R4 for a future date: it takes effect at the
// start of that day in Europe/London, which in June is 23:00 UTC the day
// before.
func (h *household) scheduledVehicleChange() error {
	h.setClock(2027, time.May, 20, 18, 0)
	p, err := h.freePermit()
	if err != nil {
		return err
	}
	on := time.Date(2027, time.June, 1, 0, 0, 0, 0, time.UTC)
	_, change, err := h.svc.ChangeVehicle(h.ctx, permit.AccountActor(h.account.ID), p.ID, firstCarerNew, on)
	if err != nil {
		return fmt.Errorf("scheduling a vehicle change on %s: %w", p.ID, err)
	}
	if change == nil {
		return fmt.Errorf("the vehicle change on %s for %s took effect at once", p.ID, longDate(on))
	}
	h.say("The first carer is getting a new car. %s asks for permit %s to move from %s to %s from %s: change %s is scheduled for the start of that day.",
		residentName, p.ID, p.VRM, change.VRM, longDate(change.EffectiveOn), change.ID)

	midnight := time.Date(change.EffectiveOn.Year(), change.EffectiveOn.Month(), change.EffectiveOn.Day(), 0, 0, 0, 0, h.loc)
	for _, at := range []time.Time{midnight.Add(-time.Minute), midnight} {
		h.setClockAt(at)
		rep, err := h.svc.RunDue(h.ctx, h.now)
		if err != nil {
			return fmt.Errorf("running due jobs: %w", err)
		}
		cur, err := h.svc.Permit(h.ctx, permit.AccountActor(h.account.ID), p.ID)
		if err != nil {
			return err
		}
		h.say("(%s; %s) The scheduled jobs run and apply %s. Permit %s shows %s.",
			at.In(h.loc).Format("MST"), at.UTC().Format("15:04 MST on 2 January"), plural(rep.VehicleChangesApplied, "vehicle change", "vehicle changes"), cur.ID, cur.VRM)
	}
	if m, ok := h.lastEmail(permit.MessageVehicleChanged); ok {
		h.note("Email to %s: the %s at %s now shows %s.", m.To, m.Data["permit_type"], m.Data["address"], m.Data["vrm"])
	}
	return nil
}

// renewal is R5: too early one day, reminded and renewed the next; the
// renewal continues the free place and starts the day after expiry.
func (h *household) renewal() error {
	p, err := h.freePermit()
	if err != nil {
		return err
	}
	scheme := h.svc.Scheme()
	window := scheme.Rules.RenewalWindowDays
	tooEarly := p.ExpiresOn.AddDate(0, 0, -(window + 1))
	h.setClock(tooEarly.Year(), tooEarly.Month(), tooEarly.Day(), 9, 0)
	rep, err := h.svc.RunDue(h.ctx, h.now)
	if err != nil {
		return fmt.Errorf("running due jobs: %w", err)
	}
	h.say("Time passes. %d days before permit %s expires on %s, the scheduled jobs send %s.",
		daysBetween(h.today(), p.ExpiresOn), p.ID, longDate(p.ExpiresOn), plural(rep.RemindersSent, "reminder", "reminders"))
	_, err = h.svc.Renew(h.ctx, permit.AccountActor(h.account.ID), p.ID, permit.Renewal{Evidence: h.proofOfCare(-4)})
	var ne *permit.NotEligibleError
	if !errors.As(err, &ne) {
		return fmt.Errorf("renewing %s %d days before expiry: want a refusal, got %v", p.ID, daysBetween(h.today(), p.ExpiresOn), err)
	}
	why, _ := ne.Decision.Blocking()
	h.say("%s tries to renew it anyway and is refused (%s): %s", residentName, ne.Code(), why.Detail)

	remindOn := p.ExpiresOn.AddDate(0, 0, -scheme.ReminderDays[0])
	h.setClock(remindOn.Year(), remindOn.Month(), remindOn.Day(), 7, 0)
	rep, err = h.svc.RunDue(h.ctx, h.now)
	if err != nil {
		return fmt.Errorf("running due jobs: %w", err)
	}
	h.say("%d days before expiry the scheduled jobs send %s.", daysBetween(h.today(), p.ExpiresOn), plural(rep.RemindersSent, "reminder", "reminders"))
	if err := h.reminderEmail(); err != nil {
		return err
	}

	h.setClock(remindOn.Year(), remindOn.Month(), remindOn.Day(), 9, 30)
	r, err := h.svc.Renew(h.ctx, permit.AccountActor(h.account.ID), p.ID, permit.Renewal{Evidence: h.proofOfCare(-5)})
	if err != nil {
		return fmt.Errorf("renewing %s: %w", p.ID, err)
	}
	cost := h.cost(r)
	if r.Free && r.ChainID == p.ChainID {
		cost = fmt.Sprintf("free (%s) because it continues %s's renewal chain and so keeps the household's free place", money(r.Price), p.ID)
	}
	h.say("%s renews %s with updated proof of care. Renewal %s is %s, %s, %s, for %s.",
		residentName, p.ID, r.ID, words(r.Status), cost, validity(r), r.VRM)

	h.setClock(remindOn.Year(), remindOn.Month(), remindOn.Day()+2, 10, 0)
	a, err := h.svc.Approve(h.ctx, h.officer, r.ID)
	if err != nil {
		return fmt.Errorf("approving renewal %s: %w", r.ID, err)
	}
	gap := fmt.Sprintf("%d days after", daysBetween(p.ExpiresOn, a.StartsOn))
	if a.StartsOn.Equal(p.ExpiresOn.AddDate(0, 0, 1)) {
		gap = "the day after"
	}
	h.say("%s approves renewal %s: it is %s, starting %s, %s %s ends on %s.",
		officerName, a.ID, words(a.StatusOn(h.today())), longDate(a.StartsOn), gap, p.ID, longDate(p.ExpiresOn))

	paid, err := h.paidPermit()
	if err != nil {
		return err
	}
	remindOn = paid.ExpiresOn.AddDate(0, 0, -scheme.ReminderDays[0])
	h.setClock(remindOn.Year(), remindOn.Month(), remindOn.Day(), 7, 0)
	rep, err = h.svc.RunDue(h.ctx, h.now)
	if err != nil {
		return fmt.Errorf("running due jobs: %w", err)
	}
	h.say("The scheduled jobs send %s, for the second carer's permit %s.", plural(rep.RemindersSent, "reminder", "reminders"), paid.ID)
	return h.reminderEmail()
}

// sameZoneMove is R7 within one zone: proof of residency, an officer's
// approval, and the permits follow the household.
func (h *household) sameZoneMove() error {
	h.setClock(2028, time.February, 10, 12, 0)
	to, err := h.findProperty(newPostcode, newHouse)
	if err != nil {
		return err
	}
	bill := evidence.Document{Kind: "utility_bill", IssuedOn: h.today().AddDate(0, 0, -12), Name: residentName, Address: to.Address()}
	c, err := h.svc.RequestAddressChange(h.ctx, permit.AccountActor(h.account.ID), h.account.ID, to.UPRN, []evidence.Document{bill})
	if err != nil {
		return fmt.Errorf("asking to move to %s: %w", to.Address(), err)
	}
	h.say("%s is moving to %s (UPRN %s), also in zone %s. She sends a %s dated %s as proof of residency: address change %s is %s, due for review by %s.",
		residentName, c.ToAddress, c.ToUPRN, c.Zone.Name, strings.ReplaceAll(string(bill.Kind), "_", " "), longDate(bill.IssuedOn),
		c.ID, words(permit.Status(c.Status)), longDate(c.DueOn))

	h.setClock(2028, time.February, 14, 9, 45)
	done, err := h.svc.ApproveAddressChange(h.ctx, h.officer, c.ID)
	if err != nil {
		return fmt.Errorf("approving address change %s: %w", c.ID, err)
	}
	acc, err := h.svc.Account(h.ctx, permit.AccountActor(h.account.ID), h.account.ID)
	if err != nil {
		return err
	}
	h.account = acc
	h.say("%s approves address change %s: it is %s, and account %s is now at %s. No new permit is needed; the household's permits follow:",
		officerName, done.ID, words(permit.Status(done.Status)), acc.ID, acc.Address)
	ps, err := h.permits()
	if err != nil {
		return err
	}
	for _, p := range ps {
		if p.Live(h.today()) {
			h.note("%s for %s, %s, %s: at %s", p.ID, p.VRM, freeWord(p), words(p.StatusOn(h.today())), p.Address)
		}
	}
	return nil
}

// cancellation is R6: the paid permit ends early and, Leicestershire
// permits being non-refundable, nothing comes back.
func (h *household) cancellation() error {
	h.setClock(2028, time.February, 15, 16, 20)
	p, err := h.paidPermit()
	if err != nil {
		return err
	}
	c, err := h.svc.Cancel(h.ctx, permit.AccountActor(h.account.ID), p.ID, "the second carer no longer visits")
	if err != nil {
		return fmt.Errorf("cancelling %s: %w", p.ID, err)
	}
	why := ""
	if e, ok, err := h.lastEvent(c.ID, permit.EventPermitCancelled); err != nil {
		return err
	} else if ok && e.Data["refund_reason"] != "" {
		why = fmt.Sprintf(": %q", e.Data["refund_reason"])
	}
	h.say("%s", endSentence(fmt.Sprintf("The second carer no longer visits: %s cancels %s, paid %s. It is %s; refund %s%s",
		residentName, c.ID, money(c.Payment.Amount), words(c.Status), money(c.Cancellation.Refund), why)))
	h.ledger()
	return nil
}

// summary closes the year: the permits as they stand, the money, the
// emails and the audit trail.
func (h *household) summary() error {
	h.setClock(2028, time.March, 4, 9, 0)
	rep, err := h.svc.RunDue(h.ctx, h.now)
	if err != nil {
		return fmt.Errorf("running due jobs: %w", err)
	}
	h.say("The scheduled jobs run (%s, %s, %s).",
		plural(rep.VehicleChangesApplied, "vehicle change", "vehicle changes"), plural(rep.RemindersSent, "reminder", "reminders"),
		plural(rep.UnpaidWithdrawn, "unpaid application withdrawn", "unpaid applications withdrawn"))

	today := h.today()
	h.printf("\nWhere things stand on %s\n", longDate(today))
	ps, err := h.permits()
	if err != nil {
		return err
	}
	for _, p := range ps {
		line := fmt.Sprintf("%-6s %-8s %-8s %s to %s, %s", p.ID, p.VRM, freeWord(p), shortDate(p.StartsOn), shortDate(p.ExpiresOn), words(p.StatusOn(today)))
		switch {
		case p.Rejection != nil:
			line += " (" + p.Rejection.Code + ")"
		case p.Cancellation != nil:
			line += " (refund " + money(p.Cancellation.Refund) + ")"
		case p.RenewalOf != "":
			line += " (renews " + p.RenewalOf + ")"
		}
		h.printf("  %s\n", line)
	}
	h.printf("%s", wrap("  ", fmt.Sprintf("Account %s: %s, %s, zone %s.", h.account.ID, h.account.Name, h.account.Address, h.account.Zone.Name)))
	d, err := h.svc.Eligibility(h.ctx, permit.AccountActor(h.account.ID), permit.EligibilityQuery{AccountID: h.account.ID, Type: carerPermit})
	if err != nil {
		return err
	}
	h.printf("%s", wrap("  ", endSentence("A new Essential Carer Permit today would be "+decisionWords(d))))

	h.printf("\nMoney (fakepay ledger)\n")
	for _, line := range strings.Split(strings.TrimRight(h.pay.String(), "\n"), "\n") {
		h.printf("  %s\n", line)
	}
	h.printf("  Taken %s, held %s.\n", money(h.pay.Taken()), money(h.pay.Held()))

	h.printf("\nEmails to %s\n", residentEmail)
	counts := map[permit.MessageKind]int{}
	var kinds []permit.MessageKind
	for _, m := range h.mail.Messages() {
		if counts[m.Kind] == 0 {
			kinds = append(kinds, m.Kind)
		}
		counts[m.Kind]++
	}
	var parts []string
	for _, k := range kinds {
		parts = append(parts, fmt.Sprintf("%s %d", k, counts[k]))
	}
	h.printf("%s", wrap("  ", fmt.Sprintf("%d in all: %s.", len(h.mail.Messages()), strings.Join(parts, ", "))))

	events, err := h.events()
	if err != nil {
		return err
	}
	const tail = 6
	h.printf("\nAudit and outbox feed: %d events; the last %d:\n", len(events), min(tail, len(events)))
	for _, e := range events[max(0, len(events)-tail):] {
		h.printf("  %s\n", eventLine(e))
	}
	return nil
}

// findProperty looks a property up as an applicant does (R2) and insists
// on exactly one match in a permit zone, so the story never silently
// picks another house.
func (h *household) findProperty(postcode, house string) (zones.Property, error) {
	pc, err := zones.ParsePostcode(postcode)
	if err != nil {
		return zones.Property{}, err
	}
	found, err := h.places.FindProperties(h.ctx, pc, house)
	if err != nil {
		return zones.Property{}, err
	}
	if len(found) != 1 {
		return zones.Property{}, fmt.Errorf("looking up %s %q: %d properties match, want 1", postcode, house, len(found))
	}
	if !found[0].InZone() {
		return zones.Property{}, fmt.Errorf("%s is outside every permit zone", found[0].Address())
	}
	return found[0], nil
}

// eligibility prints the council's answer to "may I, is it free, what does
// it cost, what must I send".
func (h *household) eligibility(asked string) error {
	d, err := h.svc.Eligibility(h.ctx, permit.AccountActor(h.account.ID), permit.EligibilityQuery{AccountID: h.account.ID, Type: carerPermit})
	if err != nil {
		return fmt.Errorf("asking about eligibility: %w", err)
	}
	var needs []string
	for _, r := range d.RequiredEvidence {
		needs = append(needs, r.Title)
	}
	h.say("%s Evidence needed: %s.", endSentence(asked+", the council answers: "+decisionWords(d)), strings.Join(needs, ", "))
	return nil
}

func (h *household) apply(vrm string, docs []evidence.Document) (permit.Permit, error) {
	p, err := h.svc.Apply(h.ctx, permit.AccountActor(h.account.ID), permit.Application{
		AccountID: h.account.ID, Type: carerPermit, VRM: vrm, Evidence: docs,
	})
	if err != nil {
		return permit.Permit{}, fmt.Errorf("applying for %s: %w", vrm, err)
	}
	return p, nil
}

// proofOfCare is a letter from the care agency naming the resident, dated
// daysAgo (a negative number) from today.
func (h *household) proofOfCare(daysAgo int) []evidence.Document {
	return []evidence.Document{{Kind: "proof_of_care", IssuedOn: h.today().AddDate(0, 0, daysAgo), Name: residentName}}
}

func (h *household) reviewQueue() error {
	q, err := h.svc.ReviewQueue(h.ctx, h.officer, 10)
	if err != nil {
		return err
	}
	for _, it := range q {
		if it.Permit != nil {
			h.say("It joins the permit officers' review queue, due by %s (%d working days, %s bank holidays).",
				longDate(it.DueOn), h.svc.Scheme().ReviewWorkingDays, h.svc.Scheme().Nation)
		}
	}
	return nil
}

func (h *household) reminderEmail() error {
	m, ok := h.lastEmail(permit.MessageExpiryReminder)
	if !ok {
		return errors.New("no expiry reminder was recorded")
	}
	expires, err := time.Parse(time.DateOnly, m.Data["expires_on"])
	if err != nil {
		return fmt.Errorf("reminder for %s: expires_on: %w", m.PermitID, err)
	}
	from, err := time.Parse(time.DateOnly, m.Data["renew_from"])
	if err != nil {
		return fmt.Errorf("reminder for %s: renew_from: %w", m.PermitID, err)
	}
	h.note("Email to %s: your %s %s for %s expires on %s (%s days). You can renew it from %s; see %s.",
		m.To, m.Data["permit_type"], m.PermitID, m.Data["vrm"], longDate(expires), m.Data["days_before"], longDate(from), m.Data["council_website"])
	return nil
}

func (h *household) ledger() {
	h.note("Card ledger: taken %s, held %s.", money(h.pay.Taken()), money(h.pay.Held()))
}

// permits returns the account's permits oldest first, as a story reads.
func (h *household) permits() ([]permit.Permit, error) {
	ps, err := h.svc.PermitsOfAccount(h.ctx, permit.AccountActor(h.account.ID), h.account.ID)
	if err != nil {
		return nil, err
	}
	slices.Reverse(ps)
	return ps, nil
}

func (h *household) latestPermit() (permit.Permit, error) {
	ps, err := h.permits()
	if err != nil {
		return permit.Permit{}, err
	}
	if len(ps) == 0 {
		return permit.Permit{}, errors.New("the account has no permit")
	}
	return ps[len(ps)-1], nil
}

// freePermit is the approved free permit that is not yet renewed.
func (h *household) freePermit() (permit.Permit, error) {
	return h.find("approved free permit", func(p permit.Permit) bool { return p.Status == permit.Approved && p.Free && p.RenewedBy == "" })
}

// paidPermit is the approved paid permit.
func (h *household) paidPermit() (permit.Permit, error) {
	return h.find("approved paid permit", func(p permit.Permit) bool { return p.Status == permit.Approved && !p.Free })
}

func (h *household) find(what string, match func(permit.Permit) bool) (permit.Permit, error) {
	ps, err := h.permits()
	if err != nil {
		return permit.Permit{}, err
	}
	for _, p := range ps {
		if match(p) {
			return p, nil
		}
	}
	return permit.Permit{}, fmt.Errorf("account %s has no %s", h.account.ID, what)
}

func (h *household) lastEmail(kind permit.MessageKind) (permit.Message, bool) {
	ms := h.mail.Of(kind)
	if len(ms) == 0 {
		return permit.Message{}, false
	}
	return ms[len(ms)-1], true
}

// events reads the whole feed, page by page, as a back-office system does.
func (h *household) events() ([]permit.Event, error) {
	var all []permit.Event
	cursor := ""
	for {
		page, next, err := h.svc.Events(h.ctx, h.officer, cursor, 100)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if len(page) == 0 || next == cursor {
			return all, nil
		}
		cursor = next
	}
}

func (h *household) lastEvent(permitID string, t permit.EventType) (permit.Event, bool, error) {
	evs, err := h.events()
	if err != nil {
		return permit.Event{}, false, err
	}
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].PermitID == permitID && evs[i].Type == t {
			return evs[i], true, nil
		}
	}
	return permit.Event{}, false, nil
}

// setClock moves the clock to a London wall-clock time, printing the
// day's heading when the date changes.
func (h *household) setClock(y int, m time.Month, d, hh, mm int) {
	h.setClockAt(time.Date(y, m, d, hh, mm, 0, 0, h.loc))
}

func (h *household) setClockAt(t time.Time) {
	if t.Before(h.now) {
		h.fail(fmt.Errorf("the story's clock would go back from %s to %s", h.now, t))
	}
	h.now = t.UTC()
	if day := h.today(); !day.Equal(h.shown) {
		h.shown = day
		h.printf("\n%s\n", longDate(day))
	}
}

func (h *household) today() time.Time { return eligibility.Today(h.now, h.loc) }

// say prints one step of the story, stamped with the London time.
func (h *household) say(format string, args ...any) {
	h.printf("%s", wrap(h.now.In(h.loc).Format("15:04")+"  ", fmt.Sprintf(format, args...)))
}

// note prints a detail under the step before it.
func (h *household) note(format string, args ...any) {
	h.printf("%s", wrap(indent+"· ", fmt.Sprintf(format, args...)))
}

func (h *household) printf(format string, args ...any) {
	if h.failed != nil {
		return
	}
	if _, err := fmt.Fprintf(h.out, format, args...); err != nil {
		h.fail(err)
	}
}

func (h *household) fail(err error) {
	if h.failed == nil {
		h.failed = err
	}
}

// wrap fills text into lines of at most wrapAt columns, the first starting
// with lead and the rest indented to match.
func wrap(lead, text string) string {
	width := utf8.RuneCountInString
	pad := strings.Repeat(" ", width(lead))
	var b strings.Builder
	line, started := lead, false
	for _, word := range strings.Fields(text) {
		if started && width(line)+1+width(word) > wrapAt {
			b.WriteString(line + "\n")
			line, started = pad, false
		}
		if started {
			line += " "
		}
		line, started = line+word, true
	}
	b.WriteString(line + "\n")
	return b.String()
}

// endSentence closes a sentence that may end with a quoted one.
func endSentence(s string) string {
	if strings.HasSuffix(s, ".") || strings.HasSuffix(s, `."`) {
		return s
	}
	return s + "."
}

func money(d decimal.Decimal) string { return "£" + pricing.FormatMoney(d) }

func longDate(t time.Time) string  { return t.Format("Monday 2 January 2006") }
func shortDate(t time.Time) string { return t.Format("2 Jan 2006") }

func daysBetween(from, to time.Time) int { return int(to.Sub(from).Hours() / 24) }

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// words turns a status code into the words an officer uses.
func words(s permit.Status) string { return strings.ReplaceAll(string(s), "_", " ") }

func validity(p permit.Permit) string {
	return fmt.Sprintf("valid %s to %s", longDate(p.StartsOn), longDate(p.ExpiresOn))
}

func freeWord(p permit.Permit) string {
	if p.Free {
		return "free"
	}
	return money(p.Price)
}

// cost says what a permit costs and, when free, which allowance it takes,
// in the scheme's words.
func (h *household) cost(p permit.Permit) string {
	if !p.Free {
		return money(p.Price)
	}
	for _, pool := range h.svc.Scheme().Rules.Pools {
		if pool.ID == p.Pool {
			return fmt.Sprintf("free (%s), taking the household's %s", money(p.Price), pool.Name)
		}
	}
	return fmt.Sprintf("free (%s)", money(p.Price))
}

func paymentWords(p *permit.Payment) string {
	if p == nil {
		return "no payment to return (the permit was free)"
	}
	return fmt.Sprintf("the payment of %s is %s", money(p.Amount), p.Status)
}

// decisionWords puts an eligibility decision into one clause: eligible or
// not and why, free or the price and why.
func decisionWords(d eligibility.Decision) string {
	var b strings.Builder
	if r, blocked := d.Blocking(); blocked {
		fmt.Fprintf(&b, "not eligible (%s): %q", r.Code, r.Detail)
		return b.String()
	}
	if d.Free {
		fmt.Fprintf(&b, "eligible, free (%s)", money(d.Price))
	} else {
		fmt.Fprintf(&b, "eligible, %s", money(d.Price))
	}
	for _, r := range d.Reasons {
		fmt.Fprintf(&b, ", %q", r.Detail)
	}
	if d.Quote.Reason != "" && !d.Free {
		fmt.Fprintf(&b, ", %q", d.Quote.Reason)
	}
	fmt.Fprintf(&b, "; it would run from %s to %s", longDate(d.StartsOn), longDate(d.ExpiresOn))
	return b.String()
}

// eventLine prints a feed entry with its data in key order, so the output
// never depends on map iteration.
func eventLine(e permit.Event) string {
	keys := make([]string, 0, len(e.Data))
	for k := range e.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var kv []string
	for _, k := range keys {
		kv = append(kv, k+"="+e.Data[k])
	}
	subject := e.PermitID
	if subject == "" {
		subject = e.AccountID
	}
	return fmt.Sprintf("%s %s %-28s %-7s %-16s %s", e.ID, e.At.UTC().Format(time.RFC3339), e.Type, subject, e.Actor, strings.Join(kv, " "))
}
