package scheme_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/scheme"
	"github.com/carerpermit/carerpermit/pricing"
	"github.com/carerpermit/carerpermit/zones"
)

const (
	leicestershireFile = "../../examples/leicestershire/scheme.yaml"
	strathmoreFile     = "../../examples/strathmore/scheme.yaml"
)

func loadFile(t testing.TB, path string) (*permit.Scheme, error) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return scheme.Load(bytes.NewReader(data))
}

func mustLoad(t testing.TB, path string) *permit.Scheme {
	t.Helper()
	s, err := loadFile(t, path)
	require.NoError(t, err)
	return s
}

// day is a Europe/London civil date as the library carries it.
func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func money(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func requirementNames(qs []evidence.Requirement) []string {
	out := make([]string, len(qs))
	for i, q := range qs {
		out[i] = q.Name
	}
	return out
}

func TestLoadSchemeLeicestershire(t *testing.T) {
	s := mustLoad(t, leicestershireFile)

	require.Equal(t, "leicestershire", s.ID)
	require.Equal(t, permit.Council{
		Name:    "Leicestershire County Council",
		Website: "https://www.leicestershire.gov.uk",
	}, s.Council)
	require.Equal(t, zones.EnglandAndWales, s.Nation)
	require.Equal(t, "Europe/London", s.Location.String())
	require.Equal(t, 10, s.ReviewWorkingDays)
	require.Equal(t, 24*time.Hour, s.AbandonUnpaidAfter)
	require.Equal(t, []int{30}, s.ReminderDays)
	require.Equal(t, 30, s.Rules.RenewalWindowDays)
	require.Equal(t, 90, s.Rules.FurthestStartDays, "R1 decision: a start at most 90 days ahead")
	require.Equal(t, 2, s.PendingApplicationsPerProperty)
	require.Equal(t, 3, s.AccountsPerPropertyPerDay)
	require.Equal(t, pricing.RefundNone, s.Refunds.Kind)
	require.Len(t, s.Rules.Zones, 17)

	ecp, ok := s.PermitType("essential-carer")
	require.True(t, ok)
	require.Equal(t, "Essential Carer Permit", ecp.Name)
	require.Equal(t, 12, ecp.ValidityMonths)
	require.True(t, ecp.Renewable)
	require.Equal(t, []string{"proof_of_care"}, requirementNames(ecp.Evidence[evidence.ActionApply]))
	require.Equal(t, []string{"proof_of_care"}, requirementNames(ecp.Evidence[evidence.ActionRenew]))
	drp, ok := s.PermitType("disabled-resident")
	require.True(t, ok)
	require.Equal(t, []evidence.Kind{"blue_badge"}, drp.Evidence[evidence.ActionApply][0].OneOf)
	_, ok = s.PermitType("resident")
	require.False(t, ok)

	require.Equal(t, []eligibility.AllowancePool{{
		ID: "carer-or-disabled", Name: "free Essential Carer or Disabled Resident Permit",
		Types: []string{"essential-carer", "disabled-resident"}, Scope: eligibility.ScopeProperty, Free: 1,
	}}, s.Rules.Pools)
	require.Len(t, s.Rules.Limits, 1)
	require.Equal(t, 2, s.Rules.Limits[0].Max)
	require.Equal(t, eligibility.ScopeProperty, s.Rules.Limits[0].Scope)

	// R7: same-zone moves need one of the five proofs of residency.
	require.Len(t, s.AddressChangeSameZone, 1)
	require.Equal(t, []evidence.Kind{"tenancy_agreement", "utility_bill", "bank_statement", "letter_of_completion", "solicitor_letter"},
		s.AddressChangeSameZone[0].OneOf)
	reqs, ok := s.Requirements("essential-carer", evidence.ActionApplicationNewZone)
	require.True(t, ok)
	require.Equal(t, []string{"proof_of_care", "proof_of_residency", "vehicle_registration"}, requirementNames(reqs))
	tenancy, ok := s.Evidence.Kind("tenancy_agreement")
	require.True(t, ok)
	require.Equal(t, []evidence.Check{evidence.CheckTenancy}, tenancy.Checks)
	bill, _ := s.Evidence.Kind("utility_bill")
	require.Equal(t, 3, bill.MaxAgeMonths)
	v5c, _ := s.Evidence.Kind("v5c")
	require.Equal(t, []evidence.Check{evidence.CheckV5C}, v5c.Checks)

	// Prices rose 10% on 1 April 2025.
	for _, tc := range []struct {
		on    time.Time
		price string
	}{
		{day(2025, time.March, 31), "50.00"},
		{day(2025, time.April, 1), "55.00"},
	} {
		for _, pt := range []string{"essential-carer", "disabled-resident"} {
			row, err := s.Rules.Tariffs.PriceOn(pt, "loughborough-1", 12, tc.on)
			require.NoError(t, err)
			require.True(t, money(tc.price).Equal(row.Price), "%s on %s: %s", pt, tc.on, row.Price)
		}
	}
}

// The scheme's zones are exactly the zones of the Leicestershire gazetteer.
func TestLeicestershireZonesMatchGazetteer(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the whole Leicestershire gazetteer")
	}
	f, err := os.Open("../../examples/leicestershire/gazetteer.csv.gz")
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("examples/leicestershire/gazetteer.csv.gz is not there")
	}
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	g, err := zones.LoadGazetteer(zr)
	require.NoError(t, err)

	s := mustLoad(t, leicestershireFile)
	byID := func(a, b zones.Zone) int { return strings.Compare(a.ID, b.ID) }
	want := slices.SortedFunc(slices.Values(g.Zones()), byID)
	got := slices.SortedFunc(slices.Values(s.Rules.Zones), byID)
	require.Equal(t, want, got)
}

