package scheme

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/carerpermit/carerpermit/eligibility"
	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
	"github.com/carerpermit/carerpermit/pricing"
	"github.com/carerpermit/carerpermit/zones"
	"github.com/carerpermit/carerpermit/zones/civil"
)

func (sr *reader) zones(top mapping) []zones.Zone {
	var out []zones.Zone
	sr.items(top, "zones", true, zoneKeys, func(_ int, m mapping) {
		out = append(out, zones.Zone{ID: sr.text(m, "id", true), Name: sr.text(m, "name", true)})
	})
	return out
}

// zoneMap reads the optional zone_map section: the GeoJSON file the zones
// are drawn in, what to do with a property that has no position, and the
// override list (each zone one of the scheme's, or none).
func (sr *reader) zoneMap(top mapping, zs []zones.Zone) *permit.ZoneMapSource {
	n := top.values["zone_map"]
	if isNull(n) {
		return nil
	}
	m, ok := sr.mapping(n, "zone_map", zoneMapKeys...)
	if !ok {
		return nil
	}
	src := &permit.ZoneMapSource{File: sr.text(m, "file", true)}
	if src.File != "" && strings.TrimSpace(src.File) != src.File {
		sr.add(m.values["file"], "zone_map.file", "%q has spaces around it", src.File)
	}
	switch w := sr.text(m, "without_position", false); w {
	case "", "refuse":
	case "listed_zone":
		src.ListedZoneWithoutPosition = true
	default:
		sr.add(m.values["without_position"], "zone_map.without_position", "%q is not refuse or listed_zone", w)
	}
	lines := map[zones.UPRN]int{}
	sr.items(m, "overrides", false, overrideKeys, func(i int, o mapping) {
		p := index("zone_map.overrides", i)
		text := sr.text(o, "uprn", true)
		zone := sr.text(o, "zone", true)
		if text == "" || zone == "" {
			return
		}
		uprn, err := zones.ParseUPRN(text)
		if ue := (*zones.UPRNError)(nil); errors.As(err, &ue) {
			sr.add(o.values["uprn"], join(p, "uprn"), "%q: %s", text, ue.Reason)
			return
		}
		if first, dup := lines[uprn]; dup {
			sr.add(o.values["uprn"], join(p, "uprn"), "%s is also overridden on line %d", uprn, first)
			return
		}
		lines[uprn] = o.values["uprn"].Line
		switch {
		case zone == noZone:
			zone = ""
		case !slices.ContainsFunc(zs, func(z zones.Zone) bool { return z.ID == zone }):
			sr.add(o.values["zone"], join(p, "zone"), "unknown zone %q; give one of the zones above, or %s for outside every zone", zone, noZone)
			return
		}
		if src.Overrides == nil {
			src.Overrides = map[zones.UPRN]string{}
		}
		src.Overrides[uprn] = zone
	})
	if slices.ContainsFunc(zs, func(z zones.Zone) bool { return z.ID == noZone }) {
		sr.add(n, "zone_map", "a zone has the ID %q, which a zone map's overrides use for outside every zone: rename the zone", noZone)
	}
	return src
}

