package scheme

import (
	"errors"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/zones"
)

// The keys of each part of the format, in the order the example files use.
var (
	topKeys = []string{"id", "council", "operator", "nation", "timezone", "review_working_days",
		"abandon_unpaid_after", "renewal_window_days", "furthest_start_days", "reminder_days", "zones", "zone_map",
		"permit_types", "pools", "limits", "pending_applications_per_property", "accounts_per_property_per_day", "vehicle_check", "vehicle_check_cache", "payment_hold", "tariffs", "refunds", "rejection_reasons", "retention", "evidence", "notifications"}
	councilKeys     = []string{"name", "email", "phone", "website"}
	zoneKeys        = []string{"id", "name"}
	zoneMapKeys     = []string{"file", "without_position", "overrides"}
	overrideKeys    = []string{"uprn", "zone"}
	permitTypeKeys  = []string{"id", "name", "validity_months", "renewable", "evidence"}
	typeActionKeys  = []string{string(evidence.ActionApply), string(evidence.ActionFirstApplication), string(evidence.ActionRenew), string(evidence.ActionVehicleChange)}
	poolKeys        = []string{"id", "name", "types", "scope", "free"}
	limitKeys       = []string{"types", "scope", "max", "why"}
	tariffKeys      = []string{"permit_type", "zone", "duration_months", "from", "until", "price"}
	refundKeys      = []string{"kind", "admin_fee", "on_move"}
	paymentHoldKeys = []string{"capture", "lifetime", "capture_before_lapse"}
	retentionKeys   = []string{"evidence_months", "account_months", "financial_months"}
	evidenceKeys    = []string{"kinds", "requirements", string(evidence.ActionAddressChangeSameZone), string(evidence.ActionApplicationNewZone)}
	kindKeys        = []string{"kind", "title", "max_age_months", "require_name", "require_address", "required_fields", "checks", "fresh_for_renewal"}
	requirementKeys = []string{"id", "title", "one_of"}
	// notifications: {templates: {<message kind>: {subject, text, html}}, by_letter: [<message kind>]}
	notificationKeys = []string{"templates", "by_letter"}
)

func topKeyOrder(path string) int {
	for at := path; at != ""; at = parent(at) {
		if i := slices.Index(topKeys, at); i >= 0 {
			return i
		}
	}
	return len(topKeys)
}

// scheme reads the whole document and builds the Scheme; the Scheme is
// meaningful only when no problem was recorded.
func (sr *reader) scheme(root *yaml.Node) *permit.Scheme {
	top, ok := sr.mapping(root, "", topKeys...)
	if !ok {
		return nil
	}
	top.topLevel = true
	s := &permit.Scheme{}

	s.ID = sr.text(top, "id", true)
	if s.ID != "" && strings.TrimSpace(s.ID) != s.ID {
		sr.add(top.values["id"], "id", "%q has spaces around it", s.ID)
	}
	s.Council = sr.council(top)
	s.Operator = sr.operator(top, s.Council)

	locationOK := sr.header(top, s)

	// Evidence first: permit types refer to its requirement groups.
	groups := sr.evidence(top, s)

	zs := sr.zones(top)
	s.ZoneMap = sr.zoneMap(top, zs)
	types := sr.permitTypes(top, groups)
	pools := sr.pools(top)
	limits := sr.limits(top)
	window, _ := sr.integer(top, "renewal_window_days", true)
	if window > maxWindowDays {
		sr.add(top.values["renewal_window_days"], "renewal_window_days", "is %d; at most %d days", window, maxWindowDays)
	}
	furthest := sr.furthestStart(top)
	s.PendingApplicationsPerProperty = sr.cap(top, "pending_applications_per_property")
	s.AccountsPerPropertyPerDay = sr.cap(top, "accounts_per_property_per_day")
	tariffs, tariffsOK := sr.tariffs(top, zs)
	s.Refunds, s.RefundOnMove = sr.refunds(top)
	s.PaymentHold = sr.paymentHold(top)
	s.RejectionReasons = sr.rejectionReasons(top)
	s.Retention = sr.retention(top)

	leaf := eligibility.Rules{
		Location:          s.Location,
		PermitTypes:       types,
		Pools:             pools,
		Limits:            limits,
		RenewalWindowDays: window,
		FurthestStartDays: furthest,
		Zones:             zs,
		Tariffs:           tariffs,
	}
	rules, err := eligibility.NewRules(leaf)
	var re *eligibility.RulesError
	if errors.As(err, &re) {
		for _, p := range re.Problems {
			switch {
			case p.Field == "location" && !locationOK:
				continue // the bad timezone is reported already
			case p.Field == "tariffs" && !tariffsOK:
				continue // the rows' own problems are reported already
			}
			sr.leaf(eligibilityPath(p.Field), p.Reason)
		}
	} else if err != nil {
		sr.add(nil, "", "%v", err)
	}
	s.Rules = rules
	sr.notifications(top, s)
	return s
}