func TestStrathmoreZonesMatchGazetteer(t *testing.T) {
	f, err := os.Open("../../examples/strathmore/gazetteer.csv")
	require.NoError(t, err)
	defer f.Close()
	g, err := zones.LoadGazetteer(f)
	require.NoError(t, err)
	s := mustLoad(t, strathmoreFile)
	byID := func(a, b zones.Zone) int { return strings.Compare(a.ID, b.ID) }
	require.Equal(t, slices.SortedFunc(slices.Values(g.Zones()), byID), slices.SortedFunc(slices.Values(s.Rules.Zones), byID))
}

func TestLoadSchemeStrathmore(t *testing.T) {
	s := mustLoad(t, strathmoreFile)
	require.Equal(t, "strathmore", s.ID)
	require.Equal(t, zones.Scotland, s.Nation)
	require.Equal(t, "Europe/London", s.Location.String(), "the default time zone")
	require.Equal(t, []int{14, 3}, s.ReminderDays)
	require.Equal(t, 14, s.Rules.RenewalWindowDays)
	require.Equal(t, 60, s.Rules.FurthestStartDays)
	require.Equal(t, 4, s.PendingApplicationsPerProperty)
	require.Equal(t, 2, s.AccountsPerPropertyPerDay)
	require.Equal(t, 5, s.ReviewWorkingDays)
	require.Equal(t, 2*time.Hour, s.AbandonUnpaidAfter)
	require.Equal(t, pricing.RefundProRata, s.Refunds.Kind)
	require.True(t, money("5.00").Equal(s.Refunds.AdminFee))

	hv, ok := s.PermitType("health-visitor")
	require.True(t, ok)
	require.False(t, hv.Renewable)
	carer, _ := s.PermitType("carer")
	require.Equal(t, []string{"vehicle_registration"}, requirementNames(carer.Evidence[evidence.ActionVehicleChange]))
	same, ok := s.Requirements("anything", evidence.ActionAddressChangeSameZone)
	require.True(t, ok)
	require.Equal(t, []string{"residency"}, requirementNames(same))
	_, ok = s.Requirements("carer", "teleport")
	require.False(t, ok)
	_, ok = s.Requirements("resident", evidence.ActionApply)
	require.False(t, ok)
}

func TestLoadSchemeMinimal(t *testing.T) {
	s := mustLoad(t, "testdata/minimal.yaml")
	require.Equal(t, "minimal", s.ID)
	require.Equal(t, scheme.DefaultFurthestStartDays, s.Rules.FurthestStartDays, "left out: a year ahead")
	require.Zero(t, s.PendingApplicationsPerProperty, "left out: no cap")
	require.Zero(t, s.AccountsPerPropertyPerDay, "left out: no cap")
	require.Empty(t, s.VehicleCheck, "left out: off")
	require.Zero(t, s.VehicleCheckCache, "left out: the default")
	s = mustLoad(t, "testdata/docs/every-optional-key.yaml")
	require.Equal(t, permit.VehicleCheckWarn, s.VehicleCheck)
	require.Equal(t, 12*time.Hour, s.VehicleCheckCache)
	require.Equal(t, "Europe/London", s.Location.String())
	require.Equal(t, []permit.MessageKind{permit.MessageRejected, permit.MessageCancelled}, s.ByLetter)
}

// strathmore fixtures: a property in Forfar 1 shared by two accounts.
var (
	forfar = zones.Property{UPRN: 910000000001, BuildingNumber: "1", Street: "Strath Wynd", Town: "Forfar",
		Zone: zones.Zone{ID: "forfar-1", Name: "Forfar 1"}}
	blairgowrie = zones.Property{UPRN: 910000000009, BuildingNumber: "3", Street: "Well Brae", Town: "Blairgowrie",
		Zone: zones.Zone{ID: "blairgowrie-1", Name: "Blairgowrie 1"}}
	noon = func(d time.Time) time.Time { return d.Add(12 * time.Hour) }
)

func freeCarer(id, account string, slot int, starts time.Time) eligibility.Holding {
	return eligibility.Holding{ID: id, AccountID: account, Type: "carer", UPRN: forfar.UPRN,
		Status: eligibility.StatusApproved, Free: true, FreeSlot: slot, ChainID: id,
		StartsOn: starts, ExpiresOn: eligibility.ExpiryDate(starts, 12)}
}

// Strathmore gives two free carer permits per account: the third is paid,
// and a second account at the same address has its own two. Leicestershire
// counts its one free permit per property, so there the second account
// pays.
func TestSchemeFreeAllowanceScope(t *testing.T) {
	strath := mustLoad(t, strathmoreFile)
	at := noon(day(2026, time.March, 2))
	first := freeCarer("p1", "alice", 1, day(2026, time.January, 5))
	second := freeCarer("p2", "alice", 2, day(2026, time.February, 5))

	decide := func(s *permit.Scheme, typ, account string, hs ...eligibility.Holding) eligibility.Decision {
		return s.Rules.Decide(eligibility.Request{Kind: eligibility.KindNew, PermitType: typ,
			AccountID: account, Property: forfar, Holdings: hs, At: at})
	}

	d := decide(strath, "carer", "alice")
	require.True(t, d.Eligible, "%+v", d.Reasons)
	require.True(t, d.Free)
	require.Equal(t, 1, d.FreeSlot)

	d = decide(strath, "carer", "alice", first)
	require.True(t, d.Free)
	require.Equal(t, 2, d.FreeSlot)

	d = decide(strath, "carer", "alice", first, second)
	require.True(t, d.Eligible, "%+v", d.Reasons)
	require.False(t, d.Free)
	require.True(t, money("36.00").Equal(d.Price), d.Price.String())

	d = decide(strath, "carer", "bob", first, second)
	require.True(t, d.Free, "a second account at the same address has its own allowance")
	require.Equal(t, 1, d.FreeSlot)

	leics := mustLoad(t, leicestershireFile)
	leicsProperty := zones.Property{UPRN: 900000000001, BuildingNumber: "1", Street: "Ashby Road", Town: "Loughborough",
		Zone: zones.Zone{ID: "loughborough-1", Name: "Loughborough 1"}}
	ecp := eligibility.Holding{ID: "l1", AccountID: "alice", Type: "essential-carer", UPRN: leicsProperty.UPRN,
		Status: eligibility.StatusApproved, Free: true, FreeSlot: 1, ChainID: "l1",
		StartsOn: day(2026, time.January, 5), ExpiresOn: day(2027, time.January, 4)}
	d = leics.Rules.Decide(eligibility.Request{Kind: eligibility.KindNew, PermitType: "disabled-resident",
		AccountID: "bob", Property: leicsProperty, Holdings: []eligibility.Holding{ecp}, At: at})
	require.True(t, d.Eligible, "%+v", d.Reasons)
	require.False(t, d.Free, "Leicestershire's one free permit is per property and shared by both types")
	require.True(t, money("55.00").Equal(d.Price), d.Price.String())
}