// noZone is the zone an override gives for "outside every zone".
const noZone = "none"

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
	sr.tariffRows = rows
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
	kindOK := kind != ""
	if kindOK {
		k, err := pricing.ParseRefundKind(kind)
		if err != nil {
			sr.add(m.values["kind"], "refunds.kind", "%q is not a refund kind; write none, pro_rata or full", kind)
			kindOK = false
		}
		p.Kind = k
	}
	// The fee is read whatever the kind, so that its own problems are
	// reported in the same pass (issue 14: a bad kind hid them).
	if fee, ok := sr.money(m, "admin_fee", false); ok {
		p.AdminFee = fee
	}
	if !kindOK {
		// The policy as a whole cannot be judged without its kind.
		return p, onMove
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

// tariffWarnings warns of each permit type that has no price on today in
// some zone (see LoadWith), at the row that gives its next price or its
// last one.
func (sr *reader) tariffWarnings(s *permit.Scheme, today time.Time) []Warning {
	on := civil.Of(today)
	var out []Warning
	for _, pt := range s.Rules.PermitTypes {
		var missing []string
		for _, z := range s.Rules.Zones {
			if _, err := s.Rules.Tariffs.PriceOn(pt.ID, z.ID, pt.ValidityMonths, on.Time()); err != nil {
				missing = append(missing, z.ID)
			}
		}
		if len(missing) == 0 {
			continue
		}
		where := "in any zone"
		if len(missing) < len(s.Rules.Zones) {
			where = "in zone " + strings.Join(missing, ", ")
			if len(missing) > 1 {
				where = "in zones " + strings.Join(missing, ", ")
			}
		}
		next, last := -1, -1
		for i, r := range sr.tariffRows {
			if r.PermitType != pt.ID {
				continue
			}
			from := civil.Of(r.From)
			if from.After(on) && (next < 0 || from.Before(civil.Of(sr.tariffRows[next].From))) {
				next = i
			}
			if !r.Until.IsZero() && civil.Of(r.Until).Before(on) && (last < 0 || civil.Of(r.Until).After(civil.Of(sr.tariffRows[last].Until))) {
				last = i
			}
		}
		loaded := on.String() + " (the day the scheme was loaded)"
		switch {
		case next >= 0:
			r := sr.tariffRows[next]
			path := index("tariffs", next) + ".from"
			out = append(out, sr.warning(path, fmt.Sprintf(
				"%s has no price %s on %s: its tariffs start on %s, so until then a paid application for a permit starting earlier is refused (no_tariff)",
				pt.ID, where, loaded, civil.Of(r.From))))
		case last >= 0:
			r := sr.tariffRows[last]
			path := index("tariffs", last) + ".until"
			out = append(out, sr.warning(path, fmt.Sprintf(
				"%s has no price %s on %s: its last tariff ended on %s, so a paid application is refused (no_tariff); add a row from %s",
				pt.ID, where, loaded, civil.Of(r.Until), civil.Of(r.Until).AddDays(1))))
		default:
			out = append(out, sr.warning("tariffs", fmt.Sprintf(
				"%s has no price %s on %s, so a paid application there is refused (no_tariff)", pt.ID, where, loaded)))
		}
	}
	return out
}

// warning is a Warning at path's line.
func (sr *reader) warning(path, reason string) Warning {
	w := Warning{Path: path, Reason: reason}
	if n := sr.nodes[path]; n != nil {
		w.Line = n.Line
	}
	return w
}

// paymentHold reads the optional payment_hold section: when held money is
// taken, how long the provider holds it, and how long before it lapses
// the due jobs take it. Keys left out keep permit.DefaultPaymentHold's.
func (sr *reader) paymentHold(top mapping) permit.PaymentHold {
	h := permit.DefaultPaymentHold
	n := top.values["payment_hold"]
	if isNull(n) {
		return h
	}
	m, ok := sr.mapping(n, "payment_hold", paymentHoldKeys...)
	if !ok {
		return h
	}
	if c := sr.text(m, "capture", false); c != "" {
		if c != permit.CaptureOnApproval {
			sr.add(m.values["capture"], "payment_hold.capture", "is %q; write on_approval (the money is held at application and taken on approval)", c)
		}
		h.Capture = c
	}
	life, lifeOK := sr.duration(m, "lifetime", false)
	if lifeOK {
		if life <= 0 || life > maxPaymentHold {
			sr.add(m.values["lifetime"], "payment_hold.lifetime", "is %s; it must be more than 0 and at most %s (30 days)", life, maxPaymentHold)
			lifeOK = false
		}
		h.Lifetime = life
	}
	before, beforeOK := sr.duration(m, "capture_before_lapse", false)
	if beforeOK {
		h.CaptureBeforeLapse = before
	}
	if (lifeOK || beforeOK) && (h.CaptureBeforeLapse <= 0 || h.CaptureBeforeLapse >= h.Lifetime) {
		at := m.values["capture_before_lapse"]
		if at == nil {
			at = m.values["lifetime"]
		}
		sr.add(at, "payment_hold.capture_before_lapse", "is %s; it must be more than 0 and less than the lifetime, %s", h.CaptureBeforeLapse, h.Lifetime)
	}
	return h
}