// maxCap bounds the anti-squatting caps: a number typed by mistake (a
// year, a phone number) rather than a policy.
const maxCap = 1000

// cap reads an optional whole-number cap (pending applications per
// property, accounts per property per day): 1 to maxCap, or left out for
// no cap (0).
func (sr *reader) cap(top mapping, key string) int {
	if top.values[key] == nil {
		return 0
	}
	n, ok := sr.integer(top, key, false)
	if ok && (n < 1 || n > maxCap) {
		sr.add(top.values[key], key, "is %d; give 1 to %d, or leave it out for no cap", n, maxCap)
		return 0
	}
	return n
}

// DefaultFurthestStartDays is the furthest start of a scheme file that
// sets none: a year ahead.
const DefaultFurthestStartDays = 365

// furthestStart reads furthest_start_days (R1 decision: a permit may start
// at most that many days ahead), DefaultFurthestStartDays when left out.
// The range is eligibility's (1 to eligibility.MaxFurthestStartDays here:
// a scheme file always bounds the start).
func (sr *reader) furthestStart(top mapping) int {
	if top.values["furthest_start_days"] == nil {
		return DefaultFurthestStartDays
	}
	n, ok := sr.integer(top, "furthest_start_days", false)
	if ok && n < 1 {
		sr.add(top.values["furthest_start_days"], "furthest_start_days", "is %d; a permit must be able to start at least 1 day ahead", n)
		return 0
	}
	return n
}

var tariffRowPath = regexp.MustCompile(`^tariffs\[\d+\]$`)

// eligibilityPath turns an eligibility.Problem's field into the path of
// the scheme file.
func eligibilityPath(field string) string {
	switch {
	case field == "location":
		return "timezone"
	case tariffRowPath.MatchString(field):
		// The only problem eligibility reports on a whole tariff row is
		// an unknown permit type.
		return field + ".permit_type"
	}
	return field
}

// leaf records a problem a leaf package found, at the line of its path
// (or of the nearest enclosing part of the file that exists), unless a
// problem was already recorded for that path or a part enclosing it: a
// leaf constructor sees a missing or malformed value as blank or zero and
// would report it again in other words.
func (sr *reader) leaf(path, reason string) {
	for at := path; at != ""; at = parent(at) {
		if sr.own[at] {
			return
		}
	}
	for at := path; at != ""; at = parent(at) {
		if n := sr.nodes[at]; n != nil {
			sr.record(n, path, reason)
			return
		}
	}
	sr.record(nil, path, reason)
}

// parent strips the last key or index from a path.
func parent(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

func (sr *reader) council(top mapping) permit.Council {
	m, ok := sr.mapping(sr.get(top, "council", true), "council", councilKeys...)
	if !ok {
		return permit.Council{}
	}
	c := sr.contact(m, "council")
	if strings.TrimSpace(c.Email) == "" && strings.TrimSpace(c.Phone) == "" && strings.TrimSpace(c.Website) == "" {
		sr.add(m.node, "council", "needs an email, a phone or a website: rejections tell residents how to reach the council")
	}
	return c
}

// operator reads the operator section: whom residents contact about
// cancellations, scheduled vehicle changes and address changes. Left out,
// the operator is the council.
func (sr *reader) operator(top mapping, council permit.Council) permit.Council {
	if isNull(top.values["operator"]) {
		return council
	}
	m, ok := sr.mapping(sr.get(top, "operator", false), "operator", councilKeys...)
	if !ok {
		return council
	}
	c := sr.contact(m, "operator")
	if strings.TrimSpace(c.Email) == "" && strings.TrimSpace(c.Phone) == "" {
		sr.add(m.node, "operator", "needs an email or a phone: cancellations and changes tell residents whom to contact")
	}
	return c
}

// contact reads a contact's name, email, phone and website.
func (sr *reader) contact(m mapping, path string) permit.Council {
	c := permit.Council{
		Name:    sr.text(m, "name", true),
		Email:   sr.text(m, "email", false),
		Phone:   sr.text(m, "phone", false),
		Website: sr.text(m, "website", false),
	}
	if c.Name != "" && strings.TrimSpace(c.Name) == "" {
		sr.add(m.values["name"], path+".name", "is blank")
	}
	if c.Email != "" {
		if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email || a.Name != "" {
			sr.add(m.values["email"], path+".email", "%q is not an email address such as help@example.gov.uk", c.Email)
		}
	}
	if c.Website != "" {
		if u, err := url.Parse(c.Website); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			sr.add(m.values["website"], path+".website", "%q is not a web address starting https://", c.Website)
		}
	}
	return c
}