func TestSchemeZonePrice(t *testing.T) {
	s := mustLoad(t, strathmoreFile)
	at := noon(day(2026, time.March, 2))
	for _, tc := range []struct {
		property zones.Property
		price    string
	}{
		{forfar, "12.00"},
		{blairgowrie, "15.00"},
	} {
		d := s.Rules.Decide(eligibility.Request{Kind: eligibility.KindNew, PermitType: "health-visitor",
			AccountID: "carol", Property: tc.property, At: at})
		require.True(t, d.Eligible, "%+v", d.Reasons)
		require.True(t, money(tc.price).Equal(d.Price), "%s: %s", tc.property.Zone.ID, d.Price)
		require.Equal(t, day(2026, time.September, 1), d.ExpiresOn, "6-month validity")
	}
}

// The renewal window is the scheme's: 14 days in Strathmore, 30 in
// Leicestershire.
func TestSchemeRenewalWindow(t *testing.T) {
	expires := day(2026, time.June, 30)
	for _, tc := range []struct {
		file, typ  string
		daysBefore int
		open       bool
	}{
		{strathmoreFile, "carer", 15, false},
		{strathmoreFile, "carer", 14, true},
		{leicestershireFile, "essential-carer", 31, false},
		{leicestershireFile, "essential-carer", 30, true},
	} {
		s := mustLoad(t, tc.file)
		old := eligibility.Holding{ID: "old", AccountID: "alice", Type: tc.typ, UPRN: 1,
			Status: eligibility.StatusApproved, Free: true, FreeSlot: 1, ChainID: "old",
			StartsOn: day(2025, time.July, 1), ExpiresOn: expires}
		property := forfar
		if tc.file == leicestershireFile {
			property = zones.Property{UPRN: 1, BuildingNumber: "1", Zone: zones.Zone{ID: "anstey-1", Name: "Anstey 1"}}
		}
		property.UPRN = 1
		d := s.Rules.Decide(eligibility.Request{Kind: eligibility.KindRenewal, PermitType: tc.typ,
			AccountID: "alice", Property: property, Holdings: []eligibility.Holding{old}, RenewalOf: "old",
			At: noon(expires.AddDate(0, 0, -tc.daysBefore))})
		require.Equal(t, tc.open, d.Eligible, "%s %d days before: %+v", s.ID, tc.daysBefore, d.Reasons)
		if !tc.open {
			r, _ := d.Blocking()
			require.Equal(t, eligibility.CodeRenewalWindowNotOpen, r.Code)
		} else {
			require.True(t, d.Free, "the renewal continues the free permit")
			require.Equal(t, day(2026, time.July, 1), d.StartsOn)
		}
	}
}

func TestSchemeRefunds(t *testing.T) {
	starts := day(2026, time.January, 10)
	expires := pricing.ExpiryDate(starts, 12)
	cancelled := day(2026, time.June, 20) // 6 whole months left: 20 June to 19 December

	r := mustLoad(t, strathmoreFile).Refunds.Refund(money("36.00"), starts, expires, cancelled)
	require.Equal(t, 6, r.UnusedMonths)
	require.Equal(t, 12, r.TotalMonths)
	require.True(t, money("13.00").Equal(r.Amount), "6/12 of £36.00 less £5.00: %s (%s)", r.Amount, r.Reason)
	require.True(t, money("5.00").Equal(r.AdminFee))

	r = mustLoad(t, leicestershireFile).Refunds.Refund(money("55.00"), starts, expires, cancelled)
	require.True(t, r.Amount.IsZero(), "Leicestershire's permits are non-refundable")
}

// refunds.on_move (R7, decision of 2026-12): what the refund policy does
// for a permit ended by a move to another zone; as_cancelled by default,
// none, and anything else is a problem of the file naming the key.
func TestSchemeRefundOnMove(t *testing.T) {
	require.Equal(t, permit.RefundOnMoveAsCancelled, mustLoad(t, strathmoreFile).RefundOnMove)
	require.Equal(t, permit.RefundOnMoveAsCancelled, mustLoad(t, leicestershireFile).RefundOnMove)
	raw, err := os.ReadFile(strathmoreFile)
	require.NoError(t, err)
	for _, tc := range []struct{ value, problem string }{
		{"none", ""},
		{"as_cancelled", ""},
		{"later", `refunds.on_move: "later" is not a setting; write as_cancelled or none`},
	} {
		text := strings.Replace(string(raw), "on_move: as_cancelled", "on_move: "+tc.value, 1)
		s, err := scheme.Load(strings.NewReader(text))
		if tc.problem != "" {
			require.ErrorContains(t, err, tc.problem)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, permit.RefundOnMove(tc.value), s.RefundOnMove)
	}
	text := strings.Replace(string(raw), "  on_move: as_cancelled\n", "", 1)
	s, err := scheme.Load(strings.NewReader(text))
	require.NoError(t, err)
	require.Equal(t, permit.RefundOnMoveAsCancelled, s.RefundOnMove, "left out: as if cancelled")
}

