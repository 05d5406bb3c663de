package scheme

import (
	"errors"
	"slices"
	"strings"

	"github.com/carerpermit/carerpermit/evidence"
	"github.com/carerpermit/carerpermit/permit"
)

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