// header reads the scalar settings of the top level; it reports whether
// the time zone was usable.
func (sr *reader) header(top mapping, s *permit.Scheme) (locationOK bool) {
	if name := sr.text(top, "nation", true); name != "" {
		n, err := zones.ParseNation(name)
		if err != nil {
			sr.add(top.values["nation"], "nation", "%q is not a nation; write england-and-wales, scotland or northern-ireland", name)
		} else {
			s.Nation = n
			s.Calendar = zones.Calendar(n)
		}
	}

	tz := DefaultLocation
	switch v := top.values["timezone"]; {
	case v == nil:
	case isNull(v):
		tz = ""
	case !sr.usable(v, "timezone"):
		return false
	default:
		tz = sr.scalarText(v, "timezone")
		if v.Kind != yaml.ScalarNode {
			return false
		}
	}
	switch {
	case tz == "" || tz == "Local":
		// LoadLocation would give UTC or the machine's own zone.
		sr.add(top.values["timezone"], "timezone", "want an IANA time zone name such as Europe/London, got %q", tz)
	default:
		loc, err := time.LoadLocation(tz)
		if err != nil {
			sr.add(top.values["timezone"], "timezone", "%q is not an IANA time zone name such as Europe/London", tz)
		} else {
			s.Location = loc
			locationOK = true
		}
	}

	if n, ok := sr.integer(top, "review_working_days", true); ok {
		if n < 1 || n > maxReviewWorkingDays {
			sr.add(top.values["review_working_days"], "review_working_days", "is %d; it must be 1 to %d working days", n, maxReviewWorkingDays)
		}
		s.ReviewWorkingDays = n
	}
	if d, ok := sr.duration(top, "abandon_unpaid_after", true); ok {
		if d <= 0 || d > maxAbandonUnpaid {
			sr.add(top.values["abandon_unpaid_after"], "abandon_unpaid_after", "is %s; it must be more than 0 and at most %s (30 days)", d, maxAbandonUnpaid)
		}
		s.AbandonUnpaidAfter = d
	}

	if m := sr.text(top, "vehicle_check", false); m != "" {
		mode, err := permit.ParseVehicleCheckMode(m)
		if err != nil {
			sr.add(top.values["vehicle_check"], "vehicle_check", "is %q; want off, warn or require", m)
		}
		s.VehicleCheck = mode
	}
	if d, ok := sr.duration(top, "vehicle_check_cache", false); ok {
		if d <= 0 || d > maxVehicleCheckCache {
			sr.add(top.values["vehicle_check_cache"], "vehicle_check_cache", "is %s; it must be more than 0 and at most %s (30 days)", d, maxVehicleCheckCache)
		}
		s.VehicleCheckCache = d
	}

	items, _ := sr.list(top, "reminder_days", true)
	s.ReminderDays = make([]int, 0, len(items))
	for i, item := range items {
		p := index("reminder_days", i)
		if !sr.usable(item, p) {
			if isNull(item) {
				sr.add(item, p, "is empty")
			}
			continue
		}
		d, ok := sr.scalarInt(item, p)
		if !ok {
			continue
		}
		switch {
		case d < 1 || d > maxWindowDays:
			sr.add(item, p, "is %d; a reminder is 1 to %d days before expiry", d, maxWindowDays)
		case slices.Contains(s.ReminderDays, d):
			sr.add(item, p, "%d is listed more than once", d)
		case len(s.ReminderDays) > 0 && d > s.ReminderDays[len(s.ReminderDays)-1]:
			sr.add(item, p, "%d comes after %d; list reminder days largest first", d, s.ReminderDays[len(s.ReminderDays)-1])
		default:
			s.ReminderDays = append(s.ReminderDays, d)
		}
	}
	return locationOK
}

// maxRetentionMonths bounds the retention periods: a number typed by
// mistake (days for months) rather than a policy.
const maxRetentionMonths = 1200

// retention reads the optional retention section. Each period is a whole
// number of months; one left out (or the whole section) keeps that data
// without limit. Financial records may not be kept less than
// permit.MinFinancialMonths (a scheme that would is refused when it
// loads); anonymising an account keeps them, without the person.
func (sr *reader) retention(top mapping) permit.Retention {
	var r permit.Retention
	if top.values["retention"] == nil {
		return r
	}
	m, ok := sr.mapping(top.values["retention"], "retention", retentionKeys...)
	if !ok {
		return r
	}
	months := func(key string, min int) int {
		if m.values[key] == nil {
			return 0
		}
		n, ok := sr.integer(m, key, false)
		if !ok {
			return 0
		}
		if n < min || n > maxRetentionMonths {
			why := ""
			if key == "financial_months" {
				why = " (six years: HMRC asks that accounting records be kept that long)"
			}
			sr.add(m.values[key], "retention."+key, "is %d; it must be from %d%s to %d months", n, min, why, maxRetentionMonths)
			return 0
		}
		return n
	}
	r.EvidenceMonths = months("evidence_months", 1)
	r.AccountMonths = months("account_months", 1)
	r.FinancialMonths = months("financial_months", permit.MinFinancialMonths)
	if m.values["financial_months"] == nil {
		sr.add(m.node, "retention.financial_months", "is missing; a scheme that sets retention says how long payments and refunds are kept, at least %d months", permit.MinFinancialMonths)
	}
	return r
}