// Working days follow the scheme's nation: St Andrew's Day (Monday
// 30 November 2026) is a holiday in Scotland only.
func TestSchemeReviewDeadline(t *testing.T) {
	submitted := day(2026, time.November, 27) // a Friday
	strath := mustLoad(t, strathmoreFile)
	require.Equal(t, day(2026, time.December, 7), strath.ReviewDueOn(submitted))
	require.Equal(t, strath.ReviewDueOn(submitted), zones.AddWorkingDays(strath.Calendar, submitted, strath.ReviewWorkingDays))

	leics := mustLoad(t, leicestershireFile)
	require.Equal(t, day(2026, time.December, 11), leics.ReviewDueOn(submitted), "10 working days, 30 November counted")
	require.Equal(t, day(2026, time.December, 4), zones.AddWorkingDays(leics.Calendar, submitted, 5))
}

func TestLoadSchemeProblems(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{"alias", []string{
			`line 15: permit_types[0].evidence.renew: aliases (*care) are not supported: write the value out in full`,
		}},
		{"bad-nation", []string{
			`line 4: nation: "england" is not a nation; write england-and-wales, scotland or northern-ireland`,
		}},
		{"bad-timezone", []string{
			`line 5: timezone: "Europe/Londres" is not an IANA time zone name such as Europe/London`,
		}},
		{"local-timezone", []string{
			`line 5: timezone: want an IANA time zone name such as Europe/London, got "Local"`,
		}},
		{"council-contact", []string{
			`line 3: council.website: "ftp://test.example" is not a web address starting https://`,
		}},
		{"duplicate-key", []string{
			`line 5: nation: is given twice (first on line 4)`,
		}},
		{"empty", []string{`the file is empty`}},
		{"kind-problems", []string{
			`line 27: evidence.kinds[1].fresh_for_renewal: needs max_age_months, which applies when the previous acceptance date is unknown`,
			`line 27: evidence.kinds[1].checks[1]: unknown check "tenancyy" (want "tenancy" or "v5c")`,
		}},
		{"missing-sections", []string{
			`nation: is required`,
			`review_working_days: is required`,
			`abandon_unpaid_after: is required`,
			`renewal_window_days: is required`,
			`reminder_days: is required`,
			`zones: is required`,
			`permit_types: is required`,
			`tariffs: is required`,
			`refunds: is required`,
			`evidence: is required`,
		}},
		{"money-bad", []string{
			`line 21: tariffs[0].price: "£50.00" contains a currency symbol; write the amount alone, as in "55.00" (the currency is always GBP)`,
			`line 22: tariffs[1].price: "55.001" has more than two decimal places; amounts are whole pence`,
		}},
		{"money-float", []string{
			`line 21: tariffs[0].price: 50.00 is a number to YAML; write money as text in quotes, as "50.00"`,
			`line 22: tariffs[1].price: 55 is a number to YAML; write money as text in quotes, as "55.00"`,
		}},
		{"caps", []string{
			`line 20: pending_applications_per_property: is 0; give 1 to 1000, or leave it out for no cap`,
			`line 21: accounts_per_property_per_day: "3" is text; write the number without quotes`,
		}},
		{"furthest-start-0", []string{
			`line 8: furthest_start_days: is 0; a permit must be able to start at least 1 day ahead`,
		}},
		{"furthest-start-1000", []string{
			`line 8: furthest_start_days: is 1000; it must be 0 to 731 days`,
		}},
		{"negative-window", []string{
			`line 7: renewal_window_days: is -5; it must be 0 or more`,
		}},
		{"no-tariff-for-type", []string{
			`line 12: permit_types[0]: no tariff prices "visitor" for 1 months in zone "z1"`,
		}},
		{"not-a-mapping", []string{
			`line 2: want a mapping of keys (id, council, operator, nation, timezone, review_working_days, abandon_unpaid_after, renewal_window_days, furthest_start_days, reminder_days, zones, zone_map, permit_types, pools, limits, pending_applications_per_property, accounts_per_property_per_day, vehicle_check, vehicle_check_cache, payment_hold, tariffs, refunds, rejection_reasons, retention, evidence, notifications), got a list`,
		}},
		{"notification-templates", []string{
			`line 36: notifications.templates.rejected.subject: unclosed action`,
			`line 40: notifications.templates.rejected.text: .vrmm: rejected messages have no key "vrmm"; they have permit_id, permit_type, vrm, status, starts_on, expires_on, price, address, reason_code, reason_text, reason, name, council_name, council_email, council_phone, council_website, operator_name, operator_email, operator_phone, operator_website`,
			`line 42: notifications.templates.approved.html: function "shout" not defined`,
			`line 45: notifications.templates.address_changed.text: .vrm: address_changed messages have no key "vrm"; they have address, name, council_name, council_email, council_phone, council_website, operator_name, operator_email, operator_phone, operator_website`,
			`line 49: notifications.templates.expiry_reminder.text: at <longdate .vrm>: error calling longdate: "AB12CDE" is not a date written YYYY-MM-DD`,
			`line 53: notifications.templates.cancelled.text: .refundd: cancelled messages have no key "refundd"; they have permit_id, permit_type, vrm, status, starts_on, expires_on, price, address, reason, refund, name, council_name, council_email, council_phone, council_website, operator_name, operator_email, operator_phone, operator_website`,
			`line 54: notifications.templates.cancelled.html: the HTML ends inside a tag, a quoted attribute, a script, a style or a comment; close it`,
			`line 56: notifications.templates.vehicle_changed.subject: is empty; leave subject out to keep the standard wording`,
			`line 57: notifications.templates.vehicle_changed.body: unknown key "body"; the keys here are subject, text, html`,
			`line 58: notifications.templates.rejection: unknown key "rejection"; the keys here are application_received, approved, rejected, cancelled, vehicle_changed, vehicle_change_scheduled, expiry_reminder, address_changed, became_free, sign_in_code`,
			`line 61: notifications.templates.application_received.text: is blank; leave text out to keep the standard wording`,
			`line 62: notifications.by_letter[1]: unknown message kind "refused"; the kinds are application_received, approved, rejected, cancelled, vehicle_changed, vehicle_change_scheduled, expiry_reminder, address_changed, became_free, sign_in_code`,
			`line 62: notifications.by_letter[2]: rejected is listed twice`,
		}},
		{"not-renewable-with-renew-evidence", []string{
			`line 16: permit_types[0].evidence.renew: is given but the permit type is not renewable (renewable: false)`,
		}},
		{"not-yaml", []string{
			`line 2: not valid YAML: did not find expected ',' or ']'`,
		}},
		{"pool-unknown-type", []string{
			`line 17: pools[0].types[1]: unknown permit type "visitor"`,
		}},
		{"refund-fee-without-refund", []string{
			`line 23: refunds.admin_fee: is set but Kind is "none": there is no refund to deduct it from`,
		}},
		{"refund-kind", []string{
			`line 23: refunds.kind: "partial" is not a refund kind; write none, pro_rata or full`,
		}},
		// Regression (issue 14): a bad kind returned at once and hid the
		// block's other problems.
		{"refund-kind-and-more", []string{
			`line 23: refunds.on_move: "later" is not a setting; write as_cancelled or none`,
			`line 23: refunds.kind: "partial" is not a refund kind; write none, pro_rata or full`,
			`line 23: refunds.admin_fee: 5 is a number to YAML; write money as text in quotes, as "5.00"`,
		}},
		{"reminder-days", []string{
			`line 8: reminder_days[2]: 7 is listed more than once`,
			`line 8: reminder_days[3]: 14 comes after 7; list reminder days largest first`,
			`line 8: reminder_days[4]: is 0; a reminder is 1 to 366 days before expiry`,
		}},
		{"several-problems", []string{
			`line 4: nation: "wales" is not a nation; write england-and-wales, scotland or northern-ireland`,
			`line 5: review_working_days: is 0; it must be 1 to 250 working days`,
			`line 15: permit_types[0].colour: unknown key "colour"; the keys here are id, name, validity_months, renewable, evidence`,
			`line 23: tariffs[1].from: 2025-04-02 leaves a gap after 2025-03-31 for carer (tariffs[0]): no price on 2025-04-01`,
			`line 24: refunds.admin_fee: 5 is a number to YAML; write money as text in quotes, as "5.00"`,
			`line 30: evidence.requirements[0].one_of[1]: unknown kind "leter"`,
		}},
		{"tariff-gap", []string{
			`line 22: tariffs[1].from: 2025-04-02 leaves a gap after 2025-03-31 for carer (tariffs[0]): no price on 2025-04-01`,
		}},
		{"tariff-open-ended", []string{
			`line 22: tariffs[1].from: 2025-04-01 starts while tariffs[0] for carer is still open-ended; give tariffs[0] an until date of 2025-03-31`,
		}},
		{"tariff-overlap", []string{
			`line 22: tariffs[1].from: 2025-03-01 overlaps tariffs[0], which runs until 2025-03-31 for carer; start the day after that`,
		}},
		{"tariff-unknown-zone-and-type", []string{
			`line 23: tariffs[2].zone: unknown zone "z9"; leave zone out to price every zone`,
			`line 24: tariffs[3].permit_type: prices unknown permit type "visitor"`,
		}},
		{"two-documents", []string{
			`line 33: the file holds more than one YAML document (a second "---"); a scheme is one document`,
		}},
		{"unknown-key", []string{
			`line 9: reminder_day: unknown key "reminder_day"; did you mean "reminder_days"?`,
			`line 13: permit_types[0].validity_months: is required`,
			`line 15: permit_types[0].validity_month: unknown key "validity_month"; did you mean "validity_months"?`,
		}},
		{"unknown-kind", []string{
			`line 29: evidence.requirements[0].one_of[1]: unknown kind "letterr"`,
		}},
		{"unknown-requirement", []string{
			`line 15: permit_types[0].evidence.apply[1]: unknown requirement "cares"; define it under evidence.requirements`,
		}},
		{"wrong-types", []string{
			`line 6: abandon_unpaid_after: want a duration with its unit, such as "24h" or "90m", got "24"`,
			`line 14: permit_types[0].validity_months: want a whole number written in digits, got "twelve"`,
			`line 17: pools[0].free: "1" is text; write the number without quotes`,
			`line 21: tariffs[0].from: 2024-13-01 is not a day of the calendar`,
			`line 26: evidence.kinds[0].require_name: want true or false, got "yes please"`,
		}},
	}
	tested := map[string]bool{"minimal": true}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			tested[tc.file] = true
			s, err := loadFile(t, filepath.Join("testdata", tc.file+".yaml"))
			require.Nil(t, s)
			require.ErrorIs(t, err, permit.ErrInvalidScheme)
			var se *permit.SchemeError
			require.ErrorAs(t, err, &se)
			got := make([]string, len(se.Problems))
			for i, p := range se.Problems {
				got[i] = p.String()
			}
			require.Equal(t, tc.want, got)
		})
	}
	files, err := filepath.Glob("testdata/*.yaml")
	require.NoError(t, err)
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		require.True(t, tested[name], "testdata/%s.yaml has no test case", name)
	}
}

