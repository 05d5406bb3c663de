package zones

// MatchHouse reports whether house, as an applicant typed it, names the
// property p by the rules every Locator follows (see
// Locator.FindProperties): its number, its name, its name and number, or
// its sub-building alone or followed by its number or name, ignoring case,
// spaces and punctuation but keeping numbers whole. A house with no letters
// or digits (such as "") matches every property.
//
// It is for Locators over other storage (a database, an address service)
// that fetch a postcode's properties and must then choose among them
// exactly as the in-memory Gazetteer does.
func MatchHouse(p Property, house string) bool {
	var qb, sb, nb, db [64]byte
	q := appendHouseKey(qb[:0], house)
	if len(q) == 0 {
		return true
	}
	sub := appendHouseKey(sb[:0], p.SubBuilding)
	name := appendHouseKey(nb[:0], p.BuildingName)
	number := appendHouseKey(db[:0], p.BuildingNumber)
	return matchKeys(q, string(sub), string(name), string(number))
}

// matchKeys is MatchHouse over house keys (see appendHouseKey): q is the
// query's, which is not empty; sub, name and number the property's ("" for
// a part it lacks).
func matchKeys(q []byte, sub, name, number string) bool {
	if string(q) == number || string(q) == name || isJoin(q, name, number) {
		return true
	}
	if sub == "" {
		return false
	}
	return string(q) == sub || isJoin(q, sub, number) || isJoin(q, sub, name)
}

// HouseMatcher is MatchHouse for one house, as an applicant typed it,
// against many properties: the house's key is worked out once. With
// HouseKeys kept beside each property (a Locator's cache), matching a
// postcode's properties allocates nothing.
type HouseMatcher struct {
	q   []byte
	all bool
}

// NewHouseMatcher prepares house for matching.
func NewHouseMatcher(house string) HouseMatcher {
	q := appendHouseKey(nil, house)
	return HouseMatcher{q: q, all: len(q) == 0}
}

// HouseKeys are a property's sub-building, building name and number as
// MatchHouse compares them.
type HouseKeys struct{ sub, name, number string }

// HouseKeysOf works out p's HouseKeys.
func HouseKeysOf(p Property) HouseKeys {
	return HouseKeys{
		sub:    string(appendHouseKey(nil, p.SubBuilding)),
		name:   string(appendHouseKey(nil, p.BuildingName)),
		number: string(appendHouseKey(nil, p.BuildingNumber)),
	}
}

// Matches reports MatchHouse(p, house) for the property p whose keys are k.
func (m HouseMatcher) Matches(k HouseKeys) bool {
	return m.all || matchKeys(m.q, k.sub, k.name, k.number)
}
