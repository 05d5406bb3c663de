package scheme

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"go.yaml.in/yaml/v3"

	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/permit/message"
	"github.com/carerpermit/carerpermit/pricing"
	"github.com/carerpermit/carerpermit/zones"
)

// The keys of each part of the format, in the order the example files use.
var (
	topKeys = []string{"id", "council", "operator", "nation", "timezone", "review_working_days",
		"abandon_unpaid_after", "renewal_window_days", "furthest_start_days", "reminder_days", "zones",
		"permit_types", "pools", "limits", "pending_applications_per_property", "accounts_per_property_per_day", "tariffs", "refunds", "rejection_reasons", "evidence", "notifications"}
	councilKeys     = []string{"name", "email", "phone", "website"}
	zoneKeys        = []string{"id", "name"}
	permitTypeKeys  = []string{"id", "name", "validity_months", "renewable", "evidence"}
	typeActionKeys  = []string{string(evidence.ActionApply), string(evidence.ActionRenew), string(evidence.ActionVehicleChange)}
	poolKeys        = []string{"id", "name", "types", "scope", "free"}
	limitKeys       = []string{"types", "scope", "max", "why"}
	tariffKeys      = []string{"permit_type", "zone", "duration_months", "from", "until", "price"}
	refundKeys      = []string{"kind", "admin_fee", "on_move"}
	evidenceKeys    = []string{"kinds", "requirements", string(evidence.ActionAddressChangeSameZone), string(evidence.ActionApplicationNewZone)}
	kindKeys        = []string{"kind", "title", "max_age_months", "require_name", "require_address", "required_fields", "checks", "fresh_for_renewal"}
	requirementKeys = []string{"id", "title", "one_of"}
	// notifications: {templates: {<message kind>: {subject, text, html}}}
	notificationKeys = []string{"templates"}
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
	s.RejectionReasons = sr.rejectionReasons(top)

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

// notifications reads the scheme's own notification templates and
// compiles them with the standard ones for every part not given.
func (sr *reader) notifications(top mapping, s *permit.Scheme) {
	overrides := make(map[message.Kind]map[string]string)
	m, ok := sr.mapping(sr.get(top, "notifications", false), "notifications", notificationKeys...)
	if ok {
		kinds := make([]string, 0, len(message.Kinds()))
		for _, k := range message.Kinds() {
			kinds = append(kinds, string(k))
		}
		ts, _ := sr.mapping(sr.get(m, "templates", false), "notifications.templates", kinds...)
		for _, kind := range kinds {
			// A missing or malformed templates mapping has no values.
			km, given := sr.mapping(sr.get(ts, kind, false), join(ts.path, kind), message.Parts()...)
			if !given {
				continue
			}
			for _, part := range message.Parts() {
				path := join(km.path, part)
				if v := km.values[part]; v != nil && isNull(v) {
					sr.add(v, path, "is empty; leave %s out to keep the standard wording", part)
					continue
				}
				v := sr.get(km, part, false)
				if v == nil {
					continue
				}
				text := sr.scalarText(v, path)
				switch {
				case v.Kind != yaml.ScalarNode:
				case strings.TrimSpace(text) == "":
					sr.add(v, path, "is blank; leave %s out to keep the standard wording", part)
				default:
					if overrides[message.Kind(kind)] == nil {
						overrides[message.Kind(kind)] = make(map[string]string)
					}
					overrides[message.Kind(kind)][part] = text
				}
			}
		}
	}
	var problems []message.Problem
	s.Messages, problems = message.Compile(s.Sender(), overrides)
	for _, p := range problems {
		if _, given := overrides[p.Kind][p.Part]; !given {
			// A bug of this package, which its tests rule out; said
			// plainly rather than blamed on the file.
			sr.add(nil, "notifications", "the standard %s template for %s messages does not work: %s", p.Part, p.Kind, p.Reason)
			continue
		}
		path := "notifications.templates." + string(p.Kind) + "." + p.Part
		v := sr.nodes[path]
		line := v.Line
		if p.Line > 0 {
			switch v.Style {
			case yaml.LiteralStyle:
				// The text starts on the line after the "|".
				line += p.Line
			case 0, yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
				if p.Line == 1 {
					break
				}
				fallthrough
			default:
				// Folded or escaped line breaks: the template's lines are
				// not the file's.
				p.Reason = fmt.Sprintf("template line %d: %s", p.Line, p.Reason)
			}
		}
		sr.own[path] = true
		sr.problems = append(sr.problems, permit.SchemeProblem{Line: line, Path: path, Reason: p.Reason})
	}
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

func (sr *reader) zones(top mapping) []zones.Zone {
	var out []zones.Zone
	sr.items(top, "zones", true, zoneKeys, func(_ int, m mapping) {
		out = append(out, zones.Zone{ID: sr.text(m, "id", true), Name: sr.text(m, "name", true)})
	})
	return out
}

func (sr *reader) permitTypes(top mapping, groups map[string]evidence.Requirement) []eligibility.PermitType {
	var out []eligibility.PermitType
	sr.items(top, "permit_types", true, permitTypeKeys, func(i int, m mapping) {
		pt := eligibility.PermitType{
			ID:        sr.text(m, "id", true),
			Name:      sr.text(m, "name", true),
			Renewable: sr.boolean(m, "renewable", true),
		}
		pt.ValidityMonths, _ = sr.integer(m, "validity_months", true)
		if ev, ok := sr.mapping(sr.get(m, "evidence", false), join(m.path, "evidence"), typeActionKeys...); ok {
			pt.Evidence = make(map[evidence.Action][]evidence.Requirement)
			for _, a := range typeActionKeys {
				if reqs, given := sr.references(ev, a, false, groups); given {
					pt.Evidence[evidence.Action(a)] = reqs
				}
			}
			if !pt.Renewable && len(pt.Evidence[evidence.ActionRenew]) > 0 {
				sr.add(ev.values[string(evidence.ActionRenew)], join(ev.path, "renew"), "is given but the permit type is not renewable (renewable: false)")
			}
		}
		out = append(out, pt)
	})
	return out
}

// references reads a list of requirement group IDs and resolves them.
func (sr *reader) references(m mapping, key string, required bool, groups map[string]evidence.Requirement) ([]evidence.Requirement, bool) {
	items, ok := sr.texts(m, key, required)
	if !ok {
		return nil, false
	}
	out := make([]evidence.Requirement, 0, len(items))
	for i, it := range items {
		switch q, known := groups[it.value]; {
		case slices.IndexFunc(items[:i], func(o textItem) bool { return o.value == it.value }) >= 0:
			sr.add(it.node, it.path, "%q is listed more than once", it.value)
		case !known:
			sr.add(it.node, it.path, "unknown requirement %q; define it under evidence.requirements", it.value)
		default:
			out = append(out, q)
		}
	}
	return out, true
}

func (sr *reader) pools(top mapping) []eligibility.AllowancePool {
	var out []eligibility.AllowancePool
	sr.items(top, "pools", false, poolKeys, func(_ int, m mapping) {
		p := eligibility.AllowancePool{
			ID:    sr.text(m, "id", true),
			Name:  sr.text(m, "name", true),
			Scope: eligibility.Scope(sr.text(m, "scope", true)),
		}
		ts, _ := sr.texts(m, "types", true)
		p.Types = values(ts)
		p.Free, _ = sr.integer(m, "free", true)
		out = append(out, p)
	})
	return out
}

func (sr *reader) limits(top mapping) []eligibility.Limit {
	var out []eligibility.Limit
	sr.items(top, "limits", false, limitKeys, func(_ int, m mapping) {
		l := eligibility.Limit{
			Scope: eligibility.Scope(sr.text(m, "scope", true)),
			Why:   sr.text(m, "why", true),
		}
		ts, _ := sr.texts(m, "types", true)
		l.Types = values(ts)
		l.Max, _ = sr.integer(m, "max", true)
		out = append(out, l)
	})
	return out
}

// tariffs reads the price table and builds it with pricing.NewTariffs. It
// reports false when the table could not be built.
func (sr *reader) tariffs(top mapping, zs []zones.Zone) (*pricing.Tariffs, bool) {
	list, ok := sr.list(top, "tariffs", true)
	if !ok {
		return nil, false
	}
	// One row per item, so that NewTariffs' row numbers are the file's.
	rows := make([]pricing.Tariff, len(list))
	// flagged marks rows with a problem of their own, which NewTariffs
	// would only repeat in other words.
	flagged := make([]bool, len(list))
	for i, n := range list {
		p := index("tariffs", i)
		before := len(sr.problems)
		if isNull(n) {
			sr.add(n, p, "is empty")
		}
		if m, ok := sr.mapping(n, p, tariffKeys...); ok {
			r := pricing.Tariff{
				PermitType: sr.text(m, "permit_type", true),
				Zone:       sr.text(m, "zone", false),
			}
			r.DurationMonths, _ = sr.integer(m, "duration_months", false)
			r.From, _ = sr.date(m, "from", true)
			r.Until, _ = sr.date(m, "until", false)
			r.Price, _ = sr.money(m, "price", true)
			if r.Zone != "" && !slices.ContainsFunc(zs, func(z zones.Zone) bool { return z.ID == r.Zone }) {
				sr.add(m.values["zone"], join(p, "zone"), "unknown zone %q; leave zone out to price every zone", r.Zone)
			}
			rows[i] = r
		}
		flagged[i] = len(sr.problems) > before
	}
	t, err := pricing.NewTariffs(rows)
	var te *pricing.TariffsError
	if !errors.As(err, &te) {
		return t, err == nil
	}
	for _, p := range te.Problems {
		if len(p.Rows) == 0 || slices.ContainsFunc(p.Rows, func(i int) bool { return i < 0 || i >= len(rows) || flagged[i] }) {
			continue
		}
		if len(p.Rows) == 2 && p.Field == "" {
			a, b := p.Rows[0], p.Rows[1]
			sr.leaf(index("tariffs", b)+".from", describeTariffPair(a, rows[a], rows[b]))
			continue
		}
		sr.leaf(index("tariffs", p.Rows[0])+"."+tariffField(p.Field), p.Detail)
	}
	return nil, false
}

// describeTariffPair explains a gap or overlap between rows a and b of one
// group, where b starts after a in date order, for the council officer
// editing the file.
func describeTariffPair(a int, ra, rb pricing.Tariff) string {
	group := ra.PermitType
	if ra.Zone != "" {
		group += " in zone " + ra.Zone
	}
	if ra.DurationMonths != 0 {
		group += fmt.Sprintf(" for %d months", ra.DurationMonths)
	}
	from := rb.From.Format(time.DateOnly)
	switch {
	case ra.Until.IsZero():
		return fmt.Sprintf("%s starts while tariffs[%d] for %s is still open-ended; give tariffs[%d] an until date of %s",
			from, a, group, a, rb.From.AddDate(0, 0, -1).Format(time.DateOnly))
	case !rb.From.After(ra.Until):
		return fmt.Sprintf("%s overlaps tariffs[%d], which runs until %s for %s; start the day after that",
			from, a, ra.Until.Format(time.DateOnly), group)
	}
	first, last := ra.Until.AddDate(0, 0, 1), rb.From.AddDate(0, 0, -1)
	missing := "no price on " + first.Format(time.DateOnly)
	if !first.Equal(last) {
		missing = "no price from " + first.Format(time.DateOnly) + " to " + last.Format(time.DateOnly)
	}
	return fmt.Sprintf("%s leaves a gap after %s for %s (tariffs[%d]): %s",
		from, ra.Until.Format(time.DateOnly), group, a, missing)
}

// tariffField maps a pricing.Tariff field name to the file's key.
func tariffField(f string) string {
	switch f {
	case "PermitType":
		return "permit_type"
	case "DurationMonths":
		return "duration_months"
	}
	return strings.ToLower(f)
}

func (sr *reader) refunds(top mapping) (pricing.RefundPolicy, permit.RefundOnMove) {
	m, ok := sr.mapping(sr.get(top, "refunds", true), "refunds", refundKeys...)
	if !ok {
		return pricing.RefundPolicy{}, permit.RefundOnMoveAsCancelled
	}
	onMove := permit.RefundOnMoveAsCancelled
	if v := sr.text(m, "on_move", false); v != "" {
		switch permit.RefundOnMove(v) {
		case permit.RefundOnMoveAsCancelled, permit.RefundOnMoveNone:
			onMove = permit.RefundOnMove(v)
		default:
			sr.add(m.values["on_move"], "refunds.on_move", "%q is not a setting; write as_cancelled or none", v)
		}
	}
	p := pricing.RefundPolicy{AdminFee: decimal.New(0, -2)}
	kind := sr.text(m, "kind", true)
	if kind != "" {
		k, err := pricing.ParseRefundKind(kind)
		if err != nil {
			sr.add(m.values["kind"], "refunds.kind", "%q is not a refund kind; write none, pro_rata or full", kind)
			return p, onMove
		}
		p.Kind = k
	}
	if fee, ok := sr.money(m, "admin_fee", false); ok {
		p.AdminFee = fee
	}
	var errs []error
	if err := p.Validate(); err != nil {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			errs = j.Unwrap()
		} else {
			errs = []error{err}
		}
	}
	for _, err := range errs {
		var pe *pricing.RefundPolicyError
		if errors.As(err, &pe) {
			field := "refunds.kind"
			if pe.Field == "AdminFee" {
				field = "refunds.admin_fee"
			}
			sr.leaf(field, pe.Reason)
		} else {
			sr.leaf("refunds", err.Error())
		}
	}
	return p, onMove
}

// evidence reads the document kinds, the requirement groups and the
// address-change requirements; it returns the groups by ID for permit
// types to refer to.
func (sr *reader) evidence(top mapping, s *permit.Scheme) map[string]evidence.Requirement {
	groups := make(map[string]evidence.Requirement)
	m, ok := sr.mapping(sr.get(top, "evidence", true), "evidence", evidenceKeys...)
	if !ok {
		return groups
	}
	var kinds []evidence.KindRule
	var kindIndex []int // position in the file of kinds[i]
	sr.items(m, "kinds", true, kindKeys, func(i int, km mapping) {
		k := evidence.KindRule{
			Kind:            evidence.Kind(sr.text(km, "kind", true)),
			Title:           sr.text(km, "title", true),
			RequireName:     sr.boolean(km, "require_name", false),
			RequireAddress:  sr.boolean(km, "require_address", false),
			FreshForRenewal: sr.boolean(km, "fresh_for_renewal", false),
		}
		k.MaxAgeMonths, _ = sr.integer(km, "max_age_months", false)
		fields, _ := sr.texts(km, "required_fields", false)
		k.RequiredFields = values(fields)
		checks, _ := sr.texts(km, "checks", false)
		for _, c := range checks {
			k.Checks = append(k.Checks, evidence.Check(c.value))
		}
		kinds = append(kinds, k)
		kindIndex = append(kindIndex, i)
	})
	rules, err := evidence.NewRules(kinds)
	var re *evidence.RulesError
	if errors.As(err, &re) {
		for _, is := range re.Issues {
			sr.leaf(join(index("evidence.kinds", kindIndex[is.Index]), is.Field), is.Reason)
		}
		// Requirements can still be checked against the kinds' names.
		var names []evidence.KindRule
		for _, k := range kinds {
			if strings.TrimSpace(string(k.Kind)) == string(k.Kind) && k.Kind != "" &&
				!slices.ContainsFunc(names, func(n evidence.KindRule) bool { return n.Kind == k.Kind }) {
				names = append(names, evidence.KindRule{Kind: k.Kind, Title: string(k.Kind)})
			}
		}
		rules, _ = evidence.NewRules(names)
	} else {
		s.Evidence = rules
	}

	var reqs []evidence.Requirement
	var reqIndex []int
	sr.items(m, "requirements", true, requirementKeys, func(i int, qm mapping) {
		q := evidence.Requirement{Name: sr.text(qm, "id", true), Title: sr.text(qm, "title", true)}
		kindNames, _ := sr.texts(qm, "one_of", true)
		for _, k := range kindNames {
			q.OneOf = append(q.OneOf, evidence.Kind(k.value))
		}
		reqs = append(reqs, q)
		reqIndex = append(reqIndex, i)
	})
	if rules != nil {
		var qe *evidence.RulesError
		if errors.As(rules.ValidateRequirements(reqs), &qe) {
			for _, is := range qe.Issues {
				field := is.Field
				if field == "name" {
					field = "id"
				}
				sr.leaf(join(index("evidence.requirements", reqIndex[is.Index]), field), is.Reason)
			}
		}
	}
	for _, q := range reqs {
		if _, dup := groups[q.Name]; !dup && q.Name != "" {
			groups[q.Name] = q
		}
	}

	s.AddressChangeSameZone, _ = sr.references(m, string(evidence.ActionAddressChangeSameZone), true, groups)
	s.NewZoneApplication, _ = sr.references(m, string(evidence.ActionApplicationNewZone), true, groups)
	return groups
}

// maxRejectionTextLength bounds a reason's text: it is read in an email
// or a letter, not a document.
const maxRejectionTextLength = 500

var rejectionCodePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

var rejectionReasonKeys = []string{"code", "text"}

// rejectionReasons reads the optional list of the council's reasons.
func (sr *reader) rejectionReasons(top mapping) []permit.RejectionReason {
	var out []permit.RejectionReason
	sr.items(top, "rejection_reasons", false, rejectionReasonKeys, func(i int, m mapping) {
		r := permit.RejectionReason{Code: sr.text(m, "code", true), Text: sr.text(m, "text", true)}
		path := join(m.path, "code")
		switch {
		case m.values["code"] == nil:
		case !rejectionCodePattern.MatchString(r.Code):
			sr.add(m.values["code"], path, "%q is not a code: write lower-case letters, digits and underscores, such as proof_unclear", r.Code)
		case slices.ContainsFunc(out, func(o permit.RejectionReason) bool { return o.Code == r.Code }):
			sr.add(m.values["code"], path, "%q is listed more than once", r.Code)
		}
		text := strings.TrimSpace(r.Text)
		switch {
		case m.values["text"] == nil:
		case text == "":
			sr.add(m.values["text"], join(m.path, "text"), "is blank; it is what the resident reads")
		case len(text) > maxRejectionTextLength:
			sr.add(m.values["text"], join(m.path, "text"), "is %d characters long; keep it to %d, a sentence or two", len(text), maxRejectionTextLength)
		}
		r.Text = text
		out = append(out, r)
	})
	return out
}