func TestSchemeProblemFields(t *testing.T) {
	_, err := loadFile(t, "testdata/tariff-gap.yaml")
	var se *permit.SchemeError
	require.ErrorAs(t, err, &se)
	require.Equal(t, []permit.SchemeProblem{{
		Line:   22,
		Path:   "tariffs[1].from",
		Reason: "2025-04-02 leaves a gap after 2025-03-31 for carer (tariffs[0]): no price on 2025-04-01",
	}}, se.Problems)
	require.Equal(t, "permit: invalid scheme: 1 problem: line 22: tariffs[1].from: 2025-04-02 leaves a gap after 2025-03-31 for carer (tariffs[0]): no price on 2025-04-01", err.Error())
}

func TestSchemeErrorMessage(t *testing.T) {
	var ps []permit.SchemeProblem
	for i := 1; i <= 12; i++ {
		ps = append(ps, permit.SchemeProblem{Line: i, Path: "zones", Reason: "bad"})
	}
	msg := (&permit.SchemeError{Problems: ps}).Error()
	require.True(t, strings.HasPrefix(msg, "permit: invalid scheme: 12 problems: line 1: zones: bad; line 2: zones: bad;"), msg)
	require.True(t, strings.HasSuffix(msg, "line 10: zones: bad; and 2 more"), msg)
	require.Equal(t, "the file is empty", permit.SchemeProblem{Reason: "the file is empty"}.String())
}

func TestLoadSchemeReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	_, err := scheme.Load(iotest.ErrReader(boom))
	require.ErrorIs(t, err, boom)
	require.NotErrorIs(t, err, permit.ErrInvalidScheme)
}

func TestLoadSchemeTooLarge(t *testing.T) {
	big := io.MultiReader(strings.NewReader("id: x\n"), strings.NewReader("#"+strings.Repeat("x", scheme.MaxBytes)))
	_, err := scheme.Load(big)
	require.ErrorIs(t, err, permit.ErrInvalidScheme)
	require.ErrorContains(t, err, "larger than 1048576 bytes")
}

// A scheme is strict about the shape of every value, not only of keys.
func TestLoadSchemeValueShapes(t *testing.T) {
	base, err := os.ReadFile("testdata/minimal.yaml")
	require.NoError(t, err)
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"quoted date", "from: 2024-04-01", `from: "2024-04-01"`, ""},
		{"timestamp", "from: 2024-04-01", "from: 2024-04-01T00:00:00Z", `tariffs[0].from: want a date written YYYY-MM-DD, got "2024-04-01T00:00:00Z"`},
		{"short date", "from: 2024-04-01", "from: 2024-4-1", `tariffs[0].from: want a date written YYYY-MM-DD, got "2024-4-1"`},
		{"hex number", "max: 2", "max: 0x2", `limits[0].max: want a whole number written in digits, got "0x2"`},
		{"float number", "max: 2", "max: 2.0", `limits[0].max: want a whole number written in digits, got "2.0"`},
		{"list for text", "name: Carer Permit", "name: [Carer Permit]", `permit_types[0].name: want text, got a list`},
		{"negative duration", "abandon_unpaid_after: 24h", "abandon_unpaid_after: -1h", `abandon_unpaid_after: is -1h0m0s; it must be more than 0 and at most 720h0m0s (30 days)`},
		{"long duration", "abandon_unpaid_after: 24h", "abandon_unpaid_after: 2000h", `abandon_unpaid_after: is 2000h0m0s; it must be more than 0 and at most 720h0m0s (30 days)`},
		{"empty value", "nation: england-and-wales", "nation:", `nation: is required`},
		{"bad email", "email: permits@test.example", "email: Permits <permits@test.example>", `council.email: "Permits <permits@test.example>" is not an email address such as help@example.gov.uk`},
		{"empty list item", "reminder_days: [30]", "reminder_days: [30, ~]", `reminder_days[1]: is empty`},
		{"no reminders", "reminder_days: [30]", "reminder_days: []", ""},
		{"window too long", "renewal_window_days: 30", "renewal_window_days: 400", `renewal_window_days: is 400; at most 366 days`},
		{"padded id", "id: minimal", `id: " minimal"`, `id: " minimal" has spaces around it`},
		{"unknown action", "evidence: {apply: [care], renew: [care]}", "evidence: {apply: [care], renewal: [care]}", `permit_types[0].evidence.renewal: unknown key "renewal"; did you mean "renew"?`},
		{"address action on a type", "evidence: {apply: [care], renew: [care]}", "evidence: {apply: [care], address_change_same_zone: [care]}",
			`permit_types[0].evidence.address_change_same_zone: unknown key "address_change_same_zone"; the keys here are apply, first_application, renew, vehicle_change`},
		{"duplicate reference", "address_change_same_zone: [residency]", "address_change_same_zone: [residency, residency]", `evidence.address_change_same_zone[1]: "residency" is listed more than once`},
		{"bad scope", "scope: property, free: 1", "scope: household, free: 1", `pools[0].scope: "household" is not "property" or "account"`},
		{"vehicle check warn", "reminder_days: [30]", "reminder_days: [30]\nvehicle_check: warn\nvehicle_check_cache: 2h", ""},
		{"vehicle check off", "reminder_days: [30]", "reminder_days: [30]\nvehicle_check: off", ""},
		{"vehicle check unknown", "reminder_days: [30]", "reminder_days: [30]\nvehicle_check: strict", `vehicle_check: is "strict"; want off, warn or require`},
		{"vehicle check cache too long", "reminder_days: [30]", "reminder_days: [30]\nvehicle_check_cache: 1000h", `vehicle_check_cache: is 1000h0m0s; it must be more than 0 and at most 720h0m0s (30 days)`},
		{"retention", "reminder_days: [30]", "reminder_days: [30]\nretention: {evidence_months: 6, account_months: 24, financial_months: 84}", ""},
		{"financial records kept too short", "reminder_days: [30]", "reminder_days: [30]\nretention: {account_months: 24, financial_months: 60}",
			`retention.financial_months: is 60; it must be from 72 (six years: HMRC asks that accounting records be kept that long) to 1200 months`},
		{"financial records left out", "reminder_days: [30]", "reminder_days: [30]\nretention: {account_months: 24}",
			`retention.financial_months: is missing; a scheme that sets retention says how long payments and refunds are kept, at least 72 months`},
		{"evidence kept no time", "reminder_days: [30]", "reminder_days: [30]\nretention: {evidence_months: 0, financial_months: 84}",
			`retention.evidence_months: is 0; it must be from 1 to 1200 months`},
		{"duplicate zone", "  - {id: z1, name: Zone 1}", "  - {id: z1, name: Zone 1}\n  - {id: z1, name: Zone 1 again}", `zones[1].id: "z1" is listed more than once`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Contains(t, string(base), tc.old)
			doc := strings.Replace(string(base), tc.old, tc.new, 1)
			s, err := scheme.Load(strings.NewReader(doc))
			if tc.want == "" {
				require.NoError(t, err)
				require.NotNil(t, s)
				return
			}
			var se *permit.SchemeError
			require.ErrorAs(t, err, &se)
			var got []string
			for _, p := range se.Problems {
				got = append(got, p.Path+": "+p.Reason)
				require.Positive(t, p.Line, "%s has a line", p.Path)
			}
			require.Equal(t, []string{tc.want}, got)
		})
	}
}

// Hostile files fail quickly with ordinary problems: aliases are never
// expanded, and the YAML parser's depth limit holds.
func TestLoadSchemeHostileInput(t *testing.T) {
	for name, doc := range map[string]string{
		"alias bomb": "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n" +
			"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nzones: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n",
		"deep nesting": strings.Repeat("[", 100000),
		"binary":       "\x00\xff\xfe",
	} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			_, err := scheme.Load(strings.NewReader(doc))
			require.ErrorIs(t, err, permit.ErrInvalidScheme)
			require.Less(t, time.Since(start), 5*time.Second)
		})
	}
}

func FuzzLoadScheme(f *testing.F) {
	files, err := filepath.Glob("testdata/*.yaml")
	require.NoError(f, err)
	files = append(files, leicestershireFile, strathmoreFile)
	for _, name := range files {
		data, err := os.ReadFile(name)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := scheme.Load(bytes.NewReader(data))
		if err != nil {
			require.Nil(t, s)
			require.ErrorIs(t, err, permit.ErrInvalidScheme)
			var se *permit.SchemeError
			require.ErrorAs(t, err, &se)
			require.NotEmpty(t, se.Problems)
			// YAML breaks lines at \r as well as \n, and at NEL, LS and PS.
			lines := 1
			for _, sep := range []string{"\n", "\r", "\u0085", "\u2028", "\u2029"} {
				lines += bytes.Count(data, []byte(sep))
			}
			for _, p := range se.Problems {
				require.NotEmpty(t, p.Reason)
				require.True(t, p.Line >= 0 && p.Line <= lines+1, "line %d of %d: %s", p.Line, lines, p)
			}
			return
		}
		checkConsistent(t, s)
	})
}

// checkConsistent asserts what every loaded Scheme guarantees.
func checkConsistent(t *testing.T, s *permit.Scheme) {
	require.NotEmpty(t, s.ID)
	require.NotNil(t, s.Location)
	require.NotNil(t, s.Calendar)
	require.NotNil(t, s.Rules)
	require.NotNil(t, s.Evidence)
	require.NotNil(t, s.Rules.Tariffs)
	require.NoError(t, s.Refunds.Validate())
	require.True(t, s.ReviewWorkingDays >= 1)
	require.True(t, s.AbandonUnpaidAfter > 0)
	require.NotEmpty(t, s.Rules.PermitTypes)
	require.NotEmpty(t, s.Rules.Zones)
	for i, d := range s.ReminderDays {
		require.Positive(t, d)
		if i > 0 {
			require.Less(t, d, s.ReminderDays[i-1])
		}
	}
	types := map[string]bool{}
	for _, pt := range s.Rules.PermitTypes {
		got, ok := s.PermitType(pt.ID)
		require.True(t, ok, pt.ID)
		require.Equal(t, pt.ID, got.ID)
		types[pt.ID] = true
		for _, a := range []evidence.Action{evidence.ActionApply, evidence.ActionRenew, evidence.ActionVehicleChange, evidence.ActionApplicationNewZone} {
			reqs, ok := s.Requirements(pt.ID, a)
			require.True(t, ok)
			for _, q := range reqs {
				for _, k := range q.OneOf {
					_, known := s.Evidence.Kind(k)
					require.True(t, known, "%s %s: kind %s", pt.ID, a, k)
				}
			}
		}
	}
	require.Len(t, types, len(s.Rules.PermitTypes), "permit type IDs are unique")
	for _, p := range s.Rules.Pools {
		for _, ty := range p.Types {
			require.True(t, types[ty], "pool %s: type %s", p.ID, ty)
		}
	}
	for _, row := range s.Rules.Tariffs.Rows() {
		require.True(t, types[row.PermitType], "tariff for %s", row.PermitType)
	}
	for _, q := range s.AddressChangeSameZone {
		for _, k := range q.OneOf {
			_, known := s.Evidence.Kind(k)
			require.True(t, known, "address change: kind %s", k)
		}
	}
}

func TestExamplesConsistent(t *testing.T) {
	checkConsistent(t, mustLoad(t, leicestershireFile))
	checkConsistent(t, mustLoad(t, strathmoreFile))
}

func BenchmarkLoadScheme(b *testing.B) {
	data, err := os.ReadFile(leicestershireFile)
	require.NoError(b, err)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := scheme.Load(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

// The rule tests of permit/permittest run on a copy of the Leicestershire
// scheme (the suite reads no file of another package); the copy must say
// what the example says.
func TestPermittestSchemeIsLeicestershire(t *testing.T) {
	want := mustLoad(t, leicestershireFile)
	got := mustLoad(t, "../permittest/testdata/scheme.yaml")
	require.Equal(t, want.Council, got.Council)
	require.Equal(t, want.Operator, got.Operator)
	require.Equal(t, want.Rules.PermitTypes, got.Rules.PermitTypes)
	require.Equal(t, want.Rules.Pools, got.Rules.Pools)
	require.Equal(t, want.Rules.Limits, got.Rules.Limits)
	require.Equal(t, want.Rules.RenewalWindowDays, got.Rules.RenewalWindowDays)
	require.Equal(t, want.Rules.FurthestStartDays, got.Rules.FurthestStartDays)
	require.Equal(t, want.Rules.Zones, got.Rules.Zones)
	require.Equal(t, want.Refunds, got.Refunds)
	require.Equal(t, want.RefundOnMove, got.RefundOnMove)
	require.Equal(t, want.AddressChangeSameZone, got.AddressChangeSameZone)
	require.Equal(t, want.NewZoneApplication, got.NewZoneApplication)
	require.Equal(t, want.RejectionReasons, got.RejectionReasons)
	require.Equal(t, want.ReviewWorkingDays, got.ReviewWorkingDays)
	require.Equal(t, want.ReminderDays, got.ReminderDays)
	require.Equal(t, want.AbandonUnpaidAfter, got.AbandonUnpaidAfter)
	require.Equal(t, want.PendingApplicationsPerProperty, got.PendingApplicationsPerProperty)
	require.Equal(t, want.AccountsPerPropertyPerDay, got.AccountsPerPropertyPerDay)
}

// Issue 14: a tariff that starts only in the future loaded silently and
// failed at apply time (no_tariff); LoadWith warns of it, given the day.
func TestLoadWithWarnings(t *testing.T) {
	base, err := os.ReadFile("testdata/minimal.yaml")
	require.NoError(t, err)
	const rows = `  - {permit_type: carer, from: 2024-04-01, until: 2025-03-31, price: "50.00"}
  - {permit_type: carer, from: 2025-04-01, price: "55.00"}`
	require.Contains(t, string(base), rows)
	twoZones := strings.Replace(string(base), "  - {id: z1, name: Zone 1}", "  - {id: z1, name: Zone 1}\n  - {id: z2, name: Zone 2}", 1)
	tests := []struct {
		name, file string
		today      time.Time
		want       []string
	}{
		{"in force", string(base), day(2026, 12, 3), nil},
		{"no date given", strings.Replace(string(base), rows, `  - {permit_type: carer, from: 2027-04-01, price: "55.00"}`, 1), time.Time{}, nil},
		{"starts in the future", strings.Replace(string(base), rows, `  - {permit_type: carer, from: 2027-04-01, price: "55.00"}`, 1), day(2026, 12, 3), []string{
			`line 21: tariffs[0].from: carer has no price in any zone on 2026-12-03 (the day the scheme was loaded): its tariffs start on 2027-04-01, so until then a paid application for a permit starting earlier is refused (no_tariff)`,
		}},
		{"starts on the day", strings.Replace(string(base), rows, `  - {permit_type: carer, from: 2027-04-01, price: "55.00"}`, 1), day(2027, 4, 1), nil},
		{"the day is read in its own location", strings.Replace(string(base), rows, `  - {permit_type: carer, from: 2027-04-01, price: "55.00"}`, 1),
			time.Date(2027, 4, 1, 0, 30, 0, 0, time.FixedZone("BST", 3600)), nil},
		{"ended", strings.Replace(string(base), rows, `  - {permit_type: carer, from: 2024-04-01, until: 2025-03-31, price: "50.00"}`, 1), day(2026, 12, 3), []string{
			`line 21: tariffs[0].until: carer has no price in any zone on 2026-12-03 (the day the scheme was loaded): its last tariff ended on 2025-03-31, so a paid application is refused (no_tariff); add a row from 2025-04-01`,
		}},
		{"one zone's own price starts later", strings.Replace(twoZones, rows,
			`  - {permit_type: carer, zone: z1, from: 2024-04-01, price: "50.00"}
  - {permit_type: carer, zone: z2, from: 2027-01-01, price: "60.00"}`, 1), day(2026, 12, 3), []string{
			`line 23: tariffs[1].from: carer has no price in zone z2 on 2026-12-03 (the day the scheme was loaded): its tariffs start on 2027-01-01, so until then a paid application for a permit starting earlier is refused (no_tariff)`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, warnings, err := scheme.LoadWith(strings.NewReader(tc.file), &scheme.Options{Today: tc.today})
			require.NoError(t, err)
			require.NotNil(t, s)
			var got []string
			for _, w := range warnings {
				got = append(got, w.String())
			}
			require.Equal(t, tc.want, got)
			// Load is LoadWith without warnings.
			s, err = scheme.Load(strings.NewReader(tc.file))
			require.NoError(t, err)
			require.NotNil(t, s)
		})
	}
	// A file that does not load has problems, not warnings.
	s, warnings, err := scheme.LoadWith(strings.NewReader("id: x\n"), &scheme.Options{Today: day(2026, 12, 3)})
	require.Nil(t, s)
	require.Nil(t, warnings)
	require.ErrorIs(t, err, permit.ErrInvalidScheme)
}

// Issue 14: "proof of residency for the first application only" is
// said with first_application.
func TestLoadFirstApplicationEvidence(t *testing.T) {
	base, err := os.ReadFile("testdata/minimal.yaml")
	require.NoError(t, err)
	file := strings.Replace(string(base), "evidence: {apply: [care], renew: [care]}",
		"evidence: {apply: [care], first_application: [residency], renew: [care]}", 1)
	require.NotEqual(t, string(base), file)
	s, err := scheme.Load(strings.NewReader(file))
	require.NoError(t, err)
	for _, tc := range []struct {
		action evidence.Action
		want   []string
	}{
		{evidence.ActionApply, []string{"care"}},
		{evidence.ActionFirstApplication, []string{"residency"}},
		{evidence.ActionRenew, []string{"care"}},
		// The first application at the new property, with the move's own
		// groups (residency once).
		{evidence.ActionApplicationNewZone, []string{"care", "residency"}},
	} {
		reqs, ok := s.Requirements("carer", tc.action)
		require.True(t, ok)
		require.Equal(t, tc.want, requirementNames(reqs), tc.action)
	}
	_, err = scheme.Load(strings.NewReader(strings.Replace(file, "first_application: [residency]", "first_application: [residence]", 1)))
	require.ErrorContains(t, err, `permit_types[0].evidence.first_application[0]: unknown requirement "residence"`)
}
